package server

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/arena-server/arena/game"
	"github.com/arena-server/arena/netcode"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
	"github.com/arena-server/arena/replay"
	"github.com/arena-server/arena/server/chat"
)

// Sim is what a match needs of its simulation. netcode.Match implements it
// over game.World; tests use fakes.
type Sim interface {
	AddPlayer(ship uint32, team int) error
	RemovePlayer(ship uint32)
	ApplyInput(ship uint32, in game.Input)
	Step() error
	Ended() bool
	Tick() uint32
	Describe(start *arenav1.MatchStart)
	NewEncoder(ship uint32) SnapshotEncoder
	Results(end *arenav1.MatchEnd)
}

// SnapshotEncoder encodes one player's snapshots against the last one their
// connection took (netcode.Encoder).
type SnapshotEncoder interface {
	// Append appends this tick's snapshot frame for the player.
	Append(dst []byte, ackSeq uint32) []byte
	// Handed says whether the frame was queued (it becomes the baseline) or
	// dropped (the next snapshot is full).
	Handed(ok bool)
}

// worldSim is the simulation of real matches: a netcode.Match.
type worldSim struct{ *netcode.Match }

func (w worldSim) NewEncoder(ship uint32) SnapshotEncoder { return w.Match.NewEncoder(ship) }

// seat is one player's place in a match. Its fields below the line are the
// match goroutine's alone.
type seat struct {
	m      *match
	player *player
	ship   uint32
	team   int

	inputs     *netcode.TickBuffer
	snapshots  SnapshotEncoder
	ack        uint32
	left       bool   // forfeited or left: out of the game for good
	offline    bool   // connection lost; the seat is held until graceTicks run out
	arriving   bool   // offline since placement: the player is moving here from another node
	graceTicks uint32 // ticks left to reconnect while offline
}

// matchEvent is something a connection asks of a match, delivered through
// its inbox and handled at the start of the next tick.
type matchEvent struct {
	kind    eventKind
	ship    uint32
	watcher *player // eventWatch, eventUnwatch, eventSpectatorChat
	input   netcode.Input
	at      time.Time            // eventInput: when it arrived
	chat    *arenav1.ChatMessage // eventChat: the line, its channel set
	report  *chatReport          // eventReport
}

type eventKind uint8

const (
	eventInput eventKind = iota + 1
	eventDisconnect
	eventRejoin
	eventChat
	eventReport
	eventWatch
	eventUnwatch
	eventSpectatorChat
)

// matchHost is what a match reports to: the lobby, seen from the match's
// goroutine through three calls and nothing else. The match reads none of
// the lobby's fields; its configuration is copied in when it is created.
// No call waits for the lobby's lock: the lobby does that part on a
// goroutine of its own, so a match never waits on the lobby.
type matchHost interface {
	// ended takes a finished match's results (ratings, storage, the
	// players' results screens) and returns them encoded.
	ended(m *match, end *arenav1.MatchEnd) []byte
	// left frees a player who left the match for good.
	left(s *seat)
	// watchEnded frees a match's spectators, then sends them last (the
	// results; nil: nothing).
	watchEnded(m *match, watchers []*watcher, last []byte)
}

// match runs one game on its own goroutine, which alone touches the
// simulation and the seats. Ownership: the lobby creates it and starts run;
// run returns when the game ends or the lobby's match context is cancelled;
// the lobby waits for it in matchesDone.
//
// Its inbox is bounded: a full inbox drops inputs (counted) and makes
// leave/rejoin/chat wait for room, which the next tick makes.
type match struct {
	id    string
	mode  game.Mode
	sim   Sim
	seats []*seat // by ship id - 1
	host  matchHost
	log   *slog.Logger
	met   *metrics
	clock Clock

	mapName     string
	inputBuffer int       // ticks a TickBuffer spans: Config.InputBuffer, at least netcode.MaxInputLead
	created     time.Time // when the lobby placed it, on the match's clock; read by the lobby too
	started     time.Time // when run began, on the match's clock
	inbox       chan matchEvent
	done        chan struct{}
	period      time.Duration
	graceTicks  uint32
	matchChat   *chat.Channel
	teamChat    []*chat.Channel // by team - 1, in team modes only
	snapshot    []byte
	spec        *spectators
	tickStart   time.Time // when the tick being run started, on the match's clock
}

