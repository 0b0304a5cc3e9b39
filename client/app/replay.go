package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/arena-server/arena/game"
	"github.com/arena-server/arena/netcode/transport"
	"github.com/arena-server/arena/replay"
)

// ReplayReader is a Dialer that can also fetch a finished match's replay
// file (ServerDialer does, and so does the browser's fetch dialer). With a
// Dialer that cannot, the replay screen says the replay is not available.
type ReplayReader interface {
	Replay(ctx context.Context, matchID string) ([]byte, error)
}

// Replay fetches a match's replay file over HTTP.
func (d ServerDialer) Replay(ctx context.Context, matchID string) ([]byte, error) {
	return transport.Replay(ctx, d.BaseURL, matchID)
}

// ReplaySpeeds are the playback speeds, slowest first.
var ReplaySpeeds = [...]float64{0.25, 0.5, 1, 2, 4}

// normalSpeed is the index in ReplaySpeeds of real time.
const normalSpeed = 2

// Replay fetching and playing.
const (
	// replayTimeout bounds one fetch of a replay file.
	replayTimeout = 30 * time.Second
	// The server stores a match's replay a moment after its results: a
	// fetch that finds none is tried replayTries times in all,
	// replayRetry apart, before the replay is said not to be available.
	replayTries = 3
	replayRetry = time.Second
	// replayStepBudget bounds the simulation steps one Update takes
	// (seeking, playing and measuring the replay's length together), so a
	// long seek spreads over frames and the screen stays responsive.
	replayStepBudget = 2000
	// ReplaySeek is how far a seek moves.
	ReplaySeek = 5 * time.Second
	// maxReplayFrame bounds the time one Update plays: a frame after a
	// stall (a hidden tab) does not jump ahead.
	maxReplayFrame = 250 * time.Millisecond
)

// errNotAvailable is the replay screen's error when the server keeps no
// replay of the match (or the client cannot fetch replays).
var errNotAvailable = errors.New("replay not available")

// Replay is the replay screen's player: it fetches a match's replay file,
// plays it through package replay at its tick rate times the chosen speed,
// seeks by playing again from the start, and measures the replay's length
// with a second playback ahead of the first. The App changes it in Update
// and its actions; the UI only reads it.
type Replay struct {
	matchID string
	back    Screen // the screen closing the replay returns to

	req     *request[[]byte] // the fetch under way, or nil
	tries   int              // fetches started
	retryAt time.Time        // when to fetch again after a 404

	file  *replay.Replay   // nil until fetched and decoded
	play  *replay.Playback // what is shown
	scan  *replay.Playback // measuring the length; nil once measured
	total uint32           // the replay's ticks, once measured
	err   string           // why it cannot play; "" while fine

	playing bool
	ended   bool
	speed   int     // index in ReplaySpeeds
	owed    float64 // ticks due but not played yet, below 1
	target  int64   // the tick a seek is going to, -1 when none
	follow  uint32  // the ship followed, 0 for the free camera

	lastFrame   time.Time
	ships       []DrawShip
	projectiles []DrawProjectile
}

// ReplayScore is one player's line of the replay's scoreboard.
type ReplayScore struct {
	// N is the player's number, from 1 in the match's order: FollowReplay(N)
	// follows them.
	N             int
	Ship          uint32
	Team          int
	Name          string
	Kills, Deaths int
	// Left is true once the player left the match.
	Left bool
}

// WatchReplay opens the replay of the match whose results are on show.
func (a *App) WatchReplay() {
	if a.screen != ScreenResults || a.results == nil || a.results.MatchID == "" {
		return
	}
	a.openReplay(a.results.MatchID, ScreenMenu)
}

// openReplay opens the replay screen on matchID's replay; closing it
// returns to back.
func (a *App) openReplay(matchID string, back Screen) {
	a.replay = &Replay{matchID: matchID, back: back, speed: normalSpeed, target: -1, lastFrame: a.now}
	a.screen = ScreenReplay
}

// CloseReplay leaves the replay screen for the screen it was opened from:
// the menu after a match's results, the Watch screen.
func (a *App) CloseReplay() {
	if a.screen != ScreenReplay {
		return
	}
	a.screen = a.replay.back
	a.dropReplay()
}

