package app

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/arena-server/arena/netcode/transport"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

// fakeConn is an in-memory connection: the test plays the server.
type fakeConn struct {
	url      string // the websocket URL dialed ("" for the dialer's own server)
	closeErr error  // what Receive returns once toClient is closed (nil: a plain drop)
	// readCanceled: a Receive ended with its context, not with Close (the
	// browser's websocket would close with 1008 rather than normally).
	readCanceled atomic.Bool
	toClient     chan *arenav1.ServerMessage
	toServer     chan *arenav1.ClientMessage
	closed       chan struct{}
	once         sync.Once
}

func newFakeConn() *fakeConn {
	return &fakeConn{
		toClient: make(chan *arenav1.ServerMessage, 64),
		toServer: make(chan *arenav1.ClientMessage, 1024),
		closed:   make(chan struct{}),
	}
}

func (c *fakeConn) Send(ctx context.Context, m *arenav1.ClientMessage) error {
	select {
	case c.toServer <- m:
		return nil
	case <-c.closed:
		return net.ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *fakeConn) Receive(ctx context.Context) (*arenav1.ServerMessage, error) {
	select {
	case m, ok := <-c.toClient:
		if !ok {
			if c.closeErr != nil {
				return nil, c.closeErr
			}
			return nil, errors.New("server went away")
		}
		return m, nil
	case <-c.closed:
		return nil, net.ErrClosed
	case <-ctx.Done():
		c.readCanceled.Store(true)
		return nil, ctx.Err()
	}
}

func (c *fakeConn) Close() error {
	c.once.Do(func() { close(c.closed) })
	return nil
}

// fakeDialer signs in (or fails with signInErr) and hands out a new
// fakeConn per Connect (or fails with connErr). The harness reads the
// newest conn.
type fakeDialer struct {
	mu        sync.Mutex
	conns     []*fakeConn
	signInErr error
	connErr   error
	names     []string
	urls      []string // every Connect's URL, failed ones too
}

func (d *fakeDialer) SignIn(ctx context.Context, name string) (transport.Session, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.names = append(d.names, name)
	if d.signInErr != nil {
		return transport.Session{}, d.signInErr
	}
	return transport.Session{Token: "tok-" + name, PlayerID: "id-" + name, Name: name}, nil
}

func (d *fakeDialer) Connect(ctx context.Context, wsURL string) (Conn, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.urls = append(d.urls, wsURL)
	if d.connErr != nil {
		return nil, d.connErr
	}
	c := newFakeConn()
	c.url = wsURL
	d.conns = append(d.conns, c)
	return c, nil
}

// dialed returns how many connections were opened.
func (d *fakeDialer) dialed() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.conns)
}

// harness drives an App inside a synctest bubble, playing the server.
type harness struct {
	t     *testing.T
	a     *App
	d     *fakeDialer
	store *MemoryStore
}

func newHarness(t *testing.T) *harness {
	return newHarnessWith(t, &MemoryStore{})
}

func newHarnessWith(t *testing.T, store *MemoryStore) *harness {
	d := &fakeDialer{}
	return &harness{t: t, a: New(Config{Dialer: d, Store: store, Rand: func() float64 { return 0.5 }}), d: d, store: store}
}

// conn is the newest connection the client opened.
func (h *harness) conn() *fakeConn {
	h.t.Helper()
	h.d.mu.Lock()
	defer h.d.mu.Unlock()
	if len(h.d.conns) == 0 {
		h.t.Fatal("the client opened no connection")
	}
	return h.d.conns[len(h.d.conns)-1]
}

// step lets the network goroutines settle, then runs one Update.
func (h *harness) step() {
	synctest.Wait()
	h.a.Update()
	synctest.Wait()
}

// serve delivers server messages and runs an Update.
func (h *harness) serve(ms ...*arenav1.ServerMessage) {
	c := h.conn()
	for _, m := range ms {
		c.toClient <- m
	}
	h.step()
}

// sent returns every message the client sent since the last call.
func (h *harness) sent() []*arenav1.ClientMessage {
	synctest.Wait()
	var out []*arenav1.ClientMessage
	c := h.conn()
	for {
		select {
		case m := <-c.toServer:
			out = append(out, m)
		default:
			return out
		}
	}
}

