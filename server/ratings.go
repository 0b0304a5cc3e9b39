package server

import (
	"log/slog"
	"slices"

	"github.com/arena-server/arena/matchmaking"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

// applyRatings moves the ratings of a match's players by its placements and
// writes each player's new rating and its change into the results. Aborted
// matches change nothing.
func (l *lobby) applyRatings(m *match, end *arenav1.MatchEnd) {
	if end.Reason == arenav1.MatchEndReason_MATCH_END_REASON_ABORTED || len(end.Results) == 0 {
		return
	}
	var teams [][]matchmaking.PlayerID
	var ranks []int
	var teamOf []uint32
	for _, r := range end.Results {
		i := slices.Index(teamOf, r.Team)
		if i < 0 {
			teamOf = append(teamOf, r.Team)
			teams = append(teams, nil)
			ranks = append(ranks, int(r.Placement))
			i = len(teams) - 1
		}
		teams[i] = append(teams[i], matchmaking.PlayerID(r.PlayerId))
		ranks[i] = min(ranks[i], int(r.Placement))
	}
	if len(teams) < 2 {
		return
	}
	changes := matchmaking.UpdateRatings(l.store, teams, ranks)
	for _, r := range end.Results {
		if c, ok := changes[matchmaking.PlayerID(r.PlayerId)]; ok {
			r.Rating = int32(c.After.Display())
			r.RatingChange = int32(c.After.Display() - c.Before.Display())
		}
	}
	m.log.Debug("ratings updated", slog.Int("players", len(changes)))
}
