package bot

import (
	"errors"
	"strings"
	"testing"
)

func TestSignVerify(t *testing.T) {
	s := signer{key: []byte("0123456789abcdef0123456789abcdef")}
	tests := []struct {
		op   string
		args []string
	}{
		{"a", nil},
		{"t", []string{"domestic_violence", "12"}},
		{"r", []string{shortRef("services-legal-aid-eligibility"), "5"}},
		{"m", []string{"k", "-"}},
		{"x", []string{strings.Repeat("q", 45)}},
	}
	for _, tt := range tests {
		data, err := s.sign("tg:-1001234567890", tt.op, tt.args...)
		if err != nil {
			t.Fatalf("sign(%q, %q): %v", tt.op, tt.args, err)
		}
		if len(data) > MaxDataLen {
			t.Errorf("sign(%q, %q) = %d bytes, over %d", tt.op, tt.args, len(data), MaxDataLen)
		}
		act, err := s.verify("tg:-1001234567890", data)
		if err != nil || act.op != tt.op || strings.Join(act.args, ",") != strings.Join(tt.args, ",") {
			t.Errorf("verify(sign(%q, %q)) = %+v, %v", tt.op, tt.args, act, err)
		}
		if _, err := s.verify("tg:42", data); !errors.Is(err, ErrForged) {
			t.Errorf("verify in another chat = %v, want ErrForged", err)
		}
		other := signer{key: []byte("another key, another deployment")}
		if _, err := other.verify("tg:-1001234567890", data); !errors.Is(err, ErrForged) {
			t.Errorf("verify with another key = %v, want ErrForged", err)
		}
	}
	if _, err := s.sign("web:x", "x", strings.Repeat("q", 60)); err == nil {
		t.Error("sign accepted data over 64 bytes")
	}
	if _, err := s.sign("web:x", "x", "a|b"); err == nil {
		t.Error("sign accepted an argument with a separator")
	}
}

func FuzzVerify(f *testing.F) {
	s := signer{key: []byte("0123456789abcdef0123456789abcdef")}
	good, _ := s.sign("web:fuzz", "r", shortRef("x"), "5")
	f.Add(good)
	f.Add("r|AAAAAAAA|5~" + strings.Repeat("A", sigLen))
	f.Add("~~~")
	f.Add("\x00|\xff~")
	f.Fuzz(func(t *testing.T, data string) {
		act, err := s.verify("web:fuzz", data)
		if err != nil {
			return
		}
		// Whatever verifies must be exactly what signing it gives.
		again, serr := s.sign("web:fuzz", act.op, act.args...)
		if serr != nil || again != data {
			t.Errorf("verify(%q) accepted data that signs to %q (%v)", data, again, serr)
		}
	})
}