// sentOnly returns the one message the client sent, ignoring pings.
func (h *harness) sentOnly() *arenav1.ClientMessage {
	h.t.Helper()
	var got []*arenav1.ClientMessage
	for _, m := range h.sent() {
		if m.GetPing() == nil {
			got = append(got, m)
		}
	}
	if len(got) != 1 {
		h.t.Fatalf("client sent %d messages, want 1: %v", len(got), got)
	}
	return got[0]
}

func (h *harness) wantScreen(s Screen) {
	h.t.Helper()
	if got := h.a.Screen(); got != s {
		h.t.Fatalf("screen = %v, want %v (notice %q)", got, s, h.a.Notice())
	}
}

// signIn takes the App from the name screen to the menu.
func (h *harness) signIn(name string) {
	h.t.Helper()
	h.a.SubmitName(name)
	h.step()
	if m := h.sentOnly(); m.GetAuthenticate().GetToken() != "tok-"+name {
		h.t.Fatalf("first message = %v, want authenticate with tok-%s", m, name)
	}
	h.serve(msg(&arenav1.ServerMessage_Authenticated{Authenticated: &arenav1.Authenticated{PlayerId: "id-" + name, Name: name}}))
	h.wantScreen(ScreenMenu)
}

// startMatch takes the App from the menu into a playing duel (ship 1 vs 2).
func (h *harness) startMatch() {
	h.t.Helper()
	h.a.JoinQueue()
	h.serve(
		msg(&arenav1.ServerMessage_MatchFound{MatchFound: &arenav1.MatchFound{MatchId: "m1", Mode: "duel"}}),
		msg(&arenav1.ServerMessage_MatchStart{MatchStart: &arenav1.MatchStart{
			MatchId: "m1", Mode: "duel", YourShipId: 1, TickRate: 30, Teams: 2,
			Map: &arenav1.MapInfo{Name: "test", Width: 2000, Height: 2000,
				Walls: []*arenav1.Rect{{MinX: 900, MinY: 900, MaxX: 1100, MaxY: 1100}}},
			Players: []*arenav1.PlayerInfo{
				{ShipId: 1, PlayerId: "id-alice", Name: "alice", Team: 1},
				{ShipId: 2, PlayerId: "id-bob", Name: "bob", Team: 2},
			},
		}}),
	)
	h.wantScreen(ScreenMatch)
	h.sent()
}

func msg(body any) *arenav1.ServerMessage {
	m := &arenav1.ServerMessage{}
	switch b := body.(type) {
	case *arenav1.ServerMessage_Authenticated:
		m.Body = b
	case *arenav1.ServerMessage_QueueStatus:
		m.Body = b
	case *arenav1.ServerMessage_MatchFound:
		m.Body = b
	case *arenav1.ServerMessage_MatchStart:
		m.Body = b
	case *arenav1.ServerMessage_Snapshot:
		m.Body = b
	case *arenav1.ServerMessage_MatchEnd:
		m.Body = b
	case *arenav1.ServerMessage_ChatMessage:
		m.Body = b
	case *arenav1.ServerMessage_Pong:
		m.Body = b
	case *arenav1.ServerMessage_Error:
		m.Body = b
	default:
		panic("unknown body")
	}
	return m
}

// ship is one ship of a full snapshot the test serves.
type ship struct {
	ID, Team uint32
	X, Y     int32 // sub-units
	Health   uint32
	Alive    bool
	Kills    uint32
}

// snapshot is a full snapshot of ships (in id order), as netcode.Encoder
// writes it: one ship_added record per ship, and the own aim (0).
func snapshot(tick uint32, phase arenav1.MatchPhase, ships ...ship) *arenav1.ServerMessage {
	s := &arenav1.Snapshot{Tick: tick, Phase: phase, TicksLeft: 90, SelfAim: proto.Uint32(0)}
	var last uint32
	for _, sh := range ships {
		health := min(sh.Health, 100)
		if !sh.Alive {
			health = 0
		}
		// (id - previous id, team, x, y, vx, vy, aim, status, kills, deaths)
		s.ShipAdded = append(s.ShipAdded, int32(sh.ID-last), int32(sh.Team), sh.X, sh.Y, 0, 0, 0, int32(health*2), int32(sh.Kills), 0)
		last = sh.ID
	}
	return msg(&arenav1.ServerMessage_Snapshot{Snapshot: s})
}

