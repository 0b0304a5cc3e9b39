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

// SessionStore keeps the session (its token) between runs of the client, so
// that a reloaded page signs in as the same player and resumes their match.
type SessionStore interface {
	// Load returns the stored session; ok is false when there is none.
	Load() (s transport.Session, ok bool)
	// Save stores s, replacing any other.
	Save(s transport.Session)
	// Clear forgets the stored session.
	Clear()
}

// MemoryStore is a SessionStore that lives as long as the process: the
// native client's, and the default.
type MemoryStore struct {
	s  transport.Session
	ok bool
}

// Load implements SessionStore.
func (m *MemoryStore) Load() (transport.Session, bool) { return m.s, m.ok }

// Save implements SessionStore.
func (m *MemoryStore) Save(s transport.Session) { m.s, m.ok = s, true }

// Clear implements SessionStore.
func (m *MemoryStore) Clear() { m.s, m.ok = transport.Session{}, false }

// connection is the App's side of its session with the cluster: the token,
// the node it is connected to, the live link, and the reconnect schedule.
//
// node is where every connection and reconnect goes: the Dialer's own
// server at first, then the node of the last match that ran elsewhere
// (MatchFound.node_url). The client stays there after the match, since that
// node serves the lobby and the queues too; so a drop in a match reconnects
// to the node that holds the player's seat, and a drop outside one to the
// node the player was on.
type connection struct {
	session     transport.Session
	haveSession bool // session holds a token to connect with
	autoResume  bool // connect with the stored session on the first Update
	// A page loaded with a stored session stays on the name screen
	// ("Signing in as …") after the server accepts the token, until
	// menuAt, so that a match the server resumes (its MatchStart follows
	// Authenticated at once) opens without a frame of the menu first.
	reloaded bool      // the link of autoResume is signing in
	menuAt   time.Time // show the menu then, unless a match opened; zero: not waiting

	node string // websocket URL of the node to connect to; "" for the Dialer's own server

	// A move to the node of a match, from MatchFound until that node
	// accepts the token: the seat ticket goes with the token, and a refused
	// seat returns to origin.
	moving bool
	origin string // the node the player moved from
	ticket string // MatchFound.seat_ticket; dropped once a connection carrying it opened

	link       *link
	connecting bool // a link is up but not authenticated yet, from the name screen
	signedIn   bool // the current link is authenticated
	everIn     bool // the session was authenticated once: a drop reconnects
	playerID   string

	reconnecting bool      // the connection dropped; retrying
	attempt      int       // reconnect attempts since the last success
	retryAt      time.Time // when the next attempt starts (link == nil)

	resuming    bool      // reconnected from a match; waiting for its MatchStart
	resumeUntil time.Time // give up on the match after this

	refusal  string // the server's UNAUTHENTICATED message on this link
	replaced bool   // ...received after authenticating: another connection took over
}

// updateConnection starts the stored session's connection on the first
// call, drains what the link delivered, and reconnects when it is time.
func (a *App) updateConnection() {
	c := &a.conn
	if c.autoResume {
		c.autoResume = false
		a.connect()
		c.reloaded = true
		a.status = "Signing in as " + c.session.Name + "…"
	}
	a.drain()
	if !c.menuAt.IsZero() && (a.screen != ScreenName || !c.signedIn) {
		c.menuAt = time.Time{} // a match opened, or the connection went
	}
	if !c.menuAt.IsZero() && !a.now.Before(c.menuAt) {
		c.menuAt = time.Time{}
		a.screen = ScreenMenu
		a.status = ""
	}
	if c.reconnecting && c.link == nil && !a.now.Before(c.retryAt) {
		a.connect()
		a.status = fmt.Sprintf("Connection lost: reconnecting (attempt %d)…", c.attempt)
	}
	if c.resuming && !a.now.Before(c.resumeUntil) {
		a.matchGone()
	}
}

