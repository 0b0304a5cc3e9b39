package matchmaking

import (
	"cmp"
	"math"
	"slices"
)

// exhaustiveLimit is the largest group that balance splits in two by trying
// every split (2^(n-1) subsets: 2048 at 12 players).
const exhaustiveLimit = 12

// balance splits the players whose strengths are given into teams sides of
// perTeam players, making the teams' summed strengths as even as practical.
// It fills order (len(strength) long) with player indices, team by team:
// order[t*perTeam:(t+1)*perTeam] is team t, each team strongest first.
//
// One player per team needs no choice: teams are ordered strongest first.
// Two teams of up to exhaustiveLimit players in all are split optimally.
// Otherwise a snake draft (strongest first, A B B A ...) is refined by
// swapping players between pairs of teams while a swap narrows their gap.
// The result is never worse than that local optimum, in which any two teams'
// sums differ by at most the group's strength spread (strongest minus
// weakest): were the gap wider, swapping some stronger player of the heavier
// team with a weaker one of the lighter would narrow it.
func balance(strength []float64, teams, perTeam int, order []int) {
	n := len(strength)
	for i := range order {
		order[i] = i
	}
	strongestFirst := func(a, b int) int {
		if c := cmp.Compare(strength[b], strength[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	}
	slices.SortFunc(order, strongestFirst)
	if perTeam == 1 {
		return
	}
	if teams == 2 && n <= exhaustiveLimit {
		splitTwo(strength, perTeam, order)
	} else {
		snakeDraft(order, teams, perTeam)
		refine(strength, teams, perTeam, order)
	}
	for t := range teams {
		slices.SortFunc(order[t*perTeam:(t+1)*perTeam], strongestFirst)
	}
}

// splitTwo puts the best of every split into two teams of perTeam into order.
// The strongest player (order[0]) stays in team 0, which halves the search.
func splitTwo(strength []float64, perTeam int, order []int) {
	n := len(order)
	var total float64
	for _, s := range strength {
		total += s
	}
	bestMask, bestGap := uint32(0), math.Inf(1)
	for mask := uint32(0); mask < 1<<(n-1); mask++ {
		if popcount(mask) != perTeam-1 {
			continue
		}
		sum := strength[order[0]]
		for i := 1; i < n; i++ {
			if mask&(1<<(i-1)) != 0 {
				sum += strength[order[i]]
			}
		}
		if gap := math.Abs(2*sum - total); gap < bestGap {
			bestMask, bestGap = mask, gap
		}
	}
	var a, b [exhaustiveLimit]int
	a[0] = order[0]
	na, nb := 1, 0
	for i := 1; i < n; i++ {
		if bestMask&(1<<(i-1)) != 0 {
			a[na] = order[i]
			na++
		} else {
			b[nb] = order[i]
			nb++
		}
	}
	copy(order, a[:na])
	copy(order[na:], b[:nb])
}

func popcount(x uint32) int {
	c := 0
	for ; x != 0; x &= x - 1 {
		c++
	}
	return c
}

// snakeDraft rearranges order (strongest first) into teams, team by team:
// team picks go 0, 1, ..., t-1, t-1, ..., 1, 0, 0, 1, ...
func snakeDraft(order []int, teams, perTeam int) {
	drafted := make([]int, len(order))
	filled := make([]int, teams)
	for i, p := range order {
		round, k := i/teams, i%teams
		t := k
		if round%2 == 1 {
			t = teams - 1 - k
		}
		drafted[t*perTeam+filled[t]] = p
		filled[t]++
	}
	copy(order, drafted)
}

// refine swaps players between pairs of teams while a swap narrows the gap
// between the two teams' sums. Each swap lowers the sum of squared team sums,
// so it ends; the round limit is a guard only.
func refine(strength []float64, teams, perTeam int, order []int) {
	const eps = 1e-12
	sums := make([]float64, teams)
	for t := range teams {
		for _, p := range order[t*perTeam : (t+1)*perTeam] {
			sums[t] += strength[p]
		}
	}
	for round := 0; round < 64; round++ {
		improved := false
		for a := range teams {
			for b := a + 1; b < teams; b++ {
				for i := a * perTeam; i < (a+1)*perTeam; i++ {
					for j := b * perTeam; j < (b+1)*perTeam; j++ {
						gap := sums[a] - sums[b]
						d := strength[order[i]] - strength[order[j]]
						if math.Abs(gap-2*d) < math.Abs(gap)-eps {
							order[i], order[j] = order[j], order[i]
							sums[a] -= d
							sums[b] += d
							improved = true
						}
					}
				}
			}
		}
		if !improved {
			return
		}
	}
}
