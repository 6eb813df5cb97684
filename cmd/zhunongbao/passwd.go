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
	summaries["user passwd"] = "设置账号登录浏览器控制台的密码（从标准输入读一行），并结束该账号已登录的会话"
}

// passwordIn is where user passwd reads the password; tests replace it.
var passwordIn io.Reader = os.Stdin

// userPasswd sets the console password of an account. The password comes
// from standard input, never from an argument that ps or the shell history
// would show.
func userPasswd(ctx context.Context, e *env, args []string) error {
	pos, err := parse(flags("user passwd"), args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || pos[0] == "" {
		return usagef("用法: user passwd USERNAME，新密码从标准输入读一行")
	}
	args = pos
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
