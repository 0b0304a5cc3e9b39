package loadtest

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

// bot is one headless player over the real protocol.
//
// Ownership: Run starts run on its own goroutine and cancels its context at
// the end of the window. run owns the connection and is its only reader.
// While the bot is in a match it is a member of one of the run's senders'
// phases, whose goroutine is the only other writer; run stops the member
// (which waits for a send in progress) when the match is over for the bot
// (MatchEnd, or a snapshot in phase ENDED for a decoding bot), before it
// queues again, and before it returns.
type bot struct {
	r      *runner
	id     int
	name   string
	decode bool
	rng    *rand.Rand // how the bot plays; used by one goroutine at a time (see member)

	// nextSeq is the next input sequence. It continues across matches and
	// connections; the bot's sender owns it while it runs, run otherwise.
	nextSeq uint32
	// acks and seenTick let a decoding bot time acknowledgements: the sender
	// writes acks and reads seenTick, run does the opposite.
	acks     []ackSlot
	seenTick atomic.Uint32

	stats botStats
}

// botStats are one bot's counters. Each field has one writer (run, or the
// sender of the moment, which run waits for), and Run reads them only after
// the bot and the senders have returned.
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
	conn     *conn
	msg      arenav1.ServerMessage // reused for every decode
	dec      *netcode.Decoder      // the match's snapshot state, as a real client keeps it (decoding bots)
	inMatch  bool
	matchID  string
	sender   *member       // the bot's place in the senders while it plays
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
	defer s.conn.close()
	// The end of the run closes the connection, which ends a read or a write.
	stopClosing := context.AfterFunc(ctx, func() {
		s.closing.Store(true)
		s.conn.close()
	})
	defer stopClosing()
	r.connected.Add(1)
	defer r.connected.Add(-1)
	ready()
	defer b.endSession(ctx, s)

	if err := s.conn.send(queueJoin(r.cfg.Mode)); err != nil {
		b.errorf(ctx, "write", err)
		return
	}
	for {
		data, err := s.conn.read()
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
	c, err := dial(cctx, wsURL)
	if err != nil {
		b.errorf(ctx, "dial", err)
		return nil, false
	}
	fail := func(err error) (*session, bool) {
		b.errorf(ctx, "auth", err)
		c.close()
		return nil, false
	}
	// The connect timeout bounds the reads below, and closes the connection
	// if it passes during the write.
	deadline, _ := cctx.Deadline()
	if err := c.setReadDeadline(deadline); err != nil {
		return fail(err)
	}
	stopClosing := context.AfterFunc(cctx, c.close)
	defer stopClosing()
	s := &session{conn: c}
	if err := c.send(&arenav1.ClientMessage{Body: &arenav1.ClientMessage_Authenticate{Authenticate: &arenav1.Authenticate{Token: sess.Token}}}); err != nil {
		return fail(err)
	}
	for {
		data, err := c.read()
		if err != nil {
			return fail(err)
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
			if err := c.setReadDeadline(time.Time{}); err != nil {
				return fail(err)
			}
			return s, true
		case s.msg.GetError() != nil:
			e := s.msg.GetError()
			return fail(fmt.Errorf("%s: %s", e.GetCode(), e.GetMessage()))
		}
	}
}

// endSession closes the connection (which ends a send stuck in a write),
// stops the sender and settles refusals still pending.
func (b *bot) endSession(ctx context.Context, s *session) {
	s.closing.Store(true)
	s.conn.close()
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
	b.r.tickHz.CompareAndSwap(0, rate)
	s.inMatch, s.matchID = true, start.GetMatchId()
	s.dec = netcode.NewDecoder(start.GetYourShipId())
	s.lastSnap, s.lastTick = 0, 0
	s.firstSeq, s.lastAck = b.nextSeq, b.nextSeq-1
	b.seenTick.Store(0)
	s.sender = b.r.senders.join(b, s, time.Second/time.Duration(rate), int(rate))
}

// onMatchEnd stops playing, counts the match and queues again. It reports
// false if the connection failed.
func (b *bot) onMatchEnd(ctx context.Context, s *session, now time.Duration, end *arenav1.MatchEnd) bool {
	b.stopSender(s)
	b.r.matchEnded(end.GetMatchId(), now)
	s.inMatch, s.lastSnap = false, 0
	b.stats.inputsAfterEnd += s.pending
	s.pending = 0
	if err := s.conn.send(queueJoin(b.r.cfg.Mode)); err != nil {
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

// stopSender ends the bot's sending, if it is sending; once it returns no
// input of the bot is in flight.
func (b *bot) stopSender(s *session) {
	if s.sender == nil {
		return
	}
	s.sender.stop()
	s.sender = nil
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
	if err := s.conn.write(buf); err != nil {
		if ctx.Err() == nil && !s.closing.Load() {
			s.writeFailed.Store(true)
			b.errorf(ctx, "write", err)
			s.conn.close() // ends the reader, which connects again
		}
		return false
	}
	b.nextSeq++
	if r.inWindow(now) {
		b.stats.inputsSent++
	}
	return true
}

func queueJoin(mode string) *arenav1.ClientMessage {
	return &arenav1.ClientMessage{Body: &arenav1.ClientMessage_QueueJoin{QueueJoin: &arenav1.QueueJoin{Mode: mode}}}
}
