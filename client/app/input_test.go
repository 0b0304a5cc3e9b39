package app

import (
	"math"
	"testing"
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
