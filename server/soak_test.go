package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"google.golang.org/protobuf/proto"

	"github.com/arena-server/arena/game"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
	"github.com/arena-server/arena/server"
)

var (
	soakDuration = flag.Duration("soak.duration", 3*time.Second, "how long TestSoak plays (make soak: 60s)")
	// The short soak inside make test shares the machine with every other
	// package's tests under -race, so its bound is loose; make soak runs alone.
	soakMaxGap = flag.Duration("soak.p99", 250*time.Millisecond, "the most TestSoak allows for the well-behaved players' snapshot inter-arrival p99 (make soak: 100ms)")
)

// The soak server's limits. The message burst is below the outbound queue,
// so a flood is closed by the rate limit (1008) before its answers could
// fill the queue (4003).
const (
	soakRate         = 100
	soakBurst        = 40
	soakHandshake    = 300 * time.Millisecond
	soakWriteTimeout = time.Second
	// soakSendBuffer is the server's socket send buffer in the soak: small,
	// so that a client that stops reading is found within a second or two
	// rather than after megabytes of kernel buffers.
	soakSendBuffer = 1 << 10
	// soakReceiveBuffer is the soak clients' socket receive buffer, set
	// before connecting so that the TCP window is small from the start.
	soakReceiveBuffer = 1 << 10
	// soakSlack is what each timing assertion allows beyond the limit it
	// checks, for scheduling under -race on a loaded machine.
	soakSlack = 2 * time.Second
)

