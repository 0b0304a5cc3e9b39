package loadtest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
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

// Request ids of the bots' own requests, so that an Error tells what it
// answers (see bot.onError). Inputs carry none.
const (
	queueRequest uint32 = 1
	chatRequest  uint32 = 2
)

// bot is one headless player over the real protocol.
//
// Ownership: Run starts run on its own goroutine and cancels its context at
// the end of the window. run owns the connection and is its only reader,
// and alone reads and writes where the bot stands between connections (its
// sign-in, server, match and move). While the bot is in a match it is a
// member of one of the run's senders' phases, whose goroutine is the only
// other writer; run stops the member (which waits for a send in progress)
// when the match is over for the bot (MatchEnd, or a snapshot in phase ENDED
// for a decoding bot), before it queues again, and before it returns. With
// Config.LobbyChat, each connection also has a chat goroutine that writes
// lobby lines; run stops it (waiting for it) before the connection ends.
type bot struct {
	r      *runner
	id     int
	decode bool
	rng    *rand.Rand // how the bot plays; used by one goroutine at a time (see member)

	// Where the bot stands between connections; run's alone.
	signIn   transport.Session // the sign-in; Token is "" until the bot signed in
	via      int               // the listed server the sign-in went through (its name says it too)
	server   int               // the listed server the bot queues on; it fails over to the next one
	matchURL string            // the websocket URL of the node holding the bot's match; "" when not in one
	move     seat              // the seat to take on another node (MatchFound.node_url); zero when none
	// found is when the bot's last MatchFound arrived, until the match's
	// first snapshot; foundMoved says whether the match was on another node.
	found      time.Duration
	foundMoved bool

	// nextSeq is the next input sequence. It continues across matches and
	// connections; the bot's sender owns it while it runs, run otherwise.
	nextSeq uint32
	// acks and seenTick let a decoding bot time acknowledgements: the sender
	// writes acks and reads seenTick, run does the opposite.
	acks     []ackSlot
	seenTick atomic.Uint32

	stats botStats
}

// seat is a seat in a match on another node: that node's websocket URL and
// the ticket that claims the seat there (MatchFound.node_url, seat_ticket).
type seat struct {
	url, ticket string
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
		decode:  id%r.cfg.DecodeEvery == 0,
		rng:     rand.New(rand.NewPCG(r.cfg.Seed, uint64(id))),
		server:  r.servers.home(id),
		nextSeq: 1,
	}
	if b.decode {
		b.acks = make([]ackSlot, ackRing)
	}
	return b
}

// run plays until ctx is done, connecting again after every failure or
// disconnect (each counted as an error, or as a failover; see session).
// ready is called once, when the first connection attempt is over,
// authenticated or not.
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
		moved := b.session(ctx, signal)
		signal()
		if moved {
			continue // to the match's node, at once
		}
		if !sleep(ctx, b.r.cfg.ReconnectDelay) {
			return
		}
	}
}

// session is one connection: sign in (the first time), dial, authenticate,
// queue, then play match after match until the connection ends or ctx is
// done. It counts its own errors.
type session struct {
	conn     *conn
	url      string                // the websocket URL connected to
	seated   bool                  // connected with a seat ticket: the match's MatchStart follows
	rejoin   bool                  // connected to the node holding the bot's match, to play on
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

	// inLobby is whether the bot is between matches, where it chats; run
	// writes it, the chat goroutine reads it. lobbySince is when it last
	// entered the lobby (run's).
	inLobby    atomic.Bool
	lobbySince time.Duration
	// stopChat ends the chat goroutine, chatDone waits for it (see chat).
	stopChat chan struct{}
	chatDone sync.WaitGroup

	writeFailed atomic.Bool // a writer other than run failed to write and closed conn
	closing     atomic.Bool // run is closing conn: the other writers' errors are expected
}

// enterLobby records that the bot is between matches, from now.
func (s *session) enterLobby(now time.Duration) {
	if !s.inLobby.Load() {
		s.lobbySince = now
		s.inLobby.Store(true)
	}
}

// errorf counts an error of kind unless ctx is done (then the failure is
// the run ending, not an error).
func (b *bot) errorf(ctx context.Context, kind string, err error) {
	if ctx.Err() == nil {
		b.r.error(b.id, kind, err)
	}
}

// failOver moves the bot to the server listed after wsURL, whose node is
// gone, and counts the failover (unless ctx is done). The bot keeps its
// token: it is valid on every node.
func (b *bot) failOver(ctx context.Context, wsURL string) {
	if ctx.Err() == nil {
		b.server = b.r.servers.failover(wsURL, b.server)
		b.r.failovers.Add(1)
	}
}

