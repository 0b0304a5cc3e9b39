package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/arena-server/arena/game"
	"github.com/arena-server/arena/netcode"
	"github.com/arena-server/arena/netcode/transport"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

// snapshotTag is the first byte of every ServerMessage that carries a
// Snapshot and nothing else: the tag of the snapshot field (14, length
// delimited), read from the schema. Snapshots are unsolicited, so they have no
// request_id before it. A frame that starts otherwise is decoded in full, so
// the peek never misreads a frame: at worst it decodes one it need not.
var snapshotTag = func() byte {
	f := (&arenav1.ServerMessage{}).ProtoReflect().Descriptor().Fields().ByName(protoreflect.Name("snapshot"))
	return byte(protowire.EncodeTag(f.Number(), protowire.BytesType))
}()

// ackRing is how many recent inputs a decoding bot remembers for timing
// their acknowledgement: about two seconds at 30 Hz. An input acknowledged
// later than that is not timed.
const ackRing = 64

// ackSlot remembers one sent input. The sender writes key = 0, then sent,
// then key; the reader accepts sent only if key reads the same before and
// after it, so a slot being reused is never misread.
type ackSlot struct {
	key  atomic.Uint64 // seq<<32 | newest snapshot tick seen when sent
	sent atomic.Int64  // send time, ns since the run's epoch
}

// directions are the movement button sets a bot picks from: still or one
// of eight directions.
var directions = [...]uint32{
	0,
	uint32(arenav1.Button_BUTTON_UP),
	uint32(arenav1.Button_BUTTON_UP | arenav1.Button_BUTTON_RIGHT),
	uint32(arenav1.Button_BUTTON_RIGHT),
	uint32(arenav1.Button_BUTTON_DOWN | arenav1.Button_BUTTON_RIGHT),
	uint32(arenav1.Button_BUTTON_DOWN),
	uint32(arenav1.Button_BUTTON_DOWN | arenav1.Button_BUTTON_LEFT),
	uint32(arenav1.Button_BUTTON_LEFT),
	uint32(arenav1.Button_BUTTON_UP | arenav1.Button_BUTTON_LEFT),
}

// bot is one headless player over the real protocol.
//
// Ownership: Run starts run on its own goroutine and cancels its context at
// the end of the window. run owns the connection and is its only reader.
// While the bot is in a match, run starts one sender goroutine, the only
// other writer; run stops it and waits for it when the match is over for the
// bot (MatchEnd, or a snapshot in phase ENDED for a decoding bot), before it
// queues again, and before it returns.
type bot struct {
	r      *runner
	id     int
	name   string
	decode bool
	rng    *rand.Rand // how the bot plays; used by one sender at a time

	// nextSeq is the next input sequence. It continues across matches and
	// connections; the sender owns it while it runs, run otherwise.
	nextSeq uint32
	// acks and seenTick let a decoding bot time acknowledgements: the sender
	// writes acks and reads seenTick, run does the opposite.
	acks     []ackSlot
	seenTick atomic.Uint32

	stats botStats
}

// botStats are one bot's counters. Each field has one writer (run, or the
// sender of the moment, which run waits for), and Run reads them only after
// the bot has returned.
type botStats struct {
	snapshots, decoded, missed, bytes uint64 // in the window; run's
	inputsAfterEnd                    uint64 // whole run; run's
	inputsSent                        uint64 // in the window; the sender's
}

func newBot(r *runner, id int) *bot {
	b := &bot{
		r:       r,
		id:      id,
		name:    "bot-" + strconv.Itoa(id),
		decode:  id%r.cfg.DecodeEvery == 0,
		rng:     rand.New(rand.NewPCG(r.cfg.Seed, uint64(id))),
		nextSeq: 1,
	}
	if b.decode {
		b.acks = make([]ackSlot, ackRing)
	}
	return b
}

// run plays until ctx is done, connecting again after every failure or
// disconnect (each counted as an error). ready is called once, when the
// first connection attempt is over, authenticated or not.
func (b *bot) run(ctx context.Context, ready func()) {
	first := true
	signal := func() {
		if first {
			first = false
			ready()
		}
	}
	defer signal()
	for {
		b.session(ctx, signal)
		signal()
		if !sleep(ctx, b.r.cfg.ReconnectDelay) {
			return
		}
	}
}