// TestSoak plays matches with well-behaved players while others misbehave
// around them, and checks both sides: the well-behaved players' matches
// keep their tick, every dropped player resumes, the server logs no error,
// and goroutines and heap return to where they started; and every abusive
// client gets the answer the limits promise, in time:
//
//   - a client sending bad frames under the message rate gets an error for
//     each one and keeps its connection;
//   - one sending bad frames over the rate gets an error for each until the
//     limit, then RATE_LIMITED and close 1008;
//   - a ping flood gets a pong for each until the limit, then RATE_LIMITED
//     and close 1008;
//   - a connection that never authenticates gets UNAUTHENTICATED and close
//     4001 when the handshake timeout ends, not before;
//   - a player who stops reading is closed as a slow consumer (4003) within
//     the write timeout of its buffers filling, and resumes its match.
//
// Every abusive client repeats its scenario until the soak ends; each round
// is bounded by its own deadline, so a server that stopped answering fails
// the test instead of hanging it, whatever the soak's length.
func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("soak skipped in -short mode")
	}
	baseGoroutines, baseHeap := settle()
	logs := newSoakLog()
	soak4 := game.Mode{Name: "soak4", Teams: 4, PlayersPerTeam: 1, ScoreLimit: 1000, TimeLimit: time.Hour}
	cfg := server.Config{
		TickRate: 30, Modes: []game.Mode{soak4}, QueuePassInterval: 20 * time.Millisecond,
		HandshakeTimeout: soakHandshake, WriteTimeout: soakWriteTimeout,
		MessageRate: soakRate, MessageBurst: soakBurst,
	}
	srv, err := server.New(cfg, slog.New(logs))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(srv.Handler())
	ts.Listener = smallSendBuffers{ts.Listener}
	ts.Start()
	ctx, cancel := context.WithCancel(context.Background())
	runDone := make(chan struct{})
	go func() { defer close(runDone); srv.Run(ctx) }()

	const matches = 3
	var (
		wg    sync.WaitGroup
		stop  = make(chan struct{})
		mu    sync.Mutex
		gaps  []time.Duration // well-behaved players' snapshot inter-arrival
		tally soakTally
	)

	// Each match: two well-behaved players, a player who stops reading and
	// one whose connection keeps dropping. They queue together, so they
	// share a match.
	for m := range matches {
		good := []*soakPlayer{newSoakPlayer(t, ts, fmt.Sprintf("good%d-a", m)), newSoakPlayer(t, ts, fmt.Sprintf("good%d-b", m))}
		slow := newSoakPlayer(t, ts, fmt.Sprintf("slow%d", m))
		flaky := newSoakPlayer(t, ts, fmt.Sprintf("flaky%d", m))
		all := append(slices.Clone(good), slow, flaky)
		for _, p := range all {
			p.send(queueJoin("soak4"))
		}
		for _, p := range all {
			if p.waitStart() == "" {
				t.Fatalf("%s never got a match", p.name)
			}
		}
		for _, p := range good {
			wg.Go(func() {
				own := p.play(stop)
				mu.Lock()
				gaps = append(gaps, own...)
				mu.Unlock()
			})
		}
		wg.Go(func() { slowReader(t, ts, slow, logs, stop, &tally) })
		wg.Go(func() {
			for sleepOr(stop, 300*time.Millisecond) {
				matchID := flaky.matchID
				flaky.ws.Close()
				tally.drops.Add(1)
				flaky.reconnect(t, ts)
				if got := flaky.waitStart(); got != matchID {
					tally.fail("%s resumed into %q, want %q", flaky.name, got, matchID)
					return
				}
				tally.resumed.Add(1)
			}
			flaky.ws.Close()
		})
	}

	// Around them: floods, garbage, connections that never authenticate.
	wg.Go(func() {
		for i := 0; sleepOr(stop, 0); i++ {
			pingFlood(newSoakPlayer(t, ts, fmt.Sprintf("flood%d", i)), &tally)
		}
	})
	wg.Go(func() { garbageUnderLimit(newSoakPlayer(t, ts, "garbage"), stop, &tally) })
	wg.Go(func() {
		for i := 0; sleepOr(stop, 0); i++ {
			garbageOverLimit(newSoakPlayer(t, ts, fmt.Sprintf("spray%d", i)), uint64(i), &tally)
		}
	})
	wg.Go(func() {
		for sleepOr(stop, 0) {
			silentHandshake(ts, &tally)
		}
	})

	time.Sleep(*soakDuration) // the soak's length, not synchronisation: everything above runs until stop
	close(stop)
	wg.Wait()
	cancel()
	<-runDone
	sctx, scancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer scancel()
	if err := srv.Shutdown(sctx); err != nil {
		t.Errorf("shutdown: %v", err)
	}
	ts.Close()

	slices.Sort(gaps)
	tick := time.Second / 30
	p50, p99 := gaps[len(gaps)/2], gaps[len(gaps)*99/100]
	t.Logf("soak %v: %d snapshots to well-behaved players, inter-arrival p50 %v p99 %v; %d drops, %d resumed",
		*soakDuration, len(gaps), p50.Round(time.Millisecond), p99.Round(time.Millisecond), tally.drops.Load(), tally.resumed.Load())
	t.Logf("abuse answered: %d floods closed 1008, %d over-limit garbage senders closed 1008, %d bad frames answered under the limit, %d silent handshakes closed 4001, %d slow readers closed 4003 (at most %v after they stopped reading)",
		tally.floods.Load(), tally.sprays.Load(), tally.garbage.Load(), tally.silent.Load(), tally.slow.Load(), tally.slowMax.Round(time.Millisecond))
	for _, f := range tally.failures {
		t.Error(f)
	}
	if want := int(soakDuration.Seconds() * 30 * 2 * matches * 8 / 10); len(gaps) < want {
		t.Errorf("well-behaved players got %d snapshots, want at least %d (80%% of 30 Hz)", len(gaps), want)
	}
	if p99 > *soakMaxGap {
		t.Errorf("snapshot inter-arrival p99 %v, want under %v (a tick is %v)", p99, *soakMaxGap, tick)
	}
	if n := logs.shared.errors.Load(); n > 0 {
		t.Errorf("server logged %d errors, first: %s", n, logs.firstError())
	}
	if tally.resumed.Load() == 0 || tally.resumed.Load() != tally.drops.Load() {
		t.Errorf("%d of %d dropped players resumed", tally.resumed.Load(), tally.drops.Load())
	}
	for name, n := range map[string]int64{
		"ping floods": tally.floods.Load(), "over-limit garbage senders": tally.sprays.Load(),
		"bad frames under the limit": tally.garbage.Load(), "silent handshakes": tally.silent.Load(), "slow readers": tally.slow.Load(),
	} {
		if n == 0 {
			t.Errorf("no %s were answered: the soak did not exercise them", name)
		}
	}
	goroutines, heap := settle()
	t.Logf("goroutines %d → %d, heap %d KiB → %d KiB", baseGoroutines, goroutines, baseHeap>>10, heap>>10)
	if goroutines > baseGoroutines+5 {
		t.Errorf("goroutines %d after the soak, %d before", goroutines, baseGoroutines)
	}
	if heap > baseHeap+16<<20 {
		t.Errorf("heap %d KiB after the soak, %d KiB before", heap>>10, baseHeap>>10)
	}
}

