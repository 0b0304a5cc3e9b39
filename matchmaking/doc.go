// Package matchmaking pairs queued players into matches by skill and keeps
// their skill ratings.
//
// It holds three things:
//
//   - Ratings: a Weng-Lin (OpenSkill) Bayesian rating with the Plackett-Luce
//     model, which rates duels, teams and free-for-all alike from the
//     placements of a finished match (Rate, UpdateRatings). Ratings live
//     behind the Store interface; MemoryStore keeps them for the life of the
//     process.
//   - Queues: one per mode, each kept sorted by rating, where a player holds
//     at most one ticket across all modes (Matchmaker.Join, Leave, Status).
//   - Pairing: Matchmaker.Pass, called every few hundred milliseconds with
//     the server's clock, forms groups of the mode's exact size from tickets
//     whose ratings lie within a window that widens with the oldest ticket's
//     wait, and splits each group into balanced teams.
//
// The package is pure logic. It imports nothing of the project, does no I/O,
// starts no goroutines, reads no clock (every time is an argument) and does
// not log: it returns what happened. A Matchmaker is not safe for concurrent
// use; its owner (the server) serialises calls to it. MemoryStore is safe for
// concurrent use.
package matchmaking