// session is one connection: sign in, dial, authenticate, queue, then play
// match after match until the connection ends or ctx is done. It counts its
// own errors.
type session struct {
	conn     *transport.Conn
	msg      arenav1.ServerMessage // reused for every decode
	dec      *netcode.Decoder      // the match's snapshot state, as a real client keeps it (decoding bots)
	inMatch  bool
	matchID  string
	sender   *sender
	lastSnap time.Duration // arrival of the match's previous snapshot; 0 for none
	lastTick uint32        // tick of the previous decoded snapshot
	firstSeq uint32        // the first input sequence of the current match
	lastAck  uint32        // the highest ack_seq timed so far

	// Inputs the server refused as "not in a match" while the bot still
	// believed it was in one (see onError).
	pending      uint64
	pendingSince time.Duration

	writeFailed atomic.Bool // the sender failed to write and closed conn
	closing     atomic.Bool // run is closing conn: the sender's write errors are expected
}

// errorf counts an error of kind unless ctx is done (then the failure is
// the run ending, not an error).
func (b *bot) errorf(ctx context.Context, kind string, err error) {
	if ctx.Err() == nil {
		b.r.error(b.id, kind, err)
	}
}

func (b *bot) session(ctx context.Context, ready func()) {
	r := b.r
	s, ok := b.connect(ctx)
	if !ok {
		return
	}
	defer s.conn.Close()
	// The end of the run closes the connection, which unblocks a write too.
	stopClosing := context.AfterFunc(ctx, func() {
		s.closing.Store(true)
		s.conn.Close()
	})
	defer stopClosing()
	r.connected.Add(1)
	defer r.connected.Add(-1)
	ready()
	defer b.endSession(ctx, s)

	if err := s.conn.Send(writeContext(ctx), queueJoin(r.cfg.Mode)); err != nil {
		b.errorf(ctx, "write", err)
		return
	}
	// Reads need no cancellation either (stopClosing ends them), and a
	// context that cannot end spares ReadFrame registering on it per frame.
	rctx := context.WithoutCancel(ctx)
	for {
		data, err := s.conn.ReadFrame(rctx)
		now := r.now()
		if err != nil {
			if !s.writeFailed.Load() {
				b.errorf(ctx, "disconnect", err)
			}
			return
		}
		in := r.inWindow(now)
		if in {
			b.stats.bytes += uint64(len(data))
		}
		b.checkPending(s, now)
		if !b.decode && len(data) > 0 && data[0] == snapshotTag {
			b.onSnapshot(ctx, s, now, in, nil)
			continue
		}
		if err := proto.Unmarshal(data, &s.msg); err != nil {
			b.errorf(ctx, "decode", fmt.Errorf("%d bytes: %w", len(data), err))
			continue
		}
		switch body := s.msg.GetBody().(type) {
		case *arenav1.ServerMessage_Snapshot:
			b.onSnapshot(ctx, s, now, in, body.Snapshot)
		case *arenav1.ServerMessage_MatchStart:
			b.onMatchStart(ctx, s, body.MatchStart)
		case *arenav1.ServerMessage_MatchEnd:
			if !b.onMatchEnd(ctx, s, now, body.MatchEnd) {
				return
			}
		case *arenav1.ServerMessage_Error:
			b.onError(ctx, s, now, body.Error)
		case *arenav1.ServerMessage_MatchFound, *arenav1.ServerMessage_QueueStatus,
			*arenav1.ServerMessage_ChatMessage, *arenav1.ServerMessage_Pong:
			// Nothing to do: the match starts with MatchStart; chat is noise.
		default:
			b.errorf(ctx, "unexpected_message", fmt.Errorf("server message with body %T", body))
		}
	}
}

