package campaign

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
)

// signer signs callback data for one chat with an HMAC key, so data forged,
// altered or copied into another chat is rejected.
type signer struct {
	key []byte
}

// sigLen is the length of a signature in callback data (72 bits).
const sigLen = 12

func (s signer) mac(chat int64, payload string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(strconv.FormatInt(chat, 10)))
	m.Write([]byte{0})
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))[:sigLen]
}

// sign returns payload.signature. The data holds no '~' or '|', so the
// chat bot may wrap it in its own signed button data.
func (s signer) sign(chat int64, payload string) string {
	return payload + "." + s.mac(chat, payload)
}

// verify returns the payload of data signed for chat.
func (s signer) verify(chat int64, data string) (string, bool) {
	i := strings.LastIndexByte(data, '.')
	if i < 0 {
		return "", false
	}
	payload, sig := data[:i], data[i+1:]
	return payload, hmac.Equal([]byte(sig), []byte(s.mac(chat, payload)))
}
