package admin_test

import (
	"testing"

	"github.com/lawbot/lawbot/web/admin"
)

func TestParseUsers(t *testing.T) {
	hash, err := admin.QuickHash(password)
	if err != nil {
		t.Fatal(err)
	}
	got, err := admin.ParseUsers(" wang.li:" + hash + ", zhao_1:" + hash + ",")
	if err != nil || len(got) != 2 || got["wang.li"] != hash || got["zhao_1"] != hash {
		t.Errorf("ParseUsers = %v, %v", got, err)
	}
	for _, bad := range []string{"nohash", "a:" + hash + ",a:" + hash, "王:" + hash, ":" + hash} {
		if _, err := admin.ParseUsers(bad); err == nil {
			t.Errorf("ParseUsers(%.20q) = nil error, want one", bad)
		}
	}
	if _, err := admin.HashPassword("short"); err == nil {
		t.Error("HashPassword(short) = nil error, want one")
	}
}

func TestNewRejects(t *testing.T) {
	e := newEnv(t)
	hash, _ := admin.QuickHash(password)
	for name, opts := range map[string]admin.Options{
		"no store":       {Users: map[string]string{staff: hash}},
		"no users":       {Store: e.store},
		"plain password": {Store: e.store, Users: map[string]string{staff: password}},
		"bad name":       {Store: e.store, Users: map[string]string{"a b": hash}},
		"negative ttl":   {Store: e.store, Users: map[string]string{staff: hash}, SessionTTL: -1},
	} {
		if _, err := admin.New(opts); err == nil {
			t.Errorf("New(%s) = nil error, want one", name)
		}
	}
}
