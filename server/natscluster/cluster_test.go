package natscluster_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/arena-server/arena/game"
	"github.com/arena-server/arena/internal/natsproc"
	"github.com/arena-server/arena/netcode/transport"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
	"github.com/arena-server/arena/server"
	"github.com/arena-server/arena/server/natscluster"
	"github.com/arena-server/arena/server/servertest"
	"github.com/arena-server/arena/store"
)

// These tests run two Arena servers in this process, joined through a real
// nats-server and sharing one store, and talk to them as players do: HTTP
// sign-in, websockets, protobuf.

// shortDuel is a duel that ends on its clock two seconds into play.
func shortDuel() []game.Mode {
	duel, _ := game.FindMode(game.DefaultModes(), "duel")
	duel.TimeLimit = 2 * time.Second
	return []game.Mode{duel}
}

// startNodes starts n nodes on one NATS server and one store.
func startNodes(t *testing.T, n int) []*httptest.Server {
	t.Helper()
	ns := natsproc.Start(t)
	st, err := store.OpenSQLite(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	var nodes []*httptest.Server
	for i := range n {
		id := string(rune('a' + i))
		cl, err := natscluster.New(natscluster.Config{URL: ns.URL(), NodeID: id, Lease: 600 * time.Millisecond, LoadEvery: 100 * time.Millisecond}, nil)
		if err != nil {
			t.Fatal(err)
		}
		nodes = append(nodes, servertest.Start(t, server.Config{Store: st, Cluster: cl, Modes: shortDuel()}))
	}
	// Every node hears from every other: their subscriptions are in place.
	want := fmt.Sprintf("arena_node_peers %d\n", n)
	for _, node := range nodes {
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(get(t, node.URL+"/metrics"), want) {
			if time.Now().After(deadline) {
				t.Fatalf("%s does not see %d nodes within 10 s", node.URL, n)
			}
			time.Sleep(20 * time.Millisecond) // polling a state under a deadline
		}
	}
	return nodes
}

// get returns the body of a GET.
func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// player is a signed-in websocket client.
type player struct {
	t     *testing.T
	token string
	conn  *transport.Conn
}

func signIn(t *testing.T, node *httptest.Server, name string) *player {
	t.Helper()
	s, err := transport.SignIn(t.Context(), node.URL, name)
	if err != nil {
		t.Fatal(err)
	}
	p := &player{t: t, token: s.Token}
	p.connect(node, "")
	return p
}

// connect opens a websocket to node and authenticates, with a seat ticket if given.
func (p *player) connect(node *httptest.Server, ticket string) {
	p.t.Helper()
	u, err := transport.WebSocketURL(node.URL)
	if err != nil {
		p.t.Fatal(err)
	}
	p.dial(u, ticket)
}

func (p *player) dial(wsURL, ticket string) {
	p.t.Helper()
	c, err := transport.Dial(p.t.Context(), wsURL)
	if err != nil {
		p.t.Fatal(err)
	}
	p.t.Cleanup(func() { _ = c.Close() })
	p.conn = c
	p.send(&arenav1.ClientMessage{Body: &arenav1.ClientMessage_Authenticate{Authenticate: &arenav1.Authenticate{Token: p.token, SeatTicket: ticket}}})
}

func (p *player) send(m *arenav1.ClientMessage) {
	p.t.Helper()
	if err := p.conn.Send(p.t.Context(), m); err != nil {
		p.t.Fatal(err)
	}
}

// waitFor reads until a message satisfies pred, within 10 seconds.
func (p *player) waitFor(what string, pred func(*arenav1.ServerMessage) bool) *arenav1.ServerMessage {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.t.Context(), 10*time.Second)
	defer cancel()
	for {
		m, err := p.conn.Receive(ctx)
		if err != nil {
			p.t.Fatalf("waiting for %s: %v", what, err)
		}
		if pred(m) {
			return m
		}
	}
}

