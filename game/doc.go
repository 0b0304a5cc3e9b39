// Package game is Arena's simulation: the authoritative rules of the top-down
// arena shooter described in docs/game.md — ships, movement with wall collision,
// projectiles, damage, death and respawn, teams, scores, time limits and
// results. The server runs it to decide every match; the browser client runs
// the same code (compiled to js/wasm) to predict its own ship.
//
// A match is a [World] built from a [Config] of [Rules], a [Mode] and a [Map].
// The caller adds players, sets each player's [Input], and calls
// [World.Step] once per tick; Step returns what happened as [Event] values.
// [World.Hash] fingerprints the whole state, so two runs can be compared tick
// by tick.
//
// The package must stay pure and deterministic. It must never:
//   - do I/O (beyond reading its own embedded data), read a clock, start a
//     goroutine, log, or use randomness it was not given;
//   - use floating point in the simulation state or step: positions are
//     fixed-point integers ([Unit] sub-units per world unit), angles are
//     integers ([Angle]) with table-driven [Sin] and [Cos];
//   - let map iteration order reach any result;
//   - import anything else of the Arena project.
//
// The same inputs from the same state give byte-identical results on amd64
// and js/wasm; the golden hash test in this package checks that.
package game
