package app

import (
	"math"
	"time"

	"github.com/arena-server/arena/game"
)

// Probe is the client's state as the browser test reads it (as JSON in the
// page's window.arenaState). It is a read-only summary; nothing reads it back.
type Probe struct {
	// Screen is the current screen's name ("name", "menu", "queue", "match",
	// "results", "leaderboard", "replay", "watch"); a watched match is on
	// "match", with Spectator set.
	Screen string `json:"screen"`
	// Name is the player's accepted name.
	Name string `json:"name,omitempty"`
	// PlayerID is the player's id once signed in.
	PlayerID string `json:"playerId,omitempty"`
	// Status is the connection's status line ("Reconnecting…"), if any.
	Status string `json:"status,omitempty"`
	// Online is true while the connection is up and authenticated.
	Online bool `json:"online"`
	// Reconnecting is true while the client gets a dropped connection back.
	Reconnecting bool `json:"reconnecting,omitempty"`
	// Resuming is true after a reconnect from a match, until it resumes.
	Resuming bool `json:"resuming,omitempty"`
	// Node is the websocket URL of the cluster node the client is on, ""
	// for the server that served the page.
	Node string `json:"node,omitempty"`
	// Moving is true from a MatchFound naming another node until that node
	// accepts the player.
	Moving bool `json:"moving,omitempty"`
	// StoredName is the name of the session the client keeps, if any.
	StoredName string `json:"storedName,omitempty"`
	// Mode is the mode of the screen: on the menu and the leaderboard the
	// selected one, in the queue the one queued for, in a match (and on its
	// results) the match's.
	Mode string `json:"mode,omitempty"`
	// SelectedMode is the mode the menu queues for.
	SelectedMode string `json:"selectedMode"`
	// Modes are the modes the menu offers, in order.
	Modes []ProbeMode `json:"modes"`
	// ModesState is where they come from: "loading", "loaded" (the
	// server's list) or "fallback" (Config.Mode alone).
	ModesState string `json:"modesState"`
	// RatingLine is the player's rating in the selected mode as the menu
	// shows it ("duel rating: 1234"), on the menu.
	RatingLine string `json:"ratingLine,omitempty"`
	// Leaderboard is what the leaderboard screen shows, on that screen.
	Leaderboard *ProbeLeaderboard `json:"leaderboard,omitempty"`
	// Replay is what the replay screen shows, on that screen.
	Replay *ProbeReplay `json:"replay,omitempty"`
	// Watch is what the Watch screen shows, on that screen.
	Watch *ProbeWatch `json:"watch,omitempty"`
	// Spectator is true while the match on show is watched, not played.
	Spectator bool `json:"spectator,omitempty"`
	// DelayTicks is how many ticks behind the match a spectator sees it.
	DelayTicks uint32 `json:"delayTicks,omitempty"`
	// Follow is the name of the player a spectator's camera follows, ""
	// for the free camera.
	Follow string `json:"follow,omitempty"`
	// MatchID is the current match, or the last one on the results screen.
	MatchID string `json:"matchId,omitempty"`
	// Phase is the match phase ("countdown", "playing", "ended"), once a
	// snapshot arrived.
	Phase string `json:"phase,omitempty"`
	// Tick is the newest snapshot's tick.
	Tick uint32 `json:"tick,omitempty"`
	// ShipID is the player's own ship id.
	ShipID uint32 `json:"shipId,omitempty"`
	// Team is the player's own team (from 1) in the match, from MatchStart.
	Team uint32 `json:"team,omitempty"`
	// TeamPlay is true in a match with a team chat channel.
	TeamPlay bool `json:"teamPlay,omitempty"`
	// X and Y are the own ship's position in world units, as drawn
	// (predicted); Ships has the server's.
	X float64 `json:"x"`
	Y float64 `json:"y"`
	// Shots is how many shots (by anyone) this match's snapshots reported.
	Shots int `json:"shots"`
	// Ships are every ship of the newest snapshot, as the server sent them.
	Ships []ProbeShip `json:"ships"`
	// Chat is the chat log the screen shows (the match's, or the lobby's),
	// oldest first; each line has its channel ("match", "team", "spectators", "lobby")
	// and, in a match, its sender's team.
	Chat []ChatLine `json:"chat"`
	// ChatChannel is where a line typed now goes: "match", "team" or "lobby".
	ChatChannel string `json:"chatChannel"`
	// ChatOpen is true while the chat line is open.
	ChatOpen bool `json:"chatOpen"`
	// ChatDraft is the chat line being typed.
	ChatDraft string `json:"chatDraft"`
	// Results is the results table on the results screen.
	Results []ProbeResult `json:"results,omitempty"`
	// QueueWaitedMs is the time waited in the queue.
	QueueWaitedMs int64 `json:"queueWaitedMs,omitempty"`
	// QueuePlayers is the number of players queued, as the server said.
	QueuePlayers uint32 `json:"queuePlayers,omitempty"`
	// PingMs is the last round-trip time, -1 before the first.
	PingMs float64 `json:"pingMs"`
	// InputSeq is the last input sequence number sent.
	InputSeq uint32 `json:"inputSeq"`
	// AckSeq is the last input sequence the server applied (Snapshot.ack_seq).
	AckSeq uint32 `json:"ackSeq"`
	// Pending is the number of inputs sent and not yet acknowledged.
	Pending int `json:"pending"`
	// Corrections counts the snapshots that corrected the prediction.
	Corrections int `json:"corrections"`
	// Frames is how many frames were drawn.
	Frames int64 `json:"frames"`
	// FrameStats is the client's cost per frame over its last frames, as
	// the net graph shows it; the UI sets it.
	FrameStats *ProbeFrames `json:"frameStats,omitempty"`
	// DrawnScreens are the screens drawn since the page loaded, in order,
	// each once per stretch on show ("name", "match"): a screen shown for a
	// single frame is in it. The UI sets it; it keeps the last
	// DrawnScreensKept.
	DrawnScreens []string `json:"drawnScreens,omitempty"`
	// Error is the most recent error shown.
	Error string `json:"error"`
}