func TestSignInToMenu(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.wantScreen(ScreenName)
		h.signIn("alice")
		if h.a.Name() != "alice" || h.a.PlayerID() != "id-alice" || h.a.Connecting() {
			t.Fatalf("after sign-in: name %q id %q connecting %v", h.a.Name(), h.a.PlayerID(), h.a.Connecting())
		}
		// The first Update after authentication pings.
		h.step()
		var pings int
		for _, m := range h.sent() {
			if m.GetPing() != nil {
				pings++
			}
		}
		if pings != 1 {
			t.Fatalf("sent %d pings after sign-in, want 1", pings)
		}
		h.a.Close()
	})
}

func TestSubmitNameTrimsAndRejectsBlank(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.a.SubmitName("   ")
		h.step()
		if len(h.d.names) != 0 || h.a.Notice() == "" {
			t.Fatalf("blank name dialed %v, notice %q", h.d.names, h.a.Notice())
		}
		h.a.SubmitName("  bob ")
		h.a.SubmitName("twice") // ignored while connecting
		h.step()
		if strings.Join(h.d.names, ",") != "bob" {
			t.Fatalf("dialed names %v, want [bob]", h.d.names)
		}
		h.a.Close()
	})
}

func TestNameRefused(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.d.signInErr = &transport.SignInError{Status: 400, Message: "name must be 1-16 characters"}
		h.a.SubmitName("x")
		h.step()
		h.wantScreen(ScreenName)
		if h.a.Connecting() {
			t.Fatal("still connecting after a refusal")
		}
		if got := h.a.Notice(); got != "name refused: name must be 1-16 characters" {
			t.Fatalf("notice = %q", got)
		}
		// The player can try again.
		h.d.signInErr = nil
		h.signIn("alice")
		h.a.Close()
	})
}

func TestQueueAndCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.signIn("alice")
		h.sent()
		h.a.JoinQueue()
		if m := h.sentOnly(); m.GetQueueJoin().GetMode() != "duel" {
			t.Fatalf("sent %v, want queue_join duel", m)
		}
		h.wantScreen(ScreenQueue)
		h.serve(msg(&arenav1.ServerMessage_QueueStatus{QueueStatus: &arenav1.QueueStatus{
			State: arenav1.QueueState_QUEUE_STATE_QUEUED, Mode: "duel", WaitedMs: 1500, PlayersQueued: 1,
		}}))
		time.Sleep(time.Second)
		h.step()
		q := h.a.Queue()
		if !q.Confirmed || q.Players != 1 || q.Waited != 2500*time.Millisecond {
			t.Fatalf("queue = %+v, want confirmed, 1 player, 2.5s waited", q)
		}
		if p := h.a.Probe(0); p.QueueWaitedMs != 2500 {
			t.Fatalf("probe queue wait = %d", p.QueueWaitedMs)
		}
		h.sent()
		h.a.CancelQueue()
		if m := h.sentOnly(); m.GetQueueLeave() == nil {
			t.Fatalf("sent %v, want queue_leave", m)
		}
		h.wantScreen(ScreenMenu)
		// A late LEFT status changes nothing.
		h.serve(msg(&arenav1.ServerMessage_QueueStatus{QueueStatus: &arenav1.QueueStatus{State: arenav1.QueueState_QUEUE_STATE_LEFT}}))
		h.wantScreen(ScreenMenu)
		h.a.Close()
	})
}

