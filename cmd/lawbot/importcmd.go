package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/lawbot/lawbot/knowledge"
)

func cmdImport(ctx context.Context, env *env, args []string) error {
	if len(args) == 0 || args[0] != "statutes" {
		return usageError("用法: lawbot import statutes 文件.jsonl|文件.md|目录")
	}
	fs := flag.NewFlagSet("import statutes", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	dataDir := dataFlag(fs)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError("用法: lawbot import statutes 文件.jsonl|文件.md|目录")
	}
	existing, err := knowledge.LoadStatutes(*dataDir)
	if err != nil {
		return err
	}
	bar := newProgressBar(env.stderr, "读取")
	arts, bad, err := knowledge.ReadStatutes(fs.Arg(0), bar.count)
	bar.done()
	if err != nil {
		return err
	}
	reportBad(env, bad)
	if len(arts) == 0 {
		return fmt.Errorf("没有可导入的条文（%d 条记录有错误）", len(bad))
	}
	added, replaced := existing.Merge(arts)
	if err := existing.Save(*dataDir); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "导入完成：新增 %d 条，更新 %d 条，跳过错误记录 %d 条；共 %d 条。索引将在下次启动时重建。\n",
		added, replaced, len(bad), existing.Len())
	return nil
}
