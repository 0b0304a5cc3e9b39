package netcode

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/arena-server/arena/game"
)

// view returns a view at tick with ships at the given x (sub-units), moving
// vx per tick, and one projectile.
func view(tick uint32, ships ...ShipState) *View {
	return &View{Tick: tick, Ships: ships, Self: -1}
}

func ship(id game.ShipID, x, vx int32, alive bool) ShipState {
	return ShipState{ID: id, Pos: game.Vec{X: x, Y: 1000}, Vel: game.Vec{X: vx}, Alive: alive, Health: 100}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-6 }

func TestInterpolateBetweenViews(t *testing.T) {
	ip := NewInterpolator(30)
	t0 := time.Unix(100, 0)
	ip.Add(view(10, ship(1, 0, 100, true), ship(2, 500, 0, true)), t0)
	ip.Add(view(11, ship(1, 100, 100, true), ship(2, 500, 0, true), ship(3, 0, 0, true)), t0)
	var s Sample
	ip.SampleAt(10.25, &s)
	if len(s.Ships) != 2 || !near(s.Ships[0].X, 25) || !near(s.Ships[1].X, 500) || s.Extrapolated != 0 {
		t.Fatalf("sample at 10.25 = %+v", s.Ships)
	}
	// A ship that appears shows from its first view on.
	ip.SampleAt(11, &s)
	if len(s.Ships) != 3 || !near(s.Ships[0].X, 100) {
		t.Fatalf("sample at 11 = %+v", s.Ships)
	}
}

func TestExtrapolationIsBounded(t *testing.T) {
	ip := NewInterpolator(30)
	ip.Add(view(10, ship(1, 0, 10, true), ship(2, 0, 10, false)), time.Unix(100, 0))
	var s Sample
	ip.SampleAt(12, &s)
	if !near(s.Ships[0].X, 20) || !near(s.Extrapolated, 2) || !near(s.Ships[1].X, 0) {
		t.Fatalf("sample at 12 = %+v (extrapolated %v)", s.Ships, s.Extrapolated)
	}
	ip.SampleAt(30, &s)
	if !near(s.Ships[0].X, 10*MaxExtrapolation) || !near(s.Extrapolated, 20) {
		t.Fatalf("sample at 30 = %+v (extrapolated %v)", s.Ships, s.Extrapolated)
	}
}

func TestNoInterpolationAcrossTeleports(t *testing.T) {
	ip := NewInterpolator(30)
	t0 := time.Unix(100, 0)
	// Dead at tick 10, respawned far away at tick 11: drawn where it died
	// until tick 11, never sliding across the arena.
	ip.Add(view(10, ship(1, 0, 0, false)), t0)
	ip.Add(view(11, ship(1, 400000, 0, true)), t0)
	// Alive in both but jumping 300,000 sub-units in a tick: a teleport.
	ip.Add(view(12, ship(1, 100000, 0, true)), t0)
	var s Sample
	for _, tc := range []struct{ at, want float64 }{{10.5, 0}, {11, 400000}, {11.5, 400000}, {12, 100000}} {
		ip.SampleAt(tc.at, &s)
		if !near(s.Ships[0].X, tc.want) {
			t.Errorf("at %v x = %v, want %v", tc.at, s.Ships[0].X, tc.want)
		}
	}
}

func TestProjectilesAdvanceAndExpire(t *testing.T) {
	ip := NewInterpolator(30)
	v := view(10)
	v.Projectiles = []ProjectileState{{ID: 1, Pos: game.Vec{X: 0, Y: 0}, Vel: game.Vec{X: 50, Y: -20}, TicksLeft: 3}}
	ip.Add(v, time.Unix(100, 0))
	var s Sample
	ip.SampleAt(11.5, &s)
	if len(s.Projectiles) != 1 || !near(s.Projectiles[0].X, 75) || !near(s.Projectiles[0].Y, -30) {
		t.Fatalf("projectiles at 11.5 = %+v", s.Projectiles)
	}
	ip.SampleAt(13, &s)
	if len(s.Projectiles) != 0 {
		t.Fatalf("projectile past its time: %+v", s.Projectiles)
	}
}

func TestLerpAngle(t *testing.T) {
	tests := []struct{ a, b, f, want float64 }{
		{0, 16384, 0.5, 8192},
		{65000, 536, 0.5, 0},    // across zero, the short way
		{536, 65000, 0.5, 0},    // and back
		{100, 200, 0, 100},      // f 0
		{60000, 1000, 1, 1000},  // f 1
		{0, 32768, 0.25, 57344}, // half a turn: either way is as short
		{65535, 65535, 0.7, 65535},
	}
	for _, tt := range tests {
		if got := lerpAngle(tt.a, tt.b, tt.f); !near(got, tt.want) {
			t.Errorf("lerpAngle(%v, %v, %v) = %v, want %v", tt.a, tt.b, tt.f, got, tt.want)
		}
	}
}

