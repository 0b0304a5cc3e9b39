package game

import (
	"math"
	"testing"
)

func TestSinCosTable(t *testing.T) {
	for a := 0; a < 1<<16; a++ {
		rad := float64(a) * 2 * math.Pi / (1 << 16)
		wantS := math.Round(math.Sin(rad) * TrigScale)
		wantC := math.Round(math.Cos(rad) * TrigScale)
		if got := Sin(Angle(a)); math.Abs(float64(got)-wantS) > 1 {
			t.Fatalf("Sin(%d) = %d, want %v ± 1", a, got, wantS)
		}
		if got := Cos(Angle(a)); math.Abs(float64(got)-wantC) > 1 {
			t.Fatalf("Cos(%d) = %d, want %v ± 1", a, got, wantC)
		}
		if Sin(Angle(a)) != -Sin(-Angle(a)) {
			t.Fatalf("Sin(%d) = %d, Sin(-%d) = %d: not odd", a, Sin(Angle(a)), a, Sin(-Angle(a)))
		}
	}
}

func TestSinCosExact(t *testing.T) {
	tests := []struct {
		a        Angle
		sin, cos int32
	}{
		{AngleRight, 0, TrigScale},
		{AngleUp, TrigScale, 0},
		{AngleLeft, 0, -TrigScale},
		{AngleDown, -TrigScale, 0},
		{8192, 11585, 11585}, // 45°: round(16384/√2)
	}
	for _, tt := range tests {
		if got := Sin(tt.a); got != tt.sin {
			t.Errorf("Sin(%d) = %d, want %d", tt.a, got, tt.sin)
		}
		if got := Cos(tt.a); got != tt.cos {
			t.Errorf("Cos(%d) = %d, want %d", tt.a, got, tt.cos)
		}
	}
}

func TestDirection(t *testing.T) {
	tests := []struct {
		name string
		a    Angle
		want Vec
	}{
		{"right", AngleRight, Vec{1000, 0}},
		{"up the screen is -y", AngleUp, Vec{0, -1000}},
		{"left", AngleLeft, Vec{-1000, 0}},
		{"down the screen is +y", AngleDown, Vec{0, 1000}},
		{"up-left", AngleUp + 8192, Vec{-707, -707}},
	}
	for _, tt := range tests {
		if got := Direction(tt.a, 1000); got != tt.want {
			t.Errorf("%s: Direction(%d, 1000) = %v, want %v", tt.name, tt.a, got, tt.want)
		}
	}
}

func TestAngleTo(t *testing.T) {
	tests := []struct {
		name   string
		to     Vec
		want   Angle
		within int
	}{
		{"same point", Vec{}, 0, 0},
		{"right", Vec{100, 0}, AngleRight, 0},
		{"up", Vec{0, -100}, AngleUp, 0},
		{"left", Vec{-100, 0}, AngleLeft, 0},
		{"down", Vec{0, 100}, AngleDown, 0},
		{"down-right", Vec{100, 100}, AngleDown + 8192, 1},
	}
	for _, tt := range tests {
		got := AngleTo(Vec{}, tt.to)
		if d := angleDiff(got, tt.want); d > tt.within {
			t.Errorf("%s: AngleTo(0, %v) = %d, want %d", tt.name, tt.to, got, tt.want)
		}
	}
	// Round trip: AngleTo inverts Direction.
	for a := 0; a < 1<<16; a += 37 {
		v := Direction(Angle(a), 1_000_000)
		if d := angleDiff(AngleTo(Vec{}, v), Angle(a)); d > 2 {
			t.Fatalf("AngleTo(Direction(%d)) = %d, off by %d", a, AngleTo(Vec{}, v), d)
		}
	}
}

func angleDiff(a, b Angle) int {
	d := int(int16(a - b))
	if d < 0 {
		d = -d
	}
	return d
}

func TestISqrt(t *testing.T) {
	for _, n := range []uint64{0, 1, 2, 3, 4, 15, 16, 17, 1 << 40, 1<<40 + 1, 1<<62 - 1, math.MaxUint64} {
		r := isqrt(n)
		if r*r > n || (r+1)*(r+1) <= n && r+1 != 1<<32 {
			t.Errorf("isqrt(%d) = %d", n, r)
		}
	}
	for n := int64(0); n < 5000; n++ {
		s := ceilSqrt(n)
		if s*s < n || (s > 0 && (s-1)*(s-1) >= n) {
			t.Errorf("ceilSqrt(%d) = %d", n, s)
		}
	}
}

func TestMulDivRound(t *testing.T) {
	tests := []struct{ a, b, c, want int64 }{
		{5, 1, 2, 3},
		{-5, 1, 2, -3},
		{7, 1, 3, 2},
		{-7, 1, 3, -2},
		{250, Unit, 30, 2133},
	}
	for _, tt := range tests {
		if got := mulDivRound(tt.a, tt.b, tt.c); got != tt.want {
			t.Errorf("mulDivRound(%d, %d, %d) = %d, want %d", tt.a, tt.b, tt.c, got, tt.want)
		}
	}
}
