// Package chat holds what Arena's chat is made of, apart from who receives
// it: text validation and masking, per-player rate limits, commands, and
// channels that stamp and remember their lines.
//
// It does no I/O and starts no goroutines; times are arguments. Channel and
// Limiter are not safe for concurrent use: each belongs to one owner (a
// match goroutine, the lobby under its lock, a player's reader).
package chat