// Replay is the replay on show, or nil outside the replay screen.
func (a *App) Replay() *Replay {
	if a.screen != ScreenReplay {
		return nil
	}
	return a.replay
}

// ToggleReplay pauses or plays the replay; at its end it plays it again
// from the start.
func (a *App) ToggleReplay() {
	r := a.replay
	if !r.ready() {
		return
	}
	if r.ended {
		r.target = 0
		r.playing = true
		return
	}
	r.playing = !r.playing
	r.owed = 0
}

// ChangeReplaySpeed moves the playback speed by steps along ReplaySpeeds
// (+1 faster, -1 slower), within its ends.
func (a *App) ChangeReplaySpeed(steps int) {
	if r := a.replay; r != nil {
		r.speed = min(max(r.speed+steps, 0), len(ReplaySpeeds)-1)
	}
}

// SeekReplay moves the replay by d (ReplaySeek or -ReplaySeek), within its
// start and end. Going back plays the replay again from its start, over
// the next Updates.
func (a *App) SeekReplay(d time.Duration) {
	r := a.replay
	if !r.ready() {
		return
	}
	from := int64(r.play.World().Tick())
	if r.target >= 0 {
		from = r.target
	}
	to := max(from+int64(d.Seconds()*float64(r.file.TickRate)), 0)
	if r.total > 0 {
		to = min(to, int64(r.total))
	}
	r.target = to
}

// FollowReplay follows the n-th player of the match (from 1, in the
// replay's order) with the camera; 0, or a player the match does not have,
// frees the camera.
func (a *App) FollowReplay(n int) {
	r := a.replay
	if !r.ready() {
		return
	}
	r.follow = 0
	if n >= 1 && n <= len(r.file.Players) {
		r.follow = r.file.Players[n-1].Ship
	}
	r.frame()
}

// FollowNextReplay follows the next player of the match, after the last
// one the free camera, then the first again.
func (a *App) FollowNextReplay() {
	r := a.replay
	if !r.ready() {
		return
	}
	i := slices.IndexFunc(r.file.Players, func(p replay.Player) bool { return p.Ship == r.follow })
	a.FollowReplay((i + 2) % (len(r.file.Players) + 1))
}

// updateReplay fetches the replay on show, plays what is due and measures
// its length, within replayStepBudget steps; off the replay screen it
// drops the replay.
func (a *App) updateReplay() {
	r := a.replay
	if r == nil {
		return
	}
	if a.screen != ScreenReplay {
		a.dropReplay()
		return
	}
	if r.file == nil {
		a.fetchReplay()
	}
	dt := min(a.now.Sub(r.lastFrame), maxReplayFrame)
	r.lastFrame = a.now
	if !r.ready() {
		return
	}
	budget := replayStepBudget
	switch {
	case r.target >= 0:
		budget = r.seek(budget)
	case r.playing:
		r.owed += dt.Seconds() * float64(r.file.TickRate) * ReplaySpeeds[r.speed]
		n := min(int(r.owed), budget)
		r.owed -= float64(n)
		budget -= n
		for range n {
			if !r.step() {
				break
			}
		}
	}
	r.measure(budget)
	r.frame()
}

// dropReplay forgets the replay, abandoning its fetch.
func (a *App) dropReplay() {
	a.replay.req.abandon()
	a.replay = nil
}

// fetchReplay takes the answer of the fetch under way, or starts one when
// it is time.
func (a *App) fetchReplay() {
	r := a.replay
	if rep, ok := r.req.poll(); ok {
		r.req = nil
		a.replayFetched(rep)
		return
	}
	if r.req != nil || r.err != "" || a.now.Before(r.retryAt) {
		return
	}
	reader, ok := a.cfg.Dialer.(ReplayReader)
	if !ok {
		r.err = errNotAvailable.Error()
		return
	}
	id := r.matchID
	r.tries++
	r.req = startRequest(replayTimeout, func(ctx context.Context) ([]byte, error) {
		return reader.Replay(ctx, id)
	})
}