func TestMatchFlow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.signIn("alice")
		h.startMatch()
		if m := h.a.Match(); m.Name(2) != "bob" || m.OwnID() != 1 {
			t.Fatalf("match names/own: %q %d", m.Name(2), m.OwnID())
		}

		// No input goes out before a snapshot tells the server's tick.
		h.a.SetControls(Controls{Buttons: ButtonRight | ButtonFire, Aim: 16384})
		time.Sleep(time.Second / 10)
		h.step()
		if ins := inputsIn(h.sent()); len(ins) != 0 {
			t.Fatalf("sent %d inputs before the first snapshot", len(ins))
		}
		h.serve(snapshot(1, arenav1.MatchPhase_MATCH_PHASE_COUNTDOWN, ship{ID: 1, X: 300 * SubUnits, Y: 400 * SubUnits, Health: 100, Alive: true, Team: 1}))

		// Inputs go out once per tick (30 Hz) with increasing seq, each for
		// the tick after the previous one's, ahead of the snapshot's, and the
		// held controls.
		var inputs []*arenav1.Input
		for range 60 { // one second of 60 Hz frames
			time.Sleep(time.Second / 60)
			h.step()
			for _, m := range h.sent() {
				if in := m.GetInput(); in != nil {
					inputs = append(inputs, in)
				}
			}
		}
		if len(inputs) < 29 || len(inputs) > 31 {
			t.Fatalf("sent %d inputs in one second at 30 Hz", len(inputs))
		}
		for i, in := range inputs {
			if in.GetSeq() != uint32(i+2) && in.GetSeq() != uint32(i+1) {
				t.Fatalf("input %d has seq %d", i, in.GetSeq())
			}
			if in.GetTick() <= 1 || i > 0 && in.GetTick() != inputs[i-1].GetTick()+1 {
				t.Fatalf("input %d is for tick %d (the one before for %d)", i, in.GetTick(), inputs[max(i-1, 0)].GetTick())
			}
			if in.GetButtons() != ButtonRight|ButtonFire || in.GetAim() != 16384 {
				t.Fatalf("input %d = %v", i, in)
			}
		}

		// Snapshots update the view; an older one is ignored.
		playing := arenav1.MatchPhase_MATCH_PHASE_PLAYING
		// (The snapshot of the last input's tick: the own ship is where the
		// server says.)
		last := inputs[len(inputs)-1].GetTick()
		s10 := snapshot(last, playing,
			ship{ID: 1, X: 300 * SubUnits, Y: 400 * SubUnits, Health: 100, Alive: true, Team: 1, Kills: 1},
			ship{ID: 2, X: 1700 * SubUnits, Y: 1600 * SubUnits, Health: 60, Alive: true, Team: 2, Kills: 2},
		)
		s10.GetSnapshot().AckSeq = h.a.InputSeq()
		h.a.SetControls(Controls{})
		h.serve(s10)
		h.serve(snapshot(last-1, playing, ship{ID: 1, X: 0, Y: 0}))
		p := h.a.Probe(7)
		if p.Screen != "match" || p.MatchID != "m1" || p.Phase != "playing" || p.ShipID != 1 || p.X != 300 || p.Y != 400 || p.Frames != 7 {
			t.Fatalf("probe = %+v", p)
		}
		if len(p.Ships) != 2 || p.Ships[1].Name != "bob" || p.Ships[1].X != 1700 {
			t.Fatalf("probe ships = %+v", p.Ships)
		}
		if sb := h.a.Match().Scoreboard(); sb[0].ID != 2 {
			t.Fatalf("scoreboard leader = %d, want ship 2", sb[0].ID)
		}

		// Chat out and in.
		if !h.a.SendChat("  hello bob ") {
			t.Fatal("SendChat refused")
		}
		var chat *arenav1.ChatSend
		for _, m := range h.sent() {
			if c := m.GetChatSend(); c != nil {
				chat = c
			}
		}
		if chat.GetText() != "hello bob" || chat.GetChannel() != arenav1.ChatChannel_CHAT_CHANNEL_MATCH {
			t.Fatalf("chat sent = %v", chat)
		}
		if h.a.SendChat("   ") {
			t.Fatal("blank chat was sent")
		}
		h.serve(msg(&arenav1.ServerMessage_ChatMessage{ChatMessage: &arenav1.ChatMessage{SenderName: "bob", Text: "hi alice", SenderTeam: 2}}))
		if got := h.a.Probe(0).Chat; len(got) != 1 || got[0].From != "bob" || got[0].Text != "hi alice" {
			t.Fatalf("chat log = %+v", got)
		}

		// A kill reaches the feed.
		h.serve(msg(&arenav1.ServerMessage_Snapshot{Snapshot: &arenav1.Snapshot{Tick: last + 1, Phase: playing,
			// (kind | has_target << 4, actor[, target]): ship 1 shot, then killed ship 2.
			EventRecords: []uint32{
				uint32(arenav1.GameEventKind_GAME_EVENT_KIND_SHOT), 1,
				uint32(arenav1.GameEventKind_GAME_EVENT_KIND_KILL) | 1<<4, 1, 2,
			}}}))
		if p := h.a.Probe(0); p.Shots != 1 {
			t.Fatalf("probe shots = %d, want 1", p.Shots)
		}
		if f := h.a.Feed(); len(f) != 1 || f[0].Text != "alice killed bob" {
			t.Fatalf("feed = %+v", f)
		}
		time.Sleep(feedTime + time.Second)
		h.step()
		if f := h.a.Feed(); len(f) != 0 {
			t.Fatalf("feed after %v = %+v", feedTime, f)
		}

		// The end: results, then back to the menu.
		h.serve(msg(&arenav1.ServerMessage_MatchEnd{MatchEnd: &arenav1.MatchEnd{
			MatchId: "m1", Reason: arenav1.MatchEndReason_MATCH_END_REASON_SCORE_LIMIT,
			Results: []*arenav1.PlayerResult{
				{ShipId: 1, PlayerId: "id-alice", Name: "alice", Kills: 10, Deaths: 2, Placement: 1, RatingChange: 16},
				{ShipId: 2, PlayerId: "id-bob", Name: "bob", Kills: 2, Deaths: 10, Placement: 2, RatingChange: -16},
			},
		}}))
		h.wantScreen(ScreenResults)
		p = h.a.Probe(0)
		if p.MatchID != "m1" || len(p.Results) != 2 || p.Results[0].Name != "alice" || p.Results[1].RatingChange != -16 {
			t.Fatalf("results probe = %+v", p)
		}
		h.sent()
		time.Sleep(time.Second)
		h.step()
		for _, m := range h.sent() {
			if m.GetInput() != nil {
				t.Fatal("input sent after the match ended")
			}
		}
		h.a.BackToMenu()
		h.wantScreen(ScreenMenu)
		h.a.Close()
	})
}

