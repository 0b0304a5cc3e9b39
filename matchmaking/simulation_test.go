package matchmaking

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// simConfig describes one seeded simulation of players queueing, playing
// and being rated.
type simConfig struct {
	Seed     uint64
	Players  int           // population, each with a hidden true skill
	Duration time.Duration // simulated time
	Pass     time.Duration // time between pairing passes
	Config   Config        // the matchmaker's (Shapes are the arena's)
}

// simResult holds the quality figures of a simulation.
type simResult struct {
	Matches    map[string]int
	Waits      map[string][]time.Duration // per mode, every grouped ticket's wait
	Spreads    map[string][]float64       // per mode, Mu spread of every group
	TrueGaps   map[string][]float64       // team modes: true-skill gap between the two teams
	Forced     map[string]int             // groups whose oldest ticket had waited MaxWait
	EstErrors  map[string][]time.Duration // |actual wait - EstimatedWait at join|
	Cancelled  int
	Spearman   map[int]float64 // K -> rank correlation of Mu with true skill after K matches
	Reached    map[int]int     // K -> players who played K matches
	FinalRho   float64         // over every player at the end, by Mu
	FinalOrdRo float64         // same, by Ordinal
}

// simCheckpoints are the K at which the rank correlation is measured.
var simCheckpoints = []int{5, 10, 20, 40}

type simPlayer struct {
	id      PlayerID
	skill   float64
	matches int
}

type simMatch struct {
	group Group
	ends  int // step
}

// simulate feeds a stream of players with hidden true skills through the
// matchmaker and the rating updates. A player rests 0-30s, queues for a mode
// (duel 30%, teams 30%, ffa 20%, ffa16 20%), sometimes cancels (5% of
// tickets, after 2-20s), plays a match of 1-3 minutes, and is rated by its
// outcome: each player performs their true skill plus N(0, Beta) noise, a
// team performs the sum of its players, and sides are ranked by performance.
func simulate(sc simConfig) simResult {
	rng := rand.New(rand.NewPCG(sc.Seed, 0x5eed))
	cfg := sc.Config
	cfg.Shapes = arenaShapes
	m, err := New(cfg)
	if err != nil {
		panic(err)
	}
	store := NewMemoryStore()
	steps := int(sc.Duration / sc.Pass)
	at := func(step int) time.Time { return t0.Add(time.Duration(step) * sc.Pass) }
	stepsOf := func(d time.Duration) int { return int(d / sc.Pass) }

	players := make([]*simPlayer, sc.Players)
	byID := make(map[PlayerID]*simPlayer, sc.Players)
	joins := make([][]*simPlayer, steps+1)
	cancels := make([][]*simPlayer, steps+1)
	ends := make([][]*simMatch, steps+1)
	schedule := func(bucket [][]*simPlayer, step int, p *simPlayer) {
		if step <= steps {
			bucket[step] = append(bucket[step], p)
		}
	}
	for i := range players {
		p := &simPlayer{id: PlayerID(fmt.Sprint("sim-", i)), skill: DefaultMu + DefaultSigma*rng.NormFloat64()}
		players[i], byID[p.id] = p, p
		schedule(joins, rng.IntN(stepsOf(60*time.Second)), p) // arrive over the first minute
	}

	res := simResult{
		Matches:   map[string]int{},
		Waits:     map[string][]time.Duration{},
		Spreads:   map[string][]float64{},
		TrueGaps:  map[string][]float64{},
		Forced:    map[string]int{},
		EstErrors: map[string][]time.Duration{},
		Spearman:  map[int]float64{},
		Reached:   map[int]int{},
	}
	estimated := map[PlayerID]time.Duration{} // EstimatedWait when the ticket joined
	snapshots := map[int][][2]float64{}       // K -> (Mu, skill) of each player at their K-th match
	modeWeights := []int{30, 30, 20, 20}
	pickMode := func() string {
		r := rng.IntN(100)
		for i, w := range modeWeights {
			if r < w {
				return arenaShapes[i].Mode
			}
			r -= w
		}
		return arenaShapes[0].Mode
	}
	rest := func(step int, p *simPlayer) {
		schedule(joins, step+1+rng.IntN(stepsOf(30*time.Second)), p)
	}

	for step := 0; step <= steps; step++ {
		now := at(step)
		for _, p := range joins[step] {
			r, ok := store.Rating(p.id)
			if !ok {
				r = NewRating()
			}
			if err := m.Join(Ticket{Player: p.id, Mode: pickMode(), Rating: r, Enqueued: now}); err != nil {
				panic(err)
			}
			st, _ := m.Status(p.id, now)
			estimated[p.id] = st.EstimatedWait
			if rng.IntN(20) == 0 {
				schedule(cancels, step+stepsOf(2*time.Second)+rng.IntN(stepsOf(18*time.Second)), p)
			}
		}
		for _, p := range cancels[step] {
			if m.Leave(p.id) {
				res.Cancelled++
				rest(step, p)
			}
		}
		for _, g := range m.Pass(now) {
			res.Matches[g.Mode]++
			lo, hi := math.Inf(1), math.Inf(-1)
			var oldest time.Duration
			for _, team := range g.Teams {
				for _, t := range team {
					wait := now.Sub(t.Enqueued)
					res.Waits[g.Mode] = append(res.Waits[g.Mode], wait)
					res.EstErrors[g.Mode] = append(res.EstErrors[g.Mode], (wait - estimated[t.Player]).Abs())
					lo, hi = min(lo, t.Rating.Mu), max(hi, t.Rating.Mu)
					oldest = max(oldest, wait)
				}
			}
			if oldest >= m.cfg.MaxWait {
				res.Forced[g.Mode]++
			}
			res.Spreads[g.Mode] = append(res.Spreads[g.Mode], hi-lo)
			if len(g.Teams[0]) > 1 {
				var a, b float64
				for k := range g.Teams[0] {
					a += byID[g.Teams[0][k].Player].skill
					b += byID[g.Teams[1][k].Player].skill
				}
				res.TrueGaps[g.Mode] = append(res.TrueGaps[g.Mode], math.Abs(a-b))
			}
			mt := &simMatch{group: g, ends: step + stepsOf(60*time.Second) + rng.IntN(stepsOf(120*time.Second))}
			if mt.ends <= steps {
				ends[mt.ends] = append(ends[mt.ends], mt)
			}
		}
		for _, mt := range ends[step] {
			ids := mt.group.Players()
			perf := make([]float64, len(ids))
			for i, team := range ids {
				for _, id := range team {
					perf[i] += byID[id].skill + Beta*rng.NormFloat64()
				}
			}
			ranks := make([]int, len(ids))
			for i := range ids {
				for j := range ids {
					if perf[j] > perf[i] {
						ranks[i]++
					}
				}
			}
			changes := UpdateRatings(store, ids, ranks)
			for _, team := range ids {
				for _, id := range team {
					p := byID[id]
					p.matches++
					if slices.Contains(simCheckpoints, p.matches) {
						snapshots[p.matches] = append(snapshots[p.matches], [2]float64{changes[id].After.Mu, p.skill})
					}
					rest(step, p)
				}
			}
		}
	}

	for _, k := range simCheckpoints {
		res.Reached[k] = len(snapshots[k])
		var mus, skills []float64
		for _, s := range snapshots[k] {
			mus, skills = append(mus, s[0]), append(skills, s[1])
		}
		res.Spearman[k] = spearman(mus, skills)
	}
	var mus, ords, skills []float64
	for _, p := range players {
		r, ok := store.Rating(p.id)
		if !ok {
			continue
		}
		mus, ords, skills = append(mus, r.Mu), append(ords, r.Ordinal()), append(skills, p.skill)
	}
	res.FinalRho = spearman(mus, skills)
	res.FinalOrdRo = spearman(ords, skills)
	return res
}