func newMatch(id string, mode game.Mode, seats []*seat, l *lobby) (*match, error) {
	sim, err := netcode.NewMatch(game.Config{Rules: *l.cfg.Rules, Mode: mode, Map: *l.cfg.Map, TickRate: l.cfg.TickRate})
	if err != nil {
		return nil, fmt.Errorf("match %s: %w", id, err)
	}
	m, err := newMatchWithSim(id, mode, seats, worldSim{sim}, l)
	if err != nil {
		return nil, err
	}
	players := make([]replay.Player, len(seats))
	for i, s := range seats {
		players[i] = replay.Player{Ship: s.ship, Team: s.team, PlayerID: s.player.id, Name: s.player.name}
	}
	if err := sim.Record(id, m.created, players); err != nil {
		m.log.Warn("match not recorded", slog.Any("err", err))
	}
	return m, nil
}

// recorded is a simulation that keeps a replay (netcode.Match after Record).
type recorded interface {
	Replay() ([]byte, error)
}

// replay returns the match's replay file, nil if it kept none. Only the
// match's goroutine may call it, once the match is over.
func (m *match) replay() []byte {
	r, ok := m.sim.(recorded)
	if !ok {
		return nil
	}
	b, err := r.Replay()
	if err != nil {
		m.log.Warn("no replay", slog.Any("err", err))
		return nil
	}
	return b
}

func newMatchWithSim(id string, mode game.Mode, seats []*seat, sim Sim, l *lobby) (*match, error) {
	for _, s := range seats {
		if err := sim.AddPlayer(s.ship, s.team); err != nil {
			return nil, fmt.Errorf("match %s: seat %d: %w", id, s.ship, err)
		}
		s.inputs = netcode.NewTickBuffer(netcode.InputTicks(l.cfg.InputBuffer, l.cfg.TickRate), time.Second/time.Duration(l.cfg.TickRate))
		s.snapshots = sim.NewEncoder(s.ship)
	}
	graceTicks := game.DurationTicks(l.cfg.ReconnectGrace, l.cfg.TickRate)
	for _, s := range seats {
		if s.player.conn.Load() == nil { // on its way from another node
			s.offline, s.arriving, s.graceTicks = true, true, graceTicks
		}
	}
	m := &match{
		id: id, mode: mode, sim: sim, seats: seats, host: l, inputBuffer: netcode.InputTicks(l.cfg.InputBuffer, l.cfg.TickRate),
		log:        l.log.With(slog.String("match", id), slog.String("mode", mode.Name)),
		met:        l.met,
		clock:      l.cfg.Clock,
		mapName:    l.cfg.Map.Name,
		created:    l.cfg.Clock.Now(),
		inbox:      make(chan matchEvent, 8*len(seats)+16),
		done:       make(chan struct{}),
		period:     time.Second / time.Duration(l.cfg.TickRate),
		graceTicks: graceTicks,
		matchChat:  chat.NewChannel(arenav1.ChatChannel_CHAT_CHANNEL_MATCH),
		spec:       newSpectators(l.cfg.spectatorDelay(), l.met),
	}
	if mode.TeamPlay() {
		for range mode.Teams {
			m.teamChat = append(m.teamChat, chat.NewChannel(arenav1.ChatChannel_CHAT_CHANNEL_TEAM))
		}
	}
	return m, nil
}

// input hands a player's input to the match; a full inbox drops it.
func (m *match) input(ship uint32, in netcode.Input) {
	select {
	case m.inbox <- matchEvent{kind: eventInput, ship: ship, input: in, at: m.clock.Now()}:
	default:
		m.met.inputsDropped.Inc()
	}
}

