package server

import (
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/time/rate"

	arenav1 "github.com/arena-server/arena/proto/arena/v1"
	"github.com/arena-server/arena/server/chat"
)

// player is one signed-in player, from the first authenticated connection
// until the last one closes (or, after a drop, until their seat in a match
// is released). The lobby owns the registry of players.
//
// Locking rule, one per field group:
//   - id and name never change after connect creates the player;
//   - conn and match are atomics, read by anyone without a lock; they are
//     swapped only by the lobby, under lobby.mu (connect, disconnect,
//     placement, release), so a lobby decision sees them stable;
//   - queuedMode and watching are the lobby's: read and written under
//     lobby.mu only;
//   - muted is the player's own: under p.mu, which is never held while
//     taking another lock;
//   - chatLimit is safe for concurrent use by itself.
//
// A match goroutine reads a seated player's conn to send to them; it never
// takes lobby.mu for that.
type player struct {
	id   string
	name string

	conn  atomic.Pointer[conn] // the live connection; replaced when the player connects again
	match atomic.Pointer[seat] // the player's seat while in a match; read by the connection's reader

	chatLimit *rate.Limiter // chat lines: ChatBurst at once, then one per ChatEvery

	mu    sync.Mutex
	muted map[string]bool // lower-cased display names this player does not want to read

	queuedMode string // the mode the player is queued for, "" if none; under lobby.mu
	watching   *match // the match the player spectates, nil if none; under lobby.mu
}

// mute adds or removes a name from the player's muted names.
func (p *player) mute(name string, on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.muted == nil {
		p.muted = make(map[string]bool)
	}
	if on {
		p.muted[strings.ToLower(name)] = true
	} else {
		delete(p.muted, strings.ToLower(name))
	}
}

// deliver sends a chat line to the player unless they muted its sender.
func (p *player) deliver(line chat.Line) {
	if !line.Msg.GetSystem() {
		p.mu.Lock()
		muted := p.muted[strings.ToLower(line.Msg.GetSenderName())]
		p.mu.Unlock()
		if muted {
			return
		}
	}
	if c := p.conn.Load(); c != nil {
		c.sendBytes(line.Frame)
	}
}

// deliverHistory sends a channel's remembered lines to the player.
func (p *player) deliverHistory(lines []chat.Line) {
	for _, line := range lines {
		p.deliver(line)
	}
}

// send queues a control message to the player's live connection, if any.
func (p *player) send(m *arenav1.ServerMessage) {
	if c := p.conn.Load(); c != nil {
		c.send(m)
	}
}
