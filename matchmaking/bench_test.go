package matchmaking

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// benchTickets returns n tickets spread evenly over the four arena modes,
// with Mu ~ N(25, 6), Sigma in [1, 8.3] and waits up to 40s before t0 (so
// about a quarter are past the default MaxWait).
func benchTickets(n int) []Ticket {
	rng := rand.New(rand.NewPCG(42, 42))
	ts := make([]Ticket, n)
	for i := range ts {
		ts[i] = Ticket{
			Player:   PlayerID(fmt.Sprint("player-", i)),
			Mode:     arenaShapes[i%len(arenaShapes)].Mode,
			Rating:   Rating{Mu: 25 + 6*rng.NormFloat64(), Sigma: 1 + 7.3*rng.Float64()},
			Enqueued: t0.Add(-time.Duration(rng.Int64N(int64(40 * time.Second)))),
		}
	}
	return ts
}

// BenchmarkPass100k times one pairing pass over 100,000 queued tickets across
// duel (2×1), teams (2×2), ffa (8×1) and ffa16 (16×1).
//
//   - fresh: all 100,000 joined since the last pass, so the pass also sorts
//     them into the rating and age orders (the worst case).
//   - merged: the tickets are already in order, as in steady state where a
//     pass every 250ms sees only the few hundred that joined since the last.
func BenchmarkPass100k(b *testing.B) {
	tickets := benchTickets(100_000)
	for _, merged := range []bool{false, true} {
		name := "fresh"
		if merged {
			name = "merged"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			groups := 0
			for range b.N {
				b.StopTimer()
				m := newArena(b, Config{})
				for _, t := range tickets {
					if err := m.Join(t); err != nil {
						b.Fatal(err)
					}
				}
				if merged {
					for _, q := range m.queues {
						q.prepare()
					}
				}
				b.StartTimer()
				groups += len(m.Pass(t0))
			}
			b.ReportMetric(float64(groups)/float64(b.N), "groups/op")
		})
	}
}

// BenchmarkJoinLeave times one Leave and one Join (a player re-queueing) with
// 100,000 tickets queued.
func BenchmarkJoinLeave(b *testing.B) {
	tickets := benchTickets(100_000)
	m := newArena(b, Config{})
	for _, t := range tickets {
		if err := m.Join(t); err != nil {
			b.Fatal(err)
		}
	}
	for _, q := range m.queues {
		q.prepare()
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		t := tickets[i%len(tickets)]
		if !m.Leave(t.Player) {
			b.Fatal("not queued")
		}
		if err := m.Join(t); err != nil {
			b.Fatal(err)
		}
	}
}
