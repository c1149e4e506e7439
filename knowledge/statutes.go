package knowledge

import (
	"bufio"
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// Statutes is the set of imported articles, looked up by id or by law name
// and article number. Importing an article whose law and number are already
// present replaces it, so importing the same file twice changes nothing.
type Statutes struct {
	arts  []Article
	byKey map[ArticleKey]int
	byID  map[string]int
	hash  string // cached Hash; "" when not computed since the last change
}

// NewStatutes returns a set holding arts; later articles replace earlier
// ones with the same law and number.
func NewStatutes(arts []Article) *Statutes {
	s := &Statutes{byKey: map[ArticleKey]int{}, byID: map[string]int{}}
	s.Merge(arts)
	return s
}

// Merge adds arts and reports how many were new and how many replaced a
// different article already present (same law and number); identical
// articles are left as they are and counted in neither.
func (s *Statutes) Merge(arts []Article) (added, replaced int) {
	defer func() {
		if added+replaced > 0 {
			s.hash = ""
		}
	}()
	for _, a := range arts {
		k := a.Key()
		if i, ok := s.byKey[k]; ok {
			old := s.arts[i]
			if old == a {
				continue // importing the same text again changes nothing
			}
			if j, taken := s.byID[a.ID]; taken && j != i {
				// The id names another article too: the id now names the
				// new one, so that one goes, as below.
				s.arts[i] = a
				s.arts = slices.Delete(s.arts, j, j+1)
				s.reindex()
				replaced++
				continue
			}
			if old.ID != a.ID {
				delete(s.byID, old.ID)
			}
			s.arts[i] = a
			s.byID[a.ID] = i
			replaced++
			continue
		}
		if j, ok := s.byID[a.ID]; ok {
			// Same id, other article: the id now names the new one.
			delete(s.byKey, s.arts[j].Key())
			s.arts[j] = a
			s.byKey[k] = j
			replaced++
			continue
		}
		s.byKey[k] = len(s.arts)
		s.byID[a.ID] = len(s.arts)
		s.arts = append(s.arts, a)
		added++
	}
	return added, replaced
}

func (s *Statutes) reindex() {
	clear(s.byKey)
	clear(s.byID)
	for i, a := range s.arts {
		s.byKey[a.Key()] = i
		s.byID[a.ID] = i
	}
}

// Len is the number of articles.
func (s *Statutes) Len() int { return len(s.arts) }

// All returns the articles in import order. The slice must not be changed.
func (s *Statutes) All() []Article { return s.arts }

// ByID returns the article with the given id.
func (s *Statutes) ByID(id string) (Article, bool) {
	i, ok := s.byID[id]
	if !ok {
		return Article{}, false
	}
	return s.arts[i], true
}

// Resolve returns the article a citation names.
func (s *Statutes) Resolve(c Citation) (Article, bool) {
	i, ok := s.byKey[c.Key()]
	if !ok {
		return Article{}, false
	}
	return s.arts[i], true
}

// Hash identifies the set's content, for deciding when an index built from
// it is stale.
func (s *Statutes) Hash() string {
	if s.hash != "" {
		return s.hash
	}
	h := sha256.New()
	enc := gob.NewEncoder(h)
	_ = enc.Encode(s.arts) // hashing never fails
	s.hash = hex.EncodeToString(h.Sum(nil))
	return s.hash
}

// statutesFile is where the imported articles live in the data directory:
// a gob of the articles and their hash, quick to load at start-up.
const statutesFile = "statutes.gob"

// statutesOnDisk is the file's content.
type statutesOnDisk struct {
	Version  int
	Hash     string
	Articles []Article
}

const statutesVersion = 1

// StatutesPath is the file in dataDir that holds the imported articles.
func StatutesPath(dataDir string) string { return filepath.Join(dataDir, statutesFile) }

// LoadStatutes reads the articles imported into dataDir; a directory with
// none yields an empty set.
func LoadStatutes(dataDir string) (*Statutes, error) {
	f, err := os.Open(StatutesPath(dataDir))
	if errors.Is(err, os.ErrNotExist) {
		return NewStatutes(nil), nil
	}
	if err != nil {
		return nil, fmt.Errorf("load statutes: %w", err)
	}
	defer f.Close()
	var d statutesOnDisk
	if err := gob.NewDecoder(bufio.NewReader(f)).Decode(&d); err != nil || d.Version != statutesVersion {
		return nil, fmt.Errorf("load statutes: %s is damaged or from another version (re-import the statutes): %v", StatutesPath(dataDir), err)
	}
	s := NewStatutes(d.Articles)
	s.hash = d.Hash
	return s, nil
}

// Save writes the set into dataDir atomically: a crash mid-write leaves the
// previous file in place.
func (s *Statutes) Save(dataDir string) error {
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return fmt.Errorf("save statutes: %w", err)
	}
	tmp, err := os.CreateTemp(dataDir, statutesFile+".*.tmp")
	if err != nil {
		return fmt.Errorf("save statutes: %w", err)
	}
	defer os.Remove(tmp.Name())
	w := bufio.NewWriter(tmp)
	err = gob.NewEncoder(w).Encode(statutesOnDisk{Version: statutesVersion, Hash: s.Hash(), Articles: s.arts})
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), StatutesPath(dataDir))
	}
	if err != nil {
		return fmt.Errorf("save statutes: %w", err)
	}
	return nil
}
