package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
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

// lobby is the registry of signed-in players, their queue tickets and the
// matches they are placed in. Its methods are safe for concurrent use; the
// matchmaker inside is only touched under mu.
type lobby struct {
	cfg    *Config
	log    *slog.Logger
	met    *metrics
	ladder *ladder

	mu       sync.Mutex
	players  map[string]*player // signed in, connected or holding a seat through a short drop
	mm       *matchmaking.Matchmaker
	matches  map[string]*match
	chat     *chat.Channel // the lobby channel: players signed in and not in a match
	draining bool

	matchCtx    context.Context // parent of every match; cancelled to abort them all
	abortAll    context.CancelFunc
	matchesDone sync.WaitGroup
}

func newLobby(cfg *Config, log *slog.Logger, met *metrics, ladder *ladder) (*lobby, error) {
	shapes := make([]matchmaking.Shape, len(cfg.Modes))
	for i, m := range cfg.Modes {
		shapes[i] = matchmaking.Shape{Mode: m.Name, Teams: m.Teams, PlayersPerTeam: m.PlayersPerTeam}
	}
	mm, err := matchmaking.New(matchmaking.Config{Shapes: shapes})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &lobby{
		cfg: cfg, log: log, met: met, ladder: ladder,
		players:  make(map[string]*player),
		mm:       mm,
		matches:  make(map[string]*match),
		chat:     chat.NewChannel(arenav1.ChatChannel_CHAT_CHANNEL_LOBBY),
		matchCtx: ctx, abortAll: cancel,
	}, nil
}

// connect registers c as id's live connection. A connection the player
// already had is closed and told why; a seat in a running match carries over.
func (l *lobby) connect(id identity, c *conn) *player {
	l.mu.Lock()
	p := l.players[id.PlayerID]
	if p == nil {
		p = &player{id: id.PlayerID, name: id.Name, chatLimit: rate.NewLimiter(rate.Every(l.cfg.ChatEvery), l.cfg.ChatBurst)}
		l.players[id.PlayerID] = p
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
	t := matchmaking.Ticket{Player: matchmaking.PlayerID(p.id), Mode: mode, Rating: matchmaking.Rating{Mu: r.Mu, Sigma: r.Sigma}, Enqueued: now}
	if err := l.mm.Join(t); err != nil {
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
	l.mm.Leave(matchmaking.PlayerID(p.id))
	l.met.playersQueued.WithLabelValues(p.queuedMode).Dec()
	p.queuedMode = ""
	return true
}

// run drives the matchmaker until ctx ends: a pairing pass every
// QueuePassInterval and a status message to every queued player every
// QueueStatusInterval.
func (l *lobby) run(ctx context.Context) {
	pass := l.cfg.Clock.NewTicker(l.cfg.QueuePassInterval)
	defer pass.Stop()
	status := l.cfg.Clock.NewTicker(l.cfg.QueueStatusInterval)
	defer status.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-pass.C():
			l.pair(now)
		case now := <-status.C():
			l.sendQueueStatus(now)
		}
	}
}

// pair runs one matchmaking pass and places every group it forms.
func (l *lobby) pair(now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, g := range l.mm.Pass(now) {
		l.placeLocked(g)
	}
}

// placeLocked creates the match for a group, seats its players and starts it.
func (l *lobby) placeLocked(g matchmaking.Group) {
	mode, _ := l.cfg.mode(g.Mode)
	id := newMatchID()
	var seats []*seat
	for team, tickets := range g.Teams {
		for _, t := range tickets {
			p := l.players[string(t.Player)]
			l.met.playersQueued.WithLabelValues(g.Mode).Dec()
			if p == nil {
				continue // gone between the pass and now; the match plays short-handed
			}
			p.queuedMode = ""
			l.ladder.holdLoaded(p.id) // released when the match's results are out
			seats = append(seats, &seat{player: p, ship: uint32(len(seats) + 1), team: team + 1})
		}
	}
	m, err := newMatch(id, mode, seats, l)
	if err != nil {
		l.log.Error("create match", slog.String("match", id), slog.Any("err", err))
		for _, s := range seats {
			s.player.send(errorMessage(0, arenav1.ErrorCode_ERROR_CODE_INTERNAL, "could not create the match"))
		}
		return
	}
	l.matches[id] = m
	l.met.matchesActive.Inc()
	for _, s := range seats {
		s.m = m
		s.player.match.Store(s)
		s.player.send(&arenav1.ServerMessage{Body: &arenav1.ServerMessage_MatchFound{
			MatchFound: &arenav1.MatchFound{MatchId: id, Mode: mode.Name},
		}})
	}
	l.matchesDone.Add(1)
	go func() {
		defer l.matchesDone.Done()
		m.run(l.matchCtx)
	}()
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
	l.mu.Lock()
	delete(l.matches, m.id)
	l.met.matchesActive.Dec()
	l.mu.Unlock()
	deliver := sync.OnceFunc(func() {
		for _, s := range m.seats {
			l.release(s, msg)
			l.ladder.release(s.player.id)
		}
	})
	if !rated {
		deliver()
		return msg
	}
	late := time.AfterFunc(l.cfg.ResultsWait, deliver)
	l.ladder.record(res, func() {
		late.Stop()
		deliver()
	})
	return msg
}

// postLobby posts a line to the lobby channel: everyone signed in and not in a match.
func (l *lobby) postLobby(msg *arenav1.ChatMessage, now time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	line, err := l.chat.Post(msg, now)
	if err != nil {
		return err
	}
	for _, p := range l.players {
		if p.match.Load() == nil {
			p.deliver(line)
		}
	}
	return nil
}

// lobbyHistory returns the lobby channel's remembered lines.
func (l *lobby) lobbyHistory() []chat.Line {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.chat.History()
}

// sendQueueStatus tells each queued player how their wait goes.
func (l *lobby) sendQueueStatus(now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, p := range l.players {
		if p.queuedMode == "" {
			continue
		}
		st, ok := l.mm.Status(matchmaking.PlayerID(p.id), now)
		if !ok {
			continue
		}
		p.send(queueStatus(arenav1.QueueState_QUEUE_STATE_QUEUED, st))
	}
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
