package app

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/arena-server/arena/game"
	"github.com/arena-server/arena/netcode"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

// SubUnits is how many wire position units make one world unit.
const SubUnits = game.Unit

// Own-ship smoothing: a correction of the prediction is shown as an offset
// that decays with this time constant (a few frames), unless it is larger
// than snapDistance world units (a respawn, a long stall): then the ship
// jumps.
const (
	smoothTime   = 60 * time.Millisecond
	snapDistance = 48.0
)

// maxResyncs is how many times a match reconnects to get a full snapshot
// after one it could not decode, before it gives the match up.
const maxResyncs = 3

// Match is the client's view of the match it is in or watches: what MatchStart said,
// the snapshots decoded into views, the own ship predicted and the others
// interpolated. The App changes it in Update; the UI only reads it.
type Match struct {
	// ID is the match id from MatchFound or MatchStart.
	ID string
	// Mode is the mode's name.
	Mode string
	// Start is the match's setup; nil until MatchStart arrives.
	Start *arenav1.MatchStart
	// View is the state of the newest snapshot; nil until the first.
	View *netcode.View
	// Shots counts the shots the snapshots reported, by anyone.
	Shots int

	names map[uint32]string
	arena game.Map // Start's map

	pred   *netcode.Predictor
	interp *netcode.Interpolator
	period time.Duration // between inputs (a tick)
	rules  game.Rules    // the match's, from MatchStart
	clock  netcode.InputClock

	resyncs int // reconnects for snapshots that did not decode

	follow uint32 // the ship a spectator's camera follows, 0 for the free camera

	lastInput time.Time // when the last input was sent and predicted
	smoothX   float64   // correction still being shown, sub-units
	smoothY   float64
	lastFrame time.Time

	sample      netcode.Sample // the others at the last frame's render time
	ships       []DrawShip
	projectiles []DrawProjectile
	ownX, ownY  float64 // the own ship as drawn, world units
}

// DrawShip is a ship as drawn this frame: the own ship where the client
// predicts it, the others between snapshots.
type DrawShip struct {
	ID   uint32
	Team uint32
	// X and Y are the position in world units.
	X, Y float64
	// Aim is the wire angle, 0..65535.
	Aim uint32
	// Health is 0..100 (a percentage).
	Health    uint32
	Alive     bool
	Protected bool
	// Highlight rings the ship: the player's own in a match, the one the
	// camera follows in a replay or a watched match.
	Highlight bool
}

// DrawProjectile is a projectile as drawn this frame.
type DrawProjectile struct {
	// Owner is the ship that fired it, Team that ship's team (0 if unknown).
	Owner, Team uint32
	// X and Y are the position in world units.
	X, Y float64
}

// TeamPlay reports whether the match has teams of more than one player
// (and so a team chat channel).
func (m *Match) TeamPlay() bool {
	if !m.Started() {
		return false
	}
	return len(m.Start.GetPlayers()) > int(m.Start.GetTeams()) && m.Start.GetTeams() > 0
}

// Map is the match's arena, as MatchStart describes it (no spawn points);
// the zero Map before MatchStart.
func (m *Match) Map() game.Map { return m.arena }

// Started reports whether MatchStart has arrived.
func (m *Match) Started() bool { return m != nil && m.Start != nil }

// Name returns the player name of a ship, or "" when unknown.
func (m *Match) Name(ship uint32) string { return m.names[ship] }

// Spectator reports whether the player watches the match rather than
// plays in it.
func (m *Match) Spectator() bool { return m.Started() && m.Start.GetSpectator() }

// Delay is how far behind the match a spectator sees it (0 for a player).
func (m *Match) Delay() time.Duration {
	if !m.Started() || m.Start.GetTickRate() == 0 {
		return 0
	}
	return time.Duration(m.Start.GetDelayTicks()) * time.Second / time.Duration(m.Start.GetTickRate())
}

// Follow is the ship a spectator's camera follows, 0 for the free camera.
func (m *Match) Follow() uint32 { return m.follow }

