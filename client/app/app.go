package app

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/arena-server/arena/netcode/transport"
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
)

var screenNames = [...]string{"name", "menu", "queue", "match", "results"}

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
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Mode is the mode the menu queues for. Default "duel".
	Mode string
	// PingInterval is the time between pings while signed in. Default 2s.
	PingInterval time.Duration
	// NoticeTime is how long an error stays on screen. Default 5s.
	NoticeTime time.Duration
}

// QueueInfo is where the player stands in the queue.
type QueueInfo struct {
	// Mode is the mode queued for.
	Mode string
	// Waited is the time waited so far, as of the App's last Update.
	Waited time.Duration
	// Players is the number of players in the queue, when the server said.
	Players uint32
	// Confirmed is true once the server has reported the player queued.
	Confirmed bool
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

	screen     Screen
	link       *link
	connecting bool
	signedIn   bool
	playerID   string
	name       string
	status     string

	notice      string
	noticeUntil time.Time
	lastError   string

	queue   QueueInfo
	queueAt time.Time // when queue.Waited was last reported

	match    *Match
	results  *Results
	chat     ChatLog
	chatOpen bool
	draft    LineEditor
	feed     []FeedLine

	controls Controls
	seq      uint32
	pacer    pacer
	dropped  int

	ping     time.Duration
	havePing bool
	nextPing time.Time
}

// New returns an App on the name screen.
func New(cfg Config) *App {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Mode == "" {
		cfg.Mode = "duel"
	}
	if cfg.PingInterval <= 0 {
		cfg.PingInterval = 2 * time.Second
	}
	if cfg.NoticeTime <= 0 {
		cfg.NoticeTime = 5 * time.Second
	}
	return &App{cfg: cfg, now: cfg.Now(), draft: LineEditor{Max: ChatMaxRunes}}
}

// Update drains what the network delivered, then sends what is due: a ping,
// and the match inputs of the ticks that passed. Call it once per frame.
func (a *App) Update() {
	a.now = a.cfg.Now()
	a.drain()
	if a.link == nil || !a.signedIn {
		return
	}
	if !a.now.Before(a.nextPing) {
		a.send(&arenav1.ClientMessage{Body: &arenav1.ClientMessage_Ping{
			Ping: &arenav1.Ping{ClientTimeUs: a.now.UnixMicro()},
		}})
		a.nextPing = a.now.Add(a.cfg.PingInterval)
	}
	if a.screen == ScreenMatch && a.match.Started() && a.match.Phase() != arenav1.MatchPhase_MATCH_PHASE_ENDED {
		for range a.pacer.due(a.now) {
			a.sendInput()
		}
	}
}

// drain handles the events waiting from the network, at most inboundQueue.
func (a *App) drain() {
	for range inboundQueue {
		if a.link == nil {
			return
		}
		select {
		case e := <-a.link.events:
			a.handleEvent(e)
		default:
			return
		}
	}
}

// Close ends the network session, if any, and returns to the name screen.
func (a *App) Close() {
	if a.link != nil {
		a.link.close()
		a.link = nil
	}
	a.connecting, a.signedIn = false, false
	a.match = nil
	a.CancelChat()
	a.screen = ScreenName
}

// SubmitName signs in under name (on the name screen, when not already
// connecting). The server decides whether the name is valid.
func (a *App) SubmitName(name string) {
	if a.screen != ScreenName || a.connecting {
		return
	}
	name = strings.TrimSpace(name)
	if name == "" {
		a.fail("type a name first")
		return
	}
	a.notice = ""
	a.link = startLink(a.cfg.Dialer, name, a.cfg.Now)
	a.connecting = true
	a.status = "Connecting…"
}

// QueueDuel joins the queue of the configured mode (from the menu).
func (a *App) QueueDuel() {
	if a.screen != ScreenMenu || !a.signedIn {
		return
	}
	a.send(&arenav1.ClientMessage{Body: &arenav1.ClientMessage_QueueJoin{
		QueueJoin: &arenav1.QueueJoin{Mode: a.cfg.Mode},
	}})
	a.screen = ScreenQueue
	a.queue = QueueInfo{Mode: a.cfg.Mode}
	a.queueAt = a.now
}

// CancelQueue leaves the queue and returns to the menu. If the server has
// already matched the player, its MatchFound wins and the match screen opens.
func (a *App) CancelQueue() {
	if a.screen != ScreenQueue {
		return
	}
	a.send(&arenav1.ClientMessage{Body: &arenav1.ClientMessage_QueueLeave{QueueLeave: &arenav1.QueueLeave{}}})
	a.screen = ScreenMenu
}

// BackToMenu leaves the results screen.
func (a *App) BackToMenu() {
	if a.screen != ScreenResults {
		return
	}
	a.screen = ScreenMenu
}

// OpenChat opens the chat line (in a match), empty.
func (a *App) OpenChat() {
	if a.screen != ScreenMatch {
		return
	}
	a.chatOpen = true
	a.draft.Clear()
}