// disconnected tells the match a player's connection is gone: their seat is
// held for the reconnect grace period.
func (m *match) disconnected(ship uint32) { m.send(matchEvent{kind: eventDisconnect, ship: ship}) }

// rejoin tells the match a player has a new connection: it resends the match
// start and the chat history, and the next snapshot brings them up to date.
func (m *match) rejoin(ship uint32) { m.send(matchEvent{kind: eventRejoin, ship: ship}) }

// chat posts a line to msg.Channel (match or team) on behalf of ship.
func (m *match) chat(ship uint32, msg *arenav1.ChatMessage) {
	m.send(matchEvent{kind: eventChat, ship: ship, chat: msg})
}

// report records a player's report against another, with the channel's recent lines.
func (m *match) report(ship uint32, r *chatReport) {
	m.send(matchEvent{kind: eventReport, ship: ship, report: r})
}

// send delivers an event that must not be lost, unless the match is over.
func (m *match) send(e matchEvent) {
	select {
	case m.inbox <- e:
	case <-m.done:
	}
}

// maxCatchUp is the most ticks a late match runs at once to catch up with
// its schedule; ticks beyond it are skipped (and counted).
const maxCatchUp = 3

// run plays the match to its end: one tick per period, then results.
func (m *match) run(ctx context.Context) {
	defer close(m.done)
	m.started = m.clock.Now()
	m.log.Info("match started", slog.Int("players", len(m.seats)))
	for _, s := range m.seats {
		m.sendStart(s)
	}
	m.postSystem(fmt.Sprintf("Match started: %s, first to %d kills.", m.mode.Name, m.mode.ScoreLimit))
	ticker := m.clock.NewTicker(m.period)
	defer ticker.Stop()
	start, ran := m.clock.Now(), int64(0)
	for !m.sim.Ended() {
		select {
		case <-ctx.Done():
			m.spec.finish(m, m.finish(arenav1.MatchEndReason_MATCH_END_REASON_ABORTED, "the server ended the match"), ctx.Done())
			return
		case now := <-ticker.C():
			// A ticker drops ticks when the loop is late; run the ones due so the
			// match keeps its rate and inputs do not pile up in the buffers.
			due := int64(now.Sub(start) / m.period)
			if due-ran > maxCatchUp {
				m.met.ticksSkipped.Add(float64(due - ran - maxCatchUp))
				ran = due - maxCatchUp
			}
			for range max(due-ran, 1) {
				ran++
				if err := m.safeTick(); err != nil {
					m.log.Error("match failed", slog.Any("err", err))
					m.spec.finish(m, m.finish(arenav1.MatchEndReason_MATCH_END_REASON_ABORTED, "the match failed on the server"), ctx.Done())
					return
				}
				if m.sim.Ended() {
					break
				}
			}
		}
	}
	m.spec.finish(m, m.finish(arenav1.MatchEndReason_MATCH_END_REASON_UNSPECIFIED, ""), ctx.Done())
}

// safeTick runs one tick; a panic inside it becomes an error, so one broken
// match never takes the process down.
func (m *match) safeTick() (err error) {
	defer func() {
		if r := recover(); r != nil {
			m.met.matchesPanicked.Inc()
			err = fmt.Errorf("panic in tick %d: %v\n%s", m.sim.Tick(), r, debug.Stack())
		}
	}()
	start := time.Now()
	m.tickStart = m.clock.Now()
	m.drainInbox()
	m.countGrace()
	m.applyInputs()
	if err := m.sim.Step(); err != nil {
		return err
	}
	m.broadcastSnapshots()
	m.spec.record(m.sim)
	elapsed := time.Since(start)
	m.met.tickSeconds.Observe(elapsed.Seconds())
	if elapsed > m.period {
		m.met.tickOverruns.Inc()
	}
	return nil
}

