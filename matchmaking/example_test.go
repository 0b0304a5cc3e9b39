package matchmaking_test

import (
	"fmt"
	"time"

	"github.com/arena-server/arena/matchmaking"
)

// Two new players queue for a duel, are paired by the next pass, play, and
// their ratings move.
func Example() {
	m, err := matchmaking.New(matchmaking.Config{Shapes: []matchmaking.Shape{
		{Mode: "duel", Teams: 2, PlayersPerTeam: 1},
		{Mode: "teams", Teams: 2, PlayersPerTeam: 2},
	}})
	if err != nil {
		panic(err)
	}
	store := matchmaking.NewMemoryStore()
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)

	for _, p := range []matchmaking.PlayerID{"alice", "bob"} {
		r, ok := store.Rating(p)
		if !ok {
			r = matchmaking.NewRating()
		}
		if err := m.Join(matchmaking.Ticket{Player: p, Mode: "duel", Rating: r, Enqueued: now}); err != nil {
			panic(err)
		}
	}
	st, _ := m.Status("alice", now)
	fmt.Printf("alice waits for a %s with %d queued, window %.1f\n", st.Mode, st.Queued, st.Window)

	groups := m.Pass(now.Add(250 * time.Millisecond))
	g := groups[0]
	fmt.Println("match:", g.Mode, g.Players())

	// Team 0 won.
	changes := matchmaking.UpdateRatings(store, g.Players(), []int{1, 2})
	for _, team := range g.Players() {
		for _, p := range team {
			c := changes[p]
			fmt.Printf("%s: %d -> %d (%+d)\n", p, c.Before.Display(), c.After.Display(), c.After.Display()-c.Before.Display())
		}
	}
	// Output:
	// alice waits for a duel with 2 queued, window 2.0
	// match: duel [[alice] [bob]]
	// alice: 1000 -> 1138 (+138)
	// bob: 1000 -> 927 (-73)
}
