package game

// FNV-1a (64-bit) parameters.
const (
	fnvOffset64 = 14695981039346656037
	fnvPrime64  = 1099511628211
)

// Hash returns an FNV-1a (64-bit) hash of the whole match state, in a fixed
// order: tick, phase, end reason, ticks left in the phase, next projectile
// id; the number of ships, then every ship in ID order (id, team, position,
// aim, health, alive, respawn and protection ticks, kills, deaths, left,
// current input, weapon cooldown); the number of projectiles, then every
// projectile in ID order (id, owner, team, position, velocity, ticks left);
// and every team's kills and deaths. Each value is hashed as the
// little-endian bytes of a fixed width: 8 bits for phase, end reason,
// booleans and buttons, 16 for angles, 32 for everything else. Two Worlds
// with the same configuration and equal hashes are, for all practical
// purposes, in the same state.
func (w *World) Hash() uint64 {
	h := uint64(fnvOffset64)
	h = hash32(h, w.tick)
	h = hash8(h, uint8(w.phase))
	h = hash8(h, uint8(w.end))
	h = hash32(h, w.ticksLeft)
	h = hash32(h, w.nextProjID)
	h = hash32(h, uint32(len(w.ships)))
	for i := range w.ships {
		s, c := &w.ships[i], &w.ctl[i]
		h = hash32(h, uint32(s.ID))
		h = hash32(h, uint32(s.Team))
		h = hash32(h, uint32(s.Pos.X))
		h = hash32(h, uint32(s.Pos.Y))
		h = hash16(h, uint16(s.Aim))
		h = hash32(h, uint32(s.Health))
		h = hash8(h, boolByte(s.Alive))
		h = hash32(h, s.RespawnTicks)
		h = hash32(h, s.ProtectedTicks)
		h = hash32(h, uint32(s.Kills))
		h = hash32(h, uint32(s.Deaths))
		h = hash8(h, boolByte(s.Left))
		h = hash8(h, uint8(c.in.Buttons))
		h = hash16(h, uint16(c.in.Aim))
		h = hash32(h, c.cooldown)
	}
	h = hash32(h, uint32(len(w.projs)))
	for i := range w.projs {
		p := &w.projs[i]
		h = hash32(h, p.ID)
		h = hash32(h, uint32(p.Owner))
		h = hash32(h, uint32(p.Team))
		h = hash32(h, uint32(p.Pos.X))
		h = hash32(h, uint32(p.Pos.Y))
		h = hash32(h, uint32(p.Vel.X))
		h = hash32(h, uint32(p.Vel.Y))
		h = hash32(h, p.TicksLeft)
	}
	for t := range w.teamKills {
		h = hash32(h, uint32(w.teamKills[t]))
		h = hash32(h, uint32(w.teamDeaths[t]))
	}
	return h
}

// hash8, hash16 and hash32 add the little-endian bytes of v to the FNV-1a
// state h.
func hash8(h uint64, v uint8) uint64 { return (h ^ uint64(v)) * fnvPrime64 }

func hash16(h uint64, v uint16) uint64 {
	h = (h ^ uint64(v&0xff)) * fnvPrime64
	return (h ^ uint64(v>>8)) * fnvPrime64
}

func hash32(h uint64, v uint32) uint64 {
	h = (h ^ uint64(v&0xff)) * fnvPrime64
	h = (h ^ uint64(v>>8&0xff)) * fnvPrime64
	h = (h ^ uint64(v>>16&0xff)) * fnvPrime64
	return (h ^ uint64(v>>24)) * fnvPrime64
}

func boolByte(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}