// soakTally counts what the soak's clients saw; failures are collected
// from every goroutine and reported at the end.
type soakTally struct {
	drops, resumed                        atomic.Int64
	floods, sprays, garbage, silent, slow atomic.Int64

	mu       sync.Mutex
	failures []string
	slowMax  time.Duration // the longest a slow reader went unclosed
}

func (t *soakTally) slowAfter(d time.Duration) {
	t.mu.Lock()
	t.slowMax = max(t.slowMax, d)
	t.mu.Unlock()
}

func (t *soakTally) fail(format string, args ...any) {
	t.mu.Lock()
	t.failures = append(t.failures, fmt.Sprintf(format, args...))
	t.mu.Unlock()
}

// pingFlood sends pings as fast as it can. The server must answer each with
// a pong until the burst is spent, then say RATE_LIMITED and close with
// 1008 — within soakSlack, since the burst is spent in milliseconds.
func pingFlood(p *soakPlayer, tally *soakTally) {
	ping, _ := marshalClient(&arenav1.ClientMessage{Body: &arenav1.ClientMessage_Ping{Ping: &arenav1.Ping{}}})
	a := p.overRate(func() []byte { return ping })
	if p.checkOverRate("ping flood", a, a.pongs, tally) {
		tally.floods.Add(1)
	}
}

// garbageOverLimit sends undecodable frames as fast as it can, far over the
// message rate however the machine schedules it. The server must answer each
// with BAD_MESSAGE until the burst is spent, then say RATE_LIMITED and close
// with 1008.
func garbageOverLimit(p *soakPlayer, seed uint64, tally *soakTally) {
	r := rand.New(rand.NewPCG(seed, 2))
	a := p.overRate(func() []byte { return junk(r) })
	if p.checkOverRate("garbage over the rate", a, a.badFrames, tally) {
		tally.sprays.Add(1)
	}
}

// overRate writes next() frames as fast as it can until the server says
// RATE_LIMITED (or the round's deadline passes), then returns everything
// the server answered until it closed. Stopping at the rate limit, as a
// client that reads its answers does, lets the server's close frame arrive
// before the socket goes.
func (p *soakPlayer) overRate(next func() []byte) answers {
	defer p.ws.Close()
	deadline := time.Now().Add(soakSlack)
	limited := make(chan struct{})
	answered := p.readAnswers(deadline, limited)
	_ = p.ws.SetWriteDeadline(deadline)
	for time.Now().Before(deadline) {
		select {
		case <-limited:
			return <-answered
		default:
		}
		if p.ws.WriteMessage(websocket.BinaryMessage, next()) != nil {
			break
		}
	}
	return <-answered
}

