package app

import (
	"strings"
	"unicode/utf8"
)

// Chat limits.
const (
	// ChatLogSize is how many chat lines the log keeps.
	ChatLogSize = 50
	// ChatMaxRunes is the longest line the client lets a player type; the
	// server accepts at most 200 characters.
	ChatMaxRunes = 200
	// NameMaxRunes is the longest name the client lets a player type; the
	// server decides what it accepts (1–16 letters, digits, space, _ and -).
	NameMaxRunes = 16
)

// ChatLine is one received chat line.
type ChatLine struct {
	// From is the sender's name as the server set it; empty for system lines.
	From string `json:"from"`
	// Text is the line.
	Text string `json:"text"`
	// Team is the sender's team in the match, 0 when none.
	Team uint32 `json:"team,omitempty"`
	// System is true for lines the server wrote.
	System bool `json:"system,omitempty"`
}

// ChatLog keeps the last ChatLogSize lines, oldest first.
type ChatLog struct {
	lines []ChatLine
}

// Add appends a line, dropping the oldest beyond ChatLogSize.
func (c *ChatLog) Add(l ChatLine) {
	c.lines = append(c.lines, l)
	if n := len(c.lines) - ChatLogSize; n > 0 {
		c.lines = append(c.lines[:0], c.lines[n:]...)
	}
}

// Last returns up to n of the newest lines, oldest first. The slice is shared;
// callers must not modify it.
func (c *ChatLog) Last(n int) []ChatLine {
	if n >= len(c.lines) {
		return c.lines
	}
	return c.lines[len(c.lines)-n:]
}

// Len is the number of lines kept.
func (c *ChatLog) Len() int { return len(c.lines) }

// Clear removes every line.
func (c *ChatLog) Clear() { c.lines = c.lines[:0] }

// LineEditor is a one-line text field: typed characters are appended,
// Backspace removes the last one, and the length is capped in runes.
// Its zero value is an empty field with no limit.
type LineEditor struct {
	runes []rune
	// Max is the longest the text may grow, in runes; 0 means no limit.
	Max int
}

// Type appends the printable runes of rs, up to Max.
func (e *LineEditor) Type(rs ...rune) {
	for _, r := range rs {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			continue
		}
		if e.Max > 0 && len(e.runes) >= e.Max {
			return
		}
		e.runes = append(e.runes, r)
	}
}

// Backspace removes the last rune, if any.
func (e *LineEditor) Backspace() {
	if len(e.runes) > 0 {
		e.runes = e.runes[:len(e.runes)-1]
	}
}

// Text is the field's content.
func (e *LineEditor) Text() string { return string(e.runes) }

// Set replaces the content, trimmed to Max.
func (e *LineEditor) Set(s string) {
	e.runes = e.runes[:0]
	e.Type([]rune(s)...)
}

// Clear empties the field.
func (e *LineEditor) Clear() { e.runes = e.runes[:0] }

// Empty reports whether the field holds only spaces, or nothing.
func (e *LineEditor) Empty() bool { return strings.TrimSpace(string(e.runes)) == "" }
