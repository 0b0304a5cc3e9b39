package game

import (
	"math"
	"math/bits"
)

// Projectiles are circles of ProjectileRadius that move in a straight line.
// Each tick a projectile sweeps the segment from its position to its
// position plus its velocity, and the first thing the swept circle touches
// along the segment decides its fate:
//   - a wall block or the arena's edge: the projectile stops (is removed);
//   - a ship that can be hit (alive, not spawn-protected, not the owner, not
//     a teammate unless the mode has friendly fire): the ship takes
//     ProjectileDamage and the projectile is removed.
//
// Ships that cannot be hit do not stop projectiles. A ship and a wall at the
// same distance: the ship is hit; two ships at the same distance: the lower
// ID. Distances along the segment are whole sub-units, computed with
// integers only.

// fireWeapons fires the weapon of every living ship that holds Fire and whose
// cooldown is over. A new projectile starts just outside the ship's radius
// along its aim; the short way from the ship's centre to there is swept like
// a move, so a shot into an adjacent wall stops at once and a shot at an
// adjacent enemy hits at once. A new projectile first moves on the next tick.
func (w *World) fireWeapons() {
	for i := range w.ships {
		s, c := &w.ships[i], &w.ctl[i]
		if !s.Alive || c.in.Buttons&ButtonFire == 0 || c.cooldown > 0 {
			continue
		}
		c.cooldown = w.tr.fireInterval
		w.nextProjID++
		w.emit(EventShot, s.ID, 0)
		off := Direction(s.Aim, w.tr.shipRadius+w.tr.projRadius+1)
		hit, stopped := w.sweep(s.Pos, off, s.ID, s.Team)
		if hit >= 0 {
			w.damage(hit, s.ID, s.Team)
			continue
		}
		if stopped {
			continue
		}
		w.projs = append(w.projs, Projectile{
			ID:        w.nextProjID,
			Owner:     s.ID,
			Team:      s.Team,
			Pos:       s.Pos.Add(off),
			Vel:       Direction(s.Aim, w.tr.projSpeed),
			TicksLeft: w.tr.projLifetime,
		})
	}
}

// moveProjectiles moves every projectile one tick, resolving what it hits,
// and removes those that hit something or whose lifetime is over.
func (w *World) moveProjectiles() {
	kept := w.projs[:0]
	for _, p := range w.projs {
		hit, stopped := w.sweep(p.Pos, p.Vel, p.Owner, p.Team)
		if hit >= 0 {
			w.damage(hit, p.Owner, p.Team)
			continue
		}
		if stopped {
			continue
		}
		p.Pos = p.Pos.Add(p.Vel)
		p.TicksLeft--
		if p.TicksLeft > 0 {
			kept = append(kept, p)
		}
	}
	clear(w.projs[len(kept):])
	w.projs = kept
}

// damage applies a hit by owner (of team) to ship i, and kills it at 0
// health: the victim's Deaths grow and it waits RespawnDelay; the killer's
// Kills (and its team's) grow unless the victim was a teammate.
func (w *World) damage(i int, owner ShipID, team int) {
	t := &w.ships[i]
	t.Health -= w.tr.damage
	w.emit(EventHit, owner, t.ID)
	if t.Health > 0 {
		return
	}
	t.Health, t.Alive, t.RespawnTicks, t.ProtectedTicks = 0, false, w.tr.respawn, 0
	t.Deaths++
	w.teamDeaths[t.Team-1]++
	if team != t.Team {
		if k, ok := w.find(owner); ok {
			w.ships[k].Kills++
			w.teamKills[team-1]++
		}
	}
	w.emit(EventKill, owner, t.ID)
}

// target is a ship that projectiles could hit this tick: alive and not
// spawn-protected when the projectiles start moving.
type target struct {
	pos Vec
	idx int // into World.ships
}

// collectTargets lists, in ID order, the ships that projectiles may hit this
// tick. Ships only leave the list by dying, which sweep checks.
func (w *World) collectTargets() {
	w.targets = w.targets[:0]
	for i := range w.ships {
		if s := &w.ships[i]; s.Alive && s.ProtectedTicks == 0 {
			w.targets = append(w.targets, target{pos: s.Pos, idx: i})
		}
	}
}

