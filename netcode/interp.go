package netcode

import (
	"math"
	"time"

	"github.com/arena-server/arena/game"
)

// Interpolation limits, in ticks.
const (
	// MinInterpDelay is how far behind the newest snapshot the render time
	// is kept on a steady connection: two snapshot intervals, so that one
	// late or lost snapshot still finds a newer one to move towards.
	MinInterpDelay = 2.0
	// MaxInterpDelay bounds how far jitter can push the render time back.
	MaxInterpDelay = 8.0
	// MaxExtrapolation bounds how far past the newest snapshot ships and
	// projectiles are moved on when snapshots are late; beyond it they
	// stop and wait.
	MaxExtrapolation = 4.0
	// interpViews is how many views an Interpolator keeps.
	interpViews = 32
)

// Interpolator draws the ships and projectiles of other players between the
// snapshots that surround a render time kept a little behind the newest
// snapshot: about MinInterpDelay snapshot intervals, more when the arrival
// times jitter. When snapshots are late it extrapolates, for at most
// MaxExtrapolation ticks.
//
// It estimates the server's clock from the snapshots' ticks and arrival
// times: the earliest-arriving snapshots set it (they were delayed least),
// and it drifts back slowly when every snapshot comes later. It is pure:
// times are passed in. It is not safe for concurrent use.
type Interpolator struct {
	rate  float64 // ticks per second
	views []*View // oldest first, increasing ticks

	epoch  time.Time // arrival clock origin
	offset float64   // estimated newest tick = offset + seconds since epoch * rate
	jitter float64   // mean lateness of snapshots behind the estimate, ticks
	delay  float64   // current render delay, ticks
	render float64   // the last render tick handed out, never decreasing
	clock  bool      // offset is set
}

// NewInterpolator returns an interpolator for a match of tickRate ticks per
// second.
func NewInterpolator(tickRate int) *Interpolator {
	if tickRate <= 0 {
		tickRate = game.DefaultTickRate
	}
	return &Interpolator{rate: float64(tickRate), delay: MinInterpDelay, views: make([]*View, 0, interpViews)}
}

// Add records a snapshot's view, which arrived at at. Views must come in
// tick order; an older or repeated tick is ignored.
func (ip *Interpolator) Add(v *View, at time.Time) {
	if n := len(ip.views); n > 0 && v.Tick <= ip.views[n-1].Tick {
		return
	}
	if len(ip.views) == interpViews {
		ip.views = append(ip.views[:0], ip.views[1:]...)
	}
	ip.views = append(ip.views, v)

	// The tick this arrival says is the newest at the epoch.
	if !ip.clock {
		ip.epoch, ip.clock = at, true
		ip.offset = float64(v.Tick)
		return
	}
	sample := float64(v.Tick) - at.Sub(ip.epoch).Seconds()*ip.rate
	if err := sample - ip.offset; err > 0 {
		ip.offset = sample // earlier than ever: less delay than thought
		ip.jitter *= 0.9
	} else {
		ip.offset += err * 0.01 // later: drift back slowly
		ip.jitter = 0.9*ip.jitter + 0.1*math.Min(-err, 4*MaxInterpDelay)
	}
	target := min(max(MinInterpDelay, MinInterpDelay+2*ip.jitter), MaxInterpDelay)
	ip.delay += (target - ip.delay) * 0.05
}

// Reset forgets the views and the clock: the match resumed on a new
// connection.
func (ip *Interpolator) Reset() {
	*ip = Interpolator{rate: ip.rate, delay: MinInterpDelay, views: ip.views[:0]}
}

// Newest is the tick the newest snapshot would have if one arrived at now.
// A client adds the one-way latency (half the round trip) to estimate the
// server's own tick.
func (ip *Interpolator) Newest(now time.Time) float64 {
	if !ip.clock {
		return 0
	}
	return ip.offset + now.Sub(ip.epoch).Seconds()*ip.rate
}

// Delay is how far behind Newest the render time is kept, in ticks.
func (ip *Interpolator) Delay() float64 { return ip.delay }

// Jitter is the snapshots' mean lateness behind the estimated clock, in
// ticks.
func (ip *Interpolator) Jitter() float64 { return ip.jitter }

// Sample is what an Interpolator draws at one render time.
type Sample struct {
	// Tick is the render time, in (fractional) ticks.
	Tick float64
	// Extrapolated is how far past the newest snapshot Tick lies (0 while
	// interpolating); motion stops at MaxExtrapolation.
	Extrapolated float64
	// Ships are the ships at Tick, by id.
	Ships []ShipSample
	// Projectiles are the projectiles in flight at Tick, by id.
	Projectiles []ProjectileSample
}

// ShipSample is one ship at a render time: its state as of the snapshot at
// or before it, and its position and aim between that snapshot and the next.
type ShipSample struct {
	ShipState
	// X and Y are the position in sub-units.
	X, Y float64
	// Aim is the aim, 0..65536 (a turn).
	Aim float64
}