func TestPing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.signIn("alice")
		if _, ok := h.a.Ping(); ok {
			t.Fatal("ping known before any pong")
		}
		h.step()
		var ping *arenav1.Ping
		for _, m := range h.sent() {
			if p := m.GetPing(); p != nil {
				ping = p
			}
		}
		if ping == nil {
			t.Fatal("no ping sent")
		}
		time.Sleep(42 * time.Millisecond)
		h.serve(msg(&arenav1.ServerMessage_Pong{Pong: &arenav1.Pong{ClientTimeUs: ping.GetClientTimeUs()}}))
		if rtt, ok := h.a.Ping(); !ok || rtt != 42*time.Millisecond {
			t.Fatalf("ping = %v, %v; want 42ms", rtt, ok)
		}
		if p := h.a.Probe(0); p.PingMs != 42 {
			t.Fatalf("probe ping = %v", p.PingMs)
		}
		h.a.Close()
	})
}

func TestErrorNotice(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.signIn("alice")
		h.serve(msg(&arenav1.ServerMessage_Error{Error: &arenav1.Error{Code: arenav1.ErrorCode_ERROR_CODE_RATE_LIMITED, Message: "slow down"}}))
		if got := h.a.Notice(); got != "rate limited: slow down" {
			t.Fatalf("notice = %q", got)
		}
		time.Sleep(6 * time.Second)
		h.step()
		if got := h.a.Notice(); got != "" {
			t.Fatalf("notice after 6s = %q", got)
		}
		if got := h.a.LastError(); got != "rate limited: slow down" {
			t.Fatalf("last error = %q", got)
		}
		h.a.Close()
	})
}

func TestErrorLeavesScreens(t *testing.T) {
	tests := []struct {
		name string
		code arenav1.ErrorCode
		from func(*harness)
		want Screen
	}{
		{"unknown mode leaves queue", arenav1.ErrorCode_ERROR_CODE_UNKNOWN_MODE, func(h *harness) { h.a.JoinQueue() }, ScreenMenu},
		{"already queued stays", arenav1.ErrorCode_ERROR_CODE_ALREADY_QUEUED, func(h *harness) { h.a.JoinQueue() }, ScreenQueue},
		{"match aborted leaves match", arenav1.ErrorCode_ERROR_CODE_MATCH_ABORTED, func(h *harness) { h.startMatch() }, ScreenMenu},
		{"wrong phase stays in match", arenav1.ErrorCode_ERROR_CODE_WRONG_PHASE, func(h *harness) { h.startMatch() }, ScreenMatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newHarness(t)
				h.signIn("alice")
				tt.from(h)
				h.serve(msg(&arenav1.ServerMessage_Error{Error: &arenav1.Error{Code: tt.code}}))
				h.wantScreen(tt.want)
				h.a.Close()
			})
		})
	}
}

func TestMatchFoundWhileCancelling(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.signIn("alice")
		h.a.JoinQueue()
		h.a.CancelQueue()
		h.serve(msg(&arenav1.ServerMessage_MatchFound{MatchFound: &arenav1.MatchFound{MatchId: "m2", Mode: "duel"}}))
		h.wantScreen(ScreenMatch)
		if p := h.a.Probe(0); p.MatchID != "m2" || p.Phase != "" {
			t.Fatalf("probe = %+v", p)
		}
		h.a.Close()
	})
}

