package campaign

import (
	_ "embed"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"time"

	"gopkg.in/yaml.v3"
)

//go:embed themes.yaml
var defaultThemes []byte

// Theme is one month's legal theme.
type Theme struct {
	// Key identifies the theme, e.g. "consumer-rights".
	Key string `yaml:"key"`
	// Month is 1 to 12.
	Month int `yaml:"month"`
	// Day is the day of the legal day in Month, or 0 for a whole month.
	Day int `yaml:"day,omitempty"`
	// Title is shown to volunteers and residents.
	Title string `yaml:"title"`
	// Laws are the laws the theme rests on.
	Laws []string `yaml:"laws,omitempty"`
	// Message is the text volunteers start a campaign from.
	Message string `yaml:"message"`
}

// Calendar is a year of themes.
type Calendar struct {
	themes []Theme
}

// DefaultCalendar returns the shipped calendar.
func DefaultCalendar() *Calendar {
	c, err := ParseCalendar(defaultThemes, "themes.yaml")
	if err != nil {
		panic(err) // the embedded file is checked by the tests
	}
	return c
}

// LoadCalendar reads a deployer's calendar file; an empty path means the
// default calendar.
func LoadCalendar(path string) (*Calendar, error) {
	if path == "" {
		return DefaultCalendar(), nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("campaign: calendar: %w", err)
	}
	return ParseCalendar(data, path)
}

var (
	keyPattern  = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)
	themeFields = []string{"key", "month", "day", "title", "laws", "message"}
)

// ParseCalendar parses a calendar file; name is used in errors, which read
// "name:line: problem" and are all reported at once.
func ParseCalendar(data []byte, name string) (*Calendar, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalid, name, err)
	}
	if len(root.Content) == 0 || root.Content[0].Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("%w: %s:%d: want a list of themes", ErrInvalid, name, max(root.Line, 1))
	}
	type problem struct {
		line int
		err  error
	}
	var probs []problem
	bad := func(line int, format string, args ...any) {
		probs = append(probs, problem{line, fmt.Errorf("%s:%d: %s", name, line, fmt.Sprintf(format, args...))})
	}
	seen := map[string]int{}
	var cal Calendar
	for _, item := range root.Content[0].Content {
		if item.Kind != yaml.MappingNode {
			bad(item.Line, "want a theme (key, month, title, message)")
			continue
		}
		lines := map[string]int{}
		for i := 0; i+1 < len(item.Content); i += 2 {
			k := item.Content[i]
			if !slices.Contains(themeFields, k.Value) {
				bad(k.Line, "unknown field %q", k.Value)
			}
			lines[k.Value] = item.Content[i+1].Line
		}
		line := func(f string) int {
			if l, ok := lines[f]; ok {
				return l
			}
			return item.Line
		}
		var t Theme
		if err := item.Decode(&t); err != nil {
			bad(item.Line, "%v", err)
			continue
		}
		switch {
		case !keyPattern.MatchString(t.Key):
			bad(line("key"), "key %q: want lower-case letters, digits and '-'", t.Key)
		case seen[t.Key] != 0:
			bad(line("key"), "key %q already used on line %d", t.Key, seen[t.Key])
		default:
			seen[t.Key] = line("key")
		}
		if t.Month < 1 || t.Month > 12 {
			bad(line("month"), "month %d: want 1 to 12", t.Month)
		} else if days := time.Date(2024, time.Month(t.Month)+1, 0, 0, 0, 0, 0, time.UTC).Day(); t.Day < 0 || t.Day > days {
			bad(line("day"), "day %d: month %d has %d days", t.Day, t.Month, days)
		}
		if t.Title == "" {
			bad(line("title"), "theme %q has no title", t.Key)
		}
		if t.Message == "" {
			bad(line("message"), "theme %q has no message", t.Key)
		} else if n := len([]rune(t.Message)); n > maxMessage {
			bad(line("message"), "message of %d characters, want at most %d", n, maxMessage)
		}
		cal.themes = append(cal.themes, t)
	}
	if len(probs) > 0 {
		slices.SortStableFunc(probs, func(a, b problem) int { return a.line - b.line })
		errs := make([]error, len(probs))
		for i, p := range probs {
			errs[i] = p.err
		}
		return nil, fmt.Errorf("%w: calendar:\n%w", ErrInvalid, errors.Join(errs...))
	}
	if len(cal.themes) == 0 {
		return nil, fmt.Errorf("%w: %s: no themes", ErrInvalid, name)
	}
	slices.SortStableFunc(cal.themes, func(a, b Theme) int { return (a.Month*100 + a.Day) - (b.Month*100 + b.Day) })
	return &cal, nil
}

// Themes returns every theme in calendar order.
func (c *Calendar) Themes() []Theme { return slices.Clone(c.themes) }

// Month returns the themes of month m.
func (c *Calendar) Month(m time.Month) []Theme {
	var out []Theme
	for _, t := range c.themes {
		if t.Month == int(m) {
			out = append(out, t)
		}
	}
	return out
}

// Theme returns the theme with key, or nil.
func (c *Calendar) Theme(key string) *Theme {
	for i := range c.themes {
		if c.themes[i].Key == key {
			t := c.themes[i]
			return &t
		}
	}
	return nil
}

// with returns the calendar with themes replaced or added by key.
func (c *Calendar) with(edits []Theme) *Calendar {
	out := &Calendar{themes: slices.Clone(c.themes)}
	for _, e := range edits {
		i := slices.IndexFunc(out.themes, func(t Theme) bool { return t.Key == e.Key })
		if i >= 0 {
			out.themes[i] = e
		} else {
			out.themes = append(out.themes, e)
		}
	}
	slices.SortStableFunc(out.themes, func(a, b Theme) int { return (a.Month*100 + a.Day) - (b.Month*100 + b.Day) })
	return out
}

// checkTheme validates one theme as ParseCalendar would.
func checkTheme(t Theme) error {
	data, err := yaml.Marshal([]Theme{t})
	if err != nil {
		return err
	}
	_, err = ParseCalendar(data, "theme")
	return err
}
