package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/arena-server/arena/matchmaking"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
	"github.com/arena-server/arena/server/chat"
)

// Errors the lobby returns for queue requests; errorCode maps them to the wire.
var (
	errAlreadyQueued = errors.New("already queued")
	errInMatch       = errors.New("already in a match")
	errUnknownMode   = errors.New("unknown mode")
	errNotQueued     = errors.New("not queued")
	errShuttingDown  = errors.New("server is shutting down")
)

// lobby is the registry of the players connected to this node, their
// queue tickets and the matches this node runs. Its methods are safe for
// concurrent use. The queues themselves are the cluster's: the lobby hands
// tickets to it and takes placements, statuses and lobby lines from it.
type lobby struct {
	cfg     *Config
	log     *slog.Logger
	met     *metrics
	ladder  *ladder
	cluster Cluster

	mu       sync.Mutex
	players  map[string]*player // signed in here, connected or holding a seat here through a short drop or a move
	matches  map[string]*match
	chat     *chat.Channel // the lobby channel: players signed in and not in a match
	draining bool

	matchCtx    context.Context // parent of every match; cancelled to abort them all
	abortAll    context.CancelFunc
	matchesDone sync.WaitGroup
}

func newLobby(cfg *Config, log *slog.Logger, met *metrics, ladder *ladder, cluster Cluster) *lobby {
	ctx, cancel := context.WithCancel(context.Background())
	return &lobby{
		cfg: cfg, log: log, met: met, ladder: ladder, cluster: cluster,
		players:  make(map[string]*player),
		matches:  make(map[string]*match),
		chat:     chat.NewChannel(arenav1.ChatChannel_CHAT_CHANNEL_LOBBY),
		matchCtx: ctx, abortAll: cancel,
	}
}

// connect registers c as id's live connection. A connection the player
// already had is closed and told why; a seat in a running match carries over.
func (l *lobby) connect(id identity, c *conn) *player {
	l.mu.Lock()
	p := l.players[id.PlayerID]
	if p == nil {
		p = l.newPlayerLocked(id.PlayerID, id.Name)
	}
	old := p.conn.Swap(c)
	if old == nil {
		l.met.playersConnected.Inc()
	}
	s := p.match.Load()
	if s == nil {
		p.deliverHistory(l.chat.History())
	}
	l.mu.Unlock()
	if old != nil {
		old.send(errorMessage(0, arenav1.ErrorCode_ERROR_CODE_UNAUTHENTICATED, "signed in from another connection"))
		old.close(closeReplaced, "replaced by a newer connection")
	}
	if s != nil {
		s.m.rejoin(s.ship)
	}
	return p
}

func (l *lobby) newPlayerLocked(id, name string) *player {
	p := &player{id: id, name: name, chatLimit: rate.NewLimiter(rate.Every(l.cfg.ChatEvery), l.cfg.ChatBurst)}
	l.players[id] = p
	return p
}

// hasSeat reports whether the player holds a seat in match here.
func (l *lobby) hasSeat(player, match string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	p := l.players[player]
	if p == nil {
		return false
	}
	s := p.match.Load()
	return s != nil && s.m.id == match
}

// replaced closes the player's connection here, if any: another node now
// holds it.
func (l *lobby) replaced(player string) {
	l.mu.Lock()
	p := l.players[player]
	l.mu.Unlock()
	if p == nil {
		return
	}
	if c := p.conn.Load(); c != nil {
		c.send(errorMessage(0, arenav1.ErrorCode_ERROR_CODE_UNAUTHENTICATED, "signed in from another connection"))
		c.close(closeReplaced, "replaced by a newer connection on another node")
	}
}

// disconnect forgets c. If it was the player's live connection, the player
// leaves their queue; a player in a match keeps their seat for the match's
// reconnect grace period, anyone else is forgotten.
func (l *lobby) disconnect(p *player, c *conn) {
	l.mu.Lock()
	if !p.conn.CompareAndSwap(c, nil) {
		l.mu.Unlock()
		return
	}
	l.met.playersConnected.Dec()
	l.dequeueLocked(p)
	s := p.match.Load()
	if s == nil {
		delete(l.players, p.id)
	}
	watched := p.watching
	p.watching = nil
	l.mu.Unlock()
	if s != nil {
		s.m.disconnected(s.ship)
	}
	if watched != nil {
		watched.send(matchEvent{kind: eventUnwatch, watcher: p})
	}
}

// left frees a player who forfeited their seat (matchHost).
func (l *lobby) left(s *seat) { l.later(func() { l.release(s, nil) }) }

// later runs f on a goroutine of its own, for a match that must not wait
// on the lobby's lock. It is called from a match's goroutine, whose own
// count in matchesDone is held meanwhile, and counts f there too, so that
// waitMatches waits for what a match left to do.
func (l *lobby) later(f func()) {
	l.matchesDone.Add(1)
	go func() {
		defer l.matchesDone.Done()
		f()
	}()
}

