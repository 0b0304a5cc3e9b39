package server

import (
	"errors"
	"slices"

	"github.com/arena-server/arena/game"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
	"github.com/arena-server/arena/server/chat"
)

// maxSpectators bounds the spectators of one match.
const maxSpectators = 256

// spectateKeyEvery is how often (in ticks at 30 Hz: once a second) the
// spectators' stream carries a full snapshot, where a new or resynchronising
// spectator starts.
const spectateKeyEvery = 30

// Errors of spectating; queueErrorCode maps them to the wire.
var (
	errUnknownMatch     = errors.New("no running match has that id")
	errAlreadyWatching  = errors.New("already spectating a match")
	errNotWatching      = errors.New("not spectating")
	errWatching         = errors.New("stop spectating first")
	errTooManyWatchers  = errors.New("the match has as many spectators as it takes")
	errSpectatorChannel = errors.New("spectators chat only in the spectators channel")
)

// watch makes p a spectator of the running match id. The match sends p its
// start, then its snapshots Config.SpectateDelay behind, then its results.
func (l *lobby) watch(p *player, id string) error {
	l.mu.Lock()
	var err error
	m := l.matches[id]
	switch {
	case l.draining:
		err = errShuttingDown
	case p.match.Load() != nil:
		err = errInMatch
	case p.queuedMode != "":
		err = errAlreadyQueued
	case p.watching != nil:
		err = errAlreadyWatching
	case m == nil:
		err = errUnknownMatch
	default:
		p.watching = m
	}
	l.mu.Unlock()
	if err != nil {
		return err
	}
	m.send(matchEvent{kind: eventWatch, watcher: p})
	return nil
}

// unwatch stops p spectating; errNotWatching if it was not.
func (l *lobby) unwatch(p *player) error {
	l.mu.Lock()
	m := p.watching
	p.watching = nil
	l.mu.Unlock()
	if m == nil {
		return errNotWatching
	}
	m.send(matchEvent{kind: eventUnwatch, watcher: p})
	return nil
}

// watched returns the match p spectates, nil if none.
func (l *lobby) watched(p *player) *match {
	l.mu.Lock()
	defer l.mu.Unlock()
	return p.watching
}

// watchEnded frees the spectators of a finished match, then sends them last.
func (l *lobby) watchEnded(m *match, watchers []*watcher, last []byte) {
	l.later(func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		for _, w := range watchers {
			if w.p.watching == m {
				w.p.watching = nil
			}
			if c := w.p.conn.Load(); c != nil && last != nil {
				c.sendBytes(last) // once free: a spectator may queue on seeing them
			}
		}
	})
}

// spectators is a match's audience and the one stream of snapshots they
// all receive, encoded once per tick and held back by a delay. It is the
// match goroutine's alone, like the rest of the match.
//
// Each tick the stream encodes a delta against the previous tick (a
// spectator Encoder, ship 0, always handed) and, every spectateKeyEvery
// ticks, a full snapshot. Both are kept until the tick is delay ticks old,
// then go to every spectator: a spectator in sync gets the delta; one that
// is not (new, or whose last snapshot was dropped by a full backlog) waits for
// the next full snapshot. A slow spectator is dropped like a slow player; it
// never slows the match.
type spectators struct {
	delay    uint32
	watchers []*watcher
	stream   SnapshotEncoder // nil while nobody watches
	pending  []spectatorFrame
	chat     *chat.Channel
	met      *metrics
}

// watcher is one spectator of a match.
type watcher struct {
	p      *player
	synced bool // has a baseline: takes deltas
}

// spectatorFrame is one tick of the spectators' stream: the delta against
// the previous tick, and a full snapshot on key ticks. Both are shared by
// every spectator's socket and never changed.
type spectatorFrame struct {
	tick        uint32
	delta, full []byte
}

func newSpectators(delay uint32, met *metrics) *spectators {
	return &spectators{delay: delay, met: met, chat: chat.NewChannel(arenav1.ChatChannel_CHAT_CHANNEL_SPECTATORS)}
}

