package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/lawbot/lawbot/index"
	"github.com/lawbot/lawbot/knowledge"
	"github.com/lawbot/lawbot/review"
)

// errCheckFailed makes `lawbot check` exit non-zero after printing its
// report.
var errCheckFailed = errors.New("知识库审核未通过")

func cmdCheck(ctx context.Context, env *env, args []string) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	var c config
	c.flags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	base, probs, err := knowledge.Load(knowledge.LoadOptions{Dir: c.knowledgeDir, Lenient: true})
	if err != nil {
		return err
	}
	for _, p := range probs {
		fmt.Fprintln(env.stdout, p.String())
	}
	laws, err := knowledge.LoadStatutes(c.dataDir)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "lawbot-check-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	faq, err := index.BuildFAQ(ctx, dir, base)
	if err != nil {
		return err
	}
	defer faq.Close()
	r, err := review.Run(ctx, base, laws, faq)
	if err != nil {
		return err
	}
	r.Print(env.stdout)
	fmt.Fprintf(env.stdout, "\n%s；格式问题 %d 处\n", r.Summary(), len(probs))
	if len(probs) > 0 || r.Unresolved() > 0 {
		return errCheckFailed
	}
	return nil
}
