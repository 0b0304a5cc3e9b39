package netcode

import (
	"slices"

	"github.com/arena-server/arena/game"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

// columns are the scratch buffers of the packed columns while one world part
// is encoded. The zero value is ready; the buffers are reused.
type columns struct {
	shipRemoved, shipAdded, shipMoved, shipVel, shipAim, shipStatus, shipScore []byte
	projRemoved, projAdded                                                     []byte
	teamKills                                                                  []byte
}

func (c *columns) reset() {
	c.shipRemoved, c.shipAdded, c.shipMoved, c.shipVel = c.shipRemoved[:0], c.shipAdded[:0], c.shipMoved[:0], c.shipVel[:0]
	c.shipAim, c.shipStatus, c.shipScore = c.shipAim[:0], c.shipStatus[:0], c.shipScore[:0]
	c.projRemoved, c.projAdded, c.teamKills = c.projRemoved[:0], c.projAdded[:0], c.teamKills[:0]
}

// skipper turns baseline indices into the skips of one column.
type skipper struct{ last int }

func newSkipper() skipper { return skipper{last: -1} }

// skip returns the skip of baseline index i and makes it the last one.
func (s *skipper) skip(i int) uint32 {
	k := i - s.last - 1
	s.last = i
	return uint32(k)
}

// predictedTicksLeft is what the client expects of ticks_left age ticks
// after a baseline with ticksLeft.
func predictedTicksLeft(ticksLeft, age uint32) uint32 {
	if ticksLeft < age {
		return 0
	}
	return ticksLeft - age
}

// advance returns pos moved by vel for age ticks, wrapping like the decoder.
func advance(pos, vel game.Vec, age uint32) game.Vec {
	a := int32(age)
	return game.Vec{X: pos.X + vel.X*a, Y: pos.Y + vel.Y*a}
}

// appendWorld appends the snapshot fields that describe next, as a delta
// against base, or in full when base is nil: phase, ticks left, ships,
// projectiles and team kills. These fields depend only on base and next, so
// clients with the same baseline receive the same bytes. The tick, the
// acknowledged input, the baseline tick, the own aim and the events are the
// caller's to add.
func appendWorld(dst []byte, base, next *frame, c *columns) []byte {
	c.reset()
	var age uint32
	if base == nil {
		dst = appendUint(dst, fPhase, uint32(phaseToWire(next.phase)))
		dst = appendUint(dst, fTicksLeft, next.ticksLeft)
		for _, t := range next.teamKills {
			c.teamKills = putU(c.teamKills, t)
		}
		dst = appendPacked(dst, fTeamKills, c.teamKills)
	} else {
		age = next.tick - base.tick
		if next.phase != base.phase || next.ticksLeft != predictedTicksLeft(base.ticksLeft, age) {
			dst = appendUint(dst, fPhase, uint32(phaseToWire(next.phase)))
			dst = appendUint(dst, fTicksLeft, next.ticksLeft)
		}
		if !slices.Equal(base.teamKills, next.teamKills) {
			for _, t := range next.teamKills {
				c.teamKills = putU(c.teamKills, t)
			}
			dst = appendPacked(dst, fTeamKills, c.teamKills)
		}
	}
	c.encodeShips(base, next, age)
	c.encodeProjectiles(base, next, age)
	dst = appendPacked(dst, fShipRemoved, c.shipRemoved)
	dst = appendPacked(dst, fShipAdded, c.shipAdded)
	dst = appendPacked(dst, fShipMoved, c.shipMoved)
	dst = appendPacked(dst, fShipVelocity, c.shipVel)
	dst = appendPacked(dst, fShipAim, c.shipAim)
	dst = appendPacked(dst, fShipStatus, c.shipStatus)
	dst = appendPacked(dst, fShipScore, c.shipScore)
	dst = appendPacked(dst, fProjectileRemoved, c.projRemoved)
	dst = appendPacked(dst, fProjectileAdded, c.projAdded)
	return dst
}

// encodeShips fills the ship columns: base's ships that are gone, next's
// ships that are new, and what changed of the others.
func (c *columns) encodeShips(base, next *frame, age uint32) {
	var old []shipState
	if base != nil {
		old = base.ships
	}
	removed, moved, vel, aim, stat, score := newSkipper(), newSkipper(), newSkipper(), newSkipper(), newSkipper(), newSkipper()
	var lastAdded uint32
	add := func(s *shipState) {
		c.shipAdded = putS(c.shipAdded, int32(s.id-lastAdded))
		lastAdded = s.id
		c.shipAdded = putS(c.shipAdded, int32(s.team))
		c.shipAdded = putS(c.shipAdded, s.pos.X)
		c.shipAdded = putS(c.shipAdded, s.pos.Y)
		c.shipAdded = putS(c.shipAdded, s.vel.X)
		c.shipAdded = putS(c.shipAdded, s.vel.Y)
		c.shipAdded = putS(c.shipAdded, int32(aim8(s.aim)))
		c.shipAdded = putS(c.shipAdded, int32(s.status))
		c.shipAdded = putS(c.shipAdded, int32(s.kills))
		c.shipAdded = putS(c.shipAdded, int32(s.deaths))
	}
	i, j := 0, 0
	for i < len(old) || j < len(next.ships) {
		switch {
		case j == len(next.ships) || i < len(old) && old[i].id < next.ships[j].id:
			c.shipRemoved = putU(c.shipRemoved, removed.skip(i))
			i++
		case i == len(old) || next.ships[j].id < old[i].id:
			add(&next.ships[j])
			j++
		default:
			b, n := &old[i], &next.ships[j]
			if b.team != n.team {
				c.shipRemoved = putU(c.shipRemoved, removed.skip(i))
				add(n)
				i, j = i+1, j+1
				continue
			}
			d := n.pos.Sub(advance(b.pos, b.vel, age))
			if d != (game.Vec{}) {
				c.shipMoved = putS(c.shipMoved, int32(moved.skip(i)))
				c.shipMoved = putS(c.shipMoved, d.X)
				c.shipMoved = putS(c.shipMoved, d.Y)
			}
			if dv := n.vel.Sub(b.vel.Add(d)); dv != (game.Vec{}) {
				c.shipVel = putS(c.shipVel, int32(vel.skip(i)))
				c.shipVel = putS(c.shipVel, dv.X)
				c.shipVel = putS(c.shipVel, dv.Y)
			}
			if qb, qn := aim8(b.aim), aim8(n.aim); qb != qn {
				c.shipAim = putS(c.shipAim, int32(aim.skip(i)))
				c.shipAim = putS(c.shipAim, int32(int8(qn-qb)))
			}
			if b.status != n.status {
				c.shipStatus = putU(c.shipStatus, stat.skip(i))
				c.shipStatus = putU(c.shipStatus, n.status)
			}
			if b.kills != n.kills || b.deaths != n.deaths {
				c.shipScore = putU(c.shipScore, score.skip(i))
				c.shipScore = putU(c.shipScore, n.kills)
				c.shipScore = putU(c.shipScore, n.deaths)
			}
			i, j = i+1, j+1
		}
	}
}

// encodeProjectiles fills the projectile columns: base's projectiles that
// left before their time ran out, and next's that the client does not have.
func (c *columns) encodeProjectiles(base, next *frame, age uint32) {
	var old []projState
	var lastAdded uint32
	if base != nil {
		old = base.projs
		if len(old) > 0 {
			lastAdded = old[len(old)-1].id
		}
	}
	removed := newSkipper()
	add := func(p *projState) {
		c.projAdded = putS(c.projAdded, int32(p.id-lastAdded))
		lastAdded = p.id
		c.projAdded = putS(c.projAdded, int32(p.owner))
		rel := p.pos
		if o, ok := next.ship(p.owner); ok {
			rel = rel.Sub(o.pos)
		}
		c.projAdded = putS(c.projAdded, rel.X)
		c.projAdded = putS(c.projAdded, rel.Y)
		c.projAdded = putS(c.projAdded, p.vel.X)
		c.projAdded = putS(c.projAdded, p.vel.Y)
		c.projAdded = putS(c.projAdded, int32(p.ticksLeft))
	}
	// remove lists base projectile i unless the client drops it by itself.
	remove := func(i int) {
		if old[i].ticksLeft > age {
			c.projRemoved = putU(c.projRemoved, removed.skip(i))
		}
	}
	i, j := 0, 0
	for i < len(old) || j < len(next.projs) {
		switch {
		case j == len(next.projs) || i < len(old) && old[i].id < next.projs[j].id:
			remove(i)
			i++
		case i == len(old) || next.projs[j].id < old[i].id:
			add(&next.projs[j])
			j++
		default:
			b, n := &old[i], &next.projs[j]
			if b.ticksLeft <= age || n.owner != b.owner || n.vel != b.vel ||
				n.ticksLeft != b.ticksLeft-age || n.pos != advance(b.pos, b.vel, age) {
				remove(i)
				add(n)
			}
			i, j = i+1, j+1
		}
	}
}

// appendEvents appends the event_records of evs as seen at tick.
func appendEvents(dst, col []byte, tick uint32, evs []game.Event) ([]byte, []byte) {
	col = col[:0]
	for _, e := range evs {
		head := uint32(e.Kind)&eventKindMask | (tick-e.Tick)<<eventAgeShift
		if e.Target != 0 {
			head |= eventHasTarget
		}
		col = putU(col, head)
		col = putU(col, uint32(e.Actor))
		if e.Target != 0 {
			col = putU(col, uint32(e.Target))
		}
	}
	return appendPacked(dst, fEventRecords, col), col
}

func phaseToWire(p game.Phase) arenav1.MatchPhase {
	switch p {
	case game.PhaseCountdown:
		return arenav1.MatchPhase_MATCH_PHASE_COUNTDOWN
	case game.PhasePlaying:
		return arenav1.MatchPhase_MATCH_PHASE_PLAYING
	case game.PhaseEnded:
		return arenav1.MatchPhase_MATCH_PHASE_ENDED
	}
	return arenav1.MatchPhase_MATCH_PHASE_UNSPECIFIED
}