// DrawnScreensKept is how many stretches of screens Probe.DrawnScreens keeps.
const DrawnScreensKept = 32

// ProbeFrames is the client's cost per frame in a Probe: FrameStats in
// milliseconds.
type ProbeFrames struct {
	Frames         int     `json:"frames"`
	FPS            float64 `json:"fps"`
	UpdateMedianMs float64 `json:"updateMedianMs"`
	UpdateP95Ms    float64 `json:"updateP95Ms"`
	DrawMedianMs   float64 `json:"drawMedianMs"`
	DrawP95Ms      float64 `json:"drawP95Ms"`
}

// Probe returns s as a Probe's figures.
func (s FrameStats) Probe() *ProbeFrames {
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	return &ProbeFrames{
		Frames: s.Frames, FPS: math.Round(s.FPS*10) / 10,
		UpdateMedianMs: ms(s.UpdateMedian), UpdateP95Ms: ms(s.UpdateP95),
		DrawMedianMs: ms(s.DrawMedian), DrawP95Ms: ms(s.DrawP95),
	}
}

// ProbeMode is one mode the menu offers, in a Probe.
type ProbeMode struct {
	// Name is the mode's name, Label what the menu shows ("teams · 2v2").
	Name  string `json:"name"`
	Label string `json:"label"`
}

// ProbeShip is one ship in a Probe.
type ProbeShip struct {
	// ID is the ship id.
	ID uint32 `json:"id"`
	// Name is the player's name.
	Name string `json:"name"`
	// Team is the ship's team, from 1.
	Team uint32 `json:"team"`
	// X and Y are the position in world units.
	X float64 `json:"x"`
	Y float64 `json:"y"`
	// Aim is the wire angle, 0..65535 (16384 points up the screen).
	Aim uint32 `json:"aim"`
	// Health is 0..100.
	Health uint32 `json:"health"`
	// Alive is false while waiting to respawn.
	Alive bool `json:"alive"`
	// Kills and Deaths so far.
	Kills  uint32 `json:"kills"`
	Deaths uint32 `json:"deaths"`
}

// ProbeResult is one row of the results table in a Probe.
type ProbeResult struct {
	// Placement is 1 for the winner; ties share one.
	Placement uint32 `json:"placement"`
	// Name is the player's name.
	Name string `json:"name"`
	// Kills and Deaths in the match.
	Kills  uint32 `json:"kills"`
	Deaths uint32 `json:"deaths"`
	// Rating is the displayed rating after the match, RatingChange its
	// change; both 0 while PlacementMatchesLeft is above 0.
	Rating       int32 `json:"rating"`
	RatingChange int32 `json:"ratingChange"`
	// PlacementMatchesLeft is how many placement matches the player has
	// still to play in the mode before a rating is shown.
	PlacementMatchesLeft uint32 `json:"placementMatchesLeft"`
}

// ProbeLeaderboard is the leaderboard screen in a Probe.
type ProbeLeaderboard struct {
	// Mode is the mode ranked.
	Mode string `json:"mode"`
	// State is how far its read got: "loading", "loaded" or "failed";
	// Error says why it failed.
	State string `json:"state"`
	Error string `json:"error,omitempty"`
	// Rows are the players shown, best first.
	Rows []ProbeRank `json:"rows"`
	// You is the player's own standing, once loaded.
	You *ProbeStanding `json:"you,omitempty"`
}