// replayFetched takes a fetch's answer: the file decoded and started, a
// 404 tried again later (up to replayTries), any other failure said.
func (a *App) replayFetched(rep reply[[]byte]) {
	r := a.replay
	if rep.err != nil {
		apiErr, ok := errors.AsType[*transport.APIError](rep.err)
		switch {
		case ok && apiErr.Status == http.StatusNotFound && r.tries < replayTries:
			r.retryAt = a.now.Add(replayRetry)
		case ok && apiErr.Status == http.StatusNotFound:
			r.err = errNotAvailable.Error()
		default:
			r.err = fmt.Sprintf("%v: %v", errNotAvailable, rep.err)
		}
		return
	}
	file, err := replay.Decode(rep.val)
	if err != nil {
		r.err = err.Error()
		return
	}
	play, err := file.Start()
	if err != nil {
		r.err = err.Error()
		return
	}
	scan, err := file.Start()
	if err != nil {
		r.err = err.Error()
		return
	}
	r.file, r.play, r.scan, r.playing = file, play, scan, true
	r.frame()
}

// ready reports whether the replay is loaded and playable.
func (r *Replay) ready() bool { return r != nil && r.play != nil && r.err == "" }

// step plays one tick; false at the end or on an error (the replay stops).
func (r *Replay) step() bool {
	err := r.play.Step()
	switch {
	case errors.Is(err, io.EOF):
		r.ended, r.playing, r.owed = true, false, 0
		return false
	case err != nil:
		r.fail(err, r.play)
		return false
	}
	return true
}

// seek plays towards the seek's target with at most budget steps, from
// the start again when the target is behind; it returns the budget left.
func (r *Replay) seek(budget int) int {
	if r.target < int64(r.play.World().Tick()) {
		p, err := r.file.Start()
		if err != nil {
			r.fail(err, r.play)
			return budget
		}
		r.play, r.ended = p, false
	}
	for ; budget > 0 && int64(r.play.World().Tick()) < r.target; budget-- {
		if !r.step() {
			break
		}
	}
	if r.err != "" || r.ended || int64(r.play.World().Tick()) >= r.target {
		r.target, r.owed = -1, 0
	}
	return budget
}

// measure plays the second playback ahead with at most budget steps, until
// it reaches the end: the replay's length. A replay that fails there fails
// now, before it is shown to that point.
func (r *Replay) measure(budget int) {
	for ; r.scan != nil && r.err == "" && budget > 0; budget-- {
		err := r.scan.Step()
		switch {
		case errors.Is(err, io.EOF):
			r.total = r.scan.World().Tick()
			r.scan = nil
		case err != nil:
			r.fail(err, r.scan)
		}
	}
}

// fail stops the replay with err, which p's Step returned.
func (r *Replay) fail(err error, p *replay.Playback) {
	r.playing, r.target = false, -1
	if errors.Is(err, replay.ErrCorrupt) {
		r.err = fmt.Sprintf("replay corrupt at tick %d", p.World().Tick())
		return
	}
	r.err = err.Error()
}

// frame builds what the screen draws from the world as played.
func (r *Replay) frame() {
	w := r.play.World()
	maxHealth := max(w.Rules().MaxHealth, 1)
	r.ships = r.ships[:0]
	for _, s := range w.Ships() {
		if s.Left {
			continue
		}
		x, y := WorldPos(s.Pos.X, s.Pos.Y)
		r.ships = append(r.ships, DrawShip{
			ID: uint32(s.ID), Team: uint32(s.Team), X: x, Y: y, Aim: uint32(s.Aim),
			Health: uint32(s.Health * 100 / maxHealth), Alive: s.Alive, Protected: s.Protected(),
			Highlight: uint32(s.ID) == r.follow,
		})
	}
	r.projectiles = r.projectiles[:0]
	for _, p := range w.Projectiles() {
		x, y := WorldPos(p.Pos.X, p.Pos.Y)
		r.projectiles = append(r.projectiles, DrawProjectile{Owner: uint32(p.Owner), Team: uint32(p.Team), X: x, Y: y})
	}
}

// MatchID is the match replayed.
func (r *Replay) MatchID() string { return r.matchID }

// Loading reports whether the replay file is still being fetched.
func (r *Replay) Loading() bool { return r.file == nil && r.err == "" }