// checkOverRate reports whether a client over the message rate got what it
// should: answers (pongs or BAD_MESSAGE errors) for at least the burst,
// then RATE_LIMITED, then close 1008, and no other error.
func (p *soakPlayer) checkOverRate(what string, a answers, answeredFrames int, tally *soakTally) bool {
	switch {
	case a.closeCode != websocket.ClosePolicyViolation:
		tally.fail("%s: %s ended with close %d (%v), want 1008", p.name, what, a.closeCode, a.err)
	case !a.rateLimited:
		tally.fail("%s: closed without a RATE_LIMITED error first", p.name)
	case answeredFrames < soakBurst:
		tally.fail("%s: %d frames answered before the close, want at least the burst (%d)", p.name, answeredFrames, soakBurst)
	case a.other > 0:
		tally.fail("%s: %d unexpected errors", p.name, a.other)
	default:
		return true
	}
	return false
}

// garbageUnderLimit sends an undecodable frame every 50 ms (a fifth of the
// message rate) for the whole soak. Each must get a BAD_MESSAGE error, and
// the connection must stay open: a ping at the end, answered after every
// error (answers keep their order), proves nothing was left unanswered.
func garbageUnderLimit(p *soakPlayer, stop <-chan struct{}, tally *soakTally) {
	defer p.ws.Close()
	r := rand.New(rand.NewPCG(1, 2))
	errs := make(chan arenav1.ErrorCode, 1<<16)
	pong := make(chan error, 1)
	go func() {
		for {
			m, err := p.read()
			switch {
			case err != nil:
				pong <- err
				return
			case m.GetPong() != nil:
				pong <- nil
				return
			case m.GetError() != nil:
				errs <- m.GetError().GetCode()
			}
		}
	}()
	sent := 0
	for sleepOr(stop, 50*time.Millisecond) {
		if err := p.ws.WriteMessage(websocket.BinaryMessage, junk(r)); err != nil {
			tally.fail("%s: disconnected after %d bad frames under the rate limit: %v", p.name, sent, err)
			return
		}
		sent++
	}
	_ = p.ws.SetReadDeadline(time.Now().Add(soakSlack))
	p.send(&arenav1.ClientMessage{Body: &arenav1.ClientMessage_Ping{Ping: &arenav1.Ping{}}})
	if err := <-pong; err != nil {
		tally.fail("%s: no pong after %d bad frames under the rate limit: %v", p.name, sent, err)
		return
	}
	close(errs)
	answered := 0
	for code := range errs {
		if code != arenav1.ErrorCode_ERROR_CODE_BAD_MESSAGE {
			tally.fail("%s: a bad frame got %v, want BAD_MESSAGE", p.name, code)
		}
		answered++
	}
	if answered != sent {
		tally.fail("%s: %d of %d bad frames answered", p.name, answered, sent)
	}
	tally.garbage.Add(int64(answered))
}

// silentHandshake opens a websocket and says nothing. The server must send
// UNAUTHENTICATED and close with 4001 once the handshake timeout has run
// out, and not before.
func silentHandshake(ts *httptest.Server, tally *soakTally) {
	start := time.Now()
	ws, _, err := websocket.DefaultDialer.Dial(wsURL(ts), nil)
	if err != nil {
		tally.fail("silent handshake: dial: %v", err)
		return
	}
	defer ws.Close()
	_ = ws.SetReadDeadline(start.Add(soakHandshake + soakSlack))
	var gotError bool
	for {
		_, b, err := ws.ReadMessage()
		if err != nil {
			elapsed := time.Since(start)
			var ce *websocket.CloseError
			switch {
			case !errors.As(err, &ce) || ce.Code != 4001:
				tally.fail("silent handshake: ended with %v after %v, want close 4001", err, elapsed)
			case !gotError:
				tally.fail("silent handshake: closed without an UNAUTHENTICATED error")
			case elapsed < soakHandshake:
				tally.fail("silent handshake: closed after %v, before the handshake timeout (%v)", elapsed, soakHandshake)
			default:
				tally.silent.Add(1)
			}
			return
		}
		m, err := unmarshalServer(b)
		if err != nil || m.GetError().GetCode() != arenav1.ErrorCode_ERROR_CODE_UNAUTHENTICATED {
			tally.fail("silent handshake: got %v (%v), want an UNAUTHENTICATED error", m, err)
			return
		}
		gotError = true
	}
}