// sweep sweeps a projectile from p0 along d. It returns the index of the ship
// it hits first, or -1; and whether it stops at a wall or the edge before
// reaching p0+d.
func (w *World) sweep(p0, d Vec, owner ShipID, team int) (hit int, stopped bool) {
	dd := int64(d.X)*int64(d.X) + int64(d.Y)*int64(d.Y)
	length := int64(-1) // floor(|d|), computed when first needed
	lengthOf := func() int64 {
		if length < 0 {
			length = int64(isqrt(uint64(dd)))
		}
		return length
	}
	p1 := p0.Add(d)
	loX, hiX := min(p0.X, p1.X), max(p0.X, p1.X)
	loY, hiY := min(p0.Y, p1.Y), max(p0.Y, p1.Y)

	stop := int64(math.MaxInt64)
	for k := range w.projWalls {
		box := &w.projWalls[k]
		if hiX < box.Min.X || loX > box.Max.X || hiY < box.Min.Y || loY > box.Max.Y {
			continue
		}
		if num, den, ok := segmentEnters(p0, d, *box); ok {
			stop = min(stop, num*lengthOf()/den)
		}
	}
	if in := &w.projArena; loX <= in.Min.X || hiX >= in.Max.X || loY <= in.Min.Y || hiY >= in.Max.Y {
		num, den := segmentLeaves(p0, d, *in)
		stop = min(stop, num*lengthOf()/den)
	}

	hit, best := -1, stop
	reach := w.tr.shipRadius + w.tr.projRadius
	for k := range w.targets {
		t := &w.targets[k]
		if t.pos.X+reach < loX || t.pos.X-reach > hiX || t.pos.Y+reach < loY || t.pos.Y-reach > hiY {
			continue
		}
		s := &w.ships[t.idx]
		if !s.Alive || s.ID == owner || (s.Team == team && !w.mode.FriendlyFire) {
			continue
		}
		if at, ok := circleEntry(p0, d, dd, lengthOf(), t.pos, reach); ok && (at < best || hit < 0 && at == best) {
			hit, best = t.idx, at
		}
	}
	return hit, stop != math.MaxInt64
}

// segmentEnters reports whether the segment p0→p0+d meets the closed box,
// and the first parameter t = num/den in [0, 1] where it does (den > 0).
func segmentEnters(p0, d Vec, box Rect) (num, den int64, ok bool) {
	inN, inD := int64(0), int64(1)   // entry, starts at t=0
	outN, outD := int64(1), int64(1) // exit, starts at t=1
	axis := func(p, v, lo, hi int32) bool {
		if v == 0 {
			return p >= lo && p <= hi
		}
		var n1, n2, dv int64
		if v > 0 {
			n1, n2, dv = int64(lo)-int64(p), int64(hi)-int64(p), int64(v)
		} else {
			n1, n2, dv = int64(p)-int64(hi), int64(p)-int64(lo), -int64(v)
		}
		if n1*inD > inN*dv {
			inN, inD = n1, dv
		}
		if n2*outD < outN*dv {
			outN, outD = n2, dv
		}
		return true
	}
	if !axis(p0.X, d.X, box.Min.X, box.Max.X) || !axis(p0.Y, d.Y, box.Min.Y, box.Max.Y) {
		return 0, 1, false
	}
	if inN*outD > outN*inD {
		return 0, 1, false
	}
	return inN, inD, true
}

// segmentLeaves returns the first parameter t = num/den in [0, 1] at which
// the segment p0→p0+d reaches the boundary of box (or leaves it); 0 when p0
// is on or outside the boundary, 1 when it stays strictly inside.
func segmentLeaves(p0, d Vec, box Rect) (num, den int64) {
	if p0.X <= box.Min.X || p0.X >= box.Max.X || p0.Y <= box.Min.Y || p0.Y >= box.Max.Y {
		return 0, 1
	}
	num, den = 1, 1
	axis := func(p, v, lo, hi int32) {
		var n, dv int64
		switch {
		case v > 0:
			n, dv = int64(hi)-int64(p), int64(v)
		case v < 0:
			n, dv = int64(p)-int64(lo), -int64(v)
		default:
			return
		}
		if n*den < num*dv {
			num, den = n, dv
		}
	}
	axis(p0.X, d.X, box.Min.X, box.Max.X)
	axis(p0.Y, d.Y, box.Min.Y, box.Max.Y)
	return num, den
}

// circleEntry returns the distance along the segment p0→p0+d (dd = |d|²,
// length = floor(|d|)) at which a point moving along it first comes within
// radius of c, if it does within the segment; 0 if it starts within.
func circleEntry(p0, d Vec, dd, length int64, c Vec, radius int32) (int64, bool) {
	cx, cy := int64(c.X)-int64(p0.X), int64(c.Y)-int64(p0.Y)
	c2 := cx*cx + cy*cy
	r2 := int64(radius) * int64(radius)
	if c2 <= r2 {
		return 0, true
	}
	a := cx*int64(d.X) + cy*int64(d.Y) // |c-p0|·|d|·cos: projection scaled by |d|
	if a <= 0 || dd == 0 {
		return 0, false
	}
	// perp² = |c-p0|² - a²/|d|²; a²/|d|² <= |c-p0|² (Cauchy-Schwarz), so
	// the 128-bit quotient fits in 64 bits.
	hi, lo := bits.Mul64(uint64(a), uint64(a))
	q, _ := bits.Div64(hi, lo, uint64(dd))
	perp2 := max(c2-int64(q), 0)
	if perp2 > r2 {
		return 0, false
	}
	at := max(a/length-int64(isqrt(uint64(r2-perp2))), 0)
	if at > length {
		return 0, false
	}
	return at, true
}
