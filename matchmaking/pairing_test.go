package matchmaking

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestPassProperties runs random queues (joins, leaves, passes at random
// times) and checks every pass against the rules.
func TestPassProperties(t *testing.T) {
	for seed := range uint64(20) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 7))
			cfg := Config{
				InitialWindow: 0.5 + 3*rng.Float64(),
				WindowGrowth:  0.1 + rng.Float64(),
				MaxWindow:     4 + 10*rng.Float64(),
				MaxWait:       time.Duration(5+rng.IntN(40)) * time.Second,
			}
			m := newArena(t, cfg)
			shapes := map[string]Shape{}
			for _, s := range arenaShapes {
				shapes[s.Mode] = s
			}
			queued := map[PlayerID]Ticket{} // the model of what is queued
			now := t0
			next := 0
			for step := range 300 {
				now = now.Add(time.Duration(rng.IntN(1500)) * time.Millisecond)
				for range rng.IntN(40) {
					next++
					mode := arenaShapes[rng.IntN(len(arenaShapes))].Mode
					tk := ticket(fmt.Sprint("p", next), mode, 25+8*rng.NormFloat64(), now.Add(-time.Duration(rng.IntN(3000))*time.Millisecond))
					if rng.IntN(10) == 0 {
						tk.Rating.Mu = 25 // many at exactly the default
					}
					if err := m.Join(tk); err != nil {
						t.Fatal(err)
					}
					queued[tk.Player] = tk
				}
				// Some leave (disconnects), some try twice.
				for p, tk := range queued {
					if rng.IntN(25) == 0 {
						if !m.Leave(p) {
							t.Fatalf("Leave(%s) = false for a queued player", p)
						}
						delete(queued, p)
					} else if rng.IntN(50) == 0 {
						if m.Join(tk) == nil {
							t.Fatalf("second Join(%s) succeeded", p)
						}
					}
				}
				groups := m.Pass(now)
				checkGroups(t, m, groups, shapes, queued, now)
				checkNothingLeft(t, m, now)
				for mode := range shapes {
					n := 0
					for _, tk := range queued {
						if tk.Mode == mode {
							n++
						}
					}
					if m.Len(mode) != n {
						t.Fatalf("step %d: Len(%s) = %d, model has %d", step, mode, m.Len(mode), n)
					}
				}
			}
		})
	}
}

// checkGroups checks the groups of one pass and removes their players from
// queued.
func checkGroups(t *testing.T, m *Matchmaker, groups []Group, shapes map[string]Shape, queued map[PlayerID]Ticket, now time.Time) {
	t.Helper()
	seen := map[PlayerID]bool{}
	for _, g := range groups {
		s := shapes[g.Mode]
		if len(g.Teams) != s.Teams {
			t.Fatalf("%s group has %d teams", g.Mode, len(g.Teams))
		}
		lo, hi := math.Inf(1), math.Inf(-1)
		var oldest time.Duration
		var sums []float64
		for _, team := range g.Teams {
			if len(team) != s.PlayersPerTeam {
				t.Fatalf("%s team of %d", g.Mode, len(team))
			}
			var sum float64
			for i, tk := range team {
				if seen[tk.Player] {
					t.Fatalf("%s twice in one pass", tk.Player)
				}
				seen[tk.Player] = true
				want, ok := queued[tk.Player]
				if !ok || want != tk {
					t.Fatalf("%s grouped but not queued (left?) or changed: %+v", tk.Player, tk)
				}
				delete(queued, tk.Player)
				if m.Queued(tk.Player) {
					t.Fatalf("%s grouped and still queued", tk.Player)
				}
				if tk.Mode != g.Mode {
					t.Fatalf("%s ticket in a %s group", tk.Mode, g.Mode)
				}
				if i > 0 && team[i-1].Rating.Mu < tk.Rating.Mu {
					t.Fatalf("team not sorted strongest first: %+v", team)
				}
				lo, hi = min(lo, tk.Rating.Mu), max(hi, tk.Rating.Mu)
				oldest = max(oldest, now.Sub(tk.Enqueued))
				sum += tk.Rating.Mu
			}
			sums = append(sums, sum)
		}
		spread := hi - lo
		if window, unlimited := m.cfg.window(oldest); !unlimited && spread > window+1e-12 {
			t.Fatalf("%s group spread %.3f beyond window %.3f of its oldest (waited %v)", g.Mode, spread, window, oldest)
		}
		if s.PlayersPerTeam > 1 {
			if gap := slices.Max(sums) - slices.Min(sums); gap > spread+1e-9 {
				t.Fatalf("%s teams unbalanced: sums %v, spread %v", g.Mode, sums, spread)
			}
		}
	}
}