// slowReader has p stop reading while it keeps pinging (a client stuck in
// a long frame), over and over until the soak ends. Each time the server
// must close it as a slow consumer — pongs fill its queue, or one write
// waits out the write timeout — within soakWriteTimeout (plus slack) of its
// buffers filling; then p resumes its match on a new connection.
func slowReader(t *testing.T, ts *httptest.Server, p *soakPlayer, logs *soakLog, stop <-chan struct{}, tally *soakTally) {
	defer func() { p.ws.Close() }()
	// Filling the small receive buffer and the server's soakSendBuffer with
	// snapshots and pongs took 3.5–6 s under -race on a quiet machine when
	// this was written; the bound leaves room for a loaded one.
	const fill = 15 * time.Second
	for sleepOr(stop, 0) {
		closed := logs.slowConsumer(p.id)
		ping, _ := marshalClient(&arenav1.ClientMessage{Body: &arenav1.ClientMessage_Ping{Ping: &arenav1.Ping{}}})
		start := time.Now()
		deadline := time.NewTimer(fill + soakWriteTimeout + soakSlack)
		pinger := time.NewTicker(time.Second / (soakRate * 8 / 10)) // 80% of the message rate
		var at time.Time
	stall:
		for {
			select {
			case at = <-closed:
				break stall
			case <-deadline.C:
				break stall
			case <-pinger.C:
				// Fails once the server has closed; never blocks the wait.
				_ = p.ws.SetWriteDeadline(time.Now().Add(10 * time.Millisecond))
				_ = p.ws.WriteMessage(websocket.BinaryMessage, ping)
			}
		}
		pinger.Stop()
		deadline.Stop()
		if !at.IsZero() {
			tally.slowAfter(at.Sub(start))
		}
		if at.IsZero() {
			tally.fail("%s stopped reading and was not closed as a slow consumer within %v", p.name, time.Since(start).Round(time.Millisecond))
			return
		}
		// What is left in the socket ends with the server's 4003 or, when
		// even the close frame could not be written, with the socket closed.
		_ = p.ws.SetReadDeadline(at.Add(soakWriteTimeout + soakSlack))
		for {
			_, _, err := p.ws.ReadMessage()
			if err == nil {
				continue
			}
			// 1006 is gorilla's name for a socket that ended without a close frame.
			var ce *websocket.CloseError
			if errors.As(err, &ce) && ce.Code != 4003 && ce.Code != websocket.CloseAbnormalClosure {
				tally.fail("%s: slow consumer closed with %d, want 4003", p.name, ce.Code)
			} else if isTimeoutErr(err) {
				tally.fail("%s: the server decided it was too slow but left the socket open", p.name)
			}
			break
		}
		p.ws.Close()
		tally.slow.Add(1)
		matchID := p.matchID
		p.reconnect(t, ts)
		if got := p.waitStart(); got != matchID {
			tally.fail("%s resumed into %q after being too slow, want %q", p.name, got, matchID)
			return
		}
	}
}

// junk is a frame that cannot decode as a ClientMessage: an overlong
// varint tag, then random bytes.
func junk(r *rand.Rand) []byte {
	b := make([]byte, 11+r.IntN(48))
	for i := range b {
		b[i] = 0xff
		if i >= 11 {
			b[i] = byte(r.UintN(256))
		}
	}
	return b
}

func isTimeoutErr(err error) bool {
	ne, ok := errors.AsType[net.Error](err)
	return ok && ne.Timeout()
}

// answers is what an abusive connection was told before it closed.
type answers struct {
	pongs, badFrames int
	other            int // errors with any other code
	rateLimited      bool
	closeCode        int // 0 when it ended without a close frame
	err              error
}