// drain handles the events waiting from the network, at most inboundQueue.
func (a *App) drain() {
	for range inboundQueue {
		l := a.conn.link
		if l == nil {
			return
		}
		select {
		case e := <-l.events:
			a.handleEvent(e)
		default:
			return
		}
	}
}

func (a *App) handleEvent(e event) {
	switch {
	case e.session != nil:
		a.conn.session, a.conn.haveSession = *e.session, true
		a.cfg.Store.Save(*e.session)
		a.name, a.conn.playerID = e.session.Name, e.session.PlayerID
		a.status = "Signing in…"
	case e.msg != nil:
		a.net.received(e.size, e.at)
		a.handleMessage(e)
	default:
		a.lost(e.err, e.opened)
	}
}

// connect starts a link to the current node with the session's token (and
// the seat ticket, during a move).
func (a *App) connect() {
	c := &a.conn
	c.link = startLink(a.cfg.Dialer, linkTarget{node: c.node, name: c.session.Name, token: c.session.Token, ticket: c.ticket}, a.cfg.Now)
	c.connecting = a.screen == ScreenName
	c.reloaded, c.menuAt = false, time.Time{}
	c.signedIn, c.refusal, c.replaced = false, "", false
}

// moveTo follows a MatchFound whose match runs on another node: it closes
// the connection normally and connects to node with the same token and the
// seat ticket. The match screen stays on and no reconnect is shown: to the
// player, the move is part of the countdown.
func (a *App) moveTo(node, ticket string) {
	c := &a.conn
	if err := checkNodeURL(node); err != nil {
		a.leaveMatch(ScreenMenu)
		a.fail(fmt.Sprintf("cannot reach the match's server: %v", err))
		return
	}
	if c.link != nil {
		c.link.close()
		c.link = nil
	}
	if !c.moving {
		c.origin = c.node
	}
	c.moving, c.node, c.ticket = true, node, ticket
	c.reconnecting, c.resuming, c.attempt = false, false, 0
	a.status = ""
	a.connect()
}

// seatRefused handles close code 4005 on the node the player moved to: the
// ticket was forged, expired, used or meant for another node. The match is
// off; back to the lobby on the node the player came from, at once. (A 4005
// outside a move, which no ticket asked for, goes back to the Dialer's own
// server on the reconnect schedule, so that a node refusing every time is
// not asked again at every frame.)
func (a *App) seatRefused() {
	c := &a.conn
	moved := c.moving
	if a.screen == ScreenMatch {
		a.leaveMatch(ScreenMenu)
	}
	a.fail("could not join the match: its server refused the seat")
	c.moving, c.ticket, c.resuming = false, "", false
	if moved {
		c.node, c.origin = c.origin, ""
		c.reconnecting, c.attempt = false, 0
		a.status = ""
		a.connect()
		return
	}
	c.node = ""
	c.reconnecting, c.connecting = true, false
	c.attempt++
	c.retryAt = a.now.Add(a.backoff(c.attempt))
	a.status = fmt.Sprintf("Connection lost: reconnecting (attempt %d)…", c.attempt)
}

// SubmitName signs in under name (on the name screen, when not already
// connecting), as a new player. The server decides whether the name is valid.
func (a *App) SubmitName(name string) {
	if a.screen != ScreenName || a.conn.link != nil {
		return
	}
	name = strings.TrimSpace(name)
	if name == "" {
		a.fail("type a name first")
		return
	}
	a.notice = ""
	a.ForgetSession()
	a.conn.link = startLink(a.cfg.Dialer, linkTarget{name: name}, a.cfg.Now) // a new player starts on the Dialer's own server
	a.conn.connecting = true
	a.conn.signedIn, a.conn.refusal, a.conn.replaced = false, "", false
	a.status = "Connecting…"
}

// StoredName is the name of the session the client can resume (on the name
// screen: "play as NAME"), or "" when it has none.
func (a *App) StoredName() string {
	if !a.conn.haveSession {
		return ""
	}
	return a.conn.session.Name
}

