package loadtest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"google.golang.org/protobuf/proto"

	"github.com/arena-server/arena/netcode/transport"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

// The tests below run the bots against fake nodes of a cluster: a few lines
// each of the real protocol (real protobuf over gorilla websockets), with
// the script of the test. No real server, no NATS.

// fakeNode is one node: it signs players in (the token is "token-" and the
// name, valid on every node) and hands each authenticated websocket to its
// script, after recording the Authenticate.
type fakeNode struct {
	t      *testing.T
	ts     *httptest.Server
	ws     string // its websocket URL
	script func(c *fakeConn)

	mu      sync.Mutex
	signIns []string // names signed in here
}

// fakeConn is one websocket to a fake node.
type fakeConn struct {
	t    *testing.T
	ws   *websocket.Conn
	auth *arenav1.Authenticate
	mu   sync.Mutex // serialises writes
}

func newFakeNode(t *testing.T, script func(c *fakeConn)) *fakeNode {
	n := &fakeNode{t: t, script: script}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+transport.SessionPath, func(w http.ResponseWriter, r *http.Request) {
		var req struct{ Name string }
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		n.mu.Lock()
		n.signIns = append(n.signIns, req.Name)
		n.mu.Unlock()
		json.NewEncoder(w).Encode(transport.Session{Token: "token-" + req.Name, PlayerID: "id-" + req.Name, Name: req.Name})
	})
	mux.HandleFunc("GET "+transport.WebSocketPath, func(w http.ResponseWriter, r *http.Request) {
		ws, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		c := &fakeConn{t: t, ws: ws}
		m, err := c.read()
		if err != nil || m.GetAuthenticate() == nil {
			t.Errorf("first message %v, %v; want an Authenticate", m, err)
			return
		}
		c.auth = m.GetAuthenticate()
		n.script(c)
	})
	n.ts = httptest.NewServer(mux)
	t.Cleanup(n.ts.Close)
	n.ws = "ws" + strings.TrimPrefix(n.ts.URL, "http") + transport.WebSocketPath
	return n
}

// signedIn returns the names signed in on the node so far.
func (n *fakeNode) signedIn() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.signIns...)
}

// name is the player's name, from the token the node gave.
func (c *fakeConn) name() string { return strings.TrimPrefix(c.auth.GetToken(), "token-") }

func (c *fakeConn) send(m *arenav1.ServerMessage) {
	data, err := proto.Marshal(m)
	if err != nil {
		c.t.Error(err)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ws.WriteMessage(websocket.BinaryMessage, data)
}

// close sends a close frame with code and closes the socket.
func (c *fakeConn) close(code int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, ""), time.Now().Add(time.Second))
	c.ws.Close()
}

func (c *fakeConn) read() (*arenav1.ClientMessage, error) {
	_, data, err := c.ws.ReadMessage()
	if err != nil {
		return nil, err
	}
	var m arenav1.ClientMessage
	return &m, proto.Unmarshal(data, &m)
}

// next returns the next message that is not an input.
func (c *fakeConn) next() (*arenav1.ClientMessage, error) {
	for {
		m, err := c.read()
		if err != nil || m.GetInput() == nil {
			return m, err
		}
	}
}

// authenticated answers the Authenticate.
func (c *fakeConn) authenticated() {
	c.send(&arenav1.ServerMessage{Body: &arenav1.ServerMessage_Authenticated{
		Authenticated: &arenav1.Authenticated{PlayerId: "id-" + c.name(), Name: c.name()},
	}})
}

// queued answers Authenticated and waits for the QueueJoin; it reports
// whether one came.
func (c *fakeConn) queued() bool {
	c.authenticated()
	m, err := c.next()
	if err != nil || m.GetQueueJoin() == nil {
		c.t.Errorf("after Authenticated: %v, %v; want a QueueJoin", m, err)
		return false
	}
	c.send(queueStatusQueued(m))
	return true
}

