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
	"sync"
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
	token, err := s.seal(sessionDomain, id)
	return token, id, err
}

func (s signer) verify(token string, now time.Time) (identity, error) {
	var id identity
	if err := s.open(sessionDomain, token, &id); err != nil {
		return identity{}, err
	}
	if id.PlayerID == "" {
		return identity{}, errTokenMalformed
	}
	if now.Unix() >= id.Expires {
		return identity{}, errTokenExpired
	}
	return id, nil
}

// Domains keep one kind of signed token from passing for another.
const (
	sessionDomain = ""      // session tokens (kept empty: tokens issued before seats existed stay valid)
	seatDomain    = "seat." // seat tickets
)

// seal signs v's JSON: base64url(JSON) "." base64url(HMAC-SHA256(domain + body)).
func (s signer) seal(domain string, v any) (string, error) {
	payload, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode token: %w", err)
	}
	body := base64.RawURLEncoding.EncodeToString(payload)
	return body + "." + base64.RawURLEncoding.EncodeToString(s.mac(domain+body)), nil
}

// open checks a sealed token's signature and decodes it into v.
func (s signer) open(domain, token string, v any) error {
	body, sig, ok := strings.Cut(token, ".")
	if !ok || len(token) > 512 {
		return errTokenMalformed
	}
	gotMAC, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		return errTokenMalformed
	}
	if !hmac.Equal(gotMAC, s.mac(domain+body)) {
		return errTokenSignature
	}
	payload, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		return errTokenMalformed
	}
	if err := json.Unmarshal(payload, v); err != nil {
		return errTokenMalformed
	}
	return nil
}

func (s signer) mac(body string) []byte {
	h := hmac.New(sha256.New, s.secret)
	h.Write([]byte(body))
	return h.Sum(nil)
}

// seatTicketTTL is how long a seat ticket is valid: the move to another
// node takes well under a second.
const seatTicketTTL = 30 * time.Second

// Errors a seat ticket is refused with.
var (
	errSeatForeign = errors.New("seat ticket is for another node")
	errSeatPlayer  = errors.New("seat ticket is for another player")
	errSeatReused  = errors.New("seat ticket already used")
	errSeatUnknown = errors.New("no such seat on this node")
)

// seatTicket lets a player take their seat in a match on another node than
// the one they queued on.
type seatTicket struct {
	PlayerID string `json:"pid"`
	Match    string `json:"match"`
	Node     string `json:"node"`
	Nonce    string `json:"n"`
	Expires  int64  `json:"exp"` // Unix milliseconds
}

func (s signer) issueSeat(player, match, node string, now time.Time) (string, error) {
	var raw [9]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", fmt.Errorf("seat nonce: %w", err)
	}
	return s.seal(seatDomain, seatTicket{
		PlayerID: player, Match: match, Node: node,
		Nonce: base64.RawURLEncoding.EncodeToString(raw[:]), Expires: now.Add(seatTicketTTL).UnixMilli(),
	})
}

// seatGate admits each seat ticket once: it checks a ticket and remembers
// its nonce until it expires. Locking: mu guards used.
type seatGate struct {
	signer signer
	node   string

	mu   sync.Mutex
	used map[string]time.Time // nonce → expiry
}

// check verifies a seat ticket presented by player and uses it up.
func (g *seatGate) check(token, player string, now time.Time) (seatTicket, error) {
	var t seatTicket
	if err := g.signer.open(seatDomain, token, &t); err != nil {
		return t, err
	}
	exp := time.UnixMilli(t.Expires)
	switch {
	case !now.Before(exp):
		return t, errTokenExpired
	case t.Node != g.node:
		return t, errSeatForeign
	case t.PlayerID != player:
		return t, errSeatPlayer
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for n, e := range g.used {
		if !now.Before(e) {
			delete(g.used, n)
		}
	}
	if _, ok := g.used[t.Nonce]; ok {
		return t, errSeatReused
	}
	if g.used == nil {
		g.used = make(map[string]time.Time)
	}
	g.used[t.Nonce] = exp
	return t, nil
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
