//go:build !race

package matchmaking

// raceEnabled is true when the tests run under the race detector, which
// slows the long simulation about tenfold; it then runs a smaller one.
const raceEnabled = false
