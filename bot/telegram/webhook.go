package telegram

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"net/http"
)

// MaxUpdateBytes is the largest webhook request body accepted.
const MaxUpdateBytes = 1 << 20

// SecretHeader is the header Telegram sends the webhook's secret_token in.
const SecretHeader = "X-Telegram-Bot-Api-Secret-Token"

// Webhook returns the handler Telegram posts updates to. It refuses
// requests without the secret token with 401 (compared in constant time),
// handles the update before replying, and replies 200 when the update was
// handled (now or before), 503 when another replica is handling it, and
// 500 when handling failed, so that Telegram delivers it again.
func (b *Bot) Webhook() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		got := []byte(r.Header.Get(SecretHeader))
		if b.secret == "" || subtle.ConstantTimeCompare(got, []byte(b.secret)) != 1 {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxUpdateBytes))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				http.Error(w, "update too large", http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		var head struct {
			ID *int64 `json:"update_id"`
		}
		if json.Unmarshal(raw, &head) != nil || head.ID == nil {
			http.Error(w, "not an update", http.StatusBadRequest)
			return
		}
		// Finish the answer even if Telegram hangs up; shutdown waits for it.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), b.grace+b.maxRetryWait)
		defer cancel()
		err = b.handle(ctx, *head.ID, raw)
		switch {
		case errors.Is(err, errBusy):
			w.Header().Set("Retry-After", "5")
			http.Error(w, "busy", http.StatusServiceUnavailable)
		case err != nil:
			b.log.Error("telegram: webhook update not answered", "update_id", *head.ID, "err", err)
			http.Error(w, "error", http.StatusInternalServerError)
		default:
			w.WriteHeader(http.StatusOK)
		}
	})
}
