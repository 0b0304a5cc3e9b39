package game

import (
	"errors"
	"fmt"
	"time"
)

// Rules holds every number of the game (docs/game.md), expressed per second and
// in world units. A zero field means its default; [DefaultRules] has them
// all. A [World] converts the rules to per-tick amounts once, when it is
// built: speeds round to the nearest sub-unit per tick (at least 1), and
// durations round up to whole ticks ([DurationTicks]), so no interval is ever
// shorter than its rule.
type Rules struct {
	// ShipRadius is a ship's collision radius, in world units. Default 20.
	ShipRadius int32
	// ShipSpeed is a ship's speed, in world units per second. Moving
	// diagonally, the speed is the same along the diagonal. Default 250.
	ShipSpeed int32
	// MaxHealth is a ship's health when it spawns. Default 100.
	MaxHealth int32
	// ProjectileSpeed is a projectile's speed, in world units per second.
	// Default 600.
	ProjectileSpeed int32
	// ProjectileRadius is a projectile's collision radius, in world units.
	// Default 4.
	ProjectileRadius int32
	// ProjectileLifetime is how long a projectile flies unless it hits
	// something. Default 1.5s.
	ProjectileLifetime time.Duration
	// ProjectileDamage is the health a hit takes away. Default 20.
	ProjectileDamage int32
	// FireInterval is the least time between two shots of one ship.
	// Default 250ms.
	FireInterval time.Duration
	// RespawnDelay is how long a killed ship stays dead. Default 2s.
	RespawnDelay time.Duration
	// SpawnProtection is how long a respawned ship (or one that joins
	// during play) cannot be hit; it can move and fire meanwhile, and
	// projectiles pass through it. Default 1s.
	SpawnProtection time.Duration
	// Countdown is the length of the countdown before play, during which
	// ships cannot move or fire. Default 3s.
	Countdown time.Duration
}

// DefaultRules returns the rules of docs/game.md.
func DefaultRules() Rules {
	return Rules{
		ShipRadius:         20,
		ShipSpeed:          250,
		MaxHealth:          100,
		ProjectileSpeed:    600,
		ProjectileRadius:   4,
		ProjectileLifetime: 1500 * time.Millisecond,
		ProjectileDamage:   20,
		FireInterval:       250 * time.Millisecond,
		RespawnDelay:       2 * time.Second,
		SpawnProtection:    time.Second,
		Countdown:          3 * time.Second,
	}
}

// Limits of Rules values, so that every per-tick amount fits the integer
// arithmetic of the simulation.
const (
	maxRadius   = 200            // world units, ships and projectiles
	maxSpeed    = 10000          // world units per second
	maxAmount   = 1_000_000      // health and damage
	maxInterval = time.Minute    // any rule duration
	maxTimeLim  = 24 * time.Hour // a mode's time limit
)

// Tick rates a World accepts, and the default.
const (
	MinTickRate     = 10
	MaxTickRate     = 128
	DefaultTickRate = 30
)

// WithDefaults returns r with every zero field set to its default.
func (r Rules) WithDefaults() Rules {
	d := DefaultRules()
	setInt := func(v *int32, def int32) {
		if *v == 0 {
			*v = def
		}
	}
	setDur := func(v *time.Duration, def time.Duration) {
		if *v == 0 {
			*v = def
		}
	}
	setInt(&r.ShipRadius, d.ShipRadius)
	setInt(&r.ShipSpeed, d.ShipSpeed)
	setInt(&r.MaxHealth, d.MaxHealth)
	setInt(&r.ProjectileSpeed, d.ProjectileSpeed)
	setInt(&r.ProjectileRadius, d.ProjectileRadius)
	setDur(&r.ProjectileLifetime, d.ProjectileLifetime)
	setInt(&r.ProjectileDamage, d.ProjectileDamage)
	setDur(&r.FireInterval, d.FireInterval)
	setDur(&r.RespawnDelay, d.RespawnDelay)
	setDur(&r.SpawnProtection, d.SpawnProtection)
	setDur(&r.Countdown, d.Countdown)
	return r
}

