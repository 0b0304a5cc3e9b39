package netcode

import (
	"errors"
	"math"
	"time"

	"github.com/arena-server/arena/game"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
	"github.com/arena-server/arena/replay"
)

// Match runs one game.World and speaks for it on the wire: it describes the
// match, encodes snapshots (through one Encoder per client) and reports
// results as arena.v1 messages. It is owned by one goroutine (the server's
// match loop), like the world inside, and so are its Encoders.
type Match struct {
	world *game.World
	rec   *replay.Recorder // nil unless Record was called

	// The quantised view of the last few ticks, a ring: frames[cur] is the
	// current tick's once built. Encoders refer to older frames as their
	// clients' baselines.
	frames [frameRing]frame
	cur    int
	built  bool

	log eventLog // the events of every step, for the Encoders to take

	// The world part of this tick's snapshots, encoded once and shared by
	// every Encoder without a view radius: in full, and as a delta against
	// deltaBase (the previous tick's frame, in the steady state).
	fullOK    bool
	full      []byte
	deltaBase *frame
	deltaTick uint32
	delta     []byte
	cols      columns
}

// frameRing is how many ticks of frames a Match keeps: an Encoder whose
// baseline is older sends a full snapshot.
const frameRing = 4

// NewMatch starts a world for cfg.
func NewMatch(cfg game.Config) (*Match, error) {
	w, err := game.NewWorld(cfg)
	if err != nil {
		return nil, err
	}
	return &Match{world: w, log: eventLog{ring: make([]game.Event, eventLogSize)}}, nil
}

// World exposes the simulation for read-only inspection (tests, benchmarks).
func (m *Match) World() *game.World { return m.world }

// AddPlayer puts a ship in the match.
func (m *Match) AddPlayer(ship uint32, team int) error {
	return m.world.AddPlayer(game.ShipID(ship), team)
}

// RemovePlayer takes a ship out: its player left.
func (m *Match) RemovePlayer(ship uint32) {
	if m.rec != nil {
		m.rec.Left(ship)
	}
	m.world.RemovePlayer(game.ShipID(ship))
}

// ApplyInput sets a ship's input for the next step.
func (m *Match) ApplyInput(ship uint32, in game.Input) {
	if m.rec != nil {
		m.rec.Input(ship, in)
	}
	m.world.SetInput(game.ShipID(ship), in)
}

// Record starts recording the match's replay: call it once every player is
// added and before the first Step. players are the ships in the order they
// were added.
func (m *Match) Record(matchID string, start time.Time, players []replay.Player) error {
	rec, err := replay.NewRecorder(replay.Header{
		MatchID: matchID, Start: start, Players: players,
		Mode: m.world.Mode(), Map: m.world.Map(), Rules: m.world.Rules(), TickRate: m.world.TickRate(),
	}, m.world)
	if err != nil {
		return err
	}
	m.rec = rec
	return nil
}

// Replay ends the recording Record started and returns the replay file.
func (m *Match) Replay() ([]byte, error) {
	if m.rec == nil {
		return nil, errors.New("netcode: the match was not recorded")
	}
	return m.rec.Finish(m.world)
}

// Step advances the world by one tick and prepares what every snapshot of
// that tick shares: the quantised view of every ship and projectile, and the
// tick's events.
func (m *Match) Step() error {
	prev := m.current()
	events := m.world.Step()
	if m.rec != nil {
		m.rec.Stepped(m.world)
	}
	m.log.append(events)
	if m.world.Tick() == prev.tick && m.world.Phase() == prev.phase {
		return nil // the match is over: nothing changes any more
	}
	// A new frame, even when the match ended between steps (a player left)
	// at the same tick: then every client gets it in a full snapshot.
	m.cur = (m.cur + 1) % frameRing
	m.frames[m.cur].build(m.world, prev)
	m.fullOK, m.deltaBase = false, nil
	return nil
}

// current returns the frame of the current tick, building it if no Step
// did (before the first Step). Players added or removed since the last Step
// show in the frames from the next Step on.
func (m *Match) current() *frame {
	if !m.built {
		m.frames[m.cur].build(m.world, nil)
		m.built = true
	}
	return &m.frames[m.cur]
}

// worldPart returns the world part of this tick's snapshot against base
// (nil: full), encoded once per tick and baseline for every Encoder.
func (m *Match) worldPart(base *frame) []byte {
	cur := m.current()
	if base == nil {
		if !m.fullOK {
			m.full = appendWorld(m.full[:0], nil, cur, &m.cols)
			m.fullOK = true
		}
		return m.full
	}
	if m.deltaBase != base || m.deltaTick != base.tick {
		m.delta = appendWorld(m.delta[:0], base, cur, &m.cols)
		m.deltaBase, m.deltaTick = base, base.tick
	}
	return m.delta
}

// Ended reports whether the match is over.
func (m *Match) Ended() bool { return m.world.Phase() == game.PhaseEnded }

