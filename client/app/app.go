package app

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/arena-server/arena/game"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

// Screen is which screen the client shows.
type Screen int

// The screens, in the order a player meets them.
const (
	// ScreenName asks for a name and signs in.
	ScreenName Screen = iota
	// ScreenMenu offers to queue.
	ScreenMenu
	// ScreenQueue shows the wait, with cancel.
	ScreenQueue
	// ScreenMatch shows the arena, from MatchFound to MatchEnd.
	ScreenMatch
	// ScreenResults shows MatchEnd's table.
	ScreenResults
	// ScreenLeaderboard shows a mode's top players, from the menu.
	ScreenLeaderboard
	// ScreenReplay plays a finished match's replay, from its results or
	// the Watch screen.
	ScreenReplay
	// ScreenWatch lists the running matches to spectate and the player's
	// finished ones to replay, from the menu. Spectating a match shows it
	// on ScreenMatch.
	ScreenWatch
)

var screenNames = [...]string{"name", "menu", "queue", "match", "results", "leaderboard", "replay", "watch"}

// String returns the screen's short name, as the browser test reads it.
func (s Screen) String() string {
	if s < 0 || int(s) >= len(screenNames) {
		return fmt.Sprintf("screen(%d)", int(s))
	}
	return screenNames[s]
}

// Config configures an App. Its zero value is usable except for Dialer.
type Config struct {
	// Dialer signs in and connects; required.
	Dialer Dialer
	// Store keeps the session token between runs (the browser's
	// localStorage). Default: memory, which forgets it on exit.
	Store SessionStore
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Rand returns a number in [0, 1) to spread reconnect attempts. Default
	// math/rand/v2's Float64.
	Rand func() float64
	// Mode is the mode the menu selects first, and the only one it offers
	// when the server's list of modes cannot be had. Default "duel".
	Mode string
	// PingInterval is the time between pings while signed in. Default 1s.
	PingInterval time.Duration
	// NoticeTime is how long an error stays on screen. Default 5s.
	NoticeTime time.Duration
	// ReconnectMin is the wait before the first reconnect after a drop; it
	// doubles with each failed attempt up to ReconnectMax, ±25% at random.
	// Defaults 250ms and 4s.
	ReconnectMin, ReconnectMax time.Duration
	// ResumeWait is how long, after reconnecting from a match, the client
	// waits for the server to resend MatchStart before it concludes that
	// the match is gone. Default 3s.
	ResumeWait time.Duration
}

// withDefaults returns cfg with its zero fields set.
func (cfg Config) withDefaults() Config {
	if cfg.Store == nil {
		cfg.Store = &MemoryStore{}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Float64
	}
	if cfg.Mode == "" {
		cfg.Mode = "duel"
	}
	set := func(d *time.Duration, def time.Duration) {
		if *d <= 0 {
			*d = def
		}
	}
	set(&cfg.PingInterval, time.Second)
	set(&cfg.NoticeTime, 5*time.Second)
	set(&cfg.ReconnectMin, 250*time.Millisecond)
	set(&cfg.ReconnectMax, 4*time.Second)
	set(&cfg.ResumeWait, 3*time.Second)
	return cfg
}

// FeedLine is one kill in the kill feed.
type FeedLine struct {
	// Text says who killed whom.
	Text string
	// At is when the client learnt of it.
	At time.Time
}

// Kill feed limits.
const (
	feedSize = 5
	feedTime = 6 * time.Second
)

// App is the client's state machine. Every method must be called from one
// goroutine (Ebiten's Update); drawing code calls only the read methods.
type App struct {
	cfg Config
	now time.Time // the clock as of the last Update or action

	screen Screen
	conn   connection // the session with the server: link, token, reconnects
	name   string
	status string

	notice      string
	noticeUntil time.Time
	lastError   string

	modes   modePicker
	ladder  ladder
	queue   QueueInfo
	queueAt time.Time // when queue.Waited was last reported

	match   *Match
	results *Results
	replay  *Replay
	watch   watch
	chat    chatState
	feed    []FeedLine

	controls Controls
	seq      uint32
	dropped  int

	net netStats
}

// New returns an App on the name screen. With a session in cfg.Store, its
// first Update reconnects with that session's token, so a reloaded page
// skips the name screen (and resumes a match it was in).
func New(cfg Config) *App {
	cfg = cfg.withDefaults()
	a := &App{cfg: cfg, now: cfg.Now(), chat: newChatState()}
	if s, ok := cfg.Store.Load(); ok && s.Token != "" {
		a.conn.session, a.conn.haveSession = s, true
		a.name = s.Name
		a.conn.autoResume = true
	}
	return a
}

// Update drains what the network delivered, reconnects when it is time,
// takes the answers of HTTP reads and starts those the screen needs, then
// sends what is due: a ping, and the match inputs of the ticks that passed.
// Call it once per frame.
func (a *App) Update() {
	a.now = a.cfg.Now()
	a.net.frame(a.now)
	a.updateConnection()
	a.updateModes()
	a.updateLadder()
	a.updateReplay()
	a.updateWatch()
	defer a.frame()
	if a.conn.link == nil || !a.conn.signedIn {
		return
	}
	if !a.now.Before(a.net.nextPing) {
		a.send(&arenav1.ClientMessage{Body: &arenav1.ClientMessage_Ping{
			Ping: &arenav1.Ping{ClientTimeUs: a.now.UnixMicro()},
		}})
		a.net.nextPing = a.now.Add(a.cfg.PingInterval)
	}
	if a.screen == ScreenMatch && a.match.Started() && !a.conn.resuming && a.match.Phase() != game.PhaseEnded && !a.match.Spectator() {
		a.sendInputs()
	}
}