// drainInbox handles everything that arrived since the last tick.
func (m *match) drainInbox() {
	for {
		select {
		case e := <-m.inbox:
			m.handle(e)
		default:
			return
		}
	}
}

func (m *match) handle(e matchEvent) {
	switch e.kind {
	case eventWatch:
		m.spec.add(m, e.watcher)
		return
	case eventUnwatch:
		m.spec.remove(e.watcher)
		return
	case eventSpectatorChat:
		m.spec.post(m, e.chat)
		return
	}
	s := m.seat(e.ship)
	if s == nil || s.left {
		return
	}
	switch e.kind {
	case eventInput:
		// The input is for the tick about to run at the earliest; its lead
		// counts from its arrival to the start of its tick.
		switch s.inputs.Push(e.input, m.sim.Tick()+1, max(m.tickStart.Sub(e.at), 0)) {
		case netcode.Late:
			m.met.inputsLate.Inc()
		case netcode.Refused:
			m.met.inputsDropped.Inc()
		}
	case eventChat:
		m.postChat(s, e.chat)
	case eventReport:
		e.report.log(m.log, m.channelFor(s, e.report.channel))
	case eventDisconnect:
		s.offline, s.graceTicks = true, m.graceTicks
		m.postSystem(s.player.name + " lost connection")
	case eventRejoin:
		switch {
		case s.arriving:
			s.offline, s.arriving = false, false
		case s.offline:
			s.offline = false
			m.postSystem(s.player.name + " is back")
		}
		s.inputs = netcode.NewTickBuffer(m.inputBuffer, m.period)
		s.snapshots.Handed(false) // the new connection starts from a full snapshot
		m.sendStart(s)
		s.player.deliverHistory(m.matchChat.History())
		if team := m.channelFor(s, arenav1.ChatChannel_CHAT_CHANNEL_TEAM); team != nil {
			s.player.deliverHistory(team.History())
		}
	}
}

// countGrace forfeits offline players whose grace period ran out.
func (m *match) countGrace() {
	for _, s := range m.seats {
		if !s.offline || s.left {
			continue
		}
		if s.graceTicks == 0 {
			if s.arriving {
				m.forfeit(s, " did not arrive and forfeits")
			} else {
				m.forfeit(s, " did not come back and forfeits")
			}
			continue
		}
		s.graceTicks--
	}
}

// forfeit takes a player out of the game for good and frees them in the lobby.
func (m *match) forfeit(s *seat, why string) {
	s.left, s.offline = true, false
	m.sim.RemovePlayer(s.ship)
	m.postSystem(s.player.name + why)
	m.host.left(s)
}

// applyInputs gives the simulation each seat's input for the tick about to
// run: the one meant for it, or the last movement again (a missing tick,
// counted while the player is connected).
func (m *match) applyInputs() {
	tick := m.sim.Tick() + 1
	for _, s := range m.seats {
		if s.left {
			continue
		}
		missing := s.inputs.Missing()
		in, ack, _ := s.inputs.Next(tick)
		if s.inputs.Missing() != missing && !s.offline {
			m.met.inputTicksMissing.Inc()
		}
		s.ack = ack
		m.sim.ApplyInput(s.ship, in)
	}
}

// inputReporter is a SnapshotEncoder that tells the player how their inputs
// arrive (netcode.Encoder).
type inputReporter interface {
	SetInputReport(r netcode.InputReport)
}

// broadcastSnapshots writes this tick's snapshot to every seated player:
// each is encoded into the match's buffer and handed to the socket at once
// (see sockWriter), so no snapshot is copied or waits for another goroutine.
func (m *match) broadcastSnapshots() {
	var counts sendCounts
	for _, s := range m.seats {
		if s.left {
			continue
		}
		c := s.player.conn.Load()
		if c == nil {
			continue
		}
		if r, ok := s.snapshots.(inputReporter); ok {
			r.SetInputReport(s.inputs.Report())
		}
		m.snapshot = s.snapshots.Append(m.snapshot[:0], s.ack)
		s.snapshots.Handed(counts.snapshot(c.sendSnapshot(m.snapshot), len(m.snapshot)))
	}
	counts.flush(m.met)
}