// feed adds a snapshot per tick for ticks seconds at 30 Hz, each arriving
// late by a random 0..jitter, and samples at 60 frames per second between
// arrivals. It returns the sample ticks, the largest extrapolation seen,
// and the interpolator.
func feed(seconds float64, jitter time.Duration, seed uint64) (renders []float64, maxExtrap float64, ip *Interpolator) {
	const rate = 30
	ip = NewInterpolator(rate)
	rng := rand.New(rand.NewPCG(seed, 3))
	t0 := time.Unix(1000, 0)
	period := time.Second / rate
	type arrival struct {
		at   time.Time
		tick uint32
	}
	var arrivals []arrival
	last := t0
	for tick := uint32(1); float64(tick) < seconds*rate; tick++ {
		at := t0.Add(time.Duration(tick)*period + time.Duration(rng.Int64N(int64(jitter)+1)))
		if at.Before(last) {
			at = last // TCP keeps the order
		}
		last = at
		arrivals = append(arrivals, arrival{at, tick})
	}
	var s Sample
	next := 0
	for now := t0; now.Before(last); now = now.Add(time.Second / 60) {
		for next < len(arrivals) && !arrivals[next].at.After(now) {
			x := int32(arrivals[next].tick) * 100
			ip.Add(view(arrivals[next].tick, ship(1, x, 100, true)), arrivals[next].at)
			next++
		}
		if ip.Sample(now, &s) {
			renders = append(renders, s.Tick)
			maxExtrap = max(maxExtrap, s.Extrapolated)
			// Interpolated positions follow the motion exactly.
			if s.Extrapolated == 0 && !near(s.Ships[0].X, s.Tick*100) {
				panic("interpolated position off the line")
			}
		}
	}
	return renders, maxExtrap, ip
}

func TestRenderTimeSteadyConnection(t *testing.T) {
	renders, maxExtrap, ip := feed(10, 0, 1)
	for i := 1; i < len(renders); i++ {
		if renders[i] < renders[i-1] {
			t.Fatalf("render time went back: %v then %v", renders[i-1], renders[i])
		}
	}
	if maxExtrap > 0 {
		t.Errorf("extrapolated %v ticks on a steady connection", maxExtrap)
	}
	if d := ip.Delay(); d < MinInterpDelay || d > MinInterpDelay+0.1 {
		t.Errorf("delay %v ticks on a steady connection, want about %v", d, MinInterpDelay)
	}
}

func TestRenderTimeAdaptsToJitter(t *testing.T) {
	_, extrapSteady, steady := feed(20, 5*time.Millisecond, 2)
	renders, maxExtrap, jittery := feed(20, 80*time.Millisecond, 2)
	if jittery.Delay() <= steady.Delay()+0.5 {
		t.Errorf("delay with 80ms of jitter %v, with 5ms %v: want it to grow", jittery.Delay(), steady.Delay())
	}
	if jittery.Delay() > MaxInterpDelay {
		t.Errorf("delay %v past the bound %v", jittery.Delay(), MaxInterpDelay)
	}
	if extrapSteady > 0.5 {
		t.Errorf("extrapolated %v ticks with 5ms of jitter", extrapSteady)
	}
	for i := 1; i < len(renders); i++ {
		if renders[i] < renders[i-1] {
			t.Fatalf("render time went back: %v then %v", renders[i-1], renders[i])
		}
	}
	t.Logf("delay %.2f ticks (jitter %.2f), largest extrapolation %.2f ticks", jittery.Delay(), jittery.Jitter(), maxExtrap)
}

func TestInterpolatorNewestAndReset(t *testing.T) {
	ip := NewInterpolator(30)
	t0 := time.Unix(100, 0)
	if ip.Newest(t0) != 0 || ip.Sample(t0, &Sample{}) {
		t.Fatal("an empty interpolator has a clock")
	}
	ip.Add(view(300), t0)
	if got := ip.Newest(t0.Add(time.Second)); !near(got, 330) {
		t.Fatalf("Newest a second later = %v, want 330", got)
	}
	ip.Reset()
	if ip.Newest(t0) != 0 || len(ip.views) != 0 || ip.Delay() != MinInterpDelay {
		t.Fatal("Reset kept state")
	}
}
