package game

import "math/bits"

//go:generate go run gen_trig.go

// Unit is the number of fixed-point sub-units in one world unit. Positions,
// velocities, walls and spawn points inside the simulation are in sub-units.
const Unit = 256

// TrigScale is the fixed-point scale of [Sin] and [Cos]: they return
// sin·TrigScale and cos·TrigScale, so a result of TrigScale means 1.0.
const TrigScale = 1 << 14

// Vec is a position or velocity in sub-units (1/[Unit] of a world unit).
// X grows to the right and Y grows down the screen.
type Vec struct {
	X int32 // to the right
	Y int32 // down the screen
}

// Add returns v+u.
func (v Vec) Add(u Vec) Vec { return Vec{v.X + u.X, v.Y + u.Y} }

// Sub returns v-u.
func (v Vec) Sub(u Vec) Vec { return Vec{v.X - u.X, v.Y - u.Y} }

// Angle is a direction: 65536 per full turn, counter-clockwise as seen on the
// screen, starting from the +x axis. Because +y points down the screen,
// counter-clockwise on screen means towards -y: Angle(0) points right (+x),
// Angle(16384) points up the screen (-y), Angle(32768) points left (-x) and
// Angle(49152) points down the screen (+y). Arithmetic wraps around, as
// angles do.
type Angle uint16

// Quarter turns, as Angle values.
const (
	AngleRight Angle = 0     // +x
	AngleUp    Angle = 16384 // -y, up the screen
	AngleLeft  Angle = 32768 // -x
	AngleDown  Angle = 49152 // +y, down the screen
)

// Sin returns the sine of a, scaled by [TrigScale], from a committed
// quarter-wave table (trig_table.go, made by gen_trig.go) with integer linear
// interpolation between entries. It is within 1 of round(sin·TrigScale),
// exact at every quarter turn, and odd: Sin(-a) == -Sin(a).
//
// Sin is the mathematical sine, positive for angles pointing up the screen;
// the screen-space unit vector of a is (Cos(a), -Sin(a)): see [Direction].
func Sin(a Angle) int32 {
	r := int32(a) & (1<<14 - 1)
	switch a >> 14 {
	case 0:
		return sinFirstQuarter(r)
	case 1:
		return sinFirstQuarter(1<<14 - r)
	case 2:
		return -sinFirstQuarter(r)
	default:
		return -sinFirstQuarter(1<<14 - r)
	}
}

// Cos returns the cosine of a, scaled by [TrigScale]; Cos(a) == Sin(a+16384).
func Cos(a Angle) int32 { return Sin(a + AngleUp) }

// sinFirstQuarter returns sin for r in [0, 16384] (a quarter turn).
func sinFirstQuarter(r int32) int32 {
	const step = int32((1 << 14) / (len(sinQuarter) - 1)) // angle units per entry
	i, frac := r/step, r%step
	if frac == 0 {
		return sinQuarter[i]
	}
	lo, hi := sinQuarter[i], sinQuarter[i+1]
	return lo + ((hi-lo)*frac+step/2)/step
}

// Direction returns the screen-space vector of the given length (in any unit,
// usually sub-units) pointing along a: (length·cos a, -length·sin a), each
// component rounded to the nearest integer, halves away from zero.
func Direction(a Angle, length int32) Vec {
	return Vec{
		X: int32(mulDivRound(int64(Cos(a)), int64(length), TrigScale)),
		Y: -int32(mulDivRound(int64(Sin(a)), int64(length), TrigScale)),
	}
}

// AngleTo returns the angle pointing from one point to another, the inverse
// of [Direction] to within a few angle units. It returns 0 when the points
// are equal. It uses only integers (a binary search over the sine table).
func AngleTo(from, to Vec) Angle {
	dx := int64(to.X) - int64(from.X)
	dy := int64(from.Y) - int64(to.Y) // up the screen is positive
	if dx == 0 && dy == 0 {
		return 0
	}
	ax, ay := abs64(dx), abs64(dy)
	// Smallest r in [0, 16384] with sin(r)·ax >= cos(r)·ay: the first-quarter
	// angle of (ax, ay). sin(r)·ax - cos(r)·ay grows with r.
	lo, hi := int32(0), int32(1<<14)
	for lo < hi {
		mid := (lo + hi) / 2
		if int64(sinFirstQuarter(mid))*ax >= int64(sinFirstQuarter(1<<14-mid))*ay {
			hi = mid
		} else {
			lo = mid
			lo++
		}
	}
	r := Angle(lo)
	switch {
	case dx >= 0 && dy >= 0:
		return r
	case dx < 0 && dy >= 0:
		return AngleLeft - r
	case dx < 0:
		return AngleLeft + r
	default:
		return -r
	}
}

// mulDivRound returns a·b/c rounded to the nearest integer, halves away from
// zero. c must be positive and a·b must fit in an int64.
func mulDivRound(a, b, c int64) int64 {
	n := a * b
	if n >= 0 {
		return (n + c/2) / c
	}
	return -((-n + c/2) / c)
}

// isqrt returns floor(sqrt(n)).
func isqrt(n uint64) uint64 {
	if n == 0 {
		return 0
	}
	var r uint64
	bit := uint64(1) << ((bits.Len64(n) - 1) &^ 1)
	for bit != 0 {
		if n >= r+bit {
			n -= r + bit
			r = r>>1 + bit
		} else {
			r >>= 1
		}
		bit >>= 2
	}
	return r
}

// ceilSqrt returns ceil(sqrt(n)) for n >= 0.
func ceilSqrt(n int64) int64 {
	s := int64(isqrt(uint64(n)))
	if s*s < n {
		s++
	}
	return s
}

func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}