// ProbeRank is one row of the leaderboard in a Probe.
type ProbeRank struct {
	Rank    int    `json:"rank"`
	Name    string `json:"name"`
	Rating  int    `json:"rating"`
	Matches int    `json:"matches"`
	// You marks the player's own row.
	You bool `json:"you,omitempty"`
}

// ProbeStanding is the player's own standing under the leaderboard.
type ProbeStanding struct {
	// Rank is the place, 0 while placing; Rating is null while placing.
	Rank   int  `json:"rank"`
	Rating *int `json:"rating"`
	// Matches played in the mode, and PlacementLeft the placement matches
	// still to play.
	Matches       int `json:"matches"`
	PlacementLeft int `json:"placementLeft"`
	// Line is the line the screen shows ("you: #57, 1234").
	Line string `json:"line"`
}

// ProbeReplay is the replay screen in a Probe.
type ProbeReplay struct {
	// MatchID is the match replayed.
	MatchID string `json:"matchId"`
	// Loading is true while the replay file is fetched.
	Loading bool `json:"loading,omitempty"`
	// Tick is the tick shown; TotalTicks the replay's length, 0 until
	// measured.
	Tick       uint32 `json:"tick"`
	TotalTicks uint32 `json:"totalTicks"`
	// Playing is false while paused, at the end and after an error.
	Playing bool `json:"playing"`
	// Speed is the playback speed, 1 for real time.
	Speed float64 `json:"speed"`
	// Follow is the name of the player the camera follows, "" for the free
	// camera.
	Follow string `json:"follow"`
	// Ended is true once the replay was played to its end.
	Ended bool `json:"ended"`
	// Error is why it cannot play on ("replay corrupt at tick 120").
	Error string `json:"error,omitempty"`
	// Scores is the scoreboard as of Tick, best first.
	Scores []ProbeScore `json:"scores"`
}

// ProbeWatch is the Watch screen in a Probe.
type ProbeWatch struct {
	// Loaded is true once the live list arrived; Error says why the last
	// read failed.
	Loaded bool   `json:"loaded"`
	Error  string `json:"error,omitempty"`
	// Live are the running matches, oldest first.
	Live []ProbeLiveMatch `json:"live"`
	// Finished are the ids of the player's finished matches, newest first.
	Finished []string `json:"finished"`
	// Selected is the selected row: Live's, then Finished's.
	Selected int `json:"selected"`
	// Joining is the match asked to spectate, until the server answers.
	Joining string `json:"joining,omitempty"`
}

// ProbeLiveMatch is one running match on the Watch screen, in a Probe.
type ProbeLiveMatch struct {
	MatchID  string   `json:"matchId"`
	Mode     string   `json:"mode"`
	Players  []string `json:"players"`
	ElapsedS float64  `json:"elapsedS"`
}

// ProbeScore is one line of the replay's scoreboard in a Probe.
type ProbeScore struct {
	Name   string `json:"name"`
	Kills  int    `json:"kills"`
	Deaths int    `json:"deaths"`
}