// canFailOver reports whether a failure that err describes, of a
// connection the bot held or tried while not in a match, is a failover
// rather than an error: the node is gone (see nodeGone) and another server
// is listed.
func (b *bot) canFailOver(err error) bool {
	return b.matchURL == "" && len(b.r.servers.ws) > 1 && nodeGone(err)
}

// session runs one connection; it reports whether it ended to follow a
// move to another node, which the bot does at once.
func (b *bot) session(ctx context.Context, ready func()) (moved bool) {
	r := b.r
	s, ok := b.connect(ctx)
	if !ok {
		return false
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
	if r.cfg.LobbyChat > 0 {
		s.stopChat = make(chan struct{})
		s.chatDone.Go(func() { b.chat(ctx, s) })
	}

	// A bot that was moved is seated on this node: its MatchStart follows.
	// Otherwise it queues: on the node holding its match, the queue is
	// refused (the seat was kept, see onError) or accepted (it was not).
	if !s.seated {
		if err := s.conn.send(queueJoin(r.cfg.Mode)); err != nil {
			b.errorf(ctx, "write", err)
			return false
		}
		if !s.rejoin {
			s.enterLobby(r.now())
		}
	}
	for {
		data, err := s.conn.read()
		now := r.now()
		if err != nil {
			switch {
			case s.writeFailed.Load():
			case !s.inMatch && b.canFailOver(err):
				b.failOver(ctx, s.url)
			default:
				b.errorf(ctx, closeKind(err, "disconnect"), err)
			}
			return false
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
		case *arenav1.ServerMessage_MatchFound:
			s.inLobby.Store(false)
			b.found, b.foundMoved = now, body.MatchFound.GetNodeUrl() != ""
			if found := body.MatchFound; found.GetNodeUrl() != "" {
				// The match runs on another node: close this connection
				// (normally, in endSession) and take the seat there.
				b.move = seat{url: found.GetNodeUrl(), ticket: found.GetSeatTicket()}
				if ctx.Err() == nil {
					r.moves.Add(1)
				}
				return true
			}
		case *arenav1.ServerMessage_MatchStart:
			b.onMatchStart(ctx, s, body.MatchStart)
		case *arenav1.ServerMessage_MatchEnd:
			if !b.onMatchEnd(ctx, s, now, body.MatchEnd) {
				return false
			}
		case *arenav1.ServerMessage_QueueStatus:
			if !s.inMatch {
				// Queued: in the lobby, and no longer holding a seat (a bot
				// that came back to its match too late).
				b.matchURL = ""
				s.enterLobby(now)
			}
		case *arenav1.ServerMessage_ChatMessage:
			b.onChat(s, body.ChatMessage)
		case *arenav1.ServerMessage_Error:
			if !b.onError(ctx, s, now, s.msg.GetRequestId(), body.Error) {
				return false
			}
		case *arenav1.ServerMessage_Pong:
			// Nothing to do: bots never ping.
		default:
			b.errorf(ctx, "unexpected_message", fmt.Errorf("server message with body %T", body))
		}
	}
}

// closeKind is the error kind of a connection that ended with err: a
// refused seat (close 4005), or kind.
func closeKind(err error, kind string) string {
	if transport.CloseCode(err) == transport.CloseSeatRefused {
		return "seat_refused"
	}
	return kind
}

// connect signs in (unless the bot holds a token), dials and authenticates
// within the connect timeout. It connects to the seat of a move if there is
// one, else to the node holding the bot's match if it is in one, else to
// its server. A failure is counted as an error, or as a failover (see
// canFailOver): a node holding the bot's match that is gone took the match
// with it, and the bot fails over like one not in a match.
func (b *bot) connect(ctx context.Context) (*session, bool) {
	r := b.r
	cctx, cancel := context.WithTimeout(ctx, r.cfg.ConnectTimeout)
	defer cancel()
	mv := b.move
	b.move = seat{}
	url := mv.url
	switch {
	case url != "":
	case b.matchURL != "":
		url = b.matchURL
	default:
		url = r.servers.ws[b.server]
	}
	failed := func(kind string, err error) (*session, bool) {
		if mv.url == "" && nodeGone(err) && b.matchURL == url {
			b.matchURL = ""
		}
		if mv.url == "" && b.canFailOver(err) {
			b.failOver(ctx, url)
		} else {
			b.errorf(ctx, kind, err)
		}
		return nil, false
	}
	if b.signIn.Token == "" {
		sess, err := transport.SignIn(cctx, r.servers.base[b.server], botName(b.id, b.server))
		if err != nil {
			return failed("sign_in", err)
		}
		b.signIn, b.via = sess, b.server
	}
	c, err := dial(cctx, url)
	if err != nil {
		return failed("dial", err)
	}
	// A refusal: of the seat (an Error answering a seat ticket, or close
	// 4005), or of the token, which the bot then forgets, with the match it
	// held, to sign in again.
	refused := func(code arenav1.ErrorCode, err error) (*session, bool) {
		c.close()
		kind := closeKind(err, "auth")
		switch {
		case mv.ticket != "" && code != arenav1.ErrorCode_ERROR_CODE_UNSPECIFIED:
			kind = "seat_refused"
		case code == arenav1.ErrorCode_ERROR_CODE_UNAUTHENTICATED || transport.CloseCode(err) == transport.CloseUnauthenticated:
			b.signIn, b.matchURL = transport.Session{}, ""
		}
		return failed(kind, err)
	}
	// The connect timeout bounds the reads below, and closes the connection
	// if it passes during the write.
	deadline, _ := cctx.Deadline()
	if err := c.setReadDeadline(deadline); err != nil {
		return refused(arenav1.ErrorCode_ERROR_CODE_UNSPECIFIED, err)
	}
	stopClosing := context.AfterFunc(cctx, c.close)
	defer stopClosing()
	s := &session{conn: c, url: url, seated: mv.url != "", rejoin: mv.url == "" && b.matchURL != ""}
	auth := &arenav1.Authenticate{Token: b.signIn.Token, SeatTicket: mv.ticket}
	if err := c.send(&arenav1.ClientMessage{Body: &arenav1.ClientMessage_Authenticate{Authenticate: auth}}); err != nil {
		return refused(arenav1.ErrorCode_ERROR_CODE_UNSPECIFIED, err)
	}
	for {
		data, err := c.read()
		if err != nil {
			return refused(arenav1.ErrorCode_ERROR_CODE_UNSPECIFIED, err)
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
				return refused(arenav1.ErrorCode_ERROR_CODE_UNSPECIFIED, err)
			}
			return s, true
		case s.msg.GetError() != nil:
			e := s.msg.GetError()
			return refused(e.GetCode(), fmt.Errorf("%s: %s", e.GetCode(), e.GetMessage()))
		}
	}
}

