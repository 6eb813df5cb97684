package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

// TestDocsStandAlone keeps the documentation readable on its own: nothing
// under docs/ nor the README cites a specification that is not in the
// repository ("SPEC", "§"); each rule is stated where it is used.
func TestDocsStandAlone(t *testing.T) {
	root := filepath.Join("..", "..")
	cite := regexp.MustCompile(`\bSPEC\b|§`)
	files := []string{filepath.Join(root, "README.md")}
	err := filepath.WalkDir(filepath.Join(root, "docs"), func(path string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() && !strings.HasSuffix(path, ".png") {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 10 {
		t.Fatalf("found %d files under docs/, want the guides", len(files))
	}
	// Code comments and shipped configuration too: a Go file names "§" only
	// in this test.
	for _, dir := range []string{"cmd", "internal", "configs"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, e fs.DirEntry, err error) error {
			text := strings.HasSuffix(path, ".go") || strings.HasSuffix(path, ".yaml")
			if err == nil && text && filepath.Base(path) != "docs_test.go" {
				files = append(files, path)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, path := range files {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			if m := cite.FindString(line); m != "" {
				rel, _ := filepath.Rel(root, path)
				t.Errorf("%s:%d cites %q, a document not in the repository; state the rule itself: %s", rel, i+1, m, strings.TrimSpace(line))
			}
		}
	}
}

// TestGuidesInChinese: county clerks and insurers' staff read Chinese, so
// every guide in docs/ and the README has more Chinese characters than
// Latin letters in its prose (code blocks, inline code and link targets
// left out). docs/performance.md is left out: it is the developers' log
// of benchmark runs — commands and figures — and may stay in English.
func TestGuidesInChinese(t *testing.T) {
	root := filepath.Join("..", "..")
	guides, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil || len(guides) < 8 {
		t.Fatalf("docs/*.md: %d guides, %v", len(guides), err)
	}
	code := regexp.MustCompile("(?s)```.*?```|`[^`\n]*`|\\]\\([^)]*\\)")
	for _, path := range append(guides, filepath.Join(root, "README.md")) {
		if filepath.Base(path) == "performance.md" {
			continue
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var han, latin int
		for _, r := range code.ReplaceAllString(string(b), " ") {
			switch {
			case unicode.Is(unicode.Han, r):
				han++
			case r < unicode.MaxASCII && unicode.IsLetter(r):
				latin++
			}
		}
		if han <= latin {
			rel, _ := filepath.Rel(root, path)
			t.Errorf("%s has %d Chinese characters and %d Latin letters outside code: write it in Chinese", rel, han, latin)
		}
	}
}