// Probe summarises the App for the browser test; frames is the number of
// frames the UI has drawn.
func (a *App) Probe(frames int64) Probe {
	p := Probe{
		Screen:       a.screen.String(),
		Name:         a.name,
		PlayerID:     a.conn.playerID,
		Status:       a.status,
		Online:       a.conn.signedIn,
		Reconnecting: a.conn.reconnecting,
		Resuming:     a.conn.resuming,
		Node:         a.conn.node,
		Moving:       a.conn.moving,
		StoredName:   a.StoredName(),
		PingMs:       -1,
		Corrections:  a.net.corrections,
		InputSeq:     a.seq,
		Frames:       frames,
		Error:        a.lastError,
		Ships:        []ProbeShip{},
		Chat:         append([]ChatLine{}, a.Chat().Last(ChatLogSize)...),
		ChatChannel:  channelName(a.ChatChannel()),
		ChatOpen:     a.chat.open,
		ChatDraft:    a.chat.draft.Text(),
		SelectedMode: a.SelectedMode().Name,
		ModesState:   a.modes.state.String(),
	}
	for _, m := range a.Modes() {
		p.Modes = append(p.Modes, ProbeMode{Name: m.Name, Label: ModeLabel(m)})
	}
	switch a.screen {
	case ScreenMenu:
		p.Mode = p.SelectedMode
		p.RatingLine = a.RatingLine()
	case ScreenLeaderboard:
		p.Mode = p.SelectedMode
		p.Leaderboard = a.probeLeaderboard()
	case ScreenQueue:
		p.Mode = a.queue.Mode
	case ScreenReplay:
		p.MatchID = a.replay.MatchID()
		p.Mode = a.replay.Mode()
		p.Replay = a.probeReplay()
	case ScreenWatch:
		p.Watch = a.probeWatch()
	}
	if rtt, ok := a.Ping(); ok {
		p.PingMs = float64(rtt.Microseconds()) / 1000
	}
	if a.screen == ScreenQueue {
		q := a.Queue()
		p.QueueWaitedMs, p.QueuePlayers = q.Waited.Milliseconds(), q.Players
	}
	if m := a.match; m != nil {
		p.MatchID = m.ID
		p.Mode = m.Mode
		p.Shots = m.Shots
		p.Pending = m.Pending()
		if m.Started() {
			p.ShipID = m.OwnID()
			p.Team = m.OwnTeam()
			p.TeamPlay = m.TeamPlay()
			p.X, p.Y = m.OwnPos()
			p.Spectator = m.Spectator()
			p.DelayTicks = m.Start.GetDelayTicks()
			p.Follow = m.Name(m.Follow())
		}
		if v := m.View; v != nil {
			p.Phase = v.Phase.String()
			p.Tick = v.Tick
			p.AckSeq = v.Ack
			for _, s := range v.Ships {
				x, y := WorldPos(s.Pos.X, s.Pos.Y)
				p.Ships = append(p.Ships, ProbeShip{
					ID: uint32(s.ID), Name: m.Name(uint32(s.ID)), Team: uint32(s.Team), X: x, Y: y, Aim: uint32(s.Aim),
					Health: uint32(s.Health), Alive: s.Alive, Kills: uint32(s.Kills), Deaths: uint32(s.Deaths),
				})
			}
		}
	}
	if r := a.results; r != nil && a.screen == ScreenResults {
		p.MatchID = r.MatchID
		p.Mode = r.Mode
		p.Phase = game.PhaseEnded.String()
		for _, row := range r.Rows {
			p.Results = append(p.Results, ProbeResult{
				Placement: row.GetPlacement(), Name: row.GetName(), Kills: row.GetKills(), Deaths: row.GetDeaths(),
				Rating: row.GetRating(), RatingChange: row.GetRatingChange(), PlacementMatchesLeft: row.GetPlacementMatchesLeft(),
			})
		}
	}
	return p
}

// probeLeaderboard summarises the leaderboard screen.
func (a *App) probeLeaderboard() *ProbeLeaderboard {
	v := a.Leaderboard()
	p := &ProbeLeaderboard{Mode: v.Mode, State: v.State.String(), Error: v.Error, Rows: []ProbeRank{}}
	for _, e := range v.Rows {
		p.Rows = append(p.Rows, ProbeRank{Rank: e.Rank, Name: e.Name, Rating: e.Rating, Matches: e.Matches, You: e.PlayerID == a.conn.playerID})
	}
	if s := v.You; s != nil {
		p.You = &ProbeStanding{Rank: s.Rank, Rating: s.Rating, Matches: s.Matches, PlacementLeft: s.PlacementMatchesLeft, Line: v.YouLine()}
	}
	return p
}

// probeReplay summarises the replay screen.
func (a *App) probeReplay() *ProbeReplay {
	r := a.replay
	p := &ProbeReplay{
		MatchID: r.MatchID(), Loading: r.Loading(), Tick: r.Tick(), TotalTicks: r.TotalTicks(), Playing: r.Playing(),
		Speed: r.Speed(), Follow: r.Name(r.Follow()), Ended: r.Ended(), Error: r.Error(), Scores: []ProbeScore{},
	}
	for _, s := range r.Scores() {
		p.Scores = append(p.Scores, ProbeScore{Name: s.Name, Kills: s.Kills, Deaths: s.Deaths})
	}
	return p
}

// probeWatch summarises the Watch screen.
func (a *App) probeWatch() *ProbeWatch {
	w := a.WatchList()
	p := &ProbeWatch{Loaded: w.Loaded, Error: w.Error, Live: []ProbeLiveMatch{}, Finished: []string{}, Selected: w.Selected, Joining: w.Joining}
	for _, m := range w.Live {
		l := ProbeLiveMatch{MatchID: m.MatchID, Mode: m.Mode, Players: []string{}, ElapsedS: m.ElapsedS}
		for _, pl := range m.Players {
			l.Players = append(l.Players, pl.Name)
		}
		p.Live = append(p.Live, l)
	}
	for _, m := range w.Finished {
		p.Finished = append(p.Finished, m.MatchID)
	}
	return p
}
