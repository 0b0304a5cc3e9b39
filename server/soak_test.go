package server_test

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/arena-server/arena/game"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
	"github.com/arena-server/arena/server"
)

var (
	soakDuration = flag.Duration("soak.duration", 3*time.Second, "how long TestSoak plays (make soak: 60s)")
	// The short soak inside make test shares the machine with every other
	// package's tests under -race, so its bound is loose; make soak runs alone.
	soakMaxGap = flag.Duration("soak.p99", 250*time.Millisecond, "the most TestSoak allows for the well-behaved players' snapshot inter-arrival p99 (make soak: 3 ticks)")
)

// TestSoak plays matches with well-behaved players while others misbehave
// around them — flooding, sending garbage, opening connections and saying
// nothing, dropping and resuming, reading nothing — and checks that the
// well-behaved players' matches kept their tick, that the server logged no
// error and recovered no panic, that every reconnecting player resumed its
// match, and that goroutines and heap return to where they started.
func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("soak skipped in -short mode")
	}
	baseGoroutines, baseHeap := settle()
	errorsLogged := &countingHandler{}
	soak4 := game.Mode{Name: "soak4", Teams: 4, PlayersPerTeam: 1, ScoreLimit: 1000, TimeLimit: time.Hour}
	cfg := server.Config{
		TickRate: 30, Modes: []game.Mode{soak4}, QueuePassInterval: 20 * time.Millisecond,
		HandshakeTimeout: 300 * time.Millisecond, MessageRate: 100, MessageBurst: 200,
	}
	srv, err := server.New(cfg, slog.New(errorsLogged))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	ctx, cancel := context.WithCancel(context.Background())
	runDone := make(chan struct{})
	go func() { defer close(runDone); srv.Run(ctx) }()

	const matches = 3
	var (
		wg        sync.WaitGroup
		stop      = make(chan struct{})
		mu        sync.Mutex
		gaps      []time.Duration // well-behaved players' snapshot inter-arrival
		resumed   atomic.Int64
		drops     atomic.Int64
		abuse     atomic.Int64
		failures  []string
		failuresM sync.Mutex
	)
	fail := func(format string, args ...any) {
		failuresM.Lock()
		failures = append(failures, fmt.Sprintf(format, args...))
		failuresM.Unlock()
	}

	// Each match: two well-behaved players, a slow reader and a player whose
	// connection keeps dropping. They queue together, so they share a match.
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
		wg.Go(func() { slow.readNothing(stop) })
		wg.Go(func() {
			for flaky.sleepOr(stop, 300*time.Millisecond) {
				matchID := flaky.matchID
				flaky.ws.Close()
				drops.Add(1)
				flaky.reconnect(t, ts)
				if got := flaky.waitStart(); got != matchID {
					fail("%s resumed into %q, want %q", flaky.name, got, matchID)
					return
				}
				resumed.Add(1)
			}
		})
	}

	// Around them: floods, garbage, silent connections.
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			p := newSoakPlayer(t, ts, fmt.Sprintf("flood%d", i))
			ping, _ := marshalClient(&arenav1.ClientMessage{Body: &arenav1.ClientMessage_Ping{Ping: &arenav1.Ping{}}})
			for p.ws.WriteMessage(websocket.BinaryMessage, ping) == nil {
				abuse.Add(1)
			}
			p.ws.Close()
		}
	})
	wg.Go(func() {
		p := newSoakPlayer(t, ts, "garbage")
		r := rand.New(rand.NewPCG(1, 2))
		for p.sleepOr(stop, 5*time.Millisecond) {
			junk := make([]byte, r.IntN(64))
			for i := range junk {
				junk[i] = byte(r.UintN(256))
			}
			if p.ws.WriteMessage(websocket.BinaryMessage, junk) != nil {
				fail("garbage sender was disconnected")
				return
			}
			abuse.Add(1)
		}
		p.ws.Close()
	})
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			conn, err := net.Dial("tcp", ts.Listener.Addr().String())
			if err != nil {
				fail("half-open dial: %v", err)
				return
			}
			// Half a websocket handshake, then silence: the server must time it out.
			fmt.Fprintf(conn, "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
				"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
			_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			_, _ = io.Copy(io.Discard, conn) // returns when the server gives up on us
			conn.Close()
			abuse.Add(1)
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
	t.Logf("soak %v: %d snapshots to well-behaved players, inter-arrival p50 %v p99 %v; %d drops, %d resumed; %d abusive messages/connections",
		*soakDuration, len(gaps), p50.Round(time.Millisecond), p99.Round(time.Millisecond), drops.Load(), resumed.Load(), abuse.Load())
	for _, f := range failures {
		t.Error(f)
	}
	if want := int(soakDuration.Seconds() * 30 * 2 * matches * 8 / 10); len(gaps) < want {
		t.Errorf("well-behaved players got %d snapshots, want at least %d (80%% of 30 Hz)", len(gaps), want)
	}
	if p99 > *soakMaxGap {
		t.Errorf("snapshot inter-arrival p99 %v, want under %v (a tick is %v)", p99, *soakMaxGap, tick)
	}
	if n := errorsLogged.errors.Load(); n > 0 {
		t.Errorf("server logged %d errors, first: %s", n, errorsLogged.first())
	}
	if resumed.Load() == 0 || resumed.Load() != drops.Load() {
		t.Errorf("%d of %d dropped players resumed", resumed.Load(), drops.Load())
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

// countingHandler counts error logs (and keeps the first) and drops the rest.
type countingHandler struct {
	errors atomic.Int64
	mu     sync.Mutex
	text   string
}

func (h *countingHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelError }
func (h *countingHandler) Handle(_ context.Context, r slog.Record) error {
	if h.errors.Add(1) == 1 {
		h.mu.Lock()
		h.text = r.Message
		h.mu.Unlock()
	}
	return nil
}
func (h *countingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *countingHandler) WithGroup(string) slog.Handler      { return h }
func (h *countingHandler) first() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.text
}

// soakPlayer is a raw client for the soak: it reads on the test's goroutines
// only where the scenario wants it to.
type soakPlayer struct {
	name, token, matchID string
	ws                   *websocket.Conn
}

func newSoakPlayer(t *testing.T, ts *httptest.Server, name string) *soakPlayer {
	p := &soakPlayer{name: name, token: signIn(t, ts, name)}
	p.reconnect(t, ts)
	return p
}

func (p *soakPlayer) reconnect(t *testing.T, ts *httptest.Server) {
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(ts.URL, "http")+"/ws", nil)
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

// readNothing keeps the connection open without reading until stop.
func (p *soakPlayer) readNothing(stop <-chan struct{}) {
	<-stop
	p.ws.Close()
}

// sleepOr waits d and reports true, or reports false once stop is closed.
func (p *soakPlayer) sleepOr(stop <-chan struct{}, d time.Duration) bool {
	select {
	case <-stop:
		return false
	case <-time.After(d):
		return true
	}
}