// endSession closes the connection (which ends a send stuck in a write),
// stops the sender and the chat and settles refusals still pending.
func (b *bot) endSession(ctx context.Context, s *session) {
	s.closing.Store(true)
	s.conn.close()
	b.stopSender(s)
	if s.stopChat != nil {
		close(s.stopChat)
		s.chatDone.Wait()
	}
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
	if b.found != 0 {
		h := &r.foundLocal
		if b.foundMoved {
			h = &r.foundMoved
		}
		h.add(b.id, uint64((now-b.found)/time.Microsecond))
		b.found = 0
	}
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
	s.inLobby.Store(false)
	s.inMatch, s.matchID = true, start.GetMatchId()
	b.matchURL = s.url
	s.dec = netcode.NewDecoder(start.GetYourShipId())
	s.lastSnap, s.lastTick = 0, 0
	s.firstSeq, s.lastAck = b.nextSeq, b.nextSeq-1
	b.seenTick.Store(0)
	s.sender = b.r.senders.join(b, s, time.Second/time.Duration(rate), int(rate))
}

// onMatchEnd stops playing, counts the match and queues again, on the node
// it played on. It reports false if the connection failed.
func (b *bot) onMatchEnd(ctx context.Context, s *session, now time.Duration, end *arenav1.MatchEnd) bool {
	b.stopSender(s)
	b.r.matchEnded(end.GetMatchId(), now)
	s.inMatch, s.lastSnap = false, 0
	b.matchURL = ""
	s.enterLobby(now)
	b.stats.inputsAfterEnd += s.pending
	s.pending = 0
	if err := s.conn.send(queueJoin(b.r.cfg.Mode)); err != nil {
		b.errorf(ctx, "write", err)
		return false
	}
	return true
}

