package netcode

import (
	"github.com/arena-server/arena/game"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

// Match runs one game.World and speaks for it on the wire: it describes the
// match, encodes snapshots and reports results as arena.v1 messages. It is
// owned by one goroutine (the server's match loop), like the world inside.
type Match struct {
	world  *game.World
	events []game.Event // events of the last step, sent with its snapshots
	shared []byte       // the snapshot fields every player receives alike, for the current tick
	snap   arenav1.Snapshot
}

// NewMatch starts a world for cfg.
func NewMatch(cfg game.Config) (*Match, error) {
	w, err := game.NewWorld(cfg)
	if err != nil {
		return nil, err
	}
	return &Match{world: w}, nil
}

// World exposes the simulation for read-only inspection (tests, benchmarks).
func (m *Match) World() *game.World { return m.world }

// AddPlayer puts a ship in the match.
func (m *Match) AddPlayer(ship uint32, team int) error {
	return m.world.AddPlayer(game.ShipID(ship), team)
}

// RemovePlayer takes a ship out: its player left.
func (m *Match) RemovePlayer(ship uint32) { m.world.RemovePlayer(game.ShipID(ship)) }

// ApplyInput sets a ship's input for the next step.
func (m *Match) ApplyInput(ship uint32, in game.Input) { m.world.SetInput(game.ShipID(ship), in) }

// Step advances the world by one tick and prepares that tick's snapshot.
func (m *Match) Step() error {
	m.events = append(m.events[:0], m.world.Step()...)
	var err error
	m.shared, err = m.encodeShared(m.shared[:0])
	return err
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
