package game

import (
	"errors"
	"fmt"
	"slices"
)

// Config is what a World is built from. The zero value of each field means
// its default.
type Config struct {
	// Rules are the game's numbers; zero fields mean their defaults
	// (DefaultRules).
	Rules Rules
	// Mode is the way to play; the zero Mode means "duel", the first of
	// DefaultModes.
	Mode Mode
	// Map is the arena; the zero Map (no name) means DefaultMap. The World
	// keeps its own copy.
	Map Map
	// TickRate is the number of ticks per second, 10 to 128; 0 means
	// DefaultTickRate (30).
	TickRate int
}

// Errors of AddPlayer; returned errors wrap them.
var (
	// ErrInvalidShip means a ship id of 0.
	ErrInvalidShip = errors.New("invalid ship id")
	// ErrDuplicateShip means a ship with that id was already added.
	ErrDuplicateShip = errors.New("duplicate ship id")
	// ErrBadTeam means a team outside 1..Mode.Teams.
	ErrBadTeam = errors.New("no such team")
	// ErrTeamFull means the team already has Mode.PlayersPerTeam players.
	ErrTeamFull = errors.New("team full")
	// ErrMatchEnded means the match is over.
	ErrMatchEnded = errors.New("match ended")
)

// World is the state of one match. It is not safe for concurrent use: one
// goroutine owns it.
type World struct {
	rules    Rules
	mode     Mode
	arena    Map
	tickRate int
	tr       tickRules
	move     mover

	tick      uint32
	phase     Phase
	end       EndReason
	ticksLeft uint32 // in the current phase

	ships      []Ship    // sorted by ID
	ctl        []control // parallel to ships
	projs      []Projectile
	nextProjID uint32
	teamKills  []int // index team-1
	teamDeaths []int // index team-1

	projWalls []Rect   // walls grown by the projectile radius
	projArena Rect     // the arena shrunk by the projectile radius
	targets   []target // reused by Step: ships projectiles may hit
	events    []Event  // reused by Step
}

// control is the part of a ship's state that players do not see.
type control struct {
	in       Input
	cooldown uint32 // ticks until the ship may fire again
}

// NewWorld validates cfg, fills its zero fields with defaults, and returns a
// World in PhaseCountdown at tick 0 with no players. Every problem found is
// reported, joined.
func NewWorld(cfg Config) (*World, error) {
	if cfg.TickRate == 0 {
		cfg.TickRate = DefaultTickRate
	}
	if cfg.Mode == (Mode{}) {
		cfg.Mode = DefaultModes()[0]
	}
	if cfg.Map.Name == "" && cfg.Map.Width == 0 && cfg.Map.Height == 0 && len(cfg.Map.Walls) == 0 && len(cfg.Map.Spawns) == 0 {
		cfg.Map = DefaultMap()
	} else {
		cfg.Map = cfg.Map.Clone()
	}
	var errs []error
	if cfg.TickRate < MinTickRate || cfg.TickRate > MaxTickRate {
		errs = append(errs, fmt.Errorf("tick rate %d out of range %d..%d", cfg.TickRate, MinTickRate, MaxTickRate))
	}
	rerr := cfg.Rules.Validate()
	errs = append(errs, rerr, cfg.Mode.Validate())
	merr := cfg.Map.Validate()
	errs = append(errs, merr)
	rules := cfg.Rules.WithDefaults()
	if rerr == nil && merr == nil {
		errs = append(errs, cfg.Map.checkClearance(rules.ShipRadius*Unit))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("new world: %w", err)
	}

	tr := perTick(rules, cfg.TickRate, cfg.Mode.TimeLimit)
	n := cfg.Mode.Players()
	w := &World{
		rules:      rules,
		mode:       cfg.Mode,
		arena:      cfg.Map,
		tickRate:   cfg.TickRate,
		tr:         tr,
		phase:      PhaseCountdown,
		ticksLeft:  tr.countdown,
		ships:      make([]Ship, 0, n),
		ctl:        make([]control, 0, n),
		projs:      make([]Projectile, 0, n*int(tr.projLifetime/tr.fireInterval+1)),
		teamKills:  make([]int, cfg.Mode.Teams),
		teamDeaths: make([]int, cfg.Mode.Teams),
		events:     make([]Event, 0, 4*n),
	}
	r := tr.projRadius
	for _, wl := range w.arena.Walls {
		w.projWalls = append(w.projWalls, Rect{Min: Vec{wl.Min.X - r, wl.Min.Y - r}, Max: Vec{wl.Max.X + r, wl.Max.Y + r}})
	}
	b := w.arena.Bounds()
	w.projArena = Rect{Min: Vec{b.Min.X + r, b.Min.Y + r}, Max: Vec{b.Max.X - r, b.Max.Y - r}}
	w.targets = make([]target, 0, n)
	w.move = mover{
		walls: w.arena.Walls, bounds: w.arena.Bounds(), bounded: true,
		radius: tr.shipRadius, step: tr.shipStep, diag: tr.shipDiag,
	}
	return w, nil
}

