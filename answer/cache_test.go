package answer

import (
	"context"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// A cached answer is the answer composing gives, and a caller changing the
// answer it got changes neither the cache nor other callers' answers.
func TestCacheGivesTheComposedAnswer(t *testing.T) {
	base := testComposer(t)
	c := *base
	c.Cache = NewCache(8)
	ctx := context.Background()
	for _, q := range []string{"公司拖欠工资三个月不发怎么办", "邻居装修噪音太大", "我想离婚孩子归谁"} {
		want, err := base.Ask(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		first, err := c.Ask(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		second, err := c.Ask(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(first, want) || !reflect.DeepEqual(second, want) {
			t.Fatalf("%s: cached answer differs from the composed one", q)
		}
		if len(second.Related) > 0 {
			second.Related[0].ID = "changed"
		}
		second.Articles = append(second.Articles, second.Articles...)
		second.Text = "changed"
		third, _ := c.Ask(ctx, q)
		if !reflect.DeepEqual(third, want) {
			t.Fatalf("%s: changing a returned answer changed the cache", q)
		}
	}
	hits, misses := c.Cache.Stats()
	if hits != 6 || misses != 3 {
		t.Errorf("hits, misses = %d, %d; want 6, 3", hits, misses)
	}
}

// The cache keeps at most its size, dropping the least recently used.
func TestCacheEvictsLeastRecentlyUsed(t *testing.T) {
	c := NewCache(2)
	c.put("a", Answer{Text: "A"})
	c.put("b", Answer{Text: "B"})
	if _, ok := c.get("a"); !ok { // a is now more recent than b
		t.Fatal("a missing")
	}
	c.put("c", Answer{Text: "C"})
	if _, ok := c.get("b"); ok {
		t.Error("b kept after the cache filled")
	}
	for _, q := range []string{"a", "c"} {
		if a, ok := c.get(q); !ok || a.Text != map[string]string{"a": "A", "c": "C"}[q] {
			t.Errorf("get(%s) = %+v, %v", q, a, ok)
		}
	}
	if c.Len() != 2 {
		t.Errorf("Len = %d, want 2", c.Len())
	}
}

// Errors are not kept: a question that failed (here, the caller gave up)
// is composed again next time.
func TestCacheKeepsNoErrors(t *testing.T) {
	c := *testComposer(t)
	c.Cache = NewCache(8)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// Fill the composing slots so that Ask must wait, and sees ctx end.
	for range cap(composing) {
		composing <- struct{}{}
	}
	_, err := c.Ask(ctx, "公司拖欠工资三个月不发怎么办")
	for range cap(composing) {
		<-composing
	}
	if err == nil {
		t.Fatal("Ask with an ended context and no free slot succeeded")
	}
	if c.Cache.Len() != 0 {
		t.Errorf("a failed question was cached")
	}
	if _, err := c.Ask(context.Background(), "公司拖欠工资三个月不发怎么办"); err != nil || c.Cache.Len() != 1 {
		t.Errorf("Ask after the failure: err %v, cached %d", err, c.Cache.Len())
	}
}

// Many residents asking at once get their own questions' answers.
func TestCacheConcurrent(t *testing.T) {
	c := *testComposer(t)
	c.Cache = NewCache(4)
	qs := []string{"公司拖欠工资怎么办", "邻居装修噪音太大", "网购买到假货怎么维权", "被狗咬了谁负责", "借钱不还怎么起诉", "房东不退押金怎么办"}
	want := map[string]Answer{}
	for _, q := range qs {
		a, err := testComposer(t).Ask(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		want[q] = a
	}
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 20 {
				q := qs[(i+j)%len(qs)]
				a, err := c.Ask(context.Background(), q)
				if err != nil || !reflect.DeepEqual(a, want[q]) {
					t.Errorf("%s: wrong answer (%v)", q, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if n := c.Cache.Len(); n > 4 {
		t.Errorf("cache holds %d answers, more than its size 4", n)
	}
}

// The same question written in full width, traditional characters, with
// invisible characters or other spaces is one cache entry, and its answer
// is exactly the one composed for it without the cache: composing reads
// only the normalised text.
func TestCacheKeyIsTheQuestionAsRead(t *testing.T) {
	base := testComposer(t)
	c := *base
	c.Cache = NewCache(64)
	ctx := context.Background()
	for _, tt := range []struct{ q, same string }{
		{"公司拖欠工资三个月不发怎么办", "公司拖欠工資三個月不發怎麼辦"},
		{"房东不退押金怎么办", "  房东不退押金\u200b怎么办\u3000"},
		{"被打了要报警吗 110", "被打了要报警吗　１１０"},
		{"网购商品有质量问题 APP不退货", "网购商品有质量问题\tａｐｐ不退货"},
		{"救命 有人打我", "救命\u00a0 \u00a0有人打我"},
	} {
		if cacheKey(tt.q) != cacheKey(tt.same) {
			t.Errorf("cacheKey(%q) = %q, cacheKey(%q) = %q; want one key", tt.q, cacheKey(tt.q), tt.same, cacheKey(tt.same))
		}
		for _, q := range []string{tt.q, tt.same} {
			want, err := base.Ask(ctx, q) // no cache: composed
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.Ask(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%q: the cached answer differs from the one composed for it", q)
			}
		}
	}
	if hits, misses := c.Cache.Stats(); hits != 5 || misses != 5 {
		t.Errorf("hits, misses = %d, %d; want 5, 5", hits, misses)
	}
	// Words that differ stay apart: a space between two characters makes
	// other search terms.
	for _, pair := range [][2]string{{"打人", "打 人"}, {"押金", "押金?"}, {"a b", "ab"}} {
		if cacheKey(pair[0]) == cacheKey(pair[1]) {
			t.Errorf("%q and %q share a key", pair[0], pair[1])
		}
	}
	long := strings.Repeat("房东不退押金怎么办", 200)
	if cacheKey(long) != long || cacheKey(long+" ") == cacheKey(long) {
		t.Error("a question cut before normalising is not its own key")
	}
}
