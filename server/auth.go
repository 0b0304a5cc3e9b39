package server

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Name limits for display names chosen at sign-in.
const (
	minNameLen = 1
	maxNameLen = 16
)

var (
	errTokenMalformed = errors.New("token malformed")
	errTokenSignature = errors.New("token signature invalid")
	errTokenExpired   = errors.New("token expired")
)

// identity is who a session token speaks for.
type identity struct {
	PlayerID string `json:"pid"`
	Name     string `json:"name"`
	Expires  int64  `json:"exp"` // Unix seconds
}

// signer issues and verifies session tokens: base64url(JSON identity) "." base64url(HMAC-SHA256).
type signer struct {
	secret []byte
	ttl    time.Duration
}

func (s signer) issue(name string, now time.Time) (string, identity, error) {
	var raw [12]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", identity{}, fmt.Errorf("player id: %w", err)
	}
	id := identity{PlayerID: hex.EncodeToString(raw[:]), Name: name, Expires: now.Add(s.ttl).Unix()}
	payload, err := json.Marshal(id)
	if err != nil {
		return "", identity{}, fmt.Errorf("encode token: %w", err)
	}
	body := base64.RawURLEncoding.EncodeToString(payload)
	return body + "." + base64.RawURLEncoding.EncodeToString(s.mac(body)), id, nil
}

func (s signer) verify(token string, now time.Time) (identity, error) {
	body, sig, ok := strings.Cut(token, ".")
	if !ok || len(token) > 512 {
		return identity{}, errTokenMalformed
	}
	gotMAC, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		return identity{}, errTokenMalformed
	}
	if !hmac.Equal(gotMAC, s.mac(body)) {
		return identity{}, errTokenSignature
	}
	payload, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		return identity{}, errTokenMalformed
	}
	var id identity
	if err := json.Unmarshal(payload, &id); err != nil || id.PlayerID == "" {
		return identity{}, errTokenMalformed
	}
	if now.Unix() >= id.Expires {
		return identity{}, errTokenExpired
	}
	return id, nil
}

func (s signer) mac(body string) []byte {
	h := hmac.New(sha256.New, s.secret)
	h.Write([]byte(body))
	return h.Sum(nil)
}

// validateName checks a display name: 1–16 characters of letters, digits,
// spaces, '_' or '-', not starting or ending with a space.
func validateName(name string) error {
	if !utf8.ValidString(name) {
		return errors.New("name must be valid UTF-8")
	}
	n := utf8.RuneCountInString(name)
	if n < minNameLen || n > maxNameLen {
		return fmt.Errorf("name must be %d to %d characters", minNameLen, maxNameLen)
	}
	if strings.TrimSpace(name) != name {
		return errors.New("name must not start or end with a space")
	}
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != ' ' && r != '_' && r != '-' {
			return fmt.Errorf("name may hold only letters, digits, spaces, '_' and '-', not %q", r)
		}
	}
	return nil
}