// readAnswers reads p's connection until it ends (or deadline) and sends
// the tally of what came; it closes limited when RATE_LIMITED arrives.
func (p *soakPlayer) readAnswers(deadline time.Time, limited chan<- struct{}) <-chan answers {
	done := make(chan answers, 1)
	_ = p.ws.SetReadDeadline(deadline)
	go func() {
		var a answers
		for {
			m, err := p.read()
			if err != nil {
				var ce *websocket.CloseError
				if errors.As(err, &ce) {
					a.closeCode = ce.Code
				}
				a.err = err
				done <- a
				return
			}
			switch code := m.GetError().GetCode(); {
			case m.GetPong() != nil:
				a.pongs++
			case code == arenav1.ErrorCode_ERROR_CODE_BAD_MESSAGE:
				a.badFrames++
			case code == arenav1.ErrorCode_ERROR_CODE_RATE_LIMITED:
				if !a.rateLimited {
					close(limited)
				}
				a.rateLimited = true
			case m.GetError() != nil:
				a.other++
			}
		}
	}()
	return done
}

// smallSendBuffers gives every accepted connection a soakSendBuffer socket
// send buffer.
type smallSendBuffers struct{ net.Listener }

func (l smallSendBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(soakSendBuffer)
	}
	return c, err
}

// settle collects garbage and returns the goroutine count and live heap once
// the goroutine count stops falling (connections wind down asynchronously).
func settle() (int, uint64) {
	var ms runtime.MemStats
	prev := -1
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		runtime.GC()
		n := runtime.NumGoroutine()
		if n == prev {
			break
		}
		prev = n
		time.Sleep(100 * time.Millisecond) // polling a count that has no event to wait on
	}
	runtime.ReadMemStats(&ms)
	return prev, ms.HeapAlloc
}

// soakLog is the soak server's log: it counts error records (keeping the
// first) and reports slow-consumer closes by player id; the rest is dropped.
type soakLog struct {
	attrs  []slog.Attr
	shared *soakLogState
}

type soakLogState struct {
	errors atomic.Int64
	mu     sync.Mutex
	first  string
	slow   map[string]chan time.Time // player id → when the server closed it as too slow
}

func newSoakLog() *soakLog {
	return &soakLog{shared: &soakLogState{slow: make(map[string]chan time.Time)}}
}

// slowConsumer returns a channel that receives the time of the server's
// next slow-consumer close of player id.
func (h *soakLog) slowConsumer(id string) <-chan time.Time {
	ch := make(chan time.Time, 1)
	h.shared.mu.Lock()
	h.shared.slow[id] = ch
	h.shared.mu.Unlock()
	return ch
}

func (h *soakLog) firstError() string {
	h.shared.mu.Lock()
	defer h.shared.mu.Unlock()
	return h.shared.first
}

func (h *soakLog) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }

func (h *soakLog) Handle(_ context.Context, r slog.Record) error {
	s := h.shared
	if r.Level >= slog.LevelError {
		if s.errors.Add(1) == 1 {
			s.mu.Lock()
			s.first = r.Message
			s.mu.Unlock()
		}
		return nil
	}
	if !strings.Contains(r.Message, "too slow") {
		return nil
	}
	for _, a := range h.attrs {
		if a.Key != "player" {
			continue
		}
		s.mu.Lock()
		ch := s.slow[a.Value.String()]
		delete(s.slow, a.Value.String())
		s.mu.Unlock()
		if ch != nil {
			ch <- r.Time
		}
	}
	return nil
}

func (h *soakLog) WithAttrs(as []slog.Attr) slog.Handler {
	return &soakLog{attrs: append(slices.Clip(h.attrs), as...), shared: h.shared}
}

func (h *soakLog) WithGroup(string) slog.Handler { return h }

// soakPlayer is a raw client for the soak: it reads on the test's goroutines
// only where the scenario wants it to.
type soakPlayer struct {
	name, id, token, matchID string
	ws                       *websocket.Conn
}

