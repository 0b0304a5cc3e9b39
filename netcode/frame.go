package netcode

import "github.com/arena-server/arena/game"

// frame is the state a snapshot describes, as the client will hold it after
// applying the snapshot: the quantised view of one tick. Match builds one
// per tick, shared by every Encoder; an Encoder with a view radius keeps its
// own filtered copies; a Decoder holds the frame of the last snapshot it
// applied. Frames are never changed once encoders may refer to them.
type frame struct {
	tick      uint32
	phase     game.Phase
	ticksLeft uint32
	ships     []shipState // by id; ships that left are not here
	projs     []projState // by id
	teamKills []uint32    // index team-1; nil outside team modes
	selfAim   game.Angle  // Decoder only: the own ship's exact aim
}

// shipState is one ship as snapshots describe it.
type shipState struct {
	id     uint32
	team   uint32
	pos    game.Vec   // exact, sub-units
	vel    game.Vec   // displacement per tick, for dead reckoning
	aim    game.Angle // exact in Match frames; quantised in Decoder frames
	status uint32     // health percentage * 2 + 1 if protected
	kills  uint32
	deaths uint32
}

// projState is one projectile as snapshots describe it.
type projState struct {
	id        uint32
	owner     uint32
	pos       game.Vec // exact, sub-units
	vel       game.Vec // sub-units per tick
	ticksLeft uint32
}

// Quantisation of aims: 8 bits, an Angle rounded to a multiple of 256.
const aimShift = 8

// aim8 returns a rounded to 8 bits.
func aim8(a game.Angle) uint8 { return uint8((uint32(a) + 1<<(aimShift-1)) >> aimShift) }

// aimFrom8 returns the Angle of an 8-bit aim.
func aimFrom8(q uint8) game.Angle { return game.Angle(q) << aimShift }

// healthPercent returns health as a percentage of maxHealth, rounded up so
// that a living ship shows at least 1, and at most 100.
func healthPercent(health, maxHealth int32) uint32 {
	if health <= 0 || maxHealth <= 0 {
		return 0
	}
	p := (int64(health)*100 + int64(maxHealth) - 1) / int64(maxHealth)
	return uint32(min(p, 100))
}

// status packs a ship's health percentage and protection.
func status(healthPct uint32, protected bool) uint32 {
	s := healthPct << 1
	if protected {
		s |= 1
	}
	return s
}

// maxStatus is the largest valid status: full health, protected.
const maxStatus = 100<<1 | 1

// build fills f with the world's state at its current tick. prev is the
// frame of the previous tick (or nil); a ship's velocity is its displacement
// since then if it was alive at both ticks, else zero.
func (f *frame) build(w *game.World, prev *frame) {
	f.tick, f.phase, f.ticksLeft = w.Tick(), w.Phase(), w.TicksLeft()
	maxHealth := w.Rules().MaxHealth
	f.ships = f.ships[:0]
	var old []shipState
	if prev != nil {
		old = prev.ships
	}
	j := 0
	for i := range w.Ships() {
		s := &w.Ships()[i]
		if s.Left {
			continue
		}
		id := uint32(s.ID)
		st := shipState{
			id: id, team: uint32(s.Team), pos: s.Pos, aim: s.Aim,
			status: status(healthPercent(s.Health, maxHealth), s.ProtectedTicks > 0),
			kills:  uint32(s.Kills), deaths: uint32(s.Deaths),
		}
		for j < len(old) && old[j].id < id {
			j++
		}
		if j < len(old) && old[j].id == id && s.Alive && old[j].status>>1 > 0 {
			st.vel = s.Pos.Sub(old[j].pos)
		}
		f.ships = append(f.ships, st)
	}
	f.projs = f.projs[:0]
	for _, p := range w.Projectiles() {
		f.projs = append(f.projs, projState{id: p.ID, owner: uint32(p.Owner), pos: p.Pos, vel: p.Vel, ticksLeft: p.TicksLeft})
	}
	f.teamKills = f.teamKills[:0]
	if mode := w.Mode(); mode.TeamPlay() {
		for t := 1; t <= mode.Teams; t++ {
			f.teamKills = append(f.teamKills, uint32(w.TeamKills(t)))
		}
	} else {
		f.teamKills = nil
	}
}

// copyFrom makes f a copy of g, reusing f's slices.
func (f *frame) copyFrom(g *frame) {
	f.tick, f.phase, f.ticksLeft, f.selfAim = g.tick, g.phase, g.ticksLeft, g.selfAim
	f.ships = append(f.ships[:0], g.ships...)
	f.projs = append(f.projs[:0], g.projs...)
	if g.teamKills == nil {
		f.teamKills = nil
	} else {
		f.teamKills = append(f.teamKills[:0], g.teamKills...)
	}
}

// ship returns the ship with id, if any.
func (f *frame) ship(id uint32) (*shipState, bool) {
	lo, hi := 0, len(f.ships)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if f.ships[mid].id < id {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo < len(f.ships) && f.ships[lo].id == id {
		return &f.ships[lo], true
	}
	return nil, false
}