func queueStatusQueued(join *arenav1.ClientMessage) *arenav1.ServerMessage {
	return &arenav1.ServerMessage{RequestId: join.GetRequestId(), Body: &arenav1.ServerMessage_QueueStatus{QueueStatus: &arenav1.QueueStatus{
		State: arenav1.QueueState_QUEUE_STATE_QUEUED, Mode: join.GetQueueJoin().GetMode(),
	}}}
}

// runUntil runs the bots of cfg until done is closed, and fails the test if
// it is not within runTimeout.
func runUntil(t *testing.T, cfg Config, done <-chan struct{}) Summary {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	go func() {
		select {
		case <-done:
		case <-ctx.Done():
		}
		cancel()
	}()
	cfg.Mode, cfg.Duration, cfg.ReconnectDelay = "quick", runTimeout, 10*time.Millisecond
	sum, err := Run(ctx, cfg, testLogger(t))
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	select {
	case <-done:
	default:
		t.Fatalf("the bots did not get there within %v: %+v", runTimeout, sum)
	}
	js, _ := json.Marshal(sum)
	t.Logf("summary: %s", js)
	return sum
}

// onceCloser closes a channel once, however many times it is called.
func onceCloser(ch chan struct{}) func() {
	var once sync.Once
	return func() { once.Do(func() { close(ch) }) }
}

// TestBotFollowsMatchToAnotherNode: node A finds the bot a match on node B;
// the bot closes its websocket to A normally, authenticates on B with the
// same token and the seat ticket, plays the match there and queues again
// from B.
func TestBotFollowsMatchToAnotherNode(t *testing.T) {
	done := make(chan struct{})
	finish := onceCloser(done)
	var (
		mu        sync.Mutex
		tokenA    string
		closeA    int
		authB     *arenav1.Authenticate
		requeuedB bool
	)
	b := newFakeNode(t, func(c *fakeConn) {
		mu.Lock()
		authB = c.auth
		mu.Unlock()
		if c.auth.GetSeatTicket() != "ticket-1" {
			c.close(transport.CloseSeatRefused)
			return
		}
		c.authenticated()
		c.send(&arenav1.ServerMessage{Body: &arenav1.ServerMessage_MatchStart{MatchStart: &arenav1.MatchStart{MatchId: "m1", TickRate: 30, YourShipId: 1}}})
		time.Sleep(100 * time.Millisecond) // the bot sends inputs to B
		c.send(&arenav1.ServerMessage{Body: &arenav1.ServerMessage_MatchEnd{MatchEnd: &arenav1.MatchEnd{MatchId: "m1"}}})
		if m, err := c.next(); err != nil || m.GetQueueJoin() == nil {
			t.Errorf("after MatchEnd on B: %v, %v; want a QueueJoin", m, err)
		} else {
			mu.Lock()
			requeuedB = true
			mu.Unlock()
		}
		finish()
		c.next() // until the run ends
	})
	a := newFakeNode(t, func(c *fakeConn) {
		mu.Lock()
		tokenA = c.auth.GetToken()
		mu.Unlock()
		if !c.queued() {
			return
		}
		c.send(&arenav1.ServerMessage{Body: &arenav1.ServerMessage_MatchFound{MatchFound: &arenav1.MatchFound{
			MatchId: "m1", Mode: "quick", NodeUrl: b.ws, SeatTicket: "ticket-1",
		}}})
		_, err := c.next()
		mu.Lock()
		closeA = transport.CloseCode(err)
		mu.Unlock()
	})
	sum := runUntil(t, Config{Server: a.ts.URL, Bots: 1}, done)

	mu.Lock()
	defer mu.Unlock()
	if tokenA != "token-b0-s0" {
		t.Errorf("token on A %q, want token-b0-s0", tokenA)
	}
	if authB.GetToken() != tokenA || authB.GetSeatTicket() != "ticket-1" {
		t.Errorf("Authenticate on B %v; want token %q and seat ticket ticket-1", authB, tokenA)
	}
	if closeA != websocket.CloseNormalClosure {
		t.Errorf("the connection to A closed with %d, want %d", closeA, websocket.CloseNormalClosure)
	}
	if !requeuedB {
		t.Error("the bot did not queue again on B")
	}
	if got := b.signedIn(); len(got) != 0 {
		t.Errorf("signed in on B as %q: the token was enough", got)
	}
	if sum.Moves != 1 || sum.Errors != 0 || sum.Failovers != 0 {
		t.Errorf("moves %d, errors %d %v, failovers %d; want one move and nothing else", sum.Moves, sum.Errors, sum.ErrorKinds, sum.Failovers)
	}
	if sum.TickHz != 30 {
		t.Errorf("tick rate %d: the bot did not play on B", sum.TickHz)
	}
}

