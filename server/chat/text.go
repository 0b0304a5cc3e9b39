package chat

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxRunes is the longest chat line, in characters (runes, not bytes).
const MaxRunes = 200

// Errors from Clean.
var (
	ErrEmpty   = errors.New("message is empty")
	ErrTooLong = errors.New("message is longer than 200 characters")
	ErrInvalid = errors.New("message is not valid UTF-8")
)

// Clean validates a chat line and returns it with control characters
// removed and surrounding space trimmed.
func Clean(text string) (string, error) {
	if !utf8.ValidString(text) {
		return "", ErrInvalid
	}
	if len(text) > 4*MaxRunes*2 {
		return "", ErrTooLong // far too long to be worth scanning
	}
	text = strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, text))
	switch n := utf8.RuneCountInString(text); {
	case n == 0:
		return "", ErrEmpty
	case n > MaxRunes:
		return "", ErrTooLong
	}
	return text, nil
}

// Filter masks listed words in chat lines. The zero value masks nothing.
type Filter struct {
	words map[string]bool // lower case
}

// NewFilter masks each of words (case-insensitive, whole words only).
func NewFilter(words []string) *Filter {
	f := &Filter{words: make(map[string]bool, len(words))}
	for _, w := range words {
		if w = strings.ToLower(strings.TrimSpace(w)); w != "" {
			f.words[w] = true
		}
	}
	return f
}

// Mask returns text with every listed word replaced by as many '*' as it
// has characters.
func (f *Filter) Mask(text string) string {
	if f == nil || len(f.words) == 0 {
		return text
	}
	var b strings.Builder
	rest := text
	for rest != "" {
		i := strings.IndexFunc(rest, isWordRune)
		if i < 0 {
			b.WriteString(rest)
			break
		}
		b.WriteString(rest[:i])
		rest = rest[i:]
		j := strings.IndexFunc(rest, func(r rune) bool { return !isWordRune(r) })
		if j < 0 {
			j = len(rest)
		}
		word := rest[:j]
		if f.words[strings.ToLower(word)] {
			b.WriteString(strings.Repeat("*", utf8.RuneCountInString(word)))
		} else {
			b.WriteString(word)
		}
		rest = rest[j:]
	}
	return b.String()
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
