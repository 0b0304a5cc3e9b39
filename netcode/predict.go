package netcode

import (
	"github.com/arena-server/arena/game"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

// MapFromWire converts a MatchStart's map (world units) into the game.Map a
// client predicts its movement on (sub-units). The wire carries no spawn
// points; movement does not need them.
func MapFromWire(mi *arenav1.MapInfo) game.Map {
	m := game.Map{
		Name:   mi.GetName(),
		Width:  int32(min(mi.GetWidth(), 1<<16)),
		Height: int32(min(mi.GetHeight(), 1<<16)),
	}
	for _, r := range mi.GetWalls() {
		m.Walls = append(m.Walls, game.Rect{
			Min: game.Vec{X: r.GetMinX() * game.Unit, Y: r.GetMinY() * game.Unit},
			Max: game.Vec{X: r.GetMaxX() * game.Unit, Y: r.GetMaxY() * game.Unit},
		})
	}
	return m
}

// MaxPredicted bounds the inputs a Predictor keeps unacknowledged (four
// seconds at 30 ticks per second); past it the oldest are forgotten, and
// reconciliation is approximate until the server catches up.
const MaxPredicted = 128

// Frozen is the Still value of a ship that does not move whatever its
// inputs: dead, or in a match that ended.
const Frozen = ^uint32(0)

// Predictor predicts the client's own ship with the same movement code as
// the server (game.MoveShip): each input the client sends, stamped with the
// server tick it is meant for, moves the predicted ship at once and is kept
// until a snapshot of its tick (or a later one) arrives. On every snapshot,
// Reconcile resets the ship to the server's exact position and replays the
// inputs for the ticks after the snapshot's. With every input arriving in
// time, the prediction is the server's position.
//
// Only movement is predicted: aim is the client's own, and the rest (health,
// shots, deaths) waits for the server. It is not safe for concurrent use.
type Predictor struct {
	m        game.Map
	rules    game.Rules
	tickRate int

	pending []Input  // sent for ticks after the last snapshot's, in tick order
	pos     game.Vec // the ship after every pending input
	still   uint32   // inputs for ticks up to this one do not move the ship
	frozen  bool     // no input moves the ship
	last    uint32   // the tick of the last input applied, or of the snapshot
	ok      bool     // a snapshot has placed the ship
}

// NewPredictor returns a predictor for a ship on m, under rules, at
// tickRate ticks per second (those of the match: the client learns them
// from MatchStart).
func NewPredictor(m game.Map, rules game.Rules, tickRate int) *Predictor {
	return &Predictor{m: m, rules: rules, tickRate: tickRate, pending: make([]Input, 0, 64), frozen: true}
}

// Placed reports whether a snapshot has placed the ship (Pos means nothing
// before).
func (p *Predictor) Placed() bool { return p.ok }

// Pos is the predicted position: the server's last, plus every input sent
// for a later tick.
func (p *Predictor) Pos() game.Vec { return p.pos }

// Pending is the number of inputs sent for ticks after the last snapshot's.
func (p *Predictor) Pending() int { return len(p.pending) }

// Moving reports whether an input for the tick after the last one applied
// will move the ship.
func (p *Predictor) Moving() bool { return p.ok && !p.frozen && p.last+1 > p.still }

// Step returns where the predicted ship would be after one more tick of
// in, without applying it: for drawing the ship between ticks.
func (p *Predictor) Step(in game.Input) game.Vec {
	if !p.Moving() {
		return p.pos
	}
	return game.MoveShip(&p.m, p.rules, p.tickRate, p.pos, in)
}

// Apply takes an input the client has just sent: the predicted ship moves
// by it now (unless it is still, see Reconcile), and the input is kept
// until a snapshot of its tick. Inputs must come in increasing tick order;
// one for a tick not after the last applied (or the last snapshot's) is
// ignored.
func (p *Predictor) Apply(in Input) game.Vec {
	if in.Tick <= p.last && (p.ok || len(p.pending) > 0) {
		return p.pos
	}
	if len(p.pending) == MaxPredicted {
		p.pending = append(p.pending[:0], p.pending[1:]...)
	}
	p.pending = append(p.pending, in)
	p.last = in.Tick
	p.pos = p.move(p.pos, in)
	return p.pos
}

// move applies one input to pos.
func (p *Predictor) move(pos game.Vec, in Input) game.Vec {
	if !p.ok || p.frozen || in.Tick <= p.still {
		return pos
	}
	return game.MoveShip(&p.m, p.rules, p.tickRate, pos, in.Input)
}

// Reconcile takes the server's view of the ship from the snapshot of tick:
// its exact position, and still, the number of ticks after tick during
// which inputs do not move the ship (the countdown's ticks left; 0 during
// play; Frozen while dead or after the end). It forgets the inputs for
// ticks up to tick (applied by the server, or late), puts the ship at pos
// and replays the others, each at its tick. It returns the predicted
// position before and after: they differ when the prediction was wrong (a
// collision with another ship, a respawn, an input that came late or never,
// so that the server repeated the one before).
func (p *Predictor) Reconcile(pos game.Vec, tick uint32, still uint32) (before, after game.Vec) {
	before, placed := p.pos, p.ok
	i := 0
	for i < len(p.pending) && p.pending[i].Tick <= tick {
		i++
	}
	p.pending = append(p.pending[:0], p.pending[i:]...)
	p.ok, p.pos = true, pos
	p.frozen = still == Frozen
	if !p.frozen {
		p.still = tick + still
	}
	p.last = tick
	for _, in := range p.pending {
		p.pos = p.move(p.pos, in)
		p.last = in.Tick
	}
	if !placed {
		before = p.pos // the first placement corrects nothing
	}
	return before, p.pos
}

// Reset forgets the pending inputs and the ship's place: the match was
// resumed on a new connection, whose server side applied none of them.
func (p *Predictor) Reset() {
	p.pending = p.pending[:0]
	p.ok, p.frozen, p.last = false, true, 0
}
