// Package netcode is what the server and the client share about the wire:
// conversion between game state and arena.v1 messages, snapshot encoding,
// and the input buffer that feeds a player's inputs to the simulation one
// tick at a time.
//
// It never opens sockets itself (see netcode/transport for the client side)
// and never decides a game rule: that is the game package's job.
package netcode
