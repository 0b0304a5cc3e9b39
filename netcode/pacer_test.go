package netcode

import (
	"testing"
	"time"
)

func TestPacer(t *testing.T) {
	const period = 10 * time.Millisecond
	t0 := time.Unix(1000, 0)
	var p Pacer
	if n := p.Due(t0); n != 0 {
		t.Fatalf("unstarted pacer due %d", n)
	}
	p.Start(t0, period)
	for i, step := range []struct {
		at   time.Duration // since t0
		want int
	}{
		{0, 1},                    // the first input is due at the start
		{5 * time.Millisecond, 0}, // early: nothing due
		{10 * time.Millisecond, 1},
		{19 * time.Millisecond, 0},
		{41 * time.Millisecond, 3},              // a late wake-up catches up on 20, 30, 40
		{50 * time.Millisecond, 1},              // and the schedule stays on the grid
		{500 * time.Millisecond, MaxInputBurst}, // a long stall sends a burst, no more
		{505 * time.Millisecond, 0},             // then restarts from the stall's end
		{510 * time.Millisecond, 1},
	} {
		if got := p.Due(t0.Add(step.at)); got != step.want {
			t.Fatalf("step %d at %v: %d inputs due, want %d", i, step.at, got, step.want)
		}
	}
}