// connect signs in, dials and authenticates within the connect timeout.
func (b *bot) connect(ctx context.Context) (*session, bool) {
	r := b.r
	cctx, cancel := context.WithTimeout(ctx, r.cfg.ConnectTimeout)
	defer cancel()
	sess, err := transport.SignIn(cctx, r.cfg.Server, b.name)
	if err != nil {
		b.errorf(ctx, "sign_in", err)
		return nil, false
	}
	wsURL, err := transport.WebSocketURL(r.cfg.Server)
	if err != nil {
		b.errorf(ctx, "dial", err)
		return nil, false
	}
	conn, err := transport.Dial(cctx, wsURL)
	if err != nil {
		b.errorf(ctx, "dial", err)
		return nil, false
	}
	s := &session{conn: conn}
	// The connect timeout closes the connection, which unblocks a write too.
	stopClosing := context.AfterFunc(cctx, func() { conn.Close() })
	defer stopClosing()
	auth := &arenav1.ClientMessage{Body: &arenav1.ClientMessage_Authenticate{Authenticate: &arenav1.Authenticate{Token: sess.Token}}}
	if err := conn.Send(writeContext(cctx), auth); err != nil {
		b.errorf(ctx, "auth", err)
		conn.Close()
		return nil, false
	}
	for {
		data, err := conn.ReadFrame(cctx)
		if err != nil {
			b.errorf(ctx, "auth", err)
			conn.Close()
			return nil, false
		}
		if now := r.now(); r.inWindow(now) {
			b.stats.bytes += uint64(len(data))
		}
		if err := proto.Unmarshal(data, &s.msg); err != nil {
			b.errorf(ctx, "decode", fmt.Errorf("%d bytes: %w", len(data), err))
			continue
		}
		switch {
		case s.msg.GetAuthenticated() != nil:
			return s, true
		case s.msg.GetError() != nil:
			e := s.msg.GetError()
			b.errorf(ctx, "auth", fmt.Errorf("%s: %s", e.GetCode(), e.GetMessage()))
			conn.Close()
			return nil, false
		}
	}
}

// endSession closes the connection (which unblocks a sender stuck in a
// write), stops the sender and settles refusals still pending.
func (b *bot) endSession(ctx context.Context, s *session) {
	s.closing.Store(true)
	s.conn.Close()
	b.stopSender(s)
	if s.pending > 0 {
		if ctx.Err() != nil {
			// The run ended within the grace: the MatchEnd may have been on its
			// way. Given the benefit of the doubt, and still reported.
			b.stats.inputsAfterEnd += s.pending
		} else {
			b.r.errs.add("not_in_match", s.pending)
		}
		s.pending = 0
	}
}

// onSnapshot counts and times one snapshot; snap is nil when the frame was
// only peeked at, not decoded.
func (b *bot) onSnapshot(ctx context.Context, s *session, now time.Duration, in bool, snap *arenav1.Snapshot) {
	r := b.r
	if in {
		b.stats.snapshots++
		if snap != nil {
			b.stats.decoded++
		}
		if s.lastSnap != 0 {
			r.interarrival.add(b.id, uint64((now-s.lastSnap)/time.Microsecond))
		}
	}
	s.lastSnap = now
	if snap == nil || !s.inMatch {
		return
	}
	view, err := s.dec.Apply(snap)
	if err != nil {
		b.errorf(ctx, "decode", fmt.Errorf("snapshot of tick %d: %w", snap.GetTick(), err))
		return
	}
	tick := view.Tick
	if in && s.lastTick != 0 && tick > s.lastTick+1 {
		b.stats.missed += uint64(tick - s.lastTick - 1)
	}
	s.lastTick = tick
	b.seenTick.Store(tick)
	b.timeAcks(s, now, in, tick, view.Ack)
	if view.Phase == game.PhaseEnded {
		// Like the game client, stop sending once the match is over.
		b.stopSender(s)
	}
}

// timeAcks times every input of this match up to ack that was not timed
// yet: from its send to now, the arrival of the first snapshot acknowledging
// it.
func (b *bot) timeAcks(s *session, now time.Duration, in bool, tick, ack uint32) {
	if ack <= s.lastAck {
		return
	}
	from := max(s.lastAck+1, s.firstSeq)
	if ack-from >= ackRing {
		from = ack - ackRing + 1
	}
	s.lastAck = ack
	if !in {
		return
	}
	for seq := from; seq <= ack && seq >= from; seq++ { // seq >= from stops a wrap at MaxUint32
		slot := &b.acks[seq%ackRing]
		key := slot.key.Load()
		if uint32(key>>32) != seq {
			continue
		}
		sent := time.Duration(slot.sent.Load())
		if slot.key.Load() != key {
			continue
		}
		b.r.ackLatency.add(b.id, uint64((now-sent)/time.Microsecond))
		if sentTick := uint32(key); tick >= sentTick {
			b.r.ackTicks.add(b.id, uint64(tick-sentTick))
		}
	}
}

