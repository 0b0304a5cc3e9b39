package matchmaking

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// PlayerID names a player; the server's session layer vouches for it.
type PlayerID string

// Errors Join returns, wrapped with the player and mode; check them with
// errors.Is.
var (
	// ErrAlreadyQueued means the player already holds a ticket (in any mode).
	ErrAlreadyQueued = errors.New("player already queued")
	// ErrUnknownMode means the ticket's mode is not one of Config.Shapes.
	ErrUnknownMode = errors.New("unknown mode")
	// ErrInvalidTicket means the ticket has no player, no Enqueued time, or
	// a rating that is not finite or has a negative Sigma.
	ErrInvalidTicket = errors.New("invalid ticket")
)

// Ticket is one player's request to play a mode.
type Ticket struct {
	// Player is who queues; one ticket per player across all modes.
	Player PlayerID
	// Mode is the Shape.Mode queued for.
	Mode string
	// Rating is the player's rating when they queued (from the Store).
	Rating Rating
	// Enqueued is when the player queued, on the clock later passed to Pass
	// and Status. It must be set.
	Enqueued time.Time
}

// Group is a match the matchmaker formed: exactly Shape.Teams teams of
// Shape.PlayersPerTeam tickets each. The teams are balanced: two teams of up
// to 12 players in all are split so that their summed Rating.Mu differ as
// little as possible, larger groups by a snake draft refined with swaps, and
// in every group any two teams' sums differ by at most the group's Mu spread
// (highest minus lowest). Within a team, tickets are sorted by Mu, highest
// first; free-for-all teams too are ordered strongest first.
type Group struct {
	// Mode is the mode of every ticket in the group.
	Mode string
	// Teams holds the tickets side by side.
	Teams [][]Ticket
}

// Players returns the group's player IDs team by team, in the shape
// UpdateRatings takes.
func (g Group) Players() [][]PlayerID {
	out := make([][]PlayerID, len(g.Teams))
	for i, team := range g.Teams {
		out[i] = make([]PlayerID, len(team))
		for k, t := range team {
			out[i][k] = t.Player
		}
	}
	return out
}

// Status describes a queued player's search, for the once-a-second status
// update the server sends.
type Status struct {
	// Mode is the mode queued for.
	Mode string
	// Waited is how long the player has waited.
	Waited time.Duration
	// Queued is how many players are queued for Mode, the player included.
	Queued int
	// Window is the player's current rating window in Mu units: how far
	// apart the ratings of a group this player is the oldest in may be
	// (times DisplayScale in Display points). Once Unlimited is true it
	// stays at MaxWindow.
	Window float64
	// Unlimited is true once the player has waited MaxWait: any full group
	// that includes them may form.
	Unlimited bool
	// EstimatedWait is the typical total wait in Mode lately: a moving
	// average of the waits of the last tickets matched in it. It is zero
	// until the mode has formed a group.
	EstimatedWait time.Duration
}

// Matchmaker holds the queues of every mode and pairs them. It is not safe
// for concurrent use: the server owns it and serialises every call (for
// example from one goroutine that also calls Pass on a ticker).
type Matchmaker struct {
	cfg     Config
	queues  []*queue // in Config.Shapes order, so Pass is deterministic
	byMode  map[string]*queue
	tickets map[PlayerID]*entry
	seq     uint64
}

// New returns a Matchmaker for cfg, or cfg.Validate's error.
func New(cfg Config) (*Matchmaker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("matchmaking config: %w", err)
	}
	cfg = cfg.withDefaults()
	cfg.Shapes = append([]Shape(nil), cfg.Shapes...)
	m := &Matchmaker{
		cfg:     cfg,
		byMode:  make(map[string]*queue, len(cfg.Shapes)),
		tickets: make(map[PlayerID]*entry),
	}
	for _, s := range cfg.Shapes {
		q := newQueue(s)
		m.queues = append(m.queues, q)
		m.byMode[s.Mode] = q
	}
	return m, nil
}

