package game

import (
	"cmp"
	"slices"
)

// Result is one player's line of the results.
type Result struct {
	// ID is the player's ship.
	ID ShipID
	// Team is the player's team, from 1.
	Team int
	// Kills and Deaths are the player's score.
	Kills, Deaths int
	// Placement is 1 for the winner (or the winning team); ties share a
	// placement, and the next placement skips the tied ones (1, 1, 3).
	Placement int
	// Left is true if the player left the match.
	Left bool
}

// Results returns every player's result, best placement first (then by team
// and ID). It can be called at any time; at the end it is the final ranking.
//
// Sides (teams; in modes with one player per team, players) are ranked by
// their kills, then by fewer deaths; a team's kills and deaths are the sums
// of its players', including players who left. Every player who has not
// left gets their side's placement; sides whose players all left are not
// ranked. Players who left rank last: they share the placement after every
// ranked side. A kill of a teammate (friendly fire) is not counted as a
// kill. The ranking is the same whatever ended the match.
func (w *World) Results() []Result {
	type side struct{ team, kills, deaths int }
	sides := make([]side, 0, w.mode.Teams)
	for t := 1; t <= w.mode.Teams; t++ {
		for i := range w.ships {
			if w.ships[i].Team == t && !w.ships[i].Left {
				sides = append(sides, side{t, w.teamKills[t-1], w.teamDeaths[t-1]})
				break
			}
		}
	}
	better := func(a, b side) int {
		if c := cmp.Compare(b.kills, a.kills); c != 0 {
			return c
		}
		return cmp.Compare(a.deaths, b.deaths)
	}
	slices.SortStableFunc(sides, func(a, b side) int {
		if c := better(a, b); c != 0 {
			return c
		}
		return cmp.Compare(a.team, b.team)
	})
	placement := make([]int, w.mode.Teams+1) // by team; 0: not ranked
	for k, s := range sides {
		if k > 0 && better(sides[k-1], s) == 0 {
			placement[s.team] = placement[sides[k-1].team]
		} else {
			placement[s.team] = k + 1
		}
	}
	last := len(sides) + 1

	results := make([]Result, len(w.ships))
	for i, s := range w.ships {
		p := placement[s.Team]
		if s.Left || p == 0 {
			p = last
		}
		results[i] = Result{ID: s.ID, Team: s.Team, Kills: s.Kills, Deaths: s.Deaths, Placement: p, Left: s.Left}
	}
	slices.SortStableFunc(results, func(a, b Result) int {
		if c := cmp.Compare(a.Placement, b.Placement); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Team, b.Team); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return results
}
