package netcode

import (
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/arena-server/arena/game"
)

// MaxPendingEvents bounds the events an Encoder holds for a client that has
// not been handed them yet. Past it, the oldest are dropped: a client whose
// snapshots keep being dropped for that long is about to be disconnected.
const MaxPendingEvents = 256

// Encoder writes one client's snapshots, each a delta against the last one
// handed to the client's connection (its baseline), or full when there is
// none. Make one per connection with Match.NewEncoder; it is owned by the
// match's goroutine, like the Match.
//
// Each tick, after Match.Step, call Append for the client's frame, try to
// queue the frame, and report the outcome with Handed. The baseline only
// advances on Handed(true), which relies on the connection delivering every
// queued frame in order (TCP): a frame that was queued arrives. When a frame
// is dropped, Handed(false) makes the next one full. A client that connects
// again needs a full snapshot too: call Handed(false), or make a new Encoder
// (which forgets the events the client was still owed).
type Encoder struct {
	m      *Match
	ship   uint32
	radius int64 // view radius in sub-units; 0: everything

	base     *frame // the baseline, valid while base.tick == baseTick
	baseTick uint32

	// What the last Append sent, pending its Handed.
	appended bool
	next     *frame
	sent     int // events of pending it carried

	pending []game.Event // events not yet handed, oldest first
	cursor  uint64       // next event of m.log to take
	lost    uint64       // events dropped for MaxPendingEvents

	input InputReport // for the next Append, from SetInputReport

	own   [2]frame // filtered frames, with a view radius
	cols  columns
	body  []byte
	evcol []byte
}

// NewEncoder returns an encoder for the client playing ship (0 for a
// spectator). Its first snapshot is full; it carries the events of Steps
// from now on.
func (m *Match) NewEncoder(ship uint32) *Encoder {
	return &Encoder{m: m, ship: ship, cursor: m.log.head, pending: make([]game.Event, 0, 16)}
}

// SetViewRadius leaves out of this client's snapshots the ships and
// projectiles farther than r world units from its own ship, which is always
// in. They are listed as removed when they leave the radius and come back in
// full when they enter it again. 0 (the default) means no limit. A client
// with a view radius costs more to encode: it does not share the encoding of
// the other clients.
func (e *Encoder) SetViewRadius(r int32) {
	e.radius = int64(max(r, 0)) * game.Unit
}

// Append appends to dst the client's snapshot of the current tick as one
// complete ServerMessage frame: a delta against the baseline when there is
// one, else full, with ackSeq as the last input applied for the client and
// every event it was not handed yet. Call Handed after trying to queue it.
// A snapshot whose tick is not after the baseline's (the match ended and the
// world stopped) is full.
func (e *Encoder) Append(dst []byte, ackSeq uint32) []byte {
	m := e.m
	cur := m.current()
	e.takeEvents()
	base := e.base
	if base != nil && (base.tick != e.baseTick || base.tick == 0 || base.tick >= cur.tick) {
		base = nil // gone from the Match's ring, or not older than now
	}
	next := cur
	if e.radius > 0 {
		next = &e.own[0]
		if next == base {
			next = &e.own[1]
		}
		e.filter(next, cur)
	}

	b := e.body[:0]
	b = appendUint(b, fTick, next.tick)
	b = appendUint(b, fAckSeq, ackSeq)
	if base != nil {
		b = appendUint(b, fBaselineTick, base.tick)
	}
	if own, ok := next.ship(e.ship); ok {
		if old, had := findShip(base, e.ship); !had || old.aim != own.aim {
			b = appendAim(b, own.aim)
		}
	}
	b = appendInputReport(b, e.input)
	e.input = InputReport{}
	b, e.evcol = appendEvents(b, e.evcol, next.tick, e.pending)
	if e.radius > 0 {
		b = appendWorld(b, base, next, &e.cols)
	} else {
		b = append(b, m.worldPart(base)...)
	}
	e.body = b

	e.appended, e.next, e.sent = true, next, len(e.pending)
	return appendFrame(dst, b)
}

// SetInputReport sets the report on the client's inputs that the next
// Append carries (once).
func (e *Encoder) SetInputReport(r InputReport) { e.input = r }

// appendInputReport appends the fields of r that are not 0.
func appendInputReport(dst []byte, r InputReport) []byte {
	if r.Tick != 0 {
		dst = appendUint(dst, fInputTick, r.Tick)
		if ms := leadMS(r.Lead); ms != 0 {
			dst = protowire.AppendTag(dst, fInputLead, protowire.VarintType)
			dst = protowire.AppendVarint(dst, protowire.EncodeZigZag(int64(ms)))
		}
	}
	dst = appendUint(dst, fInputsLate, r.Late)
	return appendUint(dst, fInputMissing, r.Missing)
}

// Handed reports what became of the frame of the last Append: ok when it
// was queued on the client's connection, which makes that snapshot the
// baseline and its events delivered; false when it was dropped, which makes
// the next snapshot full and its events go again.
func (e *Encoder) Handed(ok bool) {
	if !ok {
		e.base, e.appended = nil, false
		return
	}
	if !e.appended {
		return
	}
	e.base, e.baseTick = e.next, e.next.tick
	n := copy(e.pending, e.pending[e.sent:])
	clear(e.pending[n:])
	e.pending = e.pending[:n]
	e.appended, e.next, e.sent = false, nil, 0
}

// LostEvents returns how many events were dropped, unsent, because more than
// MaxPendingEvents were pending.
func (e *Encoder) LostEvents() uint64 { return e.lost }

// takeEvents moves the events of the Match's steps since the last call to
// pending.
func (e *Encoder) takeEvents() {
	l := &e.m.log
	if e.cursor+uint64(len(l.ring)) < l.head {
		e.lost += l.head - uint64(len(l.ring)) - e.cursor
		e.cursor = l.head - uint64(len(l.ring))
	}
	for ; e.cursor < l.head; e.cursor++ {
		e.pending = append(e.pending, l.ring[e.cursor%uint64(len(l.ring))])
	}
	if over := len(e.pending) - MaxPendingEvents; over > 0 {
		n := copy(e.pending, e.pending[over:])
		clear(e.pending[n:])
		e.pending = e.pending[:n]
		e.lost += uint64(over)
	}
}

// filter makes dst the part of src within the view radius of the own ship.
func (e *Encoder) filter(dst, src *frame) {
	dst.copyFrom(src)
	own, ok := src.ship(e.ship)
	if !ok {
		return
	}
	center, r2 := own.pos, e.radius*e.radius
	in := func(p game.Vec) bool {
		dx, dy := int64(p.X)-int64(center.X), int64(p.Y)-int64(center.Y)
		return dx*dx+dy*dy <= r2
	}
	dst.ships = dst.ships[:0]
	for _, s := range src.ships {
		if s.id == e.ship || in(s.pos) {
			dst.ships = append(dst.ships, s)
		}
	}
	dst.projs = dst.projs[:0]
	for _, p := range src.projs {
		if in(p.pos) {
			dst.projs = append(dst.projs, p)
		}
	}
}

// findShip returns the ship id of f, if f is not nil and has it.
func findShip(f *frame, id uint32) (*shipState, bool) {
	if f == nil {
		return nil, false
	}
	return f.ship(id)
}

// appendAim appends self_aim, which has presence: it is written even when 0.
func appendAim(dst []byte, a game.Angle) []byte {
	dst = protowire.AppendTag(dst, fSelfAim, protowire.VarintType)
	return protowire.AppendVarint(dst, uint64(a))
}