// Screen is the current screen.
func (a *App) Screen() Screen { return a.screen }

// Now is the App's clock as of the last Update.
func (a *App) Now() time.Time { return a.now }

// Status is a line about the connection ("Connecting…", "Reconnecting…"),
// or "" when there is nothing to say.
func (a *App) Status() string { return a.status }

// Name is the player's name as the server accepted it (or as stored, until
// the server confirms it).
func (a *App) Name() string { return a.name }

// PlayerID is the player's id, once signed in.
func (a *App) PlayerID() string { return a.conn.playerID }

// Notice is the error to show now, or "" when none is recent.
func (a *App) Notice() string {
	if a.now.Before(a.noticeUntil) {
		return a.notice
	}
	return ""
}

// LastError is the most recent error, however old.
func (a *App) LastError() string { return a.lastError }

// Match is the current match, or nil outside the match screen.
func (a *App) Match() *Match { return a.match }

// Results is the last match's results, or nil.
func (a *App) Results() *Results { return a.results }

// Feed returns the recent kills, oldest first.
func (a *App) Feed() []FeedLine {
	i := 0
	for i < len(a.feed) && a.now.Sub(a.feed[i].At) > feedTime {
		i++
	}
	return a.feed[i:]
}

// InputSeq is the sequence number of the last input sent.
func (a *App) InputSeq() uint32 { return a.seq }

// SetControls sets what the player holds now; Update sends it each tick.
func (a *App) SetControls(c Controls) { a.controls = c }

// send queues m; a full queue, or no connection, is reported as false (and
// as an error on screen, except for inputs and pings).
func (a *App) send(m *arenav1.ClientMessage) bool {
	_, quiet := m.GetBody().(*arenav1.ClientMessage_Input)
	if _, ping := m.GetBody().(*arenav1.ClientMessage_Ping); ping {
		quiet = true
	}
	if a.conn.link == nil || !a.conn.signedIn {
		if !quiet {
			a.fail("not connected")
		}
		return false
	}
	if !a.conn.link.send(m) {
		a.dropped++
		if !quiet {
			a.fail("network busy: message not sent")
		}
		return false
	}
	a.net.sent(m, a.now)
	return true
}

// fail shows msg for a while and remembers it as the last error.
func (a *App) fail(msg string) {
	a.notice, a.lastError = msg, msg
	a.noticeUntil = a.now.Add(a.cfg.NoticeTime)
}

// handleMessage applies one server message, e.msg, which arrived at e.at.
func (a *App) handleMessage(e event) {
	m, at := e.msg, e.at
	switch b := m.GetBody().(type) {
	case *arenav1.ServerMessage_Authenticated:
		a.authenticated(b.Authenticated)
	case *arenav1.ServerMessage_QueueStatus:
		a.handleQueueStatus(b.QueueStatus)
	case *arenav1.ServerMessage_MatchFound:
		a.matchFound(b.MatchFound)
	case *arenav1.ServerMessage_MatchStart:
		a.handleMatchStart(b.MatchStart)
	case *arenav1.ServerMessage_Snapshot:
		a.handleSnapshot(b.Snapshot, e.view, e.viewErr, at)
	case *arenav1.ServerMessage_MatchEnd:
		a.handleMatchEnd(b.MatchEnd)
	case *arenav1.ServerMessage_ChatMessage:
		a.handleChat(b.ChatMessage)
	case *arenav1.ServerMessage_Pong:
		a.net.pong(b.Pong, at)
	case *arenav1.ServerMessage_Error:
		a.handleError(b.Error)
	}
}

// matchFound opens the match screen; when the match runs on another node it
// also moves the connection there (see moveTo), and the node's MatchStart
// follows on the new connection.
func (a *App) matchFound(f *arenav1.MatchFound) {
	a.enterMatch(f.GetMatchId(), f.GetMode())
	if node := f.GetNodeUrl(); node != "" {
		a.moveTo(node, f.GetSeatTicket())
	}
}

func (a *App) handleError(e *arenav1.Error) {
	switch e.GetCode() {
	case arenav1.ErrorCode_ERROR_CODE_NOT_IN_MATCH:
		if a.screen != ScreenMatch || a.conn.resuming {
			// Inputs sent before the client learnt that its match ended: stale, not news.
			return
		}
	case arenav1.ErrorCode_ERROR_CODE_UNAUTHENTICATED:
		// The connection ends next; lost decides what to do from this.
		a.conn.refusal = e.GetMessage()
		a.conn.replaced = a.conn.signedIn
		return
	}
	code := strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(e.GetCode().String(), "ERROR_CODE_")), "_", " ")
	text := code
	if msg := e.GetMessage(); msg != "" {
		text = code + ": " + msg
	}
	a.fail(text)
	switch e.GetCode() {
	case arenav1.ErrorCode_ERROR_CODE_RATE_LIMITED, arenav1.ErrorCode_ERROR_CODE_INVALID_CHAT:
		a.chat.local(a.screen, text)
	case arenav1.ErrorCode_ERROR_CODE_UNKNOWN_MODE, arenav1.ErrorCode_ERROR_CODE_SHUTTING_DOWN:
		if a.screen == ScreenQueue {
			a.screen = ScreenMenu
		}
	case arenav1.ErrorCode_ERROR_CODE_UNKNOWN_MATCH:
		if a.screen == ScreenWatch {
			a.watch.joining = ""
			a.watch.next = time.Time{} // the match is likely over: read the list again
		}
	case arenav1.ErrorCode_ERROR_CODE_MATCH_ABORTED:
		if a.screen == ScreenMatch {
			a.leaveMatch(ScreenMenu)
		}
	}
}
