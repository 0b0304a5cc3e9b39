package game

import "math"

// Step advances the match by one tick and returns what happened, in order.
// It does nothing once the match has ended.
//
// During the countdown, ships only take their aim from input. During play a
// tick is: count down timers and respawn the dead whose time has come; move
// the living ships; move the projectiles, resolving hits; fire the weapons of
// ships that may; end the match at the score or time limit. Ships act in ID
// order and projectiles in ID order.
//
// The returned slice belongs to the World and is valid until the next Step.
func (w *World) Step() []Event {
	w.events = w.events[:0]
	if w.phase == PhaseEnded {
		return w.events
	}
	w.tick++
	if w.phase == PhaseCountdown {
		w.stepCountdown()
		return w.events
	}
	w.countDownTimers()
	w.moveShips()
	w.collectTargets()
	w.moveProjectiles()
	w.fireWeapons()
	w.checkLimits()
	return w.events
}

// stepCountdown lets ships aim and starts play when the countdown runs out.
func (w *World) stepCountdown() {
	for i := range w.ships {
		if w.ships[i].Alive {
			w.ships[i].Aim = w.ctl[i].in.Aim
		}
	}
	w.ticksLeft--
	if w.ticksLeft == 0 {
		w.phase, w.ticksLeft = PhasePlaying, w.tr.timeLimit
	}
}

// countDownTimers counts down respawn, spawn protection and weapon
// cooldowns, and respawns the ships whose respawn time has come.
func (w *World) countDownTimers() {
	for i := range w.ships {
		s, c := &w.ships[i], &w.ctl[i]
		switch {
		case s.Left:
		case !s.Alive:
			s.RespawnTicks--
			if s.RespawnTicks == 0 {
				w.respawn(i)
			}
		default:
			if s.ProtectedTicks > 0 {
				s.ProtectedTicks--
			}
			if c.cooldown > 0 {
				c.cooldown--
			}
		}
	}
}

// respawn brings ship i back at the spawn point farthest from living
// enemies, with full health and spawn protection.
func (w *World) respawn(i int) {
	s := &w.ships[i]
	s.Pos = w.arena.Spawns[w.farthestSpawn(s.Team)]
	s.Health, s.Alive, s.RespawnTicks, s.ProtectedTicks = w.tr.maxHealth, true, 0, w.tr.protection
	w.ctl[i].cooldown = 0
	w.emit(EventRespawn, s.ID, 0)
}

// farthestSpawn returns the index of the spawn point whose nearest living
// enemy of team (a ship of another team, alive and not left) is farthest
// away. Ties, including "no living enemies", go to the lowest index.
func (w *World) farthestSpawn(team int) int {
	best, bestDist := 0, int64(-1)
	for k, sp := range w.arena.Spawns {
		nearest := int64(math.MaxInt64)
		for i := range w.ships {
			e := &w.ships[i]
			if !e.Alive || e.Team == team {
				continue
			}
			nearest = min(nearest, distSq(sp, e.Pos))
		}
		if nearest > bestDist {
			best, bestDist = k, nearest
		}
	}
	return best
}

// moveShips moves every living ship by its input and takes its aim.
func (w *World) moveShips() {
	for i := range w.ships {
		s := &w.ships[i]
		if !s.Alive {
			continue
		}
		in := w.ctl[i].in
		s.Aim = in.Aim
		s.Pos = w.move.move(s.Pos, in.Buttons)
	}
}

// checkLimits ends the match when a side reached the score limit, or when
// play time runs out.
func (w *World) checkLimits() {
	for _, k := range w.teamKills {
		if k >= w.mode.ScoreLimit {
			w.finish(EndScoreLimit)
			return
		}
	}
	w.ticksLeft--
	if w.ticksLeft == 0 {
		w.finish(EndTimeLimit)
	}
}

// emit records an event of the current tick.
func (w *World) emit(kind EventKind, actor, target ShipID) {
	w.events = append(w.events, Event{Kind: kind, Tick: w.tick, Actor: actor, Target: target})
}

// distSq returns the squared distance between a and b.
func distSq(a, b Vec) int64 {
	dx, dy := int64(a.X)-int64(b.X), int64(a.Y)-int64(b.Y)
	return dx*dx + dy*dy
}