// onError handles an Error from the server, answering request req (0 for
// none); it reports false if the session must end. Every Error is an error
// of the run, save:
//   - One benign race: the server ends a match (and forgets the seat) a
//     moment before its MatchEnd reaches the bot, and inputs the bot sends in
//     that moment are refused with NOT_IN_MATCH. Such a refusal is counted in
//     inputs_after_end if the bot is between matches, or if the match's
//     MatchEnd arrives within LateRejectGrace of it; otherwise it is an
//     error. (Bots chat only in the lobby, which NOT_IN_MATCH never answers,
//     so inputs are their only messages it can answer.)
//   - Another: a lobby chat line refused with WRONG_PHASE, because the bot's
//     match began as the line crossed.
//   - ALREADY_QUEUED answering the queue request of a bot back on the node
//     holding its match: the seat was kept, and the match is described again.
//   - SHUTTING_DOWN while not in a match: the node is draining, and the bot
//     fails over (see failOver) if another server is listed.
func (b *bot) onError(ctx context.Context, s *session, now time.Duration, req uint32, e *arenav1.Error) bool {
	switch code := e.GetCode(); {
	case code == arenav1.ErrorCode_ERROR_CODE_NOT_IN_MATCH:
		if !s.inMatch {
			b.stats.inputsAfterEnd++
			return true
		}
		if s.pending == 0 {
			s.pendingSince = now
		}
		s.pending++
		return true
	case code == arenav1.ErrorCode_ERROR_CODE_WRONG_PHASE && req == chatRequest,
		code == arenav1.ErrorCode_ERROR_CODE_ALREADY_QUEUED && req == queueRequest && s.rejoin:
		return true
	case code == arenav1.ErrorCode_ERROR_CODE_SHUTTING_DOWN && !s.inMatch && b.canFailOver(errDraining):
		b.failOver(ctx, s.url)
		return false
	}
	kind := "server_" + strings.ToLower(strings.TrimPrefix(e.GetCode().String(), "ERROR_CODE_"))
	b.errorf(ctx, kind, errors.New(e.GetMessage()))
	return true
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
		b.lostWrite(ctx, s, err)
		return false
	}
	b.nextSeq++
	if r.inWindow(now) {
		b.stats.inputsSent++
	}
	return true
}

// lostWrite handles a write that failed in a writer other than run (the
// sender, the chat): the error is counted once, and the connection closed so
// that the reader ends too, and connects again. A failure while run is
// closing the connection, or at the end of the run, is expected.
func (b *bot) lostWrite(ctx context.Context, s *session, err error) {
	if ctx.Err() == nil && !s.closing.Load() {
		if !s.writeFailed.Swap(true) {
			b.errorf(ctx, "write", err)
		}
		s.conn.close() // ends the reader, which connects again
	}
}

// chat is the session's chat goroutine: every LobbyChat it posts a line to
// the lobby if the bot is there, until endSession stops it.
func (b *bot) chat(ctx context.Context, s *session) {
	t := time.NewTicker(b.r.cfg.LobbyChat)
	defer t.Stop()
	for {
		select {
		case <-s.stopChat:
			return
		case <-t.C:
		}
		if !s.inLobby.Load() {
			continue
		}
		send := &arenav1.ChatSend{Channel: arenav1.ChatChannel_CHAT_CHANNEL_LOBBY, Text: b.r.chatLine(b.r.now())}
		if err := s.conn.send(&arenav1.ClientMessage{RequestId: chatRequest, Body: &arenav1.ClientMessage_ChatSend{ChatSend: send}}); err != nil {
			b.lostWrite(ctx, s, err)
			return
		}
		b.r.chatSent.Add(1)
	}
}

// onChat counts a lobby line that a bot of this run signed in through
// another server posted after this bot last entered the lobby. The lines
// the server replays from the lobby's history (on connect, after a match)
// were posted before, so no line counts twice at one bot.
func (b *bot) onChat(s *session, m *arenav1.ChatMessage) {
	if m.GetChannel() != arenav1.ChatChannel_CHAT_CHANNEL_LOBBY || m.GetSystem() || !s.inLobby.Load() {
		return
	}
	if k, ok := nameServer(m.GetSenderName()); !ok || k == b.via {
		return
	}
	if posted, ok := b.r.chatPosted(m.GetText()); ok && posted >= s.lobbySince {
		b.r.chatCross.Add(1)
	}
}

func queueJoin(mode string) *arenav1.ClientMessage {
	return &arenav1.ClientMessage{RequestId: queueRequest, Body: &arenav1.ClientMessage_QueueJoin{QueueJoin: &arenav1.QueueJoin{Mode: mode}}}
}