// add seats a spectator: it gets the match's start and the spectators'
// chat history, and snapshots from the next full one that is due.
func (sp *spectators) add(m *match, p *player) {
	if len(sp.watchers) >= maxSpectators {
		p.send(errorMessage(0, arenav1.ErrorCode_ERROR_CODE_WRONG_PHASE, errTooManyWatchers.Error()))
		m.host.watchEnded(m, []*watcher{{p: p}}, nil)
		return
	}
	sp.watchers = append(sp.watchers, &watcher{p: p})
	start := m.describe(0)
	start.Spectator, start.DelayTicks = true, sp.delay
	p.send(&arenav1.ServerMessage{Body: &arenav1.ServerMessage_MatchStart{MatchStart: start}})
	p.deliverHistory(sp.chat.History())
}

// remove takes a spectator out.
func (sp *spectators) remove(p *player) {
	sp.watchers = slices.DeleteFunc(sp.watchers, func(w *watcher) bool { return w.p == p })
}

// record encodes this tick into the stream (only while someone watches or
// frames are still due) and hands out the frames whose delay is over.
func (sp *spectators) record(sim Sim) {
	if len(sp.watchers) == 0 && len(sp.pending) == 0 {
		sp.stream = nil // nobody watches: no encoding at all
		return
	}
	tick := sim.Tick()
	if sp.stream == nil {
		sp.stream = sim.NewEncoder(0)
	}
	f := spectatorFrame{tick: tick, delta: sp.stream.Append(nil, 0)}
	sp.stream.Handed(true)
	if tick%spectateKeyEvery == 0 || len(sp.pending) == 0 {
		f.full = sim.NewEncoder(0).Append(nil, 0) // a new Encoder's first snapshot is full
	}
	sp.pending = append(sp.pending, f)
	sp.release(tick)
}

// release hands out the frames that are delay ticks old at tick now.
func (sp *spectators) release(now uint32) {
	n := 0
	for n < len(sp.pending) && sp.pending[n].tick+sp.delay <= now {
		sp.deliver(sp.pending[n])
		n++
	}
	sp.pending = slices.Delete(sp.pending, 0, n)
}

func (sp *spectators) deliver(f spectatorFrame) {
	var counts sendCounts
	for _, w := range sp.watchers {
		c := w.p.conn.Load()
		switch {
		case c == nil:
			w.synced = false
		case w.synced:
			w.synced = counts.snapshot(c.sendSnapshot(f.delta), len(f.delta))
		case f.full != nil:
			w.synced = counts.snapshot(c.sendSnapshot(f.full), len(f.full))
		}
	}
	counts.flush(sp.met)
}

// post delivers a spectator's chat line to every spectator.
func (sp *spectators) post(m *match, msg *arenav1.ChatMessage) {
	line, err := sp.chat.Post(msg, m.clock.Now())
	if err != nil {
		return
	}
	for _, w := range sp.watchers {
		w.p.deliver(line)
	}
}

// finish plays out the delayed stream after the match's last tick, one
// frame per period, then sends the spectators the results and frees them.
// An aborted match (done closed) skips the delay.
func (sp *spectators) finish(m *match, end []byte, done <-chan struct{}) {
	if len(sp.watchers) > 0 && len(sp.pending) > 0 {
		ticker := m.clock.NewTicker(m.period)
		last := sp.pending[len(sp.pending)-1].tick
		for now := last; len(sp.pending) > 0; {
			select {
			case <-done:
				sp.pending = nil
			case <-ticker.C():
				now++
				sp.release(now)
			}
		}
		ticker.Stop()
	}
	m.host.watchEnded(m, sp.watchers, end)
	sp.watchers = nil
}

// spectatorDelay is SpectateDelay in ticks.
func (c *Config) spectatorDelay() uint32 { return game.DurationTicks(c.SpectateDelay, c.TickRate) }