// FollowedPos is where the followed ship is drawn, in world units; ok is
// false with the free camera.
func (m *Match) FollowedPos() (x, y float64, ok bool) {
	if m.follow == 0 {
		return 0, 0, false
	}
	return highlighted(m.ships)
}

// FollowPlayer follows the n-th player of the watched match (from 1, in
// MatchStart's order) with the camera; 0, or a player the match does not
// have, frees the camera.
func (a *App) FollowPlayer(n int) {
	if !a.Spectating() {
		return
	}
	m := a.match
	m.follow = 0
	if players := m.Start.GetPlayers(); n >= 1 && n <= len(players) {
		m.follow = players[n-1].GetShipId()
	}
	a.frame()
}

// FollowNextPlayer follows the next player of the watched match, after the
// last one the free camera, then the first again.
func (a *App) FollowNextPlayer() {
	if !a.Spectating() {
		return
	}
	players := a.match.Start.GetPlayers()
	i := slices.IndexFunc(players, func(p *arenav1.PlayerInfo) bool { return p.GetShipId() == a.match.follow })
	a.FollowPlayer((i + 2) % (len(players) + 1))
}

// OwnID is the receiving player's ship id.
func (m *Match) OwnID() uint32 { return m.Start.GetYourShipId() }

// OwnTeam is the receiving player's team (from 1), as MatchStart seats
// their ship; 0 before MatchStart or when it does not list the ship.
func (m *Match) OwnTeam() uint32 {
	if !m.Started() {
		return 0
	}
	for _, p := range m.Start.GetPlayers() {
		if p.GetShipId() == m.Start.GetYourShipId() {
			return p.GetTeam()
		}
	}
	return 0
}

// Own returns the player's own ship in the newest snapshot.
func (m *Match) Own() (netcode.ShipState, bool) {
	if m == nil || m.View == nil || m.View.Self < 0 {
		return netcode.ShipState{}, false
	}
	return m.View.Ships[m.View.Self], true
}

// OwnPos is where the own ship is drawn, in world units: predicted, with
// corrections smoothed.
func (m *Match) OwnPos() (x, y float64) { return m.ownX, m.ownY }

// Predicted is the predicted position of the own ship after the inputs sent
// so far, exact (sub-units); ok is false until a snapshot placed it.
func (m *Match) Predicted() (pos game.Vec, ok bool) {
	if m == nil || m.pred == nil || !m.pred.Placed() {
		return game.Vec{}, false
	}
	return m.pred.Pos(), true
}

// Pending is the number of inputs sent and not yet acknowledged.
func (m *Match) Pending() int {
	if m == nil || m.pred == nil {
		return 0
	}
	return m.pred.Pending()
}

// Ships are the ships as drawn this frame, by id.
func (m *Match) Ships() []DrawShip { return m.ships }

// Projectiles are the projectiles as drawn this frame.
func (m *Match) Projectiles() []DrawProjectile { return m.projectiles }

// Phase is the match phase of the newest snapshot (0 before the first).
func (m *Match) Phase() game.Phase {
	if m == nil || m.View == nil {
		return 0
	}
	return m.View.Phase
}

// SecondsLeft is what remains of the current phase, in seconds.
func (m *Match) SecondsLeft() float64 {
	rate := m.Start.GetTickRate()
	if rate == 0 || m.View == nil {
		return 0
	}
	return float64(m.View.TicksLeft) / float64(rate)
}