// release frees a player from their seat (the match ended, or they
// forfeited it): back in the lobby if connected, forgotten if not. A
// connected player is sent last (the results, if any) once they are free
// to queue again, then the lobby chat's history.
func (l *lobby) release(s *seat, last []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	p := s.player
	if !p.match.CompareAndSwap(s, nil) {
		return
	}
	c := p.conn.Load()
	if c == nil {
		if l.players[p.id] == p {
			delete(l.players, p.id)
		}
		return
	}
	if last != nil && !s.left {
		c.sendBytes(last)
	}
	p.deliverHistory(l.chat.History())
}

// join puts p in the queue of mode.
func (l *lobby) join(p *player, mode string, now time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.draining:
		return errShuttingDown
	case p.match.Load() != nil:
		return errInMatch
	case p.queuedMode != "":
		return errAlreadyQueued
	case p.watching != nil:
		return errWatching
	}
	if _, ok := l.cfg.mode(mode); !ok {
		return errUnknownMode
	}
	r := l.ladder.rating(p.id, mode)
	t := Ticket{Player: p.id, Name: p.name, Mode: mode, Rating: matchmaking.Rating{Mu: r.Mu, Sigma: r.Sigma}, Node: l.cluster.NodeID(), Enqueued: now}
	if err := l.cluster.Enqueue(t); err != nil {
		return err
	}
	p.queuedMode = mode
	l.met.playersQueued.WithLabelValues(mode).Inc()
	return nil
}

// leave takes p out of its queue.
func (l *lobby) leave(p *player) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.dequeueLocked(p) {
		return errNotQueued
	}
	return nil
}

func (l *lobby) dequeueLocked(p *player) bool {
	if p.queuedMode == "" {
		return false
	}
	l.cluster.Dequeue(p.queuedMode, p.id)
	l.unqueueLocked(p)
	return true
}

// unqueueLocked forgets p's ticket here: it left its queue or was placed.
func (l *lobby) unqueueLocked(p *player) {
	l.met.playersQueued.WithLabelValues(p.queuedMode).Dec()
	p.queuedMode = ""
}

// place creates the match of a placement here, seats its players and
// starts it. Players connected here are seated if they are still queued for
// its mode (one who left between the pass and now is not: the match plays
// short-handed) and told it was found; players connected to other nodes are
// seated in their absence, as if dropped, and have the reconnect grace to
// come with their seat ticket.
func (l *lobby) place(pl Placement) error {
	mode, ok := l.cfg.mode(pl.Mode)
	if !ok {
		return fmt.Errorf("place %s: %w %q", pl.MatchID, errUnknownMode, pl.Mode)
	}
	// Remote players' ratings are read before the lock: the match rates them here.
	held := make(map[string]bool)
	for _, ps := range pl.Seats {
		if ps.Node == l.cluster.NodeID() {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), l.cfg.StoreTimeout)
		err := l.ladder.hold(ctx, ps.Player)
		cancel()
		if err != nil {
			for id := range held {
				l.ladder.release(id)
			}
			return fmt.Errorf("place %s: %w", pl.MatchID, err)
		}
		held[ps.Player] = true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	defer func() {
		for id := range held {
			l.ladder.release(id) // a seat took its own hold, or the player was not seated
		}
	}()
	if l.draining {
		return errShuttingDown
	}
	var seats []*seat
	for _, ps := range pl.Seats {
		p := l.players[ps.Player]
		if ps.Node == l.cluster.NodeID() {
			if p == nil || p.queuedMode != pl.Mode {
				continue // gone between the pass and now
			}
			l.unqueueLocked(p)
		} else {
			if p != nil && (p.match.Load() != nil || p.conn.Load() != nil) {
				continue // seated or connected here already: not this node's to place
			}
			if p == nil {
				p = l.newPlayerLocked(ps.Player, ps.Name)
			}
		}
		l.ladder.holdLoaded(p.id) // released when the match's results are out
		seats = append(seats, &seat{player: p, ship: uint32(len(seats) + 1), team: ps.Team})
	}
	m, err := newMatch(pl.MatchID, mode, seats, l)
	if err != nil {
		l.log.Error("create match", slog.String("match", pl.MatchID), slog.Any("err", err))
		for _, s := range seats {
			s.player.send(errorMessage(0, arenav1.ErrorCode_ERROR_CODE_INTERNAL, "could not create the match"))
			l.ladder.release(s.player.id)
			if s.player.conn.Load() == nil {
				delete(l.players, s.player.id)
			}
		}
		return err
	}
	l.matches[pl.MatchID] = m
	l.met.matchesActive.Inc()
	for _, s := range seats {
		s.m = m
		s.player.match.Store(s)
		s.player.send(&arenav1.ServerMessage{Body: &arenav1.ServerMessage_MatchFound{
			MatchFound: &arenav1.MatchFound{MatchId: pl.MatchID, Mode: mode.Name},
		}})
	}
	l.matchesDone.Add(1)
	go func() {
		defer l.matchesDone.Done()
		m.run(l.matchCtx)
	}()
	return nil
}

