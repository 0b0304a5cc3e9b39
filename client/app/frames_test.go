package app

import (
	"testing"
	"time"
)

func TestFrameMeter(t *testing.T) {
	var f FrameMeter
	if s := f.Stats(); s != (FrameStats{}) {
		t.Fatalf("empty meter: %+v", s)
	}
	t0 := time.Unix(1000, 0)
	// 100 frames at 50 per second: update 1..100 µs, draw 2 ms except every
	// tenth frame at 10 ms.
	for i := range 100 {
		f.Updated(time.Duration(i+1) * time.Microsecond)
		d := 2 * time.Millisecond
		if i%10 == 9 {
			d = 10 * time.Millisecond
		}
		f.Drawn(d, t0.Add(time.Duration(i)*20*time.Millisecond))
	}
	s := f.Stats()
	if s.Frames != 100 || s.FPS < 49.9 || s.FPS > 50.1 {
		t.Fatalf("frames %d at %.2f/s, want 100 at 50/s", s.Frames, s.FPS)
	}
	if s.UpdateMedian != 50*time.Microsecond || s.UpdateP95 != 95*time.Microsecond {
		t.Fatalf("update median %v p95 %v, want 50µs and 95µs", s.UpdateMedian, s.UpdateP95)
	}
	if s.DrawMedian != 2*time.Millisecond || s.DrawP95 != 10*time.Millisecond {
		t.Fatalf("draw median %v p95 %v, want 2ms and 10ms", s.DrawMedian, s.DrawP95)
	}

	// Two Updates before one frame count together; the window keeps only
	// the newest frames.
	for i := range 2 * frameWindow {
		f.Updated(time.Millisecond)
		f.Updated(time.Millisecond)
		f.Drawn(time.Millisecond, t0.Add(10*time.Second+time.Duration(i)*10*time.Millisecond))
	}
	s = f.Stats()
	if s.Frames != frameWindow || s.UpdateMedian != 2*time.Millisecond || s.UpdateP95 != 2*time.Millisecond || s.FPS < 99.9 || s.FPS > 100.1 {
		t.Fatalf("after a full window: %+v", s)
	}
}