// CancelChat closes the chat line without sending it.
func (a *App) CancelChat() {
	a.chatOpen = false
	a.draft.Clear()
}

// SubmitChat sends the chat line, if it is not blank, and closes it.
func (a *App) SubmitChat() {
	if !a.chatOpen {
		return
	}
	a.SendChat(a.draft.Text())
	a.CancelChat()
}

// ChatOpen reports whether the chat line is open; while it is, the UI types
// into ChatDraft and the controls hold still.
func (a *App) ChatOpen() bool { return a.chatOpen }

// ChatDraft is the chat line being typed.
func (a *App) ChatDraft() *LineEditor { return &a.draft }

// SendChat posts text to the match chat. It reports whether a line was sent
// (not when the text is blank, too long, or the player is not in a match).
func (a *App) SendChat(text string) bool {
	text = strings.TrimSpace(text)
	if a.screen != ScreenMatch || !a.signedIn || text == "" {
		return false
	}
	if len([]rune(text)) > ChatMaxRunes {
		a.fail(fmt.Sprintf("chat lines are at most %d characters", ChatMaxRunes))
		return false
	}
	return a.send(&arenav1.ClientMessage{Body: &arenav1.ClientMessage_ChatSend{
		ChatSend: &arenav1.ChatSend{Channel: arenav1.ChatChannel_CHAT_CHANNEL_MATCH, Text: text},
	}})
}

// SetControls sets what the player holds now; Update sends it each tick.
func (a *App) SetControls(c Controls) { a.controls = c }

// Screen is the current screen.
func (a *App) Screen() Screen { return a.screen }

// Connecting reports whether a sign-in is under way.
func (a *App) Connecting() bool { return a.connecting }

// Status is a line about the connection for the name screen ("Connecting…").
func (a *App) Status() string { return a.status }

// Name is the player's name as the server accepted it.
func (a *App) Name() string { return a.name }

// PlayerID is the player's id, once signed in.
func (a *App) PlayerID() string { return a.playerID }

// Notice is the error to show now, or "" when none is recent.
func (a *App) Notice() string {
	if a.now.Before(a.noticeUntil) {
		return a.notice
	}
	return ""
}

// LastError is the most recent error, however old.
func (a *App) LastError() string { return a.lastError }

// Queue is where the player stands in the queue.
func (a *App) Queue() QueueInfo {
	q := a.queue
	q.Waited += a.now.Sub(a.queueAt)
	return q
}

// Match is the current match, or nil outside the match screen.
func (a *App) Match() *Match { return a.match }

// Results is the last match's results, or nil.
func (a *App) Results() *Results { return a.results }

// Chat is the chat log of the current (or last) match.
func (a *App) Chat() *ChatLog { return &a.chat }

// Feed returns the recent kills, oldest first.
func (a *App) Feed() []FeedLine {
	i := 0
	for i < len(a.feed) && a.now.Sub(a.feed[i].At) > feedTime {
		i++
	}
	return a.feed[i:]
}

// Ping is the last measured round-trip time; ok is false before the first.
func (a *App) Ping() (rtt time.Duration, ok bool) { return a.ping, a.havePing }

// InputSeq is the sequence number of the last input sent.
func (a *App) InputSeq() uint32 { return a.seq }

// send queues m; a full queue is reported as an error and false.
func (a *App) send(m *arenav1.ClientMessage) bool {
	if a.link == nil {
		return false
	}
	if !a.link.send(m) {
		a.dropped++
		if _, isInput := m.GetBody().(*arenav1.ClientMessage_Input); !isInput {
			a.fail("network busy: message not sent")
		}
		return false
	}
	return true
}

func (a *App) sendInput() {
	a.seq++
	a.send(&arenav1.ClientMessage{Body: &arenav1.ClientMessage_Input{Input: &arenav1.Input{
		Seq: a.seq, Buttons: a.controls.Buttons, Aim: a.controls.Aim % 65536,
	}}})
}

// fail shows msg for a while and remembers it as the last error.
func (a *App) fail(msg string) {
	a.notice, a.lastError = msg, msg
	a.noticeUntil = a.now.Add(a.cfg.NoticeTime)
}

func (a *App) handleEvent(e event) {
	switch {
	case e.session != nil:
		a.status = "Signing in…"
		a.name, a.playerID = e.session.Name, e.session.PlayerID
	case e.msg != nil:
		a.handleMessage(e.msg, e.at)
	default:
		a.lost(e.err)
	}
}

// lost handles the end of the network session: back to the name screen.
func (a *App) lost(err error) {
	was := a.signedIn
	a.Close()
	a.status = ""
	var se *transport.SignInError
	switch {
	case errors.As(err, &se) && se.Status == http.StatusBadRequest:
		a.fail("name refused: " + se.Message)
	case errors.As(err, &se):
		a.fail("sign in failed: " + se.Message)
	case was:
		a.fail(fmt.Sprintf("connection lost: %v", err))
	default:
		a.fail(fmt.Sprintf("could not connect: %v", err))
	}
}