// onMatchStart begins playing: one input per tick from now on.
func (b *bot) onMatchStart(ctx context.Context, s *session, start *arenav1.MatchStart) {
	if s.inMatch && s.matchID == start.GetMatchId() {
		return // described again (a rejoin): play on
	}
	if s.inMatch {
		b.errorf(ctx, "unexpected_message", fmt.Errorf("match %s started before match %s ended", start.GetMatchId(), s.matchID))
		b.stopSender(s)
	}
	rate := start.GetTickRate()
	if rate == 0 {
		b.errorf(ctx, "bad_match_start", fmt.Errorf("match %s has tick rate 0; sending at 30 Hz", start.GetMatchId()))
		rate = 30
	}
	s.inMatch, s.matchID = true, start.GetMatchId()
	s.dec = netcode.NewDecoder(start.GetYourShipId())
	s.lastSnap, s.lastTick = 0, 0
	s.firstSeq, s.lastAck = b.nextSeq, b.nextSeq-1
	b.seenTick.Store(0)
	b.startSender(ctx, s, time.Second/time.Duration(rate), int(rate))
}

// onMatchEnd stops playing, counts the match and queues again. It reports
// false if the connection failed.
func (b *bot) onMatchEnd(ctx context.Context, s *session, now time.Duration, end *arenav1.MatchEnd) bool {
	b.stopSender(s)
	b.r.matchEnded(end.GetMatchId(), now)
	s.inMatch, s.lastSnap = false, 0
	b.stats.inputsAfterEnd += s.pending
	s.pending = 0
	if err := s.conn.Send(writeContext(ctx), queueJoin(b.r.cfg.Mode)); err != nil {
		b.errorf(ctx, "write", err)
		return false
	}
	return true
}

// onError handles an Error from the server. Every one is an error of the
// run, save one benign race: the server ends a match (and forgets the seat)
// a moment before its MatchEnd reaches the bot, and inputs the bot sends in
// that moment are refused with NOT_IN_MATCH. Such a refusal is counted in
// inputs_after_end if the bot is between matches, or if the match's MatchEnd
// arrives within LateRejectGrace of it; otherwise it is an error.
// (Bots never chat, so inputs are their only messages NOT_IN_MATCH can
// answer.)
func (b *bot) onError(ctx context.Context, s *session, now time.Duration, e *arenav1.Error) {
	if e.GetCode() == arenav1.ErrorCode_ERROR_CODE_NOT_IN_MATCH {
		if !s.inMatch {
			b.stats.inputsAfterEnd++
			return
		}
		if s.pending == 0 {
			s.pendingSince = now
		}
		s.pending++
		return
	}
	kind := "server_" + strings.ToLower(strings.TrimPrefix(e.GetCode().String(), "ERROR_CODE_"))
	b.errorf(ctx, kind, errors.New(e.GetMessage()))
}

// checkPending turns refusals whose match did not end in time into errors.
func (b *bot) checkPending(s *session, now time.Duration) {
	if s.pending > 0 && now-s.pendingSince > b.r.cfg.LateRejectGrace {
		b.r.error(b.id, "not_in_match", fmt.Errorf("%d inputs refused as not in a match, in match %s", s.pending, s.matchID))
		b.r.errs.add("not_in_match", s.pending-1)
		s.pending = 0
	}
}

// sender sends one match's inputs. Ownership: startSender starts its
// goroutine; stopSender closes stop and waits for done; ctx ending also
// stops it.
type sender struct {
	stop chan struct{}
	done chan struct{}
}

func (b *bot) startSender(ctx context.Context, s *session, period time.Duration, tickRate int) {
	snd := &sender{stop: make(chan struct{}), done: make(chan struct{})}
	s.sender = snd
	go func() {
		defer close(snd.done)
		b.sendLoop(ctx, s, snd.stop, period, tickRate)
	}()
}

func (b *bot) stopSender(s *session) {
	if s.sender == nil {
		return
	}
	close(s.sender.stop)
	<-s.sender.done
	s.sender = nil
}

// maxInputBurst is how many inputs one wake-up of a sender may send to
// catch up after a stall, as the game client's pacer does (client/app);
// beyond it the schedule restarts from now.
const maxInputBurst = 4

// sendLoop sends one input per period on the bot's own clock until stop is
// closed or ctx is done. It starts at a random phase of the server's tick, as
// a real client would (starting on MatchStart would align every bot with the
// tick and bias acknowledgement latency by up to a tick), and like the game
// client it catches up on inputs a late wake-up missed, at most
// maxInputBurst at once. Of s it touches only conn and the atomics.
func (b *bot) sendLoop(ctx context.Context, s *session, stop <-chan struct{}, period time.Duration, tickRate int) {
	timer := time.NewTimer(time.Duration(b.rng.Int64N(int64(period))))
	defer timer.Stop()
	p := newPilot(b.rng, tickRate)
	pace := pacer{period: period}
	for {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		for range pace.due(time.Now()) {
			if !b.sendInput(ctx, s, p) {
				return
			}
		}
		timer.Reset(time.Until(pace.next))
	}
}