// Validate reports every field out of range, joined. Zero fields are valid:
// they mean their default.
func (r Rules) Validate() error {
	r = r.WithDefaults()
	var errs []error
	checkInt := func(name string, v, hi int32) {
		if v < 1 || v > hi {
			errs = append(errs, fmt.Errorf("rules: %s %d out of range 1..%d", name, v, hi))
		}
	}
	checkDur := func(name string, v time.Duration) {
		if v <= 0 || v > maxInterval {
			errs = append(errs, fmt.Errorf("rules: %s %v out of range (0, %v]", name, v, maxInterval))
		}
	}
	checkInt("ShipRadius", r.ShipRadius, maxRadius)
	checkInt("ShipSpeed", r.ShipSpeed, maxSpeed)
	checkInt("MaxHealth", r.MaxHealth, maxAmount)
	checkInt("ProjectileSpeed", r.ProjectileSpeed, maxSpeed)
	checkInt("ProjectileRadius", r.ProjectileRadius, maxRadius)
	checkDur("ProjectileLifetime", r.ProjectileLifetime)
	checkInt("ProjectileDamage", r.ProjectileDamage, maxAmount)
	checkDur("FireInterval", r.FireInterval)
	checkDur("RespawnDelay", r.RespawnDelay)
	checkDur("SpawnProtection", r.SpawnProtection)
	checkDur("Countdown", r.Countdown)
	return errors.Join(errs...)
}

// DurationTicks converts a duration to whole ticks at tickRate ticks per
// second, rounding up (250ms at 30 Hz is 8 ticks). It returns 0 for d <= 0
// or tickRate <= 0, and saturates at the largest uint32.
func DurationTicks(d time.Duration, tickRate int) uint32 {
	if d <= 0 || tickRate <= 0 {
		return 0
	}
	rate := int64(tickRate)
	whole := int64(d/time.Second) * rate
	rem := (int64(d%time.Second)*rate + int64(time.Second) - 1) / int64(time.Second)
	if t := whole + rem; t < 1<<32 {
		return uint32(t)
	}
	return 1<<32 - 1
}

// SpeedPerTick converts a speed in world units per second to sub-units per
// tick at tickRate ticks per second, rounded to the nearest sub-unit (halves
// up) and at least 1 (250 units/s at 30 Hz is 2133 sub-units per tick).
// It returns 0 for speed <= 0 or tickRate <= 0.
func SpeedPerTick(speed int32, tickRate int) int32 {
	if speed <= 0 || tickRate <= 0 {
		return 0
	}
	v := int32(mulDivRound(int64(speed), Unit, int64(tickRate)))
	return max(v, 1)
}

// DiagonalStep returns the per-axis step of a diagonal move whose length is
// at most step: floor(sqrt(step²/2)) (2133 gives 1508).
func DiagonalStep(step int32) int32 {
	s := int64(step)
	return int32(isqrt(uint64(s * s / 2)))
}

// tickRules are Rules converted to sub-units and ticks at one tick rate.
type tickRules struct {
	shipRadius   int32 // sub-units
	projRadius   int32 // sub-units
	shipStep     int32 // sub-units per tick along one axis
	shipDiag     int32 // sub-units per tick along each axis, moving diagonally
	projSpeed    int32 // sub-units per tick
	maxHealth    int32
	damage       int32
	projLifetime uint32 // ticks
	fireInterval uint32 // ticks
	respawn      uint32 // ticks
	protection   uint32 // ticks
	countdown    uint32 // ticks
	timeLimit    uint32 // ticks
}

// perTick converts rules (with defaults filled) and a mode's time limit.
func perTick(r Rules, tickRate int, timeLimit time.Duration) tickRules {
	step := SpeedPerTick(r.ShipSpeed, tickRate)
	return tickRules{
		shipRadius:   r.ShipRadius * Unit,
		projRadius:   r.ProjectileRadius * Unit,
		shipStep:     step,
		shipDiag:     DiagonalStep(step),
		projSpeed:    SpeedPerTick(r.ProjectileSpeed, tickRate),
		maxHealth:    r.MaxHealth,
		damage:       r.ProjectileDamage,
		projLifetime: DurationTicks(r.ProjectileLifetime, tickRate),
		fireInterval: DurationTicks(r.FireInterval, tickRate),
		respawn:      DurationTicks(r.RespawnDelay, tickRate),
		protection:   DurationTicks(r.SpawnProtection, tickRate),
		countdown:    DurationTicks(r.Countdown, tickRate),
		timeLimit:    DurationTicks(timeLimit, tickRate),
	}
}
