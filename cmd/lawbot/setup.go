package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	"github.com/lawbot/lawbot/answer"
	"github.com/lawbot/lawbot/index"
	"github.com/lawbot/lawbot/knowledge"
)

// config is what every command that answers questions needs.
type config struct {
	dataDir      string
	knowledgeDir string
	lenient      bool
	history      string
}

func (c *config) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.dataDir, "data", envOr("LAWBOT_DATA_DIR", "./data"), "data directory: index, imported statutes, statistics (LAWBOT_DATA_DIR)")
	fs.StringVar(&c.knowledgeDir, "knowledge", os.Getenv("LAWBOT_KNOWLEDGE_DIR"), "directory of extra or overriding FAQ *.yaml files (LAWBOT_KNOWLEDGE_DIR)")
	fs.BoolVar(&c.lenient, "lenient", os.Getenv("LAWBOT_LENIENT") == "1", "skip bad knowledge files instead of refusing to start (LAWBOT_LENIENT=1)")
	fs.StringVar(&c.history, "history", os.Getenv("LAWBOT_HISTORY"), "past consultations to learn from, JSONL {query, relevant} (LAWBOT_HISTORY)")
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// engine is the opened knowledge base and indexes.
type engine struct {
	base     *knowledge.Base
	laws     *knowledge.Statutes
	faq      *index.FAQIndex
	statutes *index.StatuteIndex // nil when no statutes are imported
	composer *answer.Composer
	problems knowledge.Problems // reported in lenient mode
}

func (e *engine) Close() {
	if e.faq != nil {
		e.faq.Close()
	}
	if e.statutes != nil {
		e.statutes.Close()
	}
}

// openEngine loads the knowledge base and statutes and opens their indexes,
// building an index only when its inputs changed since it was built.
func openEngine(ctx context.Context, env *env, c *config) (*engine, error) {
	if os.Getenv("GOMEMLIMIT") == "" {
		// Building an index needs the most memory; the server's roomier
		// limit (serveMemoryLimit) applies once it answers questions.
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(min(debug.SetMemoryLimit(-1), defaultMemoryLimit)))
	}
	base, probs, err := knowledge.Load(knowledge.LoadOptions{Dir: c.knowledgeDir, Lenient: c.lenient})
	if err != nil {
		return nil, fmt.Errorf("知识库有 %d 处错误，未启动（可加 -lenient 跳过出错的文件）:\n%w", len(probs), err)
	}
	laws, err := knowledge.LoadStatutes(c.dataDir)
	if err != nil {
		return nil, err
	}
	e := &engine{base: base, laws: laws, problems: probs}
	faqDir := filepath.Join(c.dataDir, "index", "faq")
	e.faq, err = index.OpenFAQ(faqDir, index.FAQSource(base))
	if err == index.ErrStale {
		e.faq, err = index.BuildFAQ(ctx, faqDir, base)
	}
	if err != nil {
		return nil, err
	}
	if laws.Len() > 0 {
		var past []knowledge.Consultation
		if c.history != "" {
			var bad knowledge.ImportErrors
			past, bad, err = knowledge.ReadConsultationsFile(c.history)
			if err != nil {
				e.Close()
				return nil, err
			}
			reportBad(env, bad)
		}
		dir := filepath.Join(c.dataDir, "index", "statutes")
		e.statutes, err = index.OpenStatutes(dir, laws, past)
		if err == index.ErrStale {
			start := time.Now()
			bar := newProgressBar(env.stderr, "索引法条")
			e.statutes, err = index.BuildStatutes(ctx, dir, laws, past, bar.update)
			bar.done()
			if err == nil {
				fmt.Fprintf(env.stderr, "法条索引已建立：%d 条，用时 %.1f 秒\n", laws.Len(), time.Since(start).Seconds())
			}
		}
		if err != nil {
			e.Close()
			return nil, err
		}
	}
	e.composer = &answer.Composer{Base: base, FAQ: e.faq, Laws: laws}
	if e.statutes != nil {
		e.composer.Statutes = e.statutes
	}
	return e, nil
}