// TestRefusedSeatIsAnError: node B refuses the seat, by closing with 4005
// or with an Error first; the bot counts a seat_refused error and goes back
// to its server to queue again.
func TestRefusedSeatIsAnError(t *testing.T) {
	for name, refuse := range map[string]func(c *fakeConn){
		"close 4005": func(c *fakeConn) { c.close(transport.CloseSeatRefused) },
		"error then close": func(c *fakeConn) {
			c.send(&arenav1.ServerMessage{Body: &arenav1.ServerMessage_Error{Error: &arenav1.Error{
				Code: arenav1.ErrorCode_ERROR_CODE_UNAUTHENTICATED, Message: "seat ticket expired",
			}}})
			c.close(transport.CloseSeatRefused)
		},
	} {
		t.Run(name, func(t *testing.T) {
			done := make(chan struct{})
			finish := onceCloser(done)
			b := newFakeNode(t, refuse)
			var mu sync.Mutex
			var tokens []string
			a := newFakeNode(t, func(c *fakeConn) {
				mu.Lock()
				tokens = append(tokens, c.auth.GetToken())
				again := len(tokens) > 1
				mu.Unlock()
				if !c.queued() {
					return
				}
				if again {
					finish()
				} else {
					c.send(&arenav1.ServerMessage{Body: &arenav1.ServerMessage_MatchFound{MatchFound: &arenav1.MatchFound{
						MatchId: "m1", Mode: "quick", NodeUrl: b.ws, SeatTicket: "stale",
					}}})
				}
				c.next()
			})
			sum := runUntil(t, Config{Server: a.ts.URL, Bots: 1}, done)
			if sum.Moves != 1 || sum.Errors != 1 || sum.ErrorKinds["seat_refused"] != 1 {
				t.Errorf("moves %d, errors %d %v; want one move and one seat_refused", sum.Moves, sum.Errors, sum.ErrorKinds)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(tokens) < 2 || tokens[1] != tokens[0] {
				t.Errorf("tokens on A %q: want the bot back with its token", tokens)
			}
		})
	}
}

// TestBotFailsOverToTheNextServer: the bot's node goes (it closes with 1001,
// or tells the bot it is shutting down, or never answered), and the bot
// queues on the next listed server with the same token; a failover, not an
// error.
func TestBotFailsOverToTheNextServer(t *testing.T) {
	down := httptest.NewServer(nil)
	down.Close() // nothing listens there any more
	for _, tc := range []struct {
		name  string
		first func(c *fakeConn) // node A's script; nil: A is down
		token string            // the token the bot shows B
	}{
		{"close 1001", func(c *fakeConn) {
			if c.queued() {
				c.close(websocket.CloseGoingAway)
			}
		}, "token-b0-s0"},
		{"shutting down", func(c *fakeConn) {
			if c.queued() {
				c.send(&arenav1.ServerMessage{Body: &arenav1.ServerMessage_Error{Error: &arenav1.Error{
					Code: arenav1.ErrorCode_ERROR_CODE_SHUTTING_DOWN, Message: "the server is shutting down",
				}}})
				c.next() // until the bot closes
			}
		}, "token-b0-s0"},
		{"connection refused", nil, "token-b0-s1"}, // signed in through B
	} {
		t.Run(tc.name, func(t *testing.T) {
			done := make(chan struct{})
			finish := onceCloser(done)
			var mu sync.Mutex
			var tokenB string
			b := newFakeNode(t, func(c *fakeConn) {
				mu.Lock()
				tokenB = c.auth.GetToken()
				mu.Unlock()
				if c.queued() {
					finish()
				}
				c.next()
			})
			server := down.URL
			if tc.first != nil {
				server = newFakeNode(t, tc.first).ts.URL
			}
			sum := runUntil(t, Config{Server: server + "," + b.ts.URL, Bots: 1}, done)
			if sum.Failovers != 1 || sum.Errors != 0 {
				t.Errorf("failovers %d, errors %d %v; want one failover, no error", sum.Failovers, sum.Errors, sum.ErrorKinds)
			}
			mu.Lock()
			defer mu.Unlock()
			if tokenB != tc.token {
				t.Errorf("token on B %q, want %q", tokenB, tc.token)
			}
		})
	}
}

// TestLobbyChatAcrossNodes: three bots over two nodes whose lobbies are one
// (every line goes to every connection, as a cluster relays them). A bot
// counts the lines of the bots on the other node, not those of its own node
// or its own. The lobby relays 12 lines, then drops the rest.
func TestLobbyChatAcrossNodes(t *testing.T) {
	const lines = 12
	done := make(chan struct{})
	finish := onceCloser(done)
	var (
		mu      sync.Mutex
		conns   []*fakeConn
		history []*arenav1.ServerMessage
		relayed int
		fromB   int // lines relayed from b1-s1, the one bot on B
	)
	lobby := func(c *fakeConn) {
		if !c.queued() {
			return
		}
		mu.Lock()
		conns = append(conns, c)
		for _, line := range history { // replayed on connect, as the server does
			c.send(line)
		}
		mu.Unlock()
		for {
			m, err := c.next()
			if err != nil {
				return
			}
			send := m.GetChatSend()
			if send.GetChannel() != arenav1.ChatChannel_CHAT_CHANNEL_LOBBY {
				t.Errorf("chat line on channel %v, want the lobby", send.GetChannel())
				continue
			}
			line := &arenav1.ServerMessage{Body: &arenav1.ServerMessage_ChatMessage{ChatMessage: &arenav1.ChatMessage{
				Channel: arenav1.ChatChannel_CHAT_CHANNEL_LOBBY, SenderId: "id-" + c.name(), SenderName: c.name(), Text: send.GetText(),
			}}}
			mu.Lock()
			if relayed < lines {
				history = append(history, line)
				for _, to := range conns {
					to.send(line)
				}
				if strings.HasSuffix(c.name(), "-s1") {
					fromB++
				}
				if relayed++; relayed == lines {
					time.AfterFunc(100*time.Millisecond, finish) // the last lines arrive
				}
			}
			mu.Unlock()
		}
	}
	a, b := newFakeNode(t, lobby), newFakeNode(t, lobby)
	sum := runUntil(t, Config{Server: a.ts.URL + "," + b.ts.URL, Bots: 3, LobbyChat: 20 * time.Millisecond}, done)
	if sum.Errors != 0 {
		t.Errorf("errors %d %v, want none", sum.Errors, sum.ErrorKinds)
	}
	if sum.LobbyChatSent < lines {
		t.Errorf("%d lines sent, want at least the %d relayed", sum.LobbyChatSent, lines)
	}
	// b0-s0 and b2-s0 on A each receive b1-s1's lines, b1-s1 theirs: a line
	// from B counts twice, one from A once (fewer if a bot had not queued
	// yet when it was posted).
	mu.Lock()
	defer mu.Unlock()
	if most := uint64(2*fromB + lines - fromB); sum.LobbyChatReceivedCross == 0 || sum.LobbyChatReceivedCross > most {
		t.Errorf("%d lines received across nodes, of %d relayed (%d from B); want some, at most %d", sum.LobbyChatReceivedCross, lines, fromB, most)
	}
	if got := append(slices.Sorted(slices.Values(a.signedIn())), b.signedIn()...); strings.Join(got, ",") != "b0-s0,b2-s0,b1-s1" {
		t.Errorf("signed in %q, want b0-s0 and b2-s0 on A, b1-s1 on B", got)
	}
}

// TestBotRejoinsItsMatchOnTheOtherNode: the bot's connection to node B,
// where its match runs, drops mid-match. It comes back to B, not to its own
// node A, with its token alone; B still holds the seat, so it refuses the
// queue request (not an error) and describes the match again; the bot plays
// on and queues again on B after the match.
func TestBotRejoinsItsMatchOnTheOtherNode(t *testing.T) {
	done := make(chan struct{})
	finish := onceCloser(done)
	var (
		mu     sync.Mutex
		authsB []*arenav1.Authenticate
		connsA int
	)
	start := &arenav1.ServerMessage{Body: &arenav1.ServerMessage_MatchStart{MatchStart: &arenav1.MatchStart{MatchId: "m1", TickRate: 30, YourShipId: 1}}}
	b := newFakeNode(t, func(c *fakeConn) {
		mu.Lock()
		authsB = append(authsB, c.auth)
		first := len(authsB) == 1
		mu.Unlock()
		c.authenticated()
		if first {
			c.send(start)
			time.Sleep(50 * time.Millisecond)
			c.ws.Close() // dropped, no close frame
			return
		}
		m, err := c.next()
		if err != nil || m.GetQueueJoin() == nil {
			t.Errorf("back on B: %v, %v; want a QueueJoin", m, err)
			return
		}
		c.send(&arenav1.ServerMessage{RequestId: m.GetRequestId(), Body: &arenav1.ServerMessage_Error{Error: &arenav1.Error{
			Code: arenav1.ErrorCode_ERROR_CODE_ALREADY_QUEUED, Message: "already in a match",
		}}})
		c.send(start)
		time.Sleep(50 * time.Millisecond)
		c.send(&arenav1.ServerMessage{Body: &arenav1.ServerMessage_MatchEnd{MatchEnd: &arenav1.MatchEnd{MatchId: "m1"}}})
		if m, err := c.next(); err != nil || m.GetQueueJoin() == nil {
			t.Errorf("after MatchEnd on B: %v, %v; want a QueueJoin", m, err)
		}
		finish()
		c.next()
	})
	a := newFakeNode(t, func(c *fakeConn) {
		mu.Lock()
		connsA++
		mu.Unlock()
		if !c.queued() {
			return
		}
		c.send(&arenav1.ServerMessage{Body: &arenav1.ServerMessage_MatchFound{MatchFound: &arenav1.MatchFound{
			MatchId: "m1", Mode: "quick", NodeUrl: b.ws, SeatTicket: "ticket-1",
		}}})
		c.next()
	})
	sum := runUntil(t, Config{Server: a.ts.URL + "," + b.ts.URL, Bots: 1}, done)
	if sum.Moves != 1 || sum.Failovers != 0 || sum.Errors != 1 || sum.ErrorKinds["disconnect"] != 1 {
		t.Errorf("moves %d, failovers %d, errors %d %v; want one move and the one disconnect", sum.Moves, sum.Failovers, sum.Errors, sum.ErrorKinds)
	}
	mu.Lock()
	defer mu.Unlock()
	if connsA != 1 || len(authsB) != 2 {
		t.Fatalf("%d connections to A, %d to B; want 1 and 2", connsA, len(authsB))
	}
	if again := authsB[1]; again.GetToken() != "token-b0-s0" || again.GetSeatTicket() != "" {
		t.Errorf("back on B with %v; want the token alone", again)
	}
}
