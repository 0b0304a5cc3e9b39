package netcode

import (
	"math"
	"testing"
	"time"
)

// clockRig runs an InputClock against a simulated server ticking every
// testPeriod from time 0, with a fixed uplink delay: it reports on each
// input as the server would, a downlink delay later.
type clockRig struct {
	c        InputClock
	t0       time.Time
	up, down time.Duration
	frame    time.Duration
	now      time.Duration
	reports  []pendingReport
	late     uint32
	sent     int
}

type pendingReport struct {
	at time.Duration
	r  InputReport
}

// run advances d, one frame at a time, sending the inputs due.
func (r *clockRig) run(d time.Duration) {
	for end := r.now + d; r.now < end; r.now += r.frame {
		now := r.t0.Add(r.now)
		for len(r.reports) > 0 && r.reports[0].at <= r.now {
			r.c.Report(r.reports[0].r, now)
			r.reports = r.reports[1:]
		}
		first, last := r.c.Due(now)
		for tick := first; tick <= last; tick++ {
			r.sent++
			arrival := r.now + r.up
			lead := time.Duration(tick)*testPeriod - arrival // the server runs tick k at k periods
			if lead < 0 {
				r.late++
			}
			back := time.Duration(math.Ceil(float64(arrival)/float64(testPeriod)))*testPeriod + r.down
			r.reports = append(r.reports, pendingReport{back, InputReport{Tick: tick, Lead: lead, Late: r.late}})
		}
	}
}

func newClockRig(up, down time.Duration) *clockRig {
	r := &clockRig{t0: time.Unix(1000, 0), up: up, down: down, frame: time.Second / 60}
	// The first snapshot, of tick 30, arrives down after it was sent.
	r.now = 30*testPeriod + down
	r.c.Start(r.t0.Add(r.now), testPeriod, 30, r.t0.Add(r.now), up+down)
	return r
}

func TestInputClockSettlesJustAhead(t *testing.T) {
	r := newClockRig(60*time.Millisecond, 60*time.Millisecond)
	r.run(3 * time.Second)
	late0 := r.late
	r.run(10 * time.Second)
	if r.late != late0 {
		t.Fatalf("%d inputs late once settled", r.late-late0)
	}
	// Inputs arrive between the margin and a frame plus a tick early: the
	// last report's lead says so.
	last := r.reports[len(r.reports)-1].r.Lead
	if last < InputMargin || last > InputMargin+r.frame+testPeriod {
		t.Fatalf("inputs arrive %v early, want %v to %v", last, InputMargin, InputMargin+r.frame+testPeriod)
	}
	// One input per tick: 30 a second.
	sent := r.sent
	r.run(10 * time.Second)
	if n := r.sent - sent; n < 299 || n > 301 {
		t.Fatalf("%d inputs in 10 s, want 300", n)
	}
}

func TestInputClockSlewsAtMostFivePercent(t *testing.T) {
	r := newClockRig(60*time.Millisecond, 60*time.Millisecond)
	r.run(3 * time.Second)
	// The uplink slows down by 200 ms at once: the clock must run ahead by
	// 6 ticks more, and does so no faster than 5% over the server's rate.
	r.up += 200 * time.Millisecond
	var offs []float64
	for range 200 {
		r.run(r.frame)
		offs = append(offs, r.c.Offset())
	}
	for i := 1; i < len(offs); i++ {
		step := offs[i] - offs[i-1]
		if limit := MaxInputSlew * float64(r.frame) / float64(testPeriod); step > limit+1e-9 || step < -limit-1e-9 {
			t.Fatalf("frame %d: offset moved %.4f ticks, more than %.4f", i, step, limit)
		}
	}
	r.run(20 * time.Second)
	late := r.late
	r.run(10 * time.Second)
	if r.late != late {
		t.Fatalf("%d inputs late 20 s after the uplink slowed", r.late-late)
	}
	// And back: the uplink speeds up; the clock falls back slowly, never late.
	r.up -= 200 * time.Millisecond
	r.run(30 * time.Second)
	if r.late != late {
		t.Fatalf("%d inputs late after the uplink sped up", r.late-late)
	}
}