func TestActionsIgnoredOnWrongScreen(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.a.JoinQueue()
		h.a.CancelQueue()
		h.a.BackToMenu()
		if h.a.SendChat("hi") {
			t.Fatal("chat sent before signing in")
		}
		h.wantScreen(ScreenName)
		h.signIn("alice")
		h.sent()
		if !h.a.SendChat("hi") {
			t.Fatal("lobby chat refused on the menu")
		}
		if m := h.sentOnly(); m.GetChatSend().GetChannel() != arenav1.ChatChannel_CHAT_CHANNEL_LOBBY {
			t.Fatalf("menu chat sent %v, want the lobby channel", m)
		}
		h.a.SubmitName("again")
		h.step()
		if len(h.d.names) != 1 {
			t.Fatalf("dialed %v", h.d.names)
		}
		h.a.Close()
	})
}

func TestProbeJSON(t *testing.T) {
	a := New(Config{Dialer: &fakeDialer{}})
	data, err := json.Marshal(a.Probe(3))
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"screen", "x", "y", "ships", "chat", "frames", "error", "pingMs", "selectedMode", "modes", "modesState"} {
		if _, ok := back[k]; !ok {
			t.Errorf("probe JSON lacks %q: %s", k, data)
		}
	}
	if back["screen"] != "name" || back["frames"] != 3.0 {
		t.Errorf("probe JSON = %s", data)
	}
}

func TestScreenString(t *testing.T) {
	for s, want := range map[Screen]string{ScreenName: "name", ScreenMenu: "menu", ScreenQueue: "queue",
		ScreenMatch: "match", ScreenResults: "results", ScreenLeaderboard: "leaderboard", ScreenWatch: "watch", Screen(9): "screen(9)"} {
		if got := s.String(); got != want {
			t.Errorf("Screen(%d).String() = %q, want %q", int(s), got, want)
		}
	}
}

func TestChatLine(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.a.OpenChat() // on the name screen: stays closed
		if h.a.ChatOpen() {
			t.Fatal("chat opened on the name screen")
		}
		h.signIn("alice")
		h.a.OpenChat() // lobby chat on the menu
		if !h.a.ChatOpen() || h.a.Probe(0).ChatChannel != "lobby" {
			t.Fatal("lobby chat did not open on the menu")
		}
		h.startMatch() // closes it
		if h.a.ChatOpen() {
			t.Fatal("lobby chat line still open in the match")
		}
		h.a.OpenChat()
		h.a.ChatDraft().Type([]rune("gg")...)
		if p := h.a.Probe(0); !p.ChatOpen || p.ChatDraft != "gg" {
			t.Fatalf("probe chat = %v %q", p.ChatOpen, p.ChatDraft)
		}
		h.a.CancelChat()
		h.a.SubmitChat() // closed: nothing to send
		h.a.OpenChat()
		if h.a.ChatDraft().Text() != "" {
			t.Fatal("reopened chat kept the cancelled draft")
		}
		h.a.ChatDraft().Type([]rune("well played")...)
		h.sent()
		h.a.SubmitChat()
		if h.a.ChatOpen() {
			t.Fatal("chat still open after submit")
		}
		var texts []string
		for _, m := range h.sent() {
			if c := m.GetChatSend(); c != nil {
				texts = append(texts, c.GetText())
			}
		}
		if strings.Join(texts, "|") != "well played" {
			t.Fatalf("chat sent %q", texts)
		}
		// The match ending closes an open chat line.
		h.a.OpenChat()
		h.serve(msg(&arenav1.ServerMessage_MatchEnd{MatchEnd: &arenav1.MatchEnd{MatchId: "m1"}}))
		if h.a.ChatOpen() {
			t.Fatal("chat open on the results screen")
		}
		h.a.Close()
	})
}

func TestStaleInputErrorAfterMatchIgnored(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.signIn("alice")
		h.startMatch()
		h.serve(msg(&arenav1.ServerMessage_MatchEnd{MatchEnd: &arenav1.MatchEnd{MatchId: "m1"}}))
		h.serve(msg(&arenav1.ServerMessage_Error{Error: &arenav1.Error{Code: arenav1.ErrorCode_ERROR_CODE_NOT_IN_MATCH, Message: "input outside a match"}}))
		if n := h.a.Notice(); n != "" {
			t.Fatalf("notice %q for a stale input", n)
		}
		h.wantScreen(ScreenResults)
		h.a.Close()
	})
}