// Join queues t. It fails with ErrAlreadyQueued if t.Player holds a ticket
// in any mode, ErrUnknownMode if t.Mode is not configured, and
// ErrInvalidTicket if t has no player, a zero Enqueued or an invalid rating.
func (m *Matchmaker) Join(t Ticket) error {
	q, ok := m.byMode[t.Mode]
	switch {
	case t.Player == "" || t.Enqueued.IsZero() || !t.Rating.valid():
		return fmt.Errorf("join %q to %q: %w", t.Player, t.Mode, ErrInvalidTicket)
	case m.tickets[t.Player] != nil:
		return fmt.Errorf("join %s to %q: %w", t.Player, t.Mode, ErrAlreadyQueued)
	case !ok:
		return fmt.Errorf("join %s to %q: %w", t.Player, t.Mode, ErrUnknownMode)
	}
	m.seq++
	e := &entry{Ticket: t, q: q, at: t.Enqueued.UnixNano(), seq: m.seq}
	m.tickets[t.Player] = e
	q.add(e)
	return nil
}

// Leave removes p's ticket, for a player who cancels or disconnects. It
// reports whether p was queued.
func (m *Matchmaker) Leave(p PlayerID) bool {
	e := m.tickets[p]
	if e == nil {
		return false
	}
	delete(m.tickets, p)
	e.q.remove(e)
	return true
}

// Queued reports whether p holds a ticket.
func (m *Matchmaker) Queued(p PlayerID) bool {
	return m.tickets[p] != nil
}

// Len returns how many tickets are queued for mode (0 for an unknown mode).
func (m *Matchmaker) Len(mode string) int {
	q := m.byMode[mode]
	if q == nil {
		return 0
	}
	return q.live
}

// Status returns p's search status at now, and false if p is not queued.
func (m *Matchmaker) Status(p PlayerID, now time.Time) (Status, bool) {
	e := m.tickets[p]
	if e == nil {
		return Status{}, false
	}
	waited := max(time.Duration(now.UnixNano()-e.at), 0)
	window, unlimited := m.cfg.window(waited)
	return Status{
		Mode:          e.Mode,
		Waited:        waited,
		Queued:        e.q.live,
		Window:        window,
		Unlimited:     unlimited,
		EstimatedWait: e.q.estimate.value(),
	}, true
}

// Pass runs one pairing pass at now over every mode, in Config.Shapes order,
// and returns the groups formed. Their tickets leave the queue: the caller
// places each group in a match (or, if that fails, may Join the players
// again with their original Enqueued times).
//
// Within a mode, tickets are visited oldest first. For each ticket not yet
// grouped, Pass considers the groups of the mode's size made of tickets
// adjacent to it in rating order (among those still queued) and forms the
// one with the smallest rating spread, provided that spread is within the
// ticket's window (see Config). Because older tickets are visited first, the
// visited ticket is the oldest that could still form such a group, so this
// is the window of the group's oldest ticket; and when the pass ends, no run
// of the mode's size of tickets adjacent in rating order fits the window of
// its oldest. A pass costs O(N·size) for the N queued tickets, after a radix
// sort of those that joined since the last pass.
func (m *Matchmaker) Pass(now time.Time) []Group {
	var groups []Group
	nowNano := now.UnixNano()
	for _, q := range m.queues {
		first := len(groups)
		groups = q.pair(nowNano, &m.cfg, groups)
		for _, g := range groups[first:] {
			for _, team := range g.Teams {
				for _, t := range team {
					delete(m.tickets, t.Player)
				}
			}
		}
	}
	return groups
}

// estimate is an exponential moving average of waits.
type estimate struct {
	avg float64 // nanoseconds
	n   int
}

// estimateWeight is the weight of one new wait in the moving average: about
// the last 20 matched tickets count.
const estimateWeight = 0.05

func (e *estimate) add(w time.Duration) {
	e.n++
	if e.n == 1 {
		e.avg = float64(w)
		return
	}
	e.avg += estimateWeight * (float64(w) - e.avg)
}

func (e *estimate) value() time.Duration {
	if e.n == 0 {
		return 0
	}
	return time.Duration(math.Round(e.avg))
}
