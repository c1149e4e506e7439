package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/lawbot/lawbot/answer"
)

func cmdAsk(ctx context.Context, env *env, args []string) error {
	fs := flag.NewFlagSet("ask", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	var c config
	c.flags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	q := strings.Join(fs.Args(), " ")
	if strings.TrimSpace(q) == "" {
		return usageError(`用法: lawbot ask "邻居装修噪音太大怎么办"`)
	}
	start := time.Now()
	e, err := openEngine(ctx, env, &c)
	if err != nil {
		return err
	}
	defer e.Close()
	opened := time.Since(start)
	t0 := time.Now()
	a, err := e.composer.Ask(ctx, q)
	if err != nil {
		return err
	}
	took := time.Since(t0)
	fmt.Fprintln(env.stdout, a.Text)
	if a.Kind == answer.Articles || a.Kind == answer.FAQ {
		if len(a.Articles) > 0 {
			fmt.Fprintln(env.stdout, "\n——— 条文原文 ———")
			for _, art := range a.Articles {
				fmt.Fprintf(env.stdout, "%s\n%s\n\n", art.Title(), art.Text)
			}
		} else if e.laws.Len() == 0 {
			fmt.Fprintln(env.stdout, "\n（尚未导入法条原文：lawbot import statutes 文件或目录）")
		}
	}
	if len(a.Related) > 0 {
		fmt.Fprintln(env.stdout, "\n您可能还想问：")
		for _, r := range a.Related {
			fmt.Fprintln(env.stdout, "· "+r.Question)
		}
	}
	entry := "-"
	if a.Entry != nil {
		entry = a.Entry.ID
	}
	fmt.Fprintf(env.stderr, "\n[%s] 条目 %s  置信度 %.2f  回答用时 %.1f ms（启动 %.0f ms）\n",
		kindName(a.Kind), entry, a.Confidence, float64(took.Microseconds())/1000, float64(opened.Milliseconds()))
	return nil
}

func kindName(k answer.Kind) string {
	switch k {
	case answer.FAQ:
		return "知识库解答"
	case answer.Articles:
		return "无把握，列出相关条文"
	case answer.NoMatch:
		return "未找到"
	default:
		return "请换个说法"
	}
}
