package matchmaking

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Defaults for the zero fields of Config. Windows are in Mu units (see
// Config.InitialWindow).
const (
	// DefaultInitialWindow is the window of a ticket that has just joined.
	DefaultInitialWindow = 2.0
	// DefaultWindowGrowth is how much the window widens per second waited.
	DefaultWindowGrowth = 0.5
	// DefaultMaxWindow caps the window (three Betas, 12.5), reached after
	// 21s at the default growth.
	DefaultMaxWindow = 3 * Beta
	// DefaultMaxWait is the wait after which any full group may form.
	DefaultMaxWait = 30 * time.Second
)

// Shape is what one mode's match needs: Teams sides of PlayersPerTeam players
// each. A free-for-all is PlayersPerTeam 1. The server builds Shapes from its
// mode configuration.
type Shape struct {
	// Mode names the queue, for example "duel" or "ffa16".
	Mode string
	// Teams is the number of sides, at least 2.
	Teams int
	// PlayersPerTeam is the number of players on each side, at least 1.
	PlayersPerTeam int
}

// Size returns the number of players a match of this shape needs.
func (s Shape) Size() int {
	return s.Teams * s.PlayersPerTeam
}

// Config configures a Matchmaker. Its zero fields mean their defaults.
//
// Tickets are compared by Rating.Mu. A group may form when the spread of its
// players' Mu (highest minus lowest) is at most the window of the group's
// oldest ticket, where the window for a wait w is
//
//	min(InitialWindow + WindowGrowth*w.Seconds(), MaxWindow)
//
// and is unlimited once w reaches MaxWait: then any full group containing
// that ticket forms, so nobody waits longer than MaxWait plus a pass while
// enough players are queued for their mode.
type Config struct {
	// Shapes lists the modes players can queue for; at least one, with
	// distinct names.
	Shapes []Shape
	// InitialWindow is the window, in Mu units, of a ticket that has just
	// joined. Default DefaultInitialWindow (2.0; one Beta, 25/6, is the skill
	// gap at which the better duellist wins about 76% of the time).
	InitialWindow float64
	// WindowGrowth is how much the window widens per second of wait, in Mu
	// units per second. Default DefaultWindowGrowth (0.5).
	WindowGrowth float64
	// MaxWindow caps the window before MaxWait, in Mu units. Default
	// DefaultMaxWindow (12.5, three Betas). It must be at least InitialWindow.
	MaxWindow float64
	// MaxWait is the wait after which a ticket accepts any full group.
	// Default DefaultMaxWait (30s).
	MaxWait time.Duration
}

// withDefaults returns c with its zero fields filled.
func (c Config) withDefaults() Config {
	if c.InitialWindow == 0 {
		c.InitialWindow = DefaultInitialWindow
	}
	if c.WindowGrowth == 0 {
		c.WindowGrowth = DefaultWindowGrowth
	}
	if c.MaxWindow == 0 {
		c.MaxWindow = max(DefaultMaxWindow, c.InitialWindow)
	}
	if c.MaxWait == 0 {
		c.MaxWait = DefaultMaxWait
	}
	return c
}

// Validate reports every problem with c (after filling defaults), joined
// with errors.Join, or nil.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	if len(c.Shapes) == 0 {
		errs = append(errs, errors.New("no shapes: at least one mode is needed"))
	}
	seen := make(map[string]bool, len(c.Shapes))
	for i, s := range c.Shapes {
		switch {
		case s.Mode == "":
			errs = append(errs, fmt.Errorf("shape %d: empty mode name", i))
		case seen[s.Mode]:
			errs = append(errs, fmt.Errorf("shape %d: mode %q listed twice", i, s.Mode))
		}
		seen[s.Mode] = true
		if s.Teams < 2 {
			errs = append(errs, fmt.Errorf("mode %q: %d teams, need at least 2", s.Mode, s.Teams))
		}
		if s.PlayersPerTeam < 1 {
			errs = append(errs, fmt.Errorf("mode %q: %d players per team, need at least 1", s.Mode, s.PlayersPerTeam))
		}
		if s.Teams > 1024 || s.PlayersPerTeam > 1024 {
			errs = append(errs, fmt.Errorf("mode %q: %d×%d players is too many", s.Mode, s.Teams, s.PlayersPerTeam))
		}
	}
	window := func(name string, v float64) {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			errs = append(errs, fmt.Errorf("%s %v: must be finite and not negative", name, v))
		}
	}
	window("InitialWindow", c.InitialWindow)
	window("WindowGrowth", c.WindowGrowth)
	window("MaxWindow", c.MaxWindow)
	if c.MaxWindow < c.InitialWindow {
		errs = append(errs, fmt.Errorf("MaxWindow %v is below InitialWindow %v", c.MaxWindow, c.InitialWindow))
	}
	if c.MaxWait < 0 {
		errs = append(errs, fmt.Errorf("MaxWait %v is negative", c.MaxWait))
	}
	return errors.Join(errs...)
}

// window returns the rating window of a ticket that has waited w, and
// whether the window is unlimited (w reached MaxWait). c has its defaults.
func (c *Config) window(w time.Duration) (limit float64, unlimited bool) {
	if w >= c.MaxWait {
		return c.MaxWindow, true
	}
	if w < 0 {
		w = 0
	}
	return min(c.InitialWindow+c.WindowGrowth*w.Seconds(), c.MaxWindow), false
}