// waitClose reads until the server closes the connection and returns its close code.
func (p *player) waitClose() int {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.t.Context(), 10*time.Second)
	defer cancel()
	for {
		_, err := p.conn.Receive(ctx)
		if err == nil {
			continue
		}
		if code := transport.CloseCode(err); code != 0 {
			return code
		}
		p.t.Fatalf("waiting for a close: %v", err)
	}
}

func queue(mode string) *arenav1.ClientMessage {
	return &arenav1.ClientMessage{Body: &arenav1.ClientMessage_QueueJoin{QueueJoin: &arenav1.QueueJoin{Mode: mode}}}
}

func isFound(m *arenav1.ServerMessage) bool { return m.GetMatchFound() != nil }

// matchAcrossNodes queues one player on each of two nodes for a duel and
// returns them with their MatchFound, the one sent to the other node first.
func matchAcrossNodes(t *testing.T, nodes []*httptest.Server) (moved, stayed *player, found *arenav1.MatchFound) {
	a, b := signIn(t, nodes[0], "alice"), signIn(t, nodes[1], "bob")
	a.send(queue("duel"))
	b.send(queue("duel"))
	fa := a.waitFor("match found", isFound).GetMatchFound()
	fb := b.waitFor("match found", isFound).GetMatchFound()
	if fa.GetMatchId() != fb.GetMatchId() {
		t.Fatalf("matched into different matches: %s and %s", fa.GetMatchId(), fb.GetMatchId())
	}
	switch {
	case fa.GetNodeUrl() != "" && fb.GetNodeUrl() == "":
		return a, b, fa
	case fb.GetNodeUrl() != "" && fa.GetNodeUrl() == "":
		return b, a, fb
	}
	t.Fatalf("exactly one player should move to the other node: %v, %v", fa, fb)
	return nil, nil, nil
}

func TestPlayersOnTwoNodesPlayOneMatch(t *testing.T) {
	nodes := startNodes(t, 2)
	moved, stayed, found := matchAcrossNodes(t, nodes)
	if found.GetSeatTicket() == "" {
		t.Fatal("a move needs a seat ticket")
	}
	moved.dial(found.GetNodeUrl(), found.GetSeatTicket())
	moved.waitFor("authenticated on the match's node", func(m *arenav1.ServerMessage) bool { return m.GetAuthenticated() != nil })
	for _, p := range []*player{moved, stayed} {
		start := p.waitFor("match start", func(m *arenav1.ServerMessage) bool { return m.GetMatchStart() != nil })
		if start.GetMatchStart().GetMatchId() != found.GetMatchId() {
			t.Fatalf("started match %s, found %s", start.GetMatchStart().GetMatchId(), found.GetMatchId())
		}
	}
	for _, p := range []*player{moved, stayed} {
		end := p.waitFor("match end", func(m *arenav1.ServerMessage) bool { return m.GetMatchEnd() != nil }).GetMatchEnd()
		if len(end.GetResults()) != 2 {
			t.Fatalf("results of %d players, want both: %v", len(end.GetResults()), end)
		}
		if end.GetReason() == arenav1.MatchEndReason_MATCH_END_REASON_ABORTED {
			t.Fatalf("match aborted: %v", end)
		}
	}
	// Queueing again from the match's node works: it serves the lobby too.
	moved.send(queue("duel"))
	moved.waitFor("queued again", func(m *arenav1.ServerMessage) bool {
		return m.GetQueueStatus().GetState() == arenav1.QueueState_QUEUE_STATE_QUEUED
	})
}