// handleMessage applies one server message; at is when it arrived.
func (a *App) handleMessage(m *arenav1.ServerMessage, at time.Time) {
	switch b := m.GetBody().(type) {
	case *arenav1.ServerMessage_Authenticated:
		a.signedIn, a.connecting = true, false
		a.status = ""
		a.name, a.playerID = b.Authenticated.GetName(), b.Authenticated.GetPlayerId()
		a.nextPing = a.now
		if a.screen == ScreenName {
			a.screen = ScreenMenu
		}
	case *arenav1.ServerMessage_QueueStatus:
		a.handleQueueStatus(b.QueueStatus)
	case *arenav1.ServerMessage_MatchFound:
		a.enterMatch(b.MatchFound.GetMatchId(), b.MatchFound.GetMode())
	case *arenav1.ServerMessage_MatchStart:
		a.handleMatchStart(b.MatchStart)
	case *arenav1.ServerMessage_Snapshot:
		a.handleSnapshot(b.Snapshot)
	case *arenav1.ServerMessage_MatchEnd:
		a.results = &Results{
			MatchID: b.MatchEnd.GetMatchId(),
			Reason:  b.MatchEnd.GetReason(),
			Rows:    b.MatchEnd.GetResults(),
			You:     a.playerID,
		}
		a.match = nil
		a.CancelChat()
		a.screen = ScreenResults
	case *arenav1.ServerMessage_ChatMessage:
		c := b.ChatMessage
		a.chat.Add(ChatLine{From: c.GetSenderName(), Text: c.GetText(), Team: c.GetSenderTeam(), System: c.GetSystem()})
	case *arenav1.ServerMessage_Pong:
		if rtt := at.Sub(time.UnixMicro(b.Pong.GetClientTimeUs())); rtt >= 0 {
			a.ping, a.havePing = rtt, true
		}
	case *arenav1.ServerMessage_Error:
		a.handleError(b.Error)
	}
}

func (a *App) handleQueueStatus(q *arenav1.QueueStatus) {
	switch q.GetState() {
	case arenav1.QueueState_QUEUE_STATE_QUEUED:
		if a.screen != ScreenMenu && a.screen != ScreenQueue {
			return
		}
		a.screen = ScreenQueue
		a.queue = QueueInfo{
			Mode:      q.GetMode(),
			Waited:    time.Duration(q.GetWaitedMs()) * time.Millisecond,
			Players:   q.GetPlayersQueued(),
			Confirmed: true,
		}
		a.queueAt = a.now
	case arenav1.QueueState_QUEUE_STATE_LEFT:
		if a.screen == ScreenQueue {
			a.screen = ScreenMenu
		}
	}
}

// enterMatch opens the match screen for a new match.
func (a *App) enterMatch(id, mode string) {
	a.match = &Match{ID: id, Mode: mode, names: map[uint32]string{}}
	a.results = nil
	a.chat.Clear()
	a.CancelChat()
	a.feed = nil
	a.seq = 0
	a.pacer = pacer{}
	a.screen = ScreenMatch
}

func (a *App) handleMatchStart(ms *arenav1.MatchStart) {
	if a.match == nil || a.match.ID != ms.GetMatchId() {
		a.enterMatch(ms.GetMatchId(), ms.GetMode())
	}
	a.match.Start = ms
	if ms.GetMode() != "" {
		a.match.Mode = ms.GetMode()
	}
	for _, p := range ms.GetPlayers() {
		a.match.names[p.GetShipId()] = p.GetName()
	}
	a.pacer.start(a.now, ms.GetTickRate())
}

func (a *App) handleSnapshot(s *arenav1.Snapshot) {
	m := a.match
	if !m.Started() {
		return
	}
	if m.Snapshot != nil && s.GetTick() < m.Snapshot.GetTick() {
		return
	}
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

func (a *App) handleError(e *arenav1.Error) {
	if e.GetCode() == arenav1.ErrorCode_ERROR_CODE_NOT_IN_MATCH && a.screen != ScreenMatch {
		// Inputs sent before the client learnt that its match ended: stale, not news.
		return
	}
	code := strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(e.GetCode().String(), "ERROR_CODE_")), "_", " ")
	if msg := e.GetMessage(); msg != "" {
		a.fail(code + ": " + msg)
	} else {
		a.fail(code)
	}
	switch e.GetCode() {
	case arenav1.ErrorCode_ERROR_CODE_UNKNOWN_MODE, arenav1.ErrorCode_ERROR_CODE_SHUTTING_DOWN:
		if a.screen == ScreenQueue {
			a.screen = ScreenMenu
		}
	case arenav1.ErrorCode_ERROR_CODE_MATCH_ABORTED:
		if a.screen == ScreenMatch {
			a.match = nil
			a.CancelChat()
			a.screen = ScreenMenu
		}
	}
}
