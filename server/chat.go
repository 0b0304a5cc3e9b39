package server

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxChatRunes is the longest chat line, in characters.
const maxChatRunes = 200

var (
	errChatEmpty   = errors.New("message is empty")
	errChatTooLong = errors.New("message is longer than 200 characters")
	errChatInvalid = errors.New("message is not valid UTF-8")
)

// cleanChat validates a chat line and returns it trimmed, with control
// characters removed.
func cleanChat(text string) (string, error) {
	if !utf8.ValidString(text) {
		return "", errChatInvalid
	}
	text = strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, text))
	switch n := utf8.RuneCountInString(text); {
	case n == 0:
		return "", errChatEmpty
	case n > maxChatRunes:
		return "", errChatTooLong
	}
	return text, nil
}
