package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/lawbot/lawbot/web/admin"
)

// cmdAdminHash reads a staff password from standard input and prints the
// hash to put in LAWBOT_ADMIN_USERS as name:hash.
func cmdAdminHash(ctx context.Context, env *env, args []string) error {
	if len(args) != 1 {
		return usageError("用法: echo 密码 | lawbot admin-hash 用户名")
	}
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil && line == "" {
		return usageError("请从标准输入提供密码，例如: echo 密码 | lawbot admin-hash 用户名")
	}
	hash, err := admin.HashPassword(strings.TrimRight(line, "\r\n"))
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "%s:%s\n", args[0], hash)
	return nil
}
