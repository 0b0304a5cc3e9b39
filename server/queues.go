package server

import (
	"context"
	"sync"
	"time"

	"github.com/arena-server/arena/game"
	"github.com/arena-server/arena/matchmaking"
)

// Queues serves the matchmaking of some modes: tickets in, placements out.
// The node that serves a mode's queue holds its tickets in one: the solo
// cluster every mode's, a NATS node the modes it leads.
//
// Locking: mu guards mm and tickets; no call out of Queues is made under it.
type Queues struct {
	mu      sync.Mutex
	mm      *matchmaking.Matchmaker
	tickets map[string]Ticket // by player
}

// NewQueues returns empty queues for modes.
func NewQueues(modes []game.Mode) (*Queues, error) {
	shapes := make([]matchmaking.Shape, len(modes))
	for i, m := range modes {
		shapes[i] = matchmaking.Shape{Mode: m.Name, Teams: m.Teams, PlayersPerTeam: m.PlayersPerTeam}
	}
	mm, err := matchmaking.New(matchmaking.Config{Shapes: shapes})
	if err != nil {
		return nil, err
	}
	return &Queues{mm: mm, tickets: make(map[string]Ticket)}, nil
}

// Join queues a ticket. A ticket the player already holds in the same mode
// keeps its place in the queue (a node may send it again), but takes the
// new ticket's node: a player who came back through another node hears
// from their queue there. A ticket in another mode is an error
// (matchmaking.ErrAlreadyQueued).
func (q *Queues) Join(t Ticket) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if old, ok := q.tickets[t.Player]; ok && old.Mode == t.Mode {
		old.Node = t.Node
		q.tickets[t.Player] = old
		return nil
	}
	err := q.mm.Join(matchmaking.Ticket{Player: matchmaking.PlayerID(t.Player), Mode: t.Mode, Rating: t.Rating, Enqueued: t.Enqueued})
	if err != nil {
		return err
	}
	q.tickets[t.Player] = t
	return nil
}

// Leave takes a player's ticket out, if they hold one.
func (q *Queues) Leave(player string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.leaveLocked(player)
}

func (q *Queues) leaveLocked(player string) {
	if _, ok := q.tickets[player]; ok {
		q.mm.Leave(matchmaking.PlayerID(player))
		delete(q.tickets, player)
	}
}

// LeaveNodes takes out the tickets of players whose node gone says is gone,
// and returns how many it took.
func (q *Queues) LeaveNodes(gone func(node string) bool) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := 0
	for p, t := range q.tickets {
		if gone(t.Node) {
			q.leaveLocked(p)
			n++
		}
	}
	return n
}

// Len is how many tickets are queued.
func (q *Queues) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.tickets)
}

// Pass runs one matchmaking pass: every match it forms becomes a
// placement, with a new match id, and its tickets leave the queues.
func (q *Queues) Pass(now time.Time) []Placement {
	q.mu.Lock()
	defer q.mu.Unlock()
	groups := q.mm.Pass(now)
	out := make([]Placement, 0, len(groups))
	for _, g := range groups {
		p := Placement{MatchID: newMatchID(), Mode: g.Mode}
		for team, tickets := range g.Teams {
			for _, mt := range tickets {
				t := q.tickets[string(mt.Player)]
				delete(q.tickets, t.Player)
				p.Seats = append(p.Seats, PlacedSeat{Player: t.Player, Name: t.Name, Team: team + 1, Node: t.Node})
			}
		}
		out = append(out, p)
	}
	return out
}

// QueuedStatus is one ticket's wait.
type QueuedStatus struct {
	Ticket Ticket
	Status matchmaking.Status
}

// Statuses returns how every ticket's wait goes.
func (q *Queues) Statuses(now time.Time) []QueuedStatus {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := make([]QueuedStatus, 0, len(q.tickets))
	for p, t := range q.tickets {
		if st, ok := q.mm.Status(matchmaking.PlayerID(p), now); ok {
			out = append(out, QueuedStatus{Ticket: t, Status: st})
		}
	}
	return out
}

// Placer is where the server of a queue sends what it decides.
type Placer interface {
	// Place finds a node for a formed match and tells its players.
	Place(p Placement)
	// Statuses sends queued players how their wait goes.
	Statuses(st []QueuedStatus)
}

// Serve runs the queues until ctx ends: a pass every passEvery, whose
// placements go to placer, and the statuses every statusEvery.
func (q *Queues) Serve(ctx context.Context, clock Clock, passEvery, statusEvery time.Duration, placer Placer) {
	pass := clock.NewTicker(passEvery)
	defer pass.Stop()
	status := clock.NewTicker(statusEvery)
	defer status.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-pass.C():
			for _, p := range q.Pass(now) {
				placer.Place(p)
			}
		case now := <-status.C():
			if st := q.Statuses(now); len(st) > 0 {
				placer.Statuses(st)
			}
		}
	}
}