// spearman returns the rank correlation of x and y (average ranks for ties),
// or NaN with fewer than two points.
func spearman(x, y []float64) float64 {
	if len(x) < 2 {
		return math.NaN()
	}
	rx, ry := ranks(x), ranks(y)
	n := float64(len(x))
	mean := (n + 1) / 2
	var sxy, sxx, syy float64
	for i := range rx {
		dx, dy := rx[i]-mean, ry[i]-mean
		sxy += dx * dy
		sxx += dx * dx
		syy += dy * dy
	}
	return sxy / math.Sqrt(sxx*syy)
}

// ranks returns the 1-based ranks of v, ties sharing their average rank.
func ranks(v []float64) []float64 {
	idx := make([]int, len(v))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(v[a], v[b]) })
	out := make([]float64, len(v))
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && v[idx[j+1]] == v[idx[i]] {
			j++
		}
		for k := i; k <= j; k++ {
			out[idx[k]] = float64(i+j)/2 + 1
		}
		i = j + 1
	}
	return out
}

func percentile[T cmp.Ordered](v []T, p float64) T {
	var zero T
	if len(v) == 0 {
		return zero
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

// TestQualitySimulation prints the matchmaker's quality figures for two
// populations and checks loose bounds on them. Run it with
//
//	go test -run TestQualitySimulation -v ./matchmaking/
func TestQualitySimulation(t *testing.T) {
	scenarios := []simConfig{
		{Seed: 1, Players: 2000, Duration: 3 * time.Hour, Pass: 250 * time.Millisecond},
		{Seed: 2, Players: 10000, Duration: 90 * time.Minute, Pass: 250 * time.Millisecond},
	}
	if testing.Short() || raceEnabled {
		scenarios = []simConfig{{Seed: 1, Players: 1000, Duration: time.Hour, Pass: 250 * time.Millisecond}}
	}
	for _, sc := range scenarios {
		t.Run(fmt.Sprint(sc.Players, "players"), func(t *testing.T) { runSimulation(t, sc) })
	}
}

func runSimulation(t *testing.T, sc simConfig) {
	start := time.Now()
	res := simulate(sc)
	sc.Config = sc.Config.withDefaults()
	t.Logf("seed %d: %d players (true skill ~ N(25, 25/3), performance noise Beta 25/6), %v simulated, a pass every %v, %v real",
		sc.Seed, sc.Players, sc.Duration, sc.Pass, time.Since(start).Round(time.Millisecond))
	t.Logf("window: %.2f Mu +%.2f/s up to %.2f, any group after %v", sc.Config.InitialWindow, sc.Config.WindowGrowth, sc.Config.MaxWindow, sc.Config.MaxWait)

	var all []time.Duration
	var b strings.Builder
	fmt.Fprintf(&b, "%-6s %7s %9s %9s %8s %11s %11s %8s %9s\n", "mode", "matches", "wait p50", "wait p99", "est err", "spread p50", "spread p90", "forced", "team gap")
	for _, s := range arenaShapes {
		w, sp := res.Waits[s.Mode], res.Spreads[s.Mode]
		all = append(all, w...)
		gap := "-"
		if g := res.TrueGaps[s.Mode]; len(g) > 0 {
			gap = fmt.Sprintf("%.2f", percentile(g, 0.5))
		}
		fmt.Fprintf(&b, "%-6s %7d %9v %9v %8v %11.2f %11.2f %7.1f%% %9s\n", s.Mode, res.Matches[s.Mode],
			percentile(w, 0.5).Round(10*time.Millisecond), percentile(w, 0.99).Round(10*time.Millisecond),
			percentile(res.EstErrors[s.Mode], 0.5).Round(10*time.Millisecond),
			percentile(sp, 0.5), percentile(sp, 0.9), 100*float64(res.Forced[s.Mode])/float64(res.Matches[s.Mode]), gap)
	}
	fmt.Fprintf(&b, "all    %7s %9v %9v   (cancelled tickets: %d)\n", "",
		percentile(all, 0.5).Round(10*time.Millisecond), percentile(all, 0.99).Round(10*time.Millisecond), res.Cancelled)
	for _, k := range simCheckpoints {
		if res.Reached[k] >= 2 {
			fmt.Fprintf(&b, "Spearman(Mu, true skill) after %2d matches: %.3f (%d players)\n", k, res.Spearman[k], res.Reached[k])
		}
	}
	fmt.Fprintf(&b, "Spearman at the end, all players: by Mu %.3f, by Ordinal %.3f", res.FinalRho, res.FinalOrdRo)
	fmt.Fprintf(&b, "\nwait: from joining to the pass that grouped the ticket; est err: median |wait - EstimatedWait at join|;\n"+
		"spread: highest minus lowest Mu in a group; forced: groups whose oldest ticket had waited MaxWait;\n"+
		"team gap: median |difference of the two teams' summed true skills| (teams mode)")
	t.Log("\n" + b.String())

	// Loose sanity bounds: the figures above are the point; these catch a
	// matchmaker or rating update gone wrong.
	if p50 := percentile(all, 0.5); p50 > 15*time.Second {
		t.Errorf("wait p50 %v, want under 15s", p50)
	}
	if p99 := percentile(all, 0.99); p99 > sc.Config.MaxWait+10*time.Second {
		t.Errorf("wait p99 %v, want under MaxWait+10s", p99)
	}
	for _, s := range arenaShapes {
		if res.Matches[s.Mode] < 50 {
			t.Errorf("%s: only %d matches", s.Mode, res.Matches[s.Mode])
		}
		if p50 := percentile(res.Spreads[s.Mode], 0.5); p50 > sc.Config.MaxWindow {
			t.Errorf("%s: spread p50 %.2f beyond MaxWindow", s.Mode, p50)
		}
	}
	if rho := res.Spearman[10]; !(rho > 0.7) {
		t.Errorf("Spearman after 10 matches %.3f, want > 0.7", rho)
	}
	if rho := res.Spearman[20]; !(rho > 0.8) {
		t.Errorf("Spearman after 20 matches %.3f, want > 0.8", rho)
	}
}

func TestSpearman(t *testing.T) {
	if r := spearman([]float64{1, 2, 3, 4}, []float64{10, 20, 30, 40}); math.Abs(r-1) > 1e-12 {
		t.Errorf("monotone: %v", r)
	}
	if r := spearman([]float64{1, 2, 3, 4}, []float64{4, 3, 2, 1}); math.Abs(r+1) > 1e-12 {
		t.Errorf("reversed: %v", r)
	}
	if got := ranks([]float64{5, 1, 5, 3}); !slices.Equal(got, []float64{3.5, 1, 3.5, 2}) {
		t.Errorf("ranks with ties: %v", got)
	}
}