// found takes a player connected here out of their queue: their match was
// placed on another node. It returns the player, nil if they are no longer
// queued for it (their seat there is forfeited after its grace).
func (l *lobby) found(f Found) *player {
	l.mu.Lock()
	defer l.mu.Unlock()
	p := l.players[f.Player]
	if p == nil || p.queuedMode != f.Mode || p.conn.Load() == nil {
		return nil
	}
	l.unqueueLocked(p)
	return p
}

// ended is called by a match's goroutine when it is over: ratings move, and
// once the results are stored (or ResultsWait has passed, if the store is
// slow) the results go out and the players are free to queue again. So a
// results screen a player saw is in the store, unless the store was failing.
// It returns the encoded results.
func (l *lobby) ended(m *match, end *arenav1.MatchEnd) []byte {
	res, rated := l.ladder.rate(m, end, l.cfg.Clock.Now())
	msg, err := marshalOptions.Marshal(&arenav1.ServerMessage{Body: &arenav1.ServerMessage_MatchEnd{MatchEnd: end}})
	if err != nil {
		m.log.Error("encode results", slog.Any("err", err))
	}
	l.later(func() {
		l.mu.Lock()
		delete(l.matches, m.id)
		l.met.matchesActive.Dec()
		l.mu.Unlock()
	})
	deliver := sync.OnceFunc(func() {
		for _, s := range m.seats {
			l.release(s, msg)
			l.ladder.release(s.player.id)
		}
	})
	if !rated {
		l.later(deliver)
		return msg
	}
	late := time.AfterFunc(l.cfg.ResultsWait, deliver)
	l.ladder.record(res, func() {
		late.Stop()
		deliver()
	})
	return msg
}

// postLobby posts a line to the lobby channel: everyone signed in and not
// in a match, on this node and, through the cluster, on the others.
func (l *lobby) postLobby(msg *arenav1.ChatMessage, now time.Time) error {
	line, err := l.deliverLobby(msg, now)
	if err != nil {
		return err
	}
	l.cluster.PostLobby(line.Msg)
	return nil
}

// deliverLobby posts a line to this node's lobby channel and its players.
func (l *lobby) deliverLobby(msg *arenav1.ChatMessage, now time.Time) (chat.Line, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	line, err := l.chat.Post(msg, now)
	if err != nil {
		return chat.Line{}, err
	}
	for _, p := range l.players {
		if p.match.Load() == nil {
			p.deliver(line)
		}
	}
	return line, nil
}

// lobbyHistory returns the lobby channel's remembered lines.
func (l *lobby) lobbyHistory() []chat.Line {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.chat.History()
}

// queueStatus tells a player queued here how their wait goes.
func (l *lobby) queueStatus(player string, st matchmaking.Status) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if p := l.players[player]; p != nil && p.queuedMode == st.Mode {
		p.send(queueStatus(arenav1.QueueState_QUEUE_STATE_QUEUED, st))
	}
}

// load counts the players and matches here.
func (l *lobby) load() (players, matches int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.players), len(l.matches)
}

// drain stops new queueing: every queued player is told they left.
func (l *lobby) drain() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.draining = true
	for _, p := range l.players {
		if mode := p.queuedMode; mode != "" {
			l.dequeueLocked(p)
			p.send(queueStatus(arenav1.QueueState_QUEUE_STATE_LEFT, matchmaking.Status{Mode: mode}))
			p.send(errorMessage(0, arenav1.ErrorCode_ERROR_CODE_SHUTTING_DOWN, "the server is shutting down"))
		}
	}
}

// waitMatches waits for running matches to end until ctx is done, then
// aborts those still running and waits for them to wind down.
func (l *lobby) waitMatches(ctx context.Context) {
	done := make(chan struct{})
	go func() {
		l.matchesDone.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		l.abortAll()
		<-done
	}
}

func queueStatus(state arenav1.QueueState, st matchmaking.Status) *arenav1.ServerMessage {
	return &arenav1.ServerMessage{Body: &arenav1.ServerMessage_QueueStatus{QueueStatus: &arenav1.QueueStatus{
		State:           state,
		Mode:            st.Mode,
		WaitedMs:        uint32(st.Waited.Milliseconds()),
		PlayersQueued:   uint32(st.Queued),
		SearchRange:     searchRange(st),
		EstimatedWaitMs: uint32(st.EstimatedWait.Milliseconds()),
	}}}
}

// searchRange is the matchmaker's window in displayed rating points; 0 means any.
func searchRange(st matchmaking.Status) uint32 {
	if st.Unlimited {
		return 0
	}
	return uint32(st.Window * matchmaking.DisplayScale)
}

func newMatchID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}
