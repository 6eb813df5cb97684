package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDeployFiles checks what the container set-up promises the operator:
// no personal data or history in the build context, a service that does not
// run as root, a buffer pool the operator sizes, and no localhost address
// printed into cards.
func TestDeployFiles(t *testing.T) {
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join("..", "..", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	t.Run("dockerignore", func(t *testing.T) {
		lines := strings.Fields(read(".dockerignore"))
		for _, want := range []string{".git", "data", "**/*.pdf", "**/*.db"} {
			found := false
			for _, l := range lines {
				found = found || l == want
			}
			if !found {
				t.Errorf(".dockerignore lacks %s", want)
			}
		}
	})
	t.Run("non-root", func(t *testing.T) {
		m := regexp.MustCompile(`(?m)^USER\s+(\S+)`).FindAllStringSubmatch(read("Dockerfile"), -1)
		if len(m) == 0 || m[len(m)-1][1] == "root" || m[len(m)-1][1] == "0" {
			t.Errorf("the image's last USER is %v, want an unprivileged user", m)
		}
	})
	compose := read("docker-compose.yml")
	t.Run("buffer pool variable", func(t *testing.T) {
		if !strings.Contains(compose, "--innodb-buffer-pool-size=${INNODB_BUFFER_POOL") {
			t.Error("the buffer pool size is fixed in docker-compose.yml")
		}
	})
	t.Run("no localhost base URL", func(t *testing.T) {
		if regexp.MustCompile(`ZNB_BASE_URL:.*localhost`).MatchString(compose) {
			t.Error("docker-compose.yml ships a localhost ZNB_BASE_URL")
		}
	})
}
