package main

import (
	"bufio"
	"context"
	"io"
	"os"
	"strings"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

func init() {
	commands["user passwd"] = command{"USERNAME  (新密码从标准输入读一行)", userPasswd}
}

// passwordIn is where user passwd reads the password; tests replace it.
var passwordIn io.Reader = os.Stdin

// userPasswd sets the console password of an account. The password comes
// from standard input, never from an argument that ps or the shell history
// would show.
func userPasswd(ctx context.Context, e *env, args []string) error {
	if len(args) != 1 || args[0] == "" {
		return usagef("用法: user passwd USERNAME，新密码从标准输入读一行")
	}
	line, err := bufio.NewReader(passwordIn).ReadString('\n')
	if err != nil && (err != io.EOF || line == "") {
		return usagef("没有从标准输入读到密码")
	}
	db, err := e.open(ctx)
	if err != nil {
		return err
	}
	if err := db.SetPassword(ctx, znb.System, args[0], strings.TrimRight(line, "\r\n")); err != nil {
		return err
	}
	return e.print(map[string]any{"username": args[0], "password_set": true})
}