// PlayAs connects with the stored session, from the name screen.
func (a *App) PlayAs() {
	if a.screen != ScreenName || a.conn.link != nil || !a.conn.haveSession {
		return
	}
	a.notice = ""
	a.connect()
	a.status = "Signing in as " + a.conn.session.Name + "…"
}

// ForgetSession drops the stored session (on the name screen), so the next
// sign-in is a new player, on the Dialer's own server: "change name".
func (a *App) ForgetSession() {
	if a.screen != ScreenName || a.conn.link != nil {
		return
	}
	a.conn.session, a.conn.haveSession = transport.Session{}, false
	a.conn.node = ""
	a.cfg.Store.Clear()
}

// ChangeName ends the session (from the menu) and returns to the name screen
// to sign in under another name.
func (a *App) ChangeName() {
	if a.screen != ScreenMenu {
		return
	}
	a.Close()
	a.ForgetSession()
}

// Close ends the network session on purpose (no reconnect) and returns to
// the name screen. The stored session stays, to "play as" it again on the
// same node, which may still hold the seat of a match the player was in.
func (a *App) Close() {
	c := &a.conn
	if c.link != nil {
		c.link.close()
		c.link = nil
	}
	c.connecting, c.signedIn, c.reconnecting, c.resuming = false, false, false, false
	if c.moving {
		c.node = c.origin // the match's node never took the player
	}
	c.moving, c.origin, c.ticket = false, "", ""
	c.attempt = 0
	a.status = ""
	a.leaveMatch(ScreenName)
	a.chat.cancel()
}

// Connecting reports whether a sign-in from the name screen is under way.
func (a *App) Connecting() bool { return a.conn.connecting }

// Reconnecting reports whether the connection dropped and the client is
// getting it back; the screen stays as it was meanwhile.
func (a *App) Reconnecting() bool { return a.conn.reconnecting }

// Resuming reports whether the client reconnected from a match and waits for
// the server to resume it.
func (a *App) Resuming() bool { return a.conn.resuming }

// Online reports whether the connection is up and authenticated.
func (a *App) Online() bool { return a.conn.signedIn }

// Node is the websocket URL of the node the client is connected to (or
// connects to next), or "" for the Dialer's own server.
func (a *App) Node() string { return a.conn.node }

// Moving reports whether the client is on its way to the node of its match:
// from MatchFound until that node accepts it.
func (a *App) Moving() bool { return a.conn.moving }

// resumeMenuWait is how long a page loaded with a stored session waits,
// after the server accepted the token, for a match to resume before it
// shows the menu. The server sends the MatchStart of a held seat right
// after Authenticated, on the same connection.
const resumeMenuWait = 300 * time.Millisecond

// authenticated handles the server's acceptance of the token.
func (a *App) authenticated(m *arenav1.Authenticated) {
	c := &a.conn
	reconnected := c.reconnecting
	c.signedIn, c.connecting, c.reconnecting, c.everIn = true, false, false, true
	c.moving, c.origin, c.ticket = false, "", "" // a move is over: this node holds the seat
	c.attempt = 0
	a.status = ""
	a.name, c.playerID = m.GetName(), m.GetPlayerId()
	a.net.nextPing = a.now
	reloaded := c.reloaded
	c.reloaded = false
	switch a.screen {
	case ScreenName:
		if reloaded {
			c.menuAt = a.now.Add(resumeMenuWait)
			a.status = "Signed in as " + a.name + "…"
			break
		}
		a.screen = ScreenMenu
	case ScreenMatch:
		if reconnected && a.match != nil {
			// The server resends MatchStart (and the chat history) to a
			// player whose seat it kept; until then, no inputs.
			c.resuming = true
			c.resumeUntil = a.now.Add(a.cfg.ResumeWait)
			if a.match.Spectator() {
				// The server forgets a spectator who drops: ask again.
				a.send(&arenav1.ClientMessage{Body: &arenav1.ClientMessage_Spectate{
					Spectate: &arenav1.Spectate{MatchId: a.match.ID},
				}})
			}
		}
	case ScreenQueue:
		if reconnected {
			// The drop took the player out of the queue: join again.
			a.send(&arenav1.ClientMessage{Body: &arenav1.ClientMessage_QueueJoin{
				QueueJoin: &arenav1.QueueJoin{Mode: a.queue.Mode},
			}})
		}
	}
}