func newSoakPlayer(t *testing.T, ts *httptest.Server, name string) *soakPlayer {
	status, body := postSession(t, ts, `{"name":"`+name+`"}`)
	var resp struct {
		Token    string `json:"token"`
		PlayerID string `json:"player_id"`
	}
	if err := json.Unmarshal(body, &resp); status != 200 || err != nil {
		t.Errorf("%s: sign in: %d %s", name, status, body)
	}
	p := &soakPlayer{name: name, id: resp.PlayerID, token: resp.Token}
	p.reconnect(t, ts)
	return p
}

// soakDialer keeps a small receive buffer, so a player who stops reading
// fills it quickly.
var soakDialer = websocket.Dialer{
	HandshakeTimeout: waitTimeout,
	NetDialContext: (&net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var err error
		if cerr := c.Control(func(fd uintptr) {
			err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, soakReceiveBuffer)
		}); cerr != nil {
			return cerr
		}
		return err
	}}).DialContext,
}

func wsURL(ts *httptest.Server) string { return "ws" + strings.TrimPrefix(ts.URL, "http") + "/ws" }

func (p *soakPlayer) reconnect(t *testing.T, ts *httptest.Server) {
	ws, _, err := soakDialer.Dial(wsURL(ts), nil)
	if err != nil {
		t.Errorf("%s: dial: %v", p.name, err)
		return
	}
	p.ws = ws
	p.send(authenticate(p.token))
}

func (p *soakPlayer) send(m *arenav1.ClientMessage) {
	if b, err := marshalClient(m); err == nil {
		_ = p.ws.WriteMessage(websocket.BinaryMessage, b)
	}
}

// waitStart reads until a MatchStart and returns its match id ("" on failure).
func (p *soakPlayer) waitStart() string {
	_ = p.ws.SetReadDeadline(time.Now().Add(waitTimeout))
	defer p.ws.SetReadDeadline(time.Time{})
	for {
		m, err := p.read()
		if err != nil {
			return ""
		}
		if s := m.GetMatchStart(); s != nil {
			p.matchID = s.GetMatchId()
			return p.matchID
		}
	}
}

func (p *soakPlayer) read() (*arenav1.ServerMessage, error) {
	_, b, err := p.ws.ReadMessage()
	if err != nil {
		return nil, err
	}
	return unmarshalServer(b)
}

// play sends an input a tick and times snapshots until stop; it returns the
// inter-arrival times.
func (p *soakPlayer) play(stop <-chan struct{}) []time.Duration {
	frames := make(chan time.Time, 1024)
	go func() {
		defer close(frames)
		for {
			m, err := p.read()
			if err != nil {
				return
			}
			if m.GetSnapshot() != nil {
				frames <- time.Now()
			}
		}
	}()
	ticker := time.NewTicker(time.Second / 30)
	defer ticker.Stop()
	var gaps []time.Duration
	var last time.Time
	for seq := uint32(1); ; {
		select {
		case <-stop:
			p.ws.Close()
			for range frames {
			}
			return gaps
		case <-ticker.C:
			p.send(input(seq, arenav1.Button(1<<(seq/30%4))))
			seq++
		case at, ok := <-frames:
			if !ok {
				return gaps
			}
			if !last.IsZero() {
				gaps = append(gaps, at.Sub(last))
			}
			last = at
		}
	}
}

// sleepOr waits d and reports true, or reports false once stop is closed.
func sleepOr(stop <-chan struct{}, d time.Duration) bool {
	if d <= 0 {
		select {
		case <-stop:
			return false
		default:
			return true
		}
	}
	select {
	case <-stop:
		return false
	case <-time.After(d):
		return true
	}
}

// TestSoakJunkNeverDecodes: the soak counts one BAD_MESSAGE per junk frame,
// which holds only if no junk frame is a valid ClientMessage.
func TestSoakJunkNeverDecodes(t *testing.T) {
	r := rand.New(rand.NewPCG(0, 0))
	for range 10000 {
		if b := junk(r); proto.Unmarshal(b, new(arenav1.ClientMessage)) == nil {
			t.Fatalf("junk frame %x decodes as a ClientMessage", b)
		}
	}
}
