// Package app is the Arena client's logic without its pixels: the screens'
// state machine (name entry, menu with the server's modes and the player's
// rating, queue, match, results, leaderboard, a match's replay), the network
// session that feeds server messages in, the HTTP reads of modes, ladder and
// replays, the replay player, the chat log, input pacing and sequencing, and
// the state the browser test reads.
//
// It never imports Ebiten, so it is tested natively and under js/wasm; the
// rendering package (client/ui) reads it and calls its methods from Ebiten's
// Update. All of App's state changes happen inside those calls, on the
// caller's goroutine: the network goroutines only post events to a channel
// that Update drains.
package app