// checkNothingLeft checks that after a pass no run of a mode's size of
// consecutive (in rating order) queued tickets would be allowed to form: the
// pass is maximal, and in particular nobody past MaxWait is left behind while
// enough players are queued.
func checkNothingLeft(t *testing.T, m *Matchmaker, now time.Time) {
	t.Helper()
	for _, q := range m.queues {
		if !slices.IsSortedFunc(q.byRating, ratingOrder) || !slices.IsSortedFunc(q.byAge, ageOrder) {
			t.Fatalf("%s: queue out of order", q.shape.Mode)
		}
		var live []*entry
		for _, e := range q.byRating {
			if !e.gone {
				live = append(live, e)
			}
		}
		for i := 0; i+q.size <= len(live); i++ {
			run := live[i : i+q.size]
			var oldest time.Duration
			for _, e := range run {
				oldest = max(oldest, time.Duration(now.UnixNano()-e.at))
			}
			window, unlimited := m.cfg.window(oldest)
			if spread := run[len(run)-1].Rating.Mu - run[0].Rating.Mu; unlimited || spread <= window {
				t.Fatalf("%s: after a pass, %d tickets with spread %.3f fit the window %.3f (unlimited %v) of their oldest (%v)",
					q.shape.Mode, q.size, spread, window, unlimited, oldest)
			}
		}
	}
}

func TestBalance(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	shapes := [][2]int{{2, 2}, {2, 3}, {2, 4}, {2, 5}, {2, 6}, {2, 8}, {3, 3}, {4, 4}, {3, 2}, {8, 1}, {16, 1}}
	for range 3000 {
		sh := shapes[rng.IntN(len(shapes))]
		teams, per := sh[0], sh[1]
		n := teams * per
		strength := make([]float64, n)
		for i := range strength {
			strength[i] = 25 + 6*rng.NormFloat64()
			if rng.IntN(4) == 0 {
				strength[i] = math.Round(strength[i]) // ties
			}
		}
		order := make([]int, n)
		balance(strength, teams, per, order)
		sorted := slices.Clone(order)
		slices.Sort(sorted)
		for i, v := range sorted {
			if v != i {
				t.Fatalf("not a permutation: %v", order)
			}
		}
		sums := make([]float64, teams)
		for k := range teams {
			for _, p := range order[k*per : (k+1)*per] {
				sums[k] += strength[p]
			}
		}
		gap := slices.Max(sums) - slices.Min(sums)
		if spread := slices.Max(strength) - slices.Min(strength); gap > spread+1e-9 {
			t.Fatalf("%dx%d: gap %v beyond spread %v", teams, per, gap, spread)
		}
		if teams == 2 && n <= exhaustiveLimit {
			if best := bestTwoWay(strength, per); gap > best+1e-9 {
				t.Fatalf("2x%d: gap %v, optimum %v", per, gap, best)
			}
		}
	}
}

// bestTwoWay is the smallest gap of any split into two teams of per, by
// brute force over every subset.
func bestTwoWay(strength []float64, per int) float64 {
	var total float64
	for _, s := range strength {
		total += s
	}
	best := math.Inf(1)
	for mask := 0; mask < 1<<len(strength); mask++ {
		var sum float64
		count := 0
		for i, s := range strength {
			if mask&(1<<i) != 0 {
				sum += s
				count++
			}
		}
		if count == per {
			best = min(best, math.Abs(2*sum-total))
		}
	}
	return best
}

func TestRadixSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{0, 1, 2, 10, 1000} {
		keys := make([]sortKey, n)
		for i := range keys {
			var f float64
			switch rng.IntN(4) {
			case 0:
				f = math.Round(rng.NormFloat64() * 3) // ties, zeros
			case 1:
				f = math.Copysign(0, -1)
			default:
				f = rng.NormFloat64() * 1e6
			}
			keys[i] = sortKey{key: floatKey(f), e: &entry{Ticket: Ticket{Rating: Rating{Mu: f}}, seq: uint64(i)}}
		}
		want := slices.Clone(keys)
		slices.SortStableFunc(want, func(a, b sortKey) int { return cmp.Compare(a.e.Rating.Mu, b.e.Rating.Mu) })
		got := radixSort(keys, make([]sortKey, n))
		for i := range got {
			if got[i].e != want[i].e {
				t.Fatalf("n=%d: position %d holds %v (seq %d), want %v (seq %d)", n, i,
					got[i].e.Rating.Mu, got[i].e.seq, want[i].e.Rating.Mu, want[i].e.seq)
			}
		}
	}
	for _, pair := range [][2]int64{{-5, 3}, {math.MinInt64, math.MaxInt64}, {-1, 0}} {
		if intKey(pair[0]) >= intKey(pair[1]) {
			t.Errorf("intKey(%d) >= intKey(%d)", pair[0], pair[1])
		}
	}
}