// Error is why the replay cannot play on ("replay not available", "replay
// corrupt at tick 120", the version it is in), or "" while it can.
func (r *Replay) Error() string { return r.err }

// Tick is the tick shown: the ticks played from the start.
func (r *Replay) Tick() uint32 {
	if r.play == nil {
		return 0
	}
	return r.play.World().Tick()
}

// TotalTicks is the replay's length in ticks; 0 until measured.
func (r *Replay) TotalTicks() uint32 { return r.total }

// Elapsed is the match time shown; Total the replay's length (0 until
// measured).
func (r *Replay) Elapsed() time.Duration { return r.ticksTime(r.Tick()) }

// Total is the replay's length in match time; 0 until measured.
func (r *Replay) Total() time.Duration { return r.ticksTime(r.total) }

func (r *Replay) ticksTime(ticks uint32) time.Duration {
	if r.file == nil || r.file.TickRate <= 0 {
		return 0
	}
	return time.Duration(ticks) * time.Second / time.Duration(r.file.TickRate)
}

// Playing reports whether the replay plays (false while paused, at the
// end, and after an error).
func (r *Replay) Playing() bool { return r.playing }

// Seeking reports whether a seek is still playing towards its target.
func (r *Replay) Seeking() bool { return r.target >= 0 }

// Ended reports whether the replay was played to its end (and its last
// hash verified).
func (r *Replay) Ended() bool { return r.ended }

// Speed is the playback speed, 1 for real time.
func (r *Replay) Speed() float64 { return ReplaySpeeds[r.speed] }

// Follow is the ship the camera follows, 0 for the free camera.
func (r *Replay) Follow() uint32 { return r.follow }

// Mode is the match's mode name, "" until loaded.
func (r *Replay) Mode() string {
	if r.file == nil {
		return ""
	}
	return r.file.Mode.Name
}

// Map is the match's arena; the zero Map until loaded.
func (r *Replay) Map() game.Map {
	if r.file == nil {
		return game.Map{}
	}
	return r.file.Map
}

// Name is a ship's player name, "" when unknown.
func (r *Replay) Name(ship uint32) string {
	if r.file != nil {
		for _, p := range r.file.Players {
			if p.Ship == ship {
				return p.Name
			}
		}
	}
	return ""
}

// Ships are the ships as drawn now (not those that left), by id.
func (r *Replay) Ships() []DrawShip { return r.ships }

// Projectiles are the projectiles as drawn now.
func (r *Replay) Projectiles() []DrawProjectile { return r.projectiles }

// FollowedPos is where the followed ship is, in world units; ok is false
// with the free camera or when it left.
func (r *Replay) FollowedPos() (x, y float64, ok bool) { return highlighted(r.ships) }

// highlighted is where the highlighted ship of ships is; ok is false when
// none is.
func highlighted(ships []DrawShip) (x, y float64, ok bool) {
	for _, s := range ships {
		if s.Highlight {
			return s.X, s.Y, true
		}
	}
	return 0, 0, false
}

// Scores is the scoreboard as of the tick shown: every player, most kills
// first, then fewest deaths, then in the match's order.
func (r *Replay) Scores() []ReplayScore {
	if r.play == nil {
		return nil
	}
	var out []ReplayScore
	for i, p := range r.file.Players {
		s, _ := r.play.World().Ship(game.ShipID(p.Ship))
		out = append(out, ReplayScore{N: i + 1, Ship: p.Ship, Team: p.Team, Name: p.Name, Kills: s.Kills, Deaths: s.Deaths, Left: s.Left})
	}
	slices.SortStableFunc(out, func(a, b ReplayScore) int {
		switch {
		case a.Kills != b.Kills:
			return b.Kills - a.Kills
		case a.Deaths != b.Deaths:
			return a.Deaths - b.Deaths
		}
		return a.N - b.N
	})
	return out
}

// Centred is v zoomed by zoom about the world point (wx, wy), which it
// puts at the centre of the screen rectangle (x, y, w, h): the camera
// following a ship.
func (v Viewport) Centred(zoom, wx, wy, x, y, w, h float64) Viewport {
	s := v.Scale * zoom
	return Viewport{Scale: s, X0: x + w/2 - wx*s, Y0: y + h/2 - wy*s}
}