// ProjectileSample is one projectile at a render time.
type ProjectileSample struct {
	ProjectileState
	// X and Y are the position in sub-units.
	X, Y float64
}

// Sample fills s with the state at the render time for now, reusing its
// slices. The render time is Newest(now) minus Delay, never going back.
// It reports false when there is no view yet.
func (ip *Interpolator) Sample(now time.Time, s *Sample) bool {
	s.Ships, s.Projectiles = s.Ships[:0], s.Projectiles[:0]
	if len(ip.views) == 0 {
		return false
	}
	rt := max(ip.Newest(now)-ip.delay, ip.render)
	first := float64(ip.views[0].Tick)
	rt = max(rt, first)
	ip.render = rt
	ip.SampleAt(rt, s)
	return true
}

// SampleAt fills s with the state at render tick rt.
func (ip *Interpolator) SampleAt(rt float64, s *Sample) {
	s.Ships, s.Projectiles = s.Ships[:0], s.Projectiles[:0]
	s.Tick, s.Extrapolated = rt, 0
	if len(ip.views) == 0 {
		return
	}
	// a is the newest view at or before rt; b the one after it, if any.
	ai := 0
	for ai+1 < len(ip.views) && float64(ip.views[ai+1].Tick) <= rt {
		ai++
	}
	a := ip.views[ai]
	since := rt - float64(a.Tick) // ticks after a
	if since < 0 {
		since = 0
	}
	var b *View
	if ai+1 < len(ip.views) {
		b = ip.views[ai+1]
	} else {
		s.Extrapolated = since
		since = min(since, MaxExtrapolation)
	}
	for _, sh := range a.Ships {
		out := ShipSample{ShipState: sh, X: float64(sh.Pos.X), Y: float64(sh.Pos.Y), Aim: float64(sh.Aim)}
		switch {
		case b != nil:
			if nb, ok := shipByID(b, sh.ID); ok && continuous(sh, nb, b.Tick-a.Tick) {
				f := since / float64(b.Tick-a.Tick)
				out.X += (float64(nb.Pos.X) - out.X) * f
				out.Y += (float64(nb.Pos.Y) - out.Y) * f
				out.Aim = lerpAngle(float64(sh.Aim), float64(nb.Aim), f)
			}
		case sh.Alive:
			out.X += float64(sh.Vel.X) * since
			out.Y += float64(sh.Vel.Y) * since
		}
		s.Ships = append(s.Ships, out)
	}
	moved := rt - float64(a.Tick)
	if b == nil {
		moved = min(moved, MaxExtrapolation)
	}
	for _, p := range a.Projectiles {
		if moved >= float64(p.TicksLeft) {
			continue // its time ran out
		}
		s.Projectiles = append(s.Projectiles, ProjectileSample{
			ProjectileState: p,
			X:               float64(p.Pos.X) + float64(p.Vel.X)*moved,
			Y:               float64(p.Pos.Y) + float64(p.Vel.Y)*moved,
		})
	}
}

// maxStep is the farthest a ship moves in a tick under any rules a World
// accepts, in sub-units (10,000 units per second at 10 ticks per second):
// a longer jump between two views is a teleport (a respawn), not motion.
const maxStep = 1000 * game.Unit

// continuous reports whether a ship moved from s to n over ticks ticks as a
// ship moves (alive throughout, no jump), so that drawing it in between
// makes sense.
func continuous(s, n ShipState, ticks uint32) bool {
	if !s.Alive || !n.Alive {
		return false
	}
	limit := float64(maxStep) * float64(ticks)
	dx, dy := float64(n.Pos.X-s.Pos.X), float64(n.Pos.Y-s.Pos.Y)
	if s.Vel != (game.Vec{}) || n.Vel != (game.Vec{}) {
		// Both velocities are known: allow a little more than the faster.
		v := math.Max(math.Hypot(float64(s.Vel.X), float64(s.Vel.Y)), math.Hypot(float64(n.Vel.X), float64(n.Vel.Y)))
		limit = math.Min(limit, 2*v*float64(ticks)+float64(game.Unit))
	}
	return dx*dx+dy*dy <= limit*limit
}

// shipByID finds a ship of v by id (ships are in id order).
func shipByID(v *View, id game.ShipID) (ShipState, bool) {
	lo, hi := 0, len(v.Ships)
	for lo < hi {
		mid := (lo + hi) / 2
		if v.Ships[mid].ID < id {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo < len(v.Ships) && v.Ships[lo].ID == id {
		return v.Ships[lo], true
	}
	return ShipState{}, false
}

// lerpAngle interpolates between two angles (0..65536 a turn) the short way
// round, returning 0..65536.
func lerpAngle(a, b, f float64) float64 {
	d := math.Mod(b-a+32768, 65536)
	if d < 0 {
		d += 65536
	}
	d -= 32768
	r := math.Mod(a+d*f, 65536)
	if r < 0 {
		r += 65536
	}
	return r
}
