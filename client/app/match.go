package app

import (
	"fmt"
	"slices"
	"time"

	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

// SubUnits is how many wire position units make one world unit.
const SubUnits = 256

// Match is the client's view of the match it is in: what MatchStart said and
// the latest snapshot. The App replaces it; the UI only reads it.
type Match struct {
	// ID is the match id from MatchFound or MatchStart.
	ID string
	// Mode is the mode's name.
	Mode string
	// Start is the match's setup; nil until MatchStart arrives.
	Start *arenav1.MatchStart
	// Snapshot is the newest snapshot; nil until the first arrives.
	Snapshot *arenav1.Snapshot
	// Shots counts the shots the snapshots reported, by anyone.
	Shots int

	names map[uint32]string
}

// TeamPlay reports whether the match has teams of more than one player
// (and so a team chat channel).
func (m *Match) TeamPlay() bool {
	if !m.Started() {
		return false
	}
	return len(m.Start.GetPlayers()) > int(m.Start.GetTeams()) && m.Start.GetTeams() > 0
}

// Started reports whether MatchStart has arrived.
func (m *Match) Started() bool { return m != nil && m.Start != nil }

// Name returns the player name of a ship, or "" when unknown.
func (m *Match) Name(ship uint32) string { return m.names[ship] }

// OwnID is the receiving player's ship id.
func (m *Match) OwnID() uint32 { return m.Start.GetYourShipId() }

// Ship returns the ship with id from the newest snapshot, or nil.
func (m *Match) Ship(id uint32) *arenav1.Ship {
	for _, s := range m.Snapshot.GetShips() {
		if s.GetId() == id {
			return s
		}
	}
	return nil
}

// Own returns the receiving player's ship from the newest snapshot, or nil.
func (m *Match) Own() *arenav1.Ship {
	if !m.Started() {
		return nil
	}
	return m.Ship(m.OwnID())
}

// Phase is the match phase of the newest snapshot.
func (m *Match) Phase() arenav1.MatchPhase { return m.Snapshot.GetPhase() }

// SecondsLeft is what remains of the current phase, in seconds.
func (m *Match) SecondsLeft() float64 {
	rate := m.Start.GetTickRate()
	if rate == 0 {
		return 0
	}
	return float64(m.Snapshot.GetTicksLeft()) / float64(rate)
}

// Scoreboard returns the snapshot's ships ordered by kills (most first), then
// deaths (fewest first), then id.
func (m *Match) Scoreboard() []*arenav1.Ship {
	ships := slices.Clone(m.Snapshot.GetShips())
	slices.SortStableFunc(ships, func(a, b *arenav1.Ship) int {
		switch {
		case a.GetKills() != b.GetKills():
			return int(b.GetKills()) - int(a.GetKills())
		case a.GetDeaths() != b.GetDeaths():
			return int(a.GetDeaths()) - int(b.GetDeaths())
		default:
			return int(a.GetId()) - int(b.GetId())
		}
	})
	return ships
}

// WorldPos converts a wire position (sub-units) to world units.
func WorldPos(x, y int32) (float64, float64) {
	return float64(x) / SubUnits, float64(y) / SubUnits
}

// Results is what the results screen shows: MatchEnd's table.
type Results struct {
	// MatchID is the match that ended.
	MatchID string
	// Reason is why it ended.
	Reason arenav1.MatchEndReason
	// Rows are the players, best placement first.
	Rows []*arenav1.PlayerResult
	// You is the receiving player's id, to highlight their row.
	You string
}

// Viewport maps the arena's world units onto a rectangle of the screen,
// keeping the aspect ratio and centring the arena in the rectangle.
type Viewport struct {
	// Scale is screen pixels per world unit.
	Scale float64
	// X0, Y0 are where world (0, 0) lands on the screen.
	X0, Y0 float64
}

// FitViewport fits a world of worldW × worldH units into the screen
// rectangle (x, y, w, h).
func FitViewport(worldW, worldH, x, y, w, h float64) Viewport {
	if worldW <= 0 || worldH <= 0 {
		return Viewport{Scale: 1, X0: x, Y0: y}
	}
	s := min(w/worldW, h/worldH)
	return Viewport{Scale: s, X0: x + (w-worldW*s)/2, Y0: y + (h-worldH*s)/2}
}

// ToScreen maps world coordinates to screen coordinates.
func (v Viewport) ToScreen(wx, wy float64) (float64, float64) {
	return v.X0 + wx*v.Scale, v.Y0 + wy*v.Scale
}

// ToWorld maps screen coordinates to world coordinates.
func (v Viewport) ToWorld(sx, sy float64) (float64, float64) {
	if v.Scale == 0 {
		return 0, 0
	}
	return (sx - v.X0) / v.Scale, (sy - v.Y0) / v.Scale
}

// enterMatch opens the match screen for a new match.
func (a *App) enterMatch(id, mode string) {
	if a.match != nil && a.match.ID == id {
		return // MatchFound again: the match is already on
	}
	a.match = &Match{ID: id, Mode: mode, names: map[uint32]string{}}
	a.results = nil
	a.chat.match.Clear()
	a.chat.cancel()
	a.chat.team = false
	a.feed = nil
	a.seq = 0
	a.pacer = pacer{}
	a.screen = ScreenMatch
}

// handleMatchStart sets the match up; on a resume (the same match again
// after a reconnect) it starts over from the next snapshot, keeping the
// chat, the feed and the input sequence.
func (a *App) handleMatchStart(ms *arenav1.MatchStart) {
	if a.match == nil || a.match.ID != ms.GetMatchId() {
		a.enterMatch(ms.GetMatchId(), ms.GetMode())
	}
	a.conn.resuming = false
	a.screen = ScreenMatch
	m := a.match
	m.Start = ms
	m.Snapshot = nil
	if ms.GetMode() != "" {
		m.Mode = ms.GetMode()
	}
	for _, p := range ms.GetPlayers() {
		m.names[p.GetShipId()] = p.GetName()
	}
	a.pacer.start(a.now, ms.GetTickRate())
}

func (a *App) handleSnapshot(s *arenav1.Snapshot, at time.Time) {
	m := a.match
	if !m.Started() {
		return
	}
	if m.Snapshot != nil && s.GetTick() < m.Snapshot.GetTick() {
		return
	}
	a.net.snapshot(at)
	m.Snapshot = s
	for _, e := range s.GetEvents() {
		if e.GetKind() == arenav1.GameEventKind_GAME_EVENT_KIND_SHOT {
			m.Shots++
		}
		if e.GetKind() != arenav1.GameEventKind_GAME_EVENT_KIND_KILL {
			continue
		}
		a.feed = append(a.feed, FeedLine{
			Text: fmt.Sprintf("%s killed %s", m.nameOr(e.GetActor()), m.nameOr(e.GetTarget())),
			At:   a.now,
		})
		if n := len(a.feed) - feedSize; n > 0 {
			a.feed = append(a.feed[:0], a.feed[n:]...)
		}
	}
}

// nameOr is a ship's player name, or "ship N" when unknown.
func (m *Match) nameOr(ship uint32) string {
	if n := m.Name(ship); n != "" {
		return n
	}
	return fmt.Sprintf("ship %d", ship)
}

func (a *App) handleMatchEnd(e *arenav1.MatchEnd) {
	a.results = &Results{
		MatchID: e.GetMatchId(),
		Reason:  e.GetReason(),
		Rows:    e.GetResults(),
		You:     a.conn.playerID,
	}
	a.leaveMatch(ScreenResults)
}

// leaveMatch closes the match and shows screen to.
func (a *App) leaveMatch(to Screen) {
	a.match = nil
	a.chat.cancel()
	a.chat.team = false
	a.conn.resuming = false
	a.screen = to
}
