package matchmaking

// RatingChange is one player's rating before and after a match, for the
// results screen (show After.Display() and After.Display()-Before.Display()).
type RatingChange struct {
	Before, After Rating
}

// UpdateRatings rates a finished match and records the new ratings in store.
//
// teams lists each side's players (a free-for-all is one player per team) and
// ranks their placements as Rate takes them: lower is better, equal is a tie,
// nil means the teams are in finishing order. A player who left early should
// be ranked last. Players without a rating in store start from NewRating.
//
// It returns every player's change. If a player appears more than once, or
// the match cannot be rated (see Rate), it writes nothing and returns nil.
// UpdateRatings is as safe for concurrent use as store is, but two matches
// sharing a player must not be rated at the same time, or one update of that
// player may be lost.
func UpdateRatings(store Store, teams [][]PlayerID, ranks []int) map[PlayerID]RatingChange {
	seen := make(map[PlayerID]bool)
	before := make([][]Rating, len(teams))
	for i, team := range teams {
		before[i] = make([]Rating, len(team))
		for k, p := range team {
			if seen[p] {
				return nil
			}
			seen[p] = true
			r, ok := store.Rating(p)
			if !ok {
				r = NewRating()
			}
			before[i][k] = r
		}
	}
	if !rateable(before, ranks) {
		return nil
	}
	after := Rate(before, ranks)
	changes := make(map[PlayerID]RatingChange, len(seen))
	for i, team := range teams {
		for k, p := range team {
			store.SetRating(p, after[i][k])
			changes[p] = RatingChange{Before: before[i][k], After: after[i][k]}
		}
	}
	return changes
}