// pacer schedules one input per period.
type pacer struct {
	period time.Duration
	next   time.Time // when the next input is due; zero before the first
}

// due returns how many inputs to send at now (the first call starts the
// schedule at now) and advances the schedule: every input whose time has
// come, at most maxInputBurst, after which the schedule restarts from now.
func (p *pacer) due(now time.Time) int {
	if p.next.IsZero() {
		p.next = now
	}
	if now.Before(p.next) {
		return 0
	}
	n := int(now.Sub(p.next)/p.period) + 1
	if n > maxInputBurst {
		p.next = now.Add(p.period)
		return maxInputBurst
	}
	p.next = p.next.Add(time.Duration(n) * p.period)
	return n
}

// sendInput sends the pilot's next input; it reports false if the
// connection failed (counted, and closed so that the reader ends too).
func (b *bot) sendInput(ctx context.Context, s *session, p *pilot) bool {
	r := b.r
	seq := b.nextSeq
	buf, err := p.next(seq)
	if err != nil {
		b.errorf(ctx, "encode", err)
		return false
	}
	now := r.now()
	if b.acks != nil {
		slot := &b.acks[seq%ackRing]
		slot.key.Store(0)
		slot.sent.Store(int64(now))
		slot.key.Store(uint64(seq)<<32 | uint64(b.seenTick.Load()))
	}
	if err := s.conn.WriteFrame(writeContext(ctx), buf); err != nil {
		if ctx.Err() == nil && !s.closing.Load() {
			s.writeFailed.Store(true)
			b.errorf(ctx, "write", err)
			s.conn.Close() // ends the reader, which connects again
		}
		return false
	}
	b.nextSeq++
	if r.inWindow(now) {
		b.stats.inputsSent++
	}
	return true
}

// pilot decides a bot's inputs and encodes them, reusing one message and
// one buffer. It plays like a restless human: a new random direction and aim
// about once a second, a shot (at a new random aim) about twice a second.
type pilot struct {
	rng      *rand.Rand
	tickRate int
	dir      int
	aim      uint32
	input    *arenav1.Input
	msg      *arenav1.ClientMessage
	buf      []byte
}

func newPilot(rng *rand.Rand, tickRate int) *pilot {
	input := &arenav1.Input{}
	return &pilot{
		rng:      rng,
		tickRate: tickRate,
		dir:      rng.IntN(len(directions)),
		aim:      rng.Uint32N(1 << 16),
		input:    input,
		msg:      &arenav1.ClientMessage{Body: &arenav1.ClientMessage_Input{Input: input}},
		buf:      make([]byte, 0, 32),
	}
}

// next returns the encoded ClientMessage of input seq. The bytes are valid
// until the following call.
func (p *pilot) next(seq uint32) ([]byte, error) {
	if p.rng.IntN(p.tickRate) == 0 {
		p.dir, p.aim = p.rng.IntN(len(directions)), p.rng.Uint32N(1<<16)
	}
	buttons := directions[p.dir]
	if p.rng.IntN(p.tickRate) < 2 {
		buttons |= uint32(arenav1.Button_BUTTON_FIRE)
		p.aim = p.rng.Uint32N(1 << 16)
	}
	p.input.Seq, p.input.Buttons, p.input.Aim = seq, buttons, p.aim
	var err error
	p.buf, err = proto.MarshalOptions{}.MarshalAppend(p.buf[:0], p.msg)
	return p.buf, err
}

// writeContext is the context every write gets: ctx's values without its
// end. transport.Conn.WriteFrame, when its context ends during a write, sets
// gorilla's write deadline from another goroutine, racing with the write in
// progress; so the bots never let a context end a write, and unblock a
// stuck one by closing the connection instead (gorilla allows Close
// concurrently with everything).
func writeContext(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }

func queueJoin(mode string) *arenav1.ClientMessage {
	return &arenav1.ClientMessage{Body: &arenav1.ClientMessage_QueueJoin{QueueJoin: &arenav1.QueueJoin{Mode: mode}}}
}