// AddPlayer adds a ship with the given id to team (1..Mode.Teams) and spawns
// it at the spawn point farthest from living enemies, aiming at the arena's
// centre. A ship added during play has spawn protection. It fails on an id
// of 0, a duplicate id (including a player who left), a bad or full team (a
// player who left keeps their place in it), or an ended match.
func (w *World) AddPlayer(id ShipID, team int) error {
	switch {
	case w.phase == PhaseEnded:
		return fmt.Errorf("add ship %d: %w", id, ErrMatchEnded)
	case id == 0:
		return fmt.Errorf("add ship %d: %w", id, ErrInvalidShip)
	case team < 1 || team > w.mode.Teams:
		return fmt.Errorf("add ship %d to team %d of %d: %w", id, team, w.mode.Teams, ErrBadTeam)
	}
	i, found := w.find(id)
	if found {
		return fmt.Errorf("add ship %d: %w", id, ErrDuplicateShip)
	}
	members := 0
	for j := range w.ships {
		if w.ships[j].Team == team {
			members++
		}
	}
	if members >= w.mode.PlayersPerTeam {
		return fmt.Errorf("add ship %d to team %d: %w", id, team, ErrTeamFull)
	}
	pos := w.arena.Spawns[w.farthestSpawn(team)]
	center := Vec{w.arena.Width * Unit / 2, w.arena.Height * Unit / 2}
	aim := AngleTo(pos, center)
	s := Ship{ID: id, Team: team, Pos: pos, Aim: aim, Health: w.tr.maxHealth, Alive: true}
	if w.phase == PhasePlaying {
		s.ProtectedTicks = w.tr.protection
	}
	w.ships = slices.Insert(w.ships, i, s)
	w.ctl = slices.Insert(w.ctl, i, control{in: Input{Aim: aim}})
	return nil
}

// RemovePlayer records that the player of ship id left: the ship leaves play
// (not alive, no input, its projectiles in flight removed) but keeps its
// kills and deaths, is marked Left and ranks last in Results. If fewer than
// two sides (teams with a player who has not left) remain during countdown
// or play, the match ends with EndAbandoned. Unknown ids, players who already
// left and ended matches are ignored.
func (w *World) RemovePlayer(id ShipID) {
	i, ok := w.find(id)
	if !ok || w.phase == PhaseEnded || w.ships[i].Left {
		return
	}
	s := &w.ships[i]
	s.Left, s.Alive, s.Health, s.RespawnTicks, s.ProtectedTicks = true, false, 0, 0, 0
	w.ctl[i] = control{}
	w.projs = slices.DeleteFunc(w.projs, func(p Projectile) bool { return p.Owner == id })
	if w.sides() < 2 {
		w.finish(EndAbandoned)
	}
}

// SetInput sets the input of ship id, used by every following Step until it
// is replaced. Buttons outside ButtonsAll are dropped. Unknown ids and
// players who left are ignored.
func (w *World) SetInput(id ShipID, in Input) {
	i, ok := w.find(id)
	if !ok || w.ships[i].Left {
		return
	}
	in.Buttons &= ButtonsAll
	w.ctl[i].in = in
}

// Tick returns the number of Steps taken that advanced the match.
func (w *World) Tick() uint32 { return w.tick }

// Phase returns the match's phase.
func (w *World) Phase() Phase { return w.phase }

// EndReason returns why the match ended, or EndNone.
func (w *World) EndReason() EndReason { return w.end }

// TicksLeft returns the ticks left in the current phase (countdown or play),
// or 0 when the match has ended.
func (w *World) TicksLeft() uint32 { return w.ticksLeft }

// CountdownTicks returns the length of the countdown, in ticks.
func (w *World) CountdownTicks() uint32 { return w.tr.countdown }

// TimeLimitTicks returns the length of play, in ticks.
func (w *World) TimeLimitTicks() uint32 { return w.tr.timeLimit }

// Ships returns every ship, including those that left, sorted by ID. The
// slice belongs to the World: the caller must not modify it, and it is
// valid until the next call that changes the World.
func (w *World) Ships() []Ship { return w.ships }

// Ship returns the ship with the given id.
func (w *World) Ship(id ShipID) (Ship, bool) {
	if i, ok := w.find(id); ok {
		return w.ships[i], true
	}
	return Ship{}, false
}

// Projectiles returns every projectile in flight, sorted by ID, under the
// same contract as Ships.
func (w *World) Projectiles() []Projectile { return w.projs }

// TeamKills returns the kills of team's players (including players who
// left), or 0 for a team that does not exist.
func (w *World) TeamKills(team int) int {
	if team < 1 || team > len(w.teamKills) {
		return 0
	}
	return w.teamKills[team-1]
}

// Rules returns the rules in force, with defaults filled in.
func (w *World) Rules() Rules { return w.rules }

// Mode returns the mode being played.
func (w *World) Mode() Mode { return w.mode }

// Map returns a copy of the arena.
func (w *World) Map() Map { return w.arena.Clone() }

// TickRate returns the number of ticks per second.
func (w *World) TickRate() int { return w.tickRate }

// find returns the index of ship id, or where it would be inserted.
func (w *World) find(id ShipID) (int, bool) {
	return slices.BinarySearchFunc(w.ships, id, func(s Ship, id ShipID) int {
		switch {
		case s.ID < id:
			return -1
		case s.ID > id:
			return 1
		}
		return 0
	})
}

// sides returns the number of teams with a player who has not left.
func (w *World) sides() int {
	n := 0
	for t := 1; t <= w.mode.Teams; t++ {
		for i := range w.ships {
			if w.ships[i].Team == t && !w.ships[i].Left {
				n++
				break
			}
		}
	}
	return n
}

// finish ends the match.
func (w *World) finish(r EndReason) {
	w.phase, w.end, w.ticksLeft = PhaseEnded, r, 0
}
