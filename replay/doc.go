// Package replay records a match as the inputs its simulation applied and
// plays it back through package game, checking the recorded state hashes.
//
// game is deterministic (integer fixed point, no hidden randomness), so a
// match is fully described by its start — mode, map, rules, tick rate and
// the ships with their teams — and what happened before each Step: the
// ships that left and the inputs that changed. A Recorder writes that as the
// match runs, and a state hash every HashEvery ticks and at the end; Decode
// and Replay.Play rebuild the match and fail with ErrCorrupt at the first
// hash that does not match.
//
// # Format, version 1
//
// A replay file is the 4 bytes "ARNR", the format version as a uvarint,
// then a DEFLATE stream (compress/flate) of:
//
//	uvarint  header length, then the header as JSON (Header)
//	records  one per Step of the match, in order:
//	  uvarint flags: 1 = ships left before this step, 2 = a state hash
//	          follows the step, 4 = end of the match (no step: the final
//	          hash follows)
//	  [flags&1] uvarint count, then each ship id as a uvarint
//	  uvarint changed: bit i set when Header.Players[i]'s input changed
//	  for each changed ship, in Players order: the buttons byte, then the
//	          aim's change as a zig-zag varint of the int16 difference
//	  [flags&2 or flags&4] the world's Hash after the step, 8 bytes
//	          little-endian
//
// Inputs are what the simulation used after the server's validation and
// buffering, not what clients sent. A ship's input starts as its spawn aim
// with no buttons, as game.World.AddPlayer sets it.
//
// Recording appends to one growing buffer and compresses once at Finish:
// it allocates nothing per tick in the steady state. The package does no
// I/O; callers store the bytes.
package replay
