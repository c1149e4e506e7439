package index

import (
	"bufio"
	"encoding/gob"
	"fmt"
	"os"
)

// termTable is the analysed form of every article: the term dictionary,
// each term's document frequency, and each article as a list of term ids
// (in index order) with its law and number. It is written next to the Bleve index so that ranking
// candidates never re-analyses article text.
type termTable struct {
	Terms []string
	DF    []int32
	Docs  [][]uint32
	Place []articlePlace // per article, in Docs order
}

func (t *termTable) write(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("index: write terms: %w", err)
	}
	w := bufio.NewWriter(f)
	if err := gob.NewEncoder(w).Encode(t); err != nil {
		f.Close()
		return fmt.Errorf("index: write terms: %w", err)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("index: write terms: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("index: write terms: %w", err)
	}
	return nil
}

func (t *termTable) read(path string) error {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return ErrStale
	}
	if err != nil {
		return fmt.Errorf("index: read terms: %w", err)
	}
	defer f.Close()
	if err := gob.NewDecoder(bufio.NewReader(f)).Decode(t); err != nil {
		return fmt.Errorf("index: read terms %s: %w (delete the index directory to rebuild it)", path, err)
	}
	if len(t.Terms) != len(t.DF) {
		return fmt.Errorf("index: read terms %s: inconsistent table (delete the index directory to rebuild it)", path)
	}
	return nil
}