// Tick is the world's current tick.
func (m *Match) Tick() uint32 { return m.world.Tick() }

// Describe fills the parts of a MatchStart that come from the world: map,
// tick rate, teams and limits.
func (m *Match) Describe(start *arenav1.MatchStart) {
	w := m.world
	mode, mp := w.Mode(), w.Map()
	walls := make([]*arenav1.Rect, len(mp.Walls))
	for i, r := range mp.Walls {
		walls[i] = &arenav1.Rect{
			MinX: r.Min.X / game.Unit, MinY: r.Min.Y / game.Unit,
			MaxX: r.Max.X / game.Unit, MaxY: r.Max.Y / game.Unit,
		}
	}
	start.Mode = mode.Name
	start.Map = &arenav1.MapInfo{Name: mp.Name, Width: uint32(mp.Width), Height: uint32(mp.Height), Walls: walls}
	start.TickRate = uint32(w.TickRate())
	start.Teams = uint32(mode.Teams)
	start.ScoreLimit = uint32(mode.ScoreLimit)
	start.TimeLimitTicks = game.DurationTicks(mode.TimeLimit, w.TickRate())
	start.CountdownTicks = game.DurationTicks(w.Rules().Countdown, w.TickRate())
	start.Rules = RulesToWire(w.Rules())
}

// RulesToWire converts the rules a match plays by (defaults filled in)
// for MatchStart.
func RulesToWire(r game.Rules) *arenav1.Rules {
	r = r.WithDefaults()
	us := func(d time.Duration) uint32 { return uint32(min(max(d.Microseconds(), 0), math.MaxUint32)) }
	u := func(v int32) uint32 { return uint32(max(v, 0)) }
	return &arenav1.Rules{
		ShipRadius: u(r.ShipRadius), ShipSpeed: u(r.ShipSpeed), MaxHealth: u(r.MaxHealth),
		ProjectileSpeed: u(r.ProjectileSpeed), ProjectileRadius: u(r.ProjectileRadius),
		ProjectileLifetimeUs: us(r.ProjectileLifetime), ProjectileDamage: u(r.ProjectileDamage),
		FireIntervalUs: us(r.FireInterval), RespawnDelayUs: us(r.RespawnDelay),
		SpawnProtectionUs: us(r.SpawnProtection), CountdownUs: us(r.Countdown),
	}
}

// RulesFromWire converts MatchStart's rules into the game.Rules a client
// predicts with. Absent rules (an older server), or rules out of the
// ranges game.Rules.Validate accepts, give the defaults, and ok is false.
func RulesFromWire(w *arenav1.Rules) (r game.Rules, ok bool) {
	if w == nil {
		return game.DefaultRules(), false
	}
	i := func(v uint32) int32 { return int32(min(v, math.MaxInt32)) }
	d := func(us uint32) time.Duration { return time.Duration(us) * time.Microsecond }
	r = game.Rules{
		ShipRadius: i(w.GetShipRadius()), ShipSpeed: i(w.GetShipSpeed()), MaxHealth: i(w.GetMaxHealth()),
		ProjectileSpeed: i(w.GetProjectileSpeed()), ProjectileRadius: i(w.GetProjectileRadius()),
		ProjectileLifetime: d(w.GetProjectileLifetimeUs()), ProjectileDamage: i(w.GetProjectileDamage()),
		FireInterval: d(w.GetFireIntervalUs()), RespawnDelay: d(w.GetRespawnDelayUs()),
		SpawnProtection: d(w.GetSpawnProtectionUs()), Countdown: d(w.GetCountdownUs()),
	}
	if r.Validate() != nil {
		return game.DefaultRules(), false
	}
	return r.WithDefaults(), true
}

// Results fills a MatchEnd's reason and per-ship results (kills, deaths,
// placement, team, left), best placement first. Names and ratings are the
// server's to add.
func (m *Match) Results(end *arenav1.MatchEnd) {
	switch m.world.EndReason() {
	case game.EndScoreLimit:
		end.Reason = arenav1.MatchEndReason_MATCH_END_REASON_SCORE_LIMIT
	case game.EndTimeLimit:
		end.Reason = arenav1.MatchEndReason_MATCH_END_REASON_TIME_LIMIT
	case game.EndAbandoned:
		end.Reason = arenav1.MatchEndReason_MATCH_END_REASON_ABANDONED
	default:
		end.Reason = arenav1.MatchEndReason_MATCH_END_REASON_ABORTED
	}
	for _, r := range m.world.Results() {
		end.Results = append(end.Results, &arenav1.PlayerResult{
			ShipId:    uint32(r.ID),
			Team:      uint32(r.Team),
			Kills:     uint32(r.Kills),
			Deaths:    uint32(r.Deaths),
			Placement: uint32(r.Placement),
			Left:      r.Left,
		})
	}
}