// Scoreboard returns the newest snapshot's ships ordered by kills (most
// first), then deaths (fewest first), then id.
func (m *Match) Scoreboard() []netcode.ShipState {
	if m.View == nil {
		return nil
	}
	ships := slices.Clone(m.View.Ships)
	slices.SortStableFunc(ships, func(a, b netcode.ShipState) int {
		switch {
		case a.Kills != b.Kills:
			return b.Kills - a.Kills
		case a.Deaths != b.Deaths:
			return a.Deaths - b.Deaths
		default:
			return int(a.ID) - int(b.ID)
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
	// Mode is its mode's name.
	Mode string
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
	a.screen = ScreenMatch
}

// handleMatchStart sets the match up; on a resume (the same match again
// after a reconnect) it starts over from the next snapshot (a full one),
// keeping the chat, the feed and the input sequence.
func (a *App) handleMatchStart(ms *arenav1.MatchStart) {
	if a.match == nil || a.match.ID != ms.GetMatchId() {
		a.enterMatch(ms.GetMatchId(), ms.GetMode())
	}
	a.conn.resuming = false
	a.screen = ScreenMatch
	m := a.match
	m.Start = ms
	m.View = nil
	if ms.GetMode() != "" {
		m.Mode = ms.GetMode()
	}
	for _, p := range ms.GetPlayers() {
		m.names[p.GetShipId()] = p.GetName()
	}
	rate := int(ms.GetTickRate())
	if rate <= 0 {
		rate = game.DefaultTickRate
	}
	// The match's rules (the defaults from a server that does not send them).
	m.rules, _ = netcode.RulesFromWire(ms.GetRules())
	m.arena = netcode.MapFromWire(ms.GetMap())
	m.pred = netcode.NewPredictor(m.arena, m.rules, rate)
	m.interp = netcode.NewInterpolator(rate)
	m.period = time.Second / time.Duration(rate)
	m.smoothX, m.smoothY = 0, 0
	// A new match's inputs start with its first snapshot, which tells the
	// server's tick; a resumed match's go on by the clock they had.
}

// Rules are the rules the match plays by (and the client predicts with).
func (m *Match) Rules() game.Rules { return m.rules }

// handleSnapshot takes a snapshot that arrived at at, decoded by the link's
// reader into v (or err), reconciles the prediction with it and hands it to
// the interpolator with its arrival time.
func (a *App) handleSnapshot(s *arenav1.Snapshot, v *netcode.View, err error, at time.Time) {
	m := a.match
	if !m.Started() || a.conn.resuming || (v == nil && err == nil) {
		return // before MatchStart on this connection: a delta against nothing
	}
	if m.View != nil && s.GetTick() <= m.View.Tick {
		return // not newer than what is shown (the connection keeps order: never seen)
	}
	if err != nil {
		m.resyncs++
		if m.resyncs > maxResyncs {
			a.leaveMatch(ScreenMenu)
			a.fail(fmt.Sprintf("cannot follow the match: snapshot %d: %v", s.GetTick(), err))
			return
		}
		a.resync(fmt.Errorf("snapshot %d: %w", s.GetTick(), err))
		return
	}
	a.net.snapshot(at)
	m.View = v
	m.interp.Add(v, at)
	if !m.Spectator() {
		if m.clock.Started() {
			m.clock.Snapshot(v.Tick, at)
		} else {
			rtt, _ := a.Ping()
			m.clock.Start(a.now, m.period, v.Tick, at, rtt)
		}
		m.clock.Report(v.Input, at)
		a.net.inputs(v.Input)
	}
	a.reconcile(v)
	for _, e := range v.Events {
		switch e.Kind {
		case game.EventShot:
			m.Shots++
		case game.EventKill:
			a.feed = append(a.feed, FeedLine{
				Text: fmt.Sprintf("%s killed %s", m.nameOr(uint32(e.Actor)), m.nameOr(uint32(e.Target))),
				At:   a.now,
			})
			if n := len(a.feed) - feedSize; n > 0 {
				a.feed = append(a.feed[:0], a.feed[n:]...)
			}
		}
	}
}

// reconcile resets the prediction to the server's own ship in v and
// replays the inputs it has not applied; a visible correction is smoothed,
// or snapped when large.
func (a *App) reconcile(v *netcode.View) {
	m := a.match
	if v.Self < 0 {
		m.pred.Reset()
		return
	}
	own := v.Ships[v.Self]
	still := uint32(0)
	switch {
	case !own.Alive || v.Phase == game.PhaseEnded:
		still = netcode.Frozen
	case v.Phase == game.PhaseCountdown:
		still = v.TicksLeft
	}
	before, after := m.pred.Reconcile(own.Pos, v.Tick, still)
	if before == after {
		return
	}
	dx, dy := float64(before.X-after.X), float64(before.Y-after.Y)
	dist := math.Hypot(dx, dy) / SubUnits
	a.net.correction(a.now, dist)
	if dist > snapDistance {
		m.smoothX, m.smoothY = 0, 0
		return
	}
	m.smoothX += dx
	m.smoothY += dy
}

// predictInput applies an input just sent to the prediction.
func (a *App) predictInput(in netcode.Input) {
	m := a.match
	if m == nil || m.pred == nil {
		return
	}
	m.pred.Apply(in)
	m.lastInput = a.now
}

// frame brings what the match draws up to now: the others at the render
// time, the own ship between its last input and the next, the correction
// decayed. Called at the end of every Update.
func (a *App) frame() {
	m := a.match
	if !m.Started() || m.interp == nil {
		return
	}
	dt := a.now.Sub(m.lastFrame)
	m.lastFrame = a.now
	if dt > 0 {
		k := math.Exp(-float64(dt) / float64(smoothTime))
		m.smoothX, m.smoothY = m.smoothX*k, m.smoothY*k
		if math.Abs(m.smoothX) < 1 && math.Abs(m.smoothY) < 1 {
			m.smoothX, m.smoothY = 0, 0
		}
	}
	m.interp.Sample(a.now, &m.sample)

	// The own ship: predicted, moving on towards the next tick's position
	// with the controls held now, so it moves every frame.
	own, haveOwn := m.Own()
	if m.pred.Placed() {
		pos := m.pred.Pos()
		x, y := float64(pos.X), float64(pos.Y)
		if m.period > 0 && !m.lastInput.IsZero() && a.screen == ScreenMatch && !a.conn.resuming {
			next := m.pred.Step(a.controls.input())
			f := min(max(float64(a.now.Sub(m.lastInput))/float64(m.period), 0), 1)
			x += float64(next.X-pos.X) * f
			y += float64(next.Y-pos.Y) * f
		}
		m.ownX, m.ownY = (x+m.smoothX)/SubUnits, (y+m.smoothY)/SubUnits
	} else if haveOwn {
		m.ownX, m.ownY = WorldPos(own.Pos.X, own.Pos.Y)
	}

	m.ships = m.ships[:0]
	teams := map[uint32]uint32{}
	for _, s := range m.sample.Ships {
		teams[uint32(s.ID)] = uint32(s.Team)
		if uint32(s.ID) == m.OwnID() {
			continue
		}
		m.ships = append(m.ships, DrawShip{
			ID: uint32(s.ID), Team: uint32(s.Team), X: s.X / SubUnits, Y: s.Y / SubUnits,
			Aim: uint32(math.Round(s.Aim)) % 65536, Health: uint32(s.Health), Alive: s.Alive, Protected: s.Protected,
			Highlight: m.follow != 0 && uint32(s.ID) == m.follow,
		})
	}
	if haveOwn {
		teams[uint32(own.ID)] = uint32(own.Team)
		m.ships = append(m.ships, DrawShip{
			ID: uint32(own.ID), Team: uint32(own.Team), X: m.ownX, Y: m.ownY, Aim: a.controls.Aim % 65536,
			Health: uint32(own.Health), Alive: own.Alive, Protected: own.Protected, Highlight: true,
		})
	}
	m.projectiles = m.projectiles[:0]
	for _, p := range m.sample.Projectiles {
		m.projectiles = append(m.projectiles, DrawProjectile{
			Owner: uint32(p.Owner), Team: teams[uint32(p.Owner)], X: p.X / SubUnits, Y: p.Y / SubUnits,
		})
	}
}

// modeName is the match's mode, or "" without a match.
func (m *Match) modeName() string {
	if m == nil {
		return ""
	}
	return m.Mode
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
		Mode:    a.match.modeName(),
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
