package game

// FNV-1a (64-bit) parameters.
const (
	fnvOffset64 = 14695981039346656037
	fnvPrime64  = 1099511628211
)

// Hash returns an FNV-1a (64-bit) hash of the whole match state, in a fixed
// order: tick, phase, end reason, ticks left in the phase, next projectile
// id; every ship in ID order (id, team, position, aim, health, alive,
// respawn and protection ticks, kills, deaths, left, current input, weapon
// cooldown); every projectile in ID order (id, owner, team, position,
// velocity, ticks left); and every team's kills and deaths. Integers are
// hashed as little-endian bytes of fixed width. Two Worlds with the same
// configuration and equal hashes are, for all practical purposes, in the
// same state.
func (w *World) Hash() uint64 {
	h := hasher(fnvOffset64)
	h.u32(w.tick)
	h.u8(uint8(w.phase))
	h.u8(uint8(w.end))
	h.u32(w.ticksLeft)
	h.u32(w.nextProjID)
	h.u32(uint32(len(w.ships)))
	for i := range w.ships {
		s, c := &w.ships[i], &w.ctl[i]
		h.u32(uint32(s.ID))
		h.u32(uint32(s.Team))
		h.vec(s.Pos)
		h.u16(uint16(s.Aim))
		h.u32(uint32(s.Health))
		h.bool(s.Alive)
		h.u32(s.RespawnTicks)
		h.u32(s.ProtectedTicks)
		h.u64(uint64(s.Kills))
		h.u64(uint64(s.Deaths))
		h.bool(s.Left)
		h.u8(uint8(c.in.Buttons))
		h.u16(uint16(c.in.Aim))
		h.u32(c.cooldown)
	}
	h.u32(uint32(len(w.projs)))
	for i := range w.projs {
		p := &w.projs[i]
		h.u32(p.ID)
		h.u32(uint32(p.Owner))
		h.u32(uint32(p.Team))
		h.vec(p.Pos)
		h.vec(p.Vel)
		h.u32(p.TicksLeft)
	}
	for t := range w.teamKills {
		h.u64(uint64(w.teamKills[t]))
		h.u64(uint64(w.teamDeaths[t]))
	}
	return uint64(h)
}

// hasher is an FNV-1a (64-bit) state.
type hasher uint64

func (h *hasher) u8(b uint8) {
	*h ^= hasher(b)
	*h *= fnvPrime64
}

func (h *hasher) u16(v uint16) {
	h.u8(uint8(v))
	h.u8(uint8(v >> 8))
}

func (h *hasher) u32(v uint32) {
	h.u16(uint16(v))
	h.u16(uint16(v >> 16))
}

func (h *hasher) u64(v uint64) {
	h.u32(uint32(v))
	h.u32(uint32(v >> 32))
}

func (h *hasher) vec(v Vec) {
	h.u32(uint32(v.X))
	h.u32(uint32(v.Y))
}

func (h *hasher) bool(b bool) {
	if b {
		h.u8(1)
	} else {
		h.u8(0)
	}
}