// lost handles the end of a link: the node refused the seat ticket (back to
// the lobby where the player came from); the token was refused, or another
// connection took over (back to the name screen); or the connection dropped
// after it had worked (reconnect, keeping the screen and the node); or it
// never worked. opened tells whether the connection had opened.
func (a *App) lost(err error, opened bool) {
	c := &a.conn
	c.link = nil
	c.signedIn = false
	if opened {
		// The node may have taken the single-use ticket (and seated the
		// player) before the drop: reconnect with the token alone, as to
		// a held seat.
		c.ticket = ""
	}
	code := transport.CloseCode(err)
	var se *transport.SignInError
	switch {
	case code == transport.CloseSeatRefused:
		a.seatRefused()
	case c.replaced || (code == transport.CloseReplaced && c.everIn):
		a.Close()
		a.fail("signed in from another window: this one stopped")
	case c.refusal != "" || code == transport.CloseUnauthenticated:
		name := c.session.Name
		a.Close()
		a.ForgetSession()
		a.name = name
		a.fail("session no longer valid: sign in again")
	case errors.As(err, &se) && se.Status == http.StatusBadRequest:
		a.Close()
		a.fail("name refused: " + se.Message)
	case errors.As(err, &se):
		a.Close()
		a.fail("sign in failed: " + se.Message)
	case c.everIn && c.haveSession:
		c.reconnecting, c.connecting = true, false
		c.resuming = false
		c.attempt++
		c.retryAt = a.now.Add(a.backoff(c.attempt))
		a.status = fmt.Sprintf("Connection lost: reconnecting (attempt %d)…", c.attempt)
		a.lastError = fmt.Sprintf("connection lost: %v", err)
	default:
		a.Close()
		a.fail(fmt.Sprintf("could not connect: %v", err))
	}
}

// backoff is the wait before reconnect attempt n (from 1): ReconnectMin
// doubling up to ReconnectMax, spread ±25% at random.
func (a *App) backoff(n int) time.Duration {
	d := a.cfg.ReconnectMin
	for i := 1; i < n && d < a.cfg.ReconnectMax; i++ {
		d *= 2
	}
	d = min(d, a.cfg.ReconnectMax)
	return time.Duration(float64(d) * (0.75 + 0.5*a.cfg.Rand()))
}

// resync drops the connection and reconnects at once (to the match's node),
// after a snapshot the client could not decode: the server resends
// MatchStart and a full snapshot to a player who comes back.
func (a *App) resync(err error) {
	c := &a.conn
	if c.link != nil {
		c.link.close()
		c.link = nil
	}
	c.signedIn, c.resuming = false, false
	c.reconnecting, c.attempt, c.retryAt = true, 1, a.now
	a.lastError = fmt.Sprintf("%v: reconnecting", err)
}

// StopReconnecting gives up on a dropped connection: back to the name
// screen, where the player may play as the stored session again.
func (a *App) StopReconnecting() {
	if a.conn.reconnecting {
		a.Close()
	}
}

// matchGone ends a resume that the server did not answer with MatchStart:
// the match ended, or the seat was forfeited, while the player was away.
func (a *App) matchGone() {
	a.conn.resuming = false
	if a.screen == ScreenMatch {
		a.leaveMatch(ScreenMenu)
		a.fail("your match ended while you were away")
	}
}