// channelFor returns the match's channel of kind as s sees it: the match
// channel, or s's team channel (nil outside team modes).
func (m *match) channelFor(s *seat, kind arenav1.ChatChannel) *chat.Channel {
	if kind != arenav1.ChatChannel_CHAT_CHANNEL_TEAM {
		return m.matchChat
	}
	if s.team < 1 || s.team > len(m.teamChat) {
		return nil
	}
	return m.teamChat[s.team-1]
}

// postChat posts a player's line to their match or team channel.
func (m *match) postChat(s *seat, msg *arenav1.ChatMessage) {
	ch := m.channelFor(s, msg.GetChannel())
	if ch == nil {
		s.player.send(errorMessage(0, arenav1.ErrorCode_ERROR_CODE_INVALID_CHAT, errNoTeamChat.Error()))
		return
	}
	m.post(ch, msg, s.team)
}

// postSystem posts a line from the server to the match channel.
func (m *match) postSystem(text string) { m.post(m.matchChat, systemLine(text), 0) }

// post stamps a line on ch and delivers the same bytes to everyone it is
// for: the whole match, or one team.
func (m *match) post(ch *chat.Channel, msg *arenav1.ChatMessage, team int) {
	line, err := ch.Post(msg, m.clock.Now())
	if err != nil {
		m.log.Error("post chat", slog.Any("err", err))
		return
	}
	for _, s := range m.seats {
		if s.left || (ch.Kind() == arenav1.ChatChannel_CHAT_CHANNEL_TEAM && s.team != team) {
			continue
		}
		s.player.deliver(line)
	}
}

// sendStart describes the match to one player.
func (m *match) sendStart(s *seat) {
	s.player.send(&arenav1.ServerMessage{Body: &arenav1.ServerMessage_MatchStart{MatchStart: m.describe(s.ship)}})
}

// describe is the match's start as the player of ship sees it (0: a spectator).
func (m *match) describe(ship uint32) *arenav1.MatchStart {
	start := &arenav1.MatchStart{MatchId: m.id, YourShipId: ship}
	m.sim.Describe(start)
	for _, o := range m.seats {
		start.Players = append(start.Players, &arenav1.PlayerInfo{
			ShipId: o.ship, PlayerId: o.player.id, Name: o.player.name, Team: uint32(o.team),
		})
	}
	return start
}

// finish builds the results and hands them to the lobby. reason overrides
// the simulation's own when the match did not end by the rules. It returns
// the results as sent (nil if they could not be encoded), for the
// spectators.
func (m *match) finish(reason arenav1.MatchEndReason, why string) []byte {
	end := &arenav1.MatchEnd{MatchId: m.id}
	m.sim.Results(end)
	if reason != arenav1.MatchEndReason_MATCH_END_REASON_UNSPECIFIED {
		end.Reason = reason
		for _, s := range m.seats {
			s.player.send(errorMessage(0, arenav1.ErrorCode_ERROR_CODE_MATCH_ABORTED, why))
		}
	}
	for _, r := range end.Results {
		if s := m.seat(r.ShipId); s != nil {
			r.PlayerId, r.Name = s.player.id, s.player.name
		}
	}
	m.log.Info("match ended", slog.String("reason", end.Reason.String()), slog.Uint64("tick", uint64(m.sim.Tick())))
	return m.host.ended(m, end)
}

func (m *match) seat(ship uint32) *seat {
	if ship == 0 || int(ship) > len(m.seats) {
		return nil
	}
	return m.seats[ship-1]
}

func systemLine(text string) *arenav1.ChatMessage {
	return &arenav1.ChatMessage{Text: text, System: true}
}
