// Package chat holds what Arena's chat is made of, apart from who receives
// it: text validation and masking, commands, and channels that stamp and
// remember their lines.
//
// It does no I/O and starts no goroutines; times are arguments. A Channel is
// not safe for concurrent use: each belongs to one owner (a match
// goroutine, or the lobby under its lock).
package chat
