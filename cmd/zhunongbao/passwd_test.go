package main

import (
	"strings"
	"testing"
)

func TestUserPasswd(t *testing.T) {
	dir := t.TempDir()
	if code, _, errs := cli(t, dir, "user", "create", "--username", "clerk", "--role", "office", "--scope", "522625"); code != 0 {
		t.Fatalf("user create: %d %s", code, errs)
	}
	t.Cleanup(func() { passwordIn = nil })
	passwordIn = strings.NewReader("short\n")
	if code, _, errs := cli(t, dir, "user", "passwd", "clerk"); code == 0 || !strings.Contains(errs, "密码至少 8 个字符") {
		t.Fatalf("short password: code %d, %s", code, errs)
	}
	passwordIn = strings.NewReader("长久安全的密码123\n")
	if code, out, errs := cli(t, dir, "user", "passwd", "clerk"); code != 0 || !strings.Contains(out, `"password_set": true`) {
		t.Fatalf("user passwd: code %d, %s %s", code, out, errs)
	}
	passwordIn = strings.NewReader("whatever1\n")
	if code, _, errs := cli(t, dir, "user", "passwd", "nobody"); code == 0 || !strings.Contains(errs, "用户") {
		t.Fatalf("unknown user: code %d, %s", code, errs)
	}
}
