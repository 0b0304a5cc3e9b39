package server

import (
	"fmt"
	"testing"
	"time"

	"github.com/arena-server/arena/game"
	"github.com/arena-server/arena/matchmaking"
)

func newTestQueues(t testing.TB) *Queues {
	t.Helper()
	q, err := NewQueues(game.DefaultModes())
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func ticket(player, mode, node string, at time.Time) Ticket {
	return Ticket{Player: player, Name: player, Mode: mode, Rating: matchmaking.NewRating(), Node: node, Enqueued: at}
}

func TestQueuesPlaceTicketsFromEveryNode(t *testing.T) {
	q := newTestQueues(t)
	at := time.Unix(1000, 0)
	for _, tk := range []Ticket{ticket("a", "duel", "n1", at), ticket("b", "duel", "n2", at)} {
		if err := q.Join(tk); err != nil {
			t.Fatal(err)
		}
	}
	// A node that sends a ticket again (a new leader asked for them) keeps
	// its place; a player who queued again through another node is now there.
	if err := q.Join(ticket("a", "duel", "n1", at.Add(time.Second))); err != nil {
		t.Fatalf("the same ticket again: %v", err)
	}
	if err := q.Join(ticket("b", "duel", "n3", at.Add(time.Second))); err != nil {
		t.Fatalf("the same player through another node: %v", err)
	}
	// Another mode while queued is refused, as on one node.
	if err := q.Join(ticket("a", "ffa", "n1", at)); err == nil {
		t.Fatal("a second ticket in another mode was taken")
	}
	placed := q.Pass(at.Add(time.Second))
	if len(placed) != 1 || len(placed[0].Seats) != 2 || placed[0].MatchID == "" {
		t.Fatalf("placements: %+v", placed)
	}
	nodes := map[string]string{}
	teams := map[int]bool{}
	for _, s := range placed[0].Seats {
		nodes[s.Player] = s.Node
		teams[s.Team] = true
	}
	if nodes["a"] != "n1" || nodes["b"] != "n3" || !teams[1] || !teams[2] {
		t.Fatalf("seats: %+v", placed[0].Seats)
	}
	if q.Len() != 0 {
		t.Fatalf("%d tickets left after placing them all", q.Len())
	}
}

func TestQueuesDropTicketsOfGoneNodes(t *testing.T) {
	q := newTestQueues(t)
	at := time.Unix(1000, 0)
	for i, node := range []string{"n1", "n2", "n2"} {
		if err := q.Join(ticket(fmt.Sprint("p", i), "ffa16", node, at)); err != nil {
			t.Fatal(err)
		}
	}
	if n := q.LeaveNodes(func(node string) bool { return node == "n2" }); n != 2 {
		t.Fatalf("dropped %d tickets of n2, want 2", n)
	}
	st := q.Statuses(at)
	if len(st) != 1 || st[0].Ticket.Player != "p0" || st[0].Status.Queued != 1 {
		t.Fatalf("statuses after n2 left: %+v", st)
	}
}

func TestSeatTicketsExpire(t *testing.T) {
	g := &seatGate{signer: signer{secret: []byte("k")}, node: "n1"}
	now := time.Unix(1000, 0)
	tk, err := g.signer.issueSeat("p", "m", "n1", now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.check(tk, "p", now.Add(seatTicketTTL)); err != errTokenExpired {
		t.Fatalf("a ticket at its expiry: %v, want %v", err, errTokenExpired)
	}
	if _, err := g.check(tk, "p", now.Add(seatTicketTTL-time.Millisecond)); err != nil {
		t.Fatalf("a ticket just before its expiry: %v", err)
	}
	// A session token is not a seat ticket, though the same key signs both.
	session, _, err := g.signer.issue("p", now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.check(session, "p", now); err != errTokenSignature {
		t.Fatalf("a session token as a seat ticket: %v, want %v", err, errTokenSignature)
	}
}

// BenchmarkQueuesPass100k is one matchmaking pass over 100,000 duel and
// ffa16 tickets from three nodes, as the leader of both queues runs it.
func BenchmarkQueuesPass100k(b *testing.B) {
	at := time.Unix(1000, 0)
	modes := []string{"duel", "ffa16"}
	for b.Loop() {
		b.StopTimer()
		q := newTestQueues(b)
		for i := range 100_000 {
			tk := ticket(fmt.Sprint("p", i), modes[i%2], fmt.Sprint("n", i%3), at.Add(-time.Duration(i%600)*time.Second))
			tk.Rating.Mu += float64(i%97) - 48
			if err := q.Join(tk); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		if placed := q.Pass(at); len(placed) == 0 {
			b.Fatal("no match formed")
		}
	}
}
