package app

import (
	"math"
	"testing"
	"time"
)

func TestAimAt(t *testing.T) {
	tests := []struct {
		dx, dy float64
		want   uint32
	}{
		{1, 0, 0},
		{0, -1, 16384}, // screen-up
		{-1, 0, 32768},
		{0, 1, 49152}, // screen-down
		{1, -1, 8192},
		{1, 1, 57344},
		{0, 0, 0},
		{1, 1e-9, 0}, // just below +x wraps to 0, not 65536
	}
	for _, tt := range tests {
		if got := AimAt(tt.dx, tt.dy); got != tt.want {
			t.Errorf("AimAt(%v, %v) = %d, want %d", tt.dx, tt.dy, got, tt.want)
		}
	}
}

func TestAimVectorInvertsAimAt(t *testing.T) {
	for aim := uint32(0); aim < 65536; aim += 1021 {
		dx, dy := AimVector(aim)
		if math.Abs(math.Hypot(dx, dy)-1) > 1e-9 {
			t.Fatalf("AimVector(%d) is not a unit vector", aim)
		}
		if got := AimAt(dx, dy); got != aim {
			t.Fatalf("AimAt(AimVector(%d)) = %d", aim, got)
		}
	}
}

func TestPacer(t *testing.T) {
	t0 := time.Unix(1000, 0)
	var p pacer
	if n := p.due(t0); n != 0 {
		t.Fatalf("unstarted pacer due %d", n)
	}
	p.start(t0, 30)
	period := time.Second / 30
	steps := []struct {
		at   time.Duration
		want int
	}{
		{0, 1},
		{period / 2, 0},
		{period, 1},
		{period + period/2, 0},
		{3 * period, 2},
		{3*period + 100*period, maxInputBurst}, // a stall: capped, schedule restarts
		{3*period + 100*period + period/2, 0},
		{3*period + 101*period, 1},
	}
	for _, s := range steps {
		if got := p.due(t0.Add(s.at)); got != s.want {
			t.Fatalf("due at %v = %d, want %d", s.at, got, s.want)
		}
	}
	var q pacer
	q.start(t0, 0) // unknown rate defaults to 30 Hz
	if q.period != period {
		t.Fatalf("default period %v", q.period)
	}
}