func TestSeatTicketsAreCheckedAndUsedOnce(t *testing.T) {
	nodes := startNodes(t, 2)
	moved, _, found := matchAcrossNodes(t, nodes)
	home := nodes[0]
	if found.GetNodeUrl() == mustWS(t, nodes[0]) {
		home = nodes[1]
	}
	moved.conn.Close()

	// At the wrong node: the ticket names the node that runs the match.
	moved.connect(home, found.GetSeatTicket())
	if code := moved.waitClose(); code != transport.CloseSeatRefused {
		t.Fatalf("foreign ticket: close %d, want %d", code, transport.CloseSeatRefused)
	}
	// Tampered with.
	moved.dial(found.GetNodeUrl(), found.GetSeatTicket()+"x")
	if code := moved.waitClose(); code != transport.CloseSeatRefused {
		t.Fatalf("forged ticket: close %d, want %d", code, transport.CloseSeatRefused)
	}
	// Another player's.
	eve := signIn(t, home, "eve")
	eve.dial(found.GetNodeUrl(), found.GetSeatTicket())
	if code := eve.waitClose(); code != transport.CloseSeatRefused {
		t.Fatalf("someone else's ticket: close %d, want %d", code, transport.CloseSeatRefused)
	}
	// The real thing, once.
	moved.dial(found.GetNodeUrl(), found.GetSeatTicket())
	moved.waitFor("match start", func(m *arenav1.ServerMessage) bool { return m.GetMatchStart() != nil })
	again := &player{t: t, token: moved.token}
	again.dial(found.GetNodeUrl(), found.GetSeatTicket())
	if code := again.waitClose(); code != transport.CloseSeatRefused {
		t.Fatalf("reused ticket: close %d, want %d", code, transport.CloseSeatRefused)
	}
}

func mustWS(t *testing.T, node *httptest.Server) string {
	u, err := transport.WebSocketURL(node.URL)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestASecondConnectionOnAnotherNodeReplacesTheFirst(t *testing.T) {
	nodes := startNodes(t, 2)
	first := signIn(t, nodes[0], "carol")
	first.waitFor("authenticated", func(m *arenav1.ServerMessage) bool { return m.GetAuthenticated() != nil })
	second := &player{t: t, token: first.token}
	second.connect(nodes[1], "")
	second.waitFor("authenticated", func(m *arenav1.ServerMessage) bool { return m.GetAuthenticated() != nil })
	if code := first.waitClose(); code != transport.CloseReplaced {
		t.Fatalf("first connection closed with %d, want %d", code, transport.CloseReplaced)
	}
}

func TestLobbyChatReachesEveryNode(t *testing.T) {
	nodes := startNodes(t, 2)
	a, b := signIn(t, nodes[0], "dora"), signIn(t, nodes[1], "emil")
	b.waitFor("authenticated", func(m *arenav1.ServerMessage) bool { return m.GetAuthenticated() != nil })
	a.send(&arenav1.ClientMessage{Body: &arenav1.ClientMessage_ChatSend{ChatSend: &arenav1.ChatSend{
		Channel: arenav1.ChatChannel_CHAT_CHANNEL_LOBBY, Text: "hello from node a",
	}}})
	line := b.waitFor("the lobby line", func(m *arenav1.ServerMessage) bool {
		return m.GetChatMessage().GetText() == "hello from node a"
	}).GetChatMessage()
	if line.GetSenderName() != "dora" || line.GetChannel() != arenav1.ChatChannel_CHAT_CHANNEL_LOBBY {
		t.Fatalf("line on node b: %v", line)
	}
}

func TestQueueingWaitsForNATS(t *testing.T) {
	ns := natsproc.Start(t)
	cl, err := natscluster.New(natscluster.Config{URL: ns.URL(), NodeID: "solo"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ns.Kill()
	deadline := time.Now().Add(10 * time.Second)
	for cl.Health() == "" {
		if time.Now().After(deadline) {
			t.Fatal("health still ok 10 s after NATS died")
		}
		time.Sleep(10 * time.Millisecond) // polling a state with a deadline
	}
	if err := cl.Enqueue(server.Ticket{Player: "p", Mode: "duel"}); !errors.Is(err, natscluster.ErrUnavailable) {
		t.Fatalf("enqueue without NATS: %v, want ErrUnavailable", err)
	}
}
