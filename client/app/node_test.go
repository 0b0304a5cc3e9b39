package app

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/arena-server/arena/game"
	"github.com/arena-server/arena/netcode/transport"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

// matchNode is the websocket URL of the node that runs the match in these
// tests, another than the one the client signed in on.
const matchNode = "ws://127.0.0.1:18082/ws"

var errConnRefused = errors.New("connection refused")

// wantDial checks that the newest connection went to url and authenticated
// with token and ticket.
func (h *harness) wantDial(url, token, ticket string) {
	h.t.Helper()
	if got := h.conn().url; got != url {
		h.t.Fatalf("connected to %q, want %q", got, url)
	}
	m := h.sentOnly().GetAuthenticate()
	if m == nil || m.GetToken() != token || m.GetSeatTicket() != ticket {
		h.t.Fatalf("sent %v, want authenticate with token %q and seat ticket %q", m, token, ticket)
	}
}

// wantSmooth checks that nothing tells the player about the connection:
// no reconnecting or resuming state, no status line, no notice.
func (h *harness) wantSmooth() {
	h.t.Helper()
	if h.a.Reconnecting() || h.a.Resuming() || h.a.Connecting() || h.a.Status() != "" || h.a.Notice() != "" || h.a.LastError() != "" {
		h.t.Fatalf("reconnecting %v resuming %v connecting %v status %q notice %q error %q",
			h.a.Reconnecting(), h.a.Resuming(), h.a.Connecting(), h.a.Status(), h.a.Notice(), h.a.LastError())
	}
}

// isClosed reports whether the client closed c.
func (c *fakeConn) isClosed() bool {
	select {
	case <-c.closed:
		return true
	default:
		return false
	}
}

func duelStart() *arenav1.ServerMessage {
	return msg(&arenav1.ServerMessage_MatchStart{MatchStart: &arenav1.MatchStart{
		MatchId: "m1", Mode: "duel", YourShipId: 1, TickRate: 30, Teams: 2,
		Map: &arenav1.MapInfo{Name: "test", Width: 2000, Height: 2000},
		Players: []*arenav1.PlayerInfo{
			{ShipId: 1, PlayerId: "id-alice", Name: "alice", Team: 1},
			{ShipId: 2, PlayerId: "id-bob", Name: "bob", Team: 2},
		},
	}})
}

// moveToMatchNode queues on the first node, which finds a match on
// matchNode: the client moves there and plays.
func (h *harness) moveToMatchNode() {
	h.t.Helper()
	lobby := h.conn()
	h.a.JoinQueue()
	h.sent()
	h.serve(msg(&arenav1.ServerMessage_MatchFound{MatchFound: &arenav1.MatchFound{
		MatchId: "m1", Mode: "duel", NodeUrl: matchNode, SeatTicket: "seat-1",
	}}))
	if !lobby.isClosed() || lobby.readCanceled.Load() {
		h.t.Fatalf("after the move the lobby's connection is closed %v, by a canceled read %v", lobby.isClosed(), lobby.readCanceled.Load())
	}
	if n := h.d.dialed(); n != 2 {
		h.t.Fatalf("%d connections, want the lobby's and the match node's", n)
	}
	h.wantDial(matchNode, "tok-alice", "seat-1")
	h.wantScreen(ScreenMatch)
	h.wantSmooth()
	if !h.a.Moving() || h.a.Online() || h.a.Node() != matchNode {
		h.t.Fatalf("moving %v online %v node %q", h.a.Moving(), h.a.Online(), h.a.Node())
	}
	if p := h.a.Probe(0); p.Node != matchNode || !p.Moving || p.Screen != "match" {
		h.t.Fatalf("probe while moving: node %q moving %v screen %q", p.Node, p.Moving, p.Screen)
	}
	time.Sleep(100 * time.Millisecond)
	h.step()
	if got := h.sent(); len(got) != 0 {
		h.t.Fatalf("sent %v before the match's node accepted the player", got)
	}
	h.wantScreen(ScreenMatch)

	h.serve(authenticated(), duelStart())
	h.wantScreen(ScreenMatch)
	h.wantSmooth()
	if !h.a.Online() || h.a.Moving() || !h.a.Match().Started() {
		h.t.Fatalf("after the node's answer: online %v moving %v started %v", h.a.Online(), h.a.Moving(), h.a.Match().Started())
	}
	h.serve(snapshot(5, arenav1.MatchPhase_MATCH_PHASE_PLAYING, ship{ID: 1, Team: 1, X: 100 * SubUnits, Y: 100 * SubUnits, Alive: true, Health: 100}))
	time.Sleep(100 * time.Millisecond)
	h.step()
	if in := inputsIn(h.sent()); len(in) == 0 {
		h.t.Fatal("no inputs to the match's node")
	}
	if len(lobby.toServer) != 0 {
		h.t.Fatalf("%d messages went to the closed lobby connection", len(lobby.toServer))
	}
	h.wantSmooth()
}

func TestMatchOnAnotherNodeMovesThere(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.signIn("alice")
		if h.conn().url != "" {
			t.Fatalf("signed in on %q, want the dialer's own server", h.conn().url)
		}
		h.moveToMatchNode()
		if len(h.d.names) != 1 {
			t.Fatalf("signed in again to move: %v", h.d.names)
		}
		// The match ends; the client stays on the node, which serves the lobby.
		h.serve(msg(&arenav1.ServerMessage_MatchEnd{MatchEnd: &arenav1.MatchEnd{MatchId: "m1"}}))
		h.wantScreen(ScreenResults)
		h.a.BackToMenu()
		h.a.JoinQueue()
		if m := h.sentOnly(); m.GetQueueJoin() == nil {
			t.Fatalf("sent %v, want the queue join on the match's node", m)
		}
		if n := h.d.dialed(); n != 2 || h.a.Node() != matchNode {
			t.Fatalf("%d connections, node %q after the match", n, h.a.Node())
		}
		h.a.Close()
	})
}

func TestMatchOnThisNodeStays(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.signIn("alice")
		h.startMatch() // MatchFound without node_url
		if n := h.d.dialed(); n != 1 || h.a.Node() != "" || h.a.Moving() {
			t.Fatalf("%d connections, node %q, moving %v", n, h.a.Node(), h.a.Moving())
		}
		h.a.Close()
	})
}

func TestDropInMovedMatchReconnectsToItsNode(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.signIn("alice")
		h.moveToMatchNode()

		h.drop()
		h.wantScreen(ScreenMatch)
		if !h.a.Reconnecting() {
			t.Fatal("a drop in the match does not reconnect")
		}
		time.Sleep(time.Second)
		h.step()
		h.wantDial(matchNode, "tok-alice", "") // the seat is held: the token alone
		h.serve(authenticated())
		if !h.a.Resuming() {
			t.Fatal("not resuming the match after the reconnect")
		}
		h.serve(duelStart())
		h.wantScreen(ScreenMatch)
		if h.a.Resuming() || !h.a.Online() {
			t.Fatalf("resuming %v online %v", h.a.Resuming(), h.a.Online())
		}

		// After the match, a drop reconnects to the node the client is on.
		h.serve(msg(&arenav1.ServerMessage_MatchEnd{MatchEnd: &arenav1.MatchEnd{MatchId: "m1"}}))
		h.wantScreen(ScreenResults)
		h.drop()
		time.Sleep(time.Second)
		h.step()
		h.wantDial(matchNode, "tok-alice", "")
		h.serve(authenticated())
		h.wantScreen(ScreenResults)
		if !h.a.Online() || h.a.Reconnecting() {
			t.Fatalf("online %v reconnecting %v", h.a.Online(), h.a.Reconnecting())
		}
		h.a.Close()
	})
}

func TestRefusedSeatBackToLobbyOnOriginalServer(t *testing.T) {
	for _, answered := range []bool{false, true} {
		name := "closed at once"
		if answered {
			name = "closed after an error"
		}
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newHarness(t)
				h.signIn("alice")
				h.a.JoinQueue()
				h.serve(msg(&arenav1.ServerMessage_MatchFound{MatchFound: &arenav1.MatchFound{
					MatchId: "m1", Mode: "duel", NodeUrl: matchNode, SeatTicket: "forged",
				}}))
				h.wantDial(matchNode, "tok-alice", "forged")

				c := h.conn()
				if answered {
					c.toClient <- msg(&arenav1.ServerMessage_Error{Error: &arenav1.Error{Code: arenav1.ErrorCode_ERROR_CODE_UNAUTHENTICATED, Message: "seat refused"}})
				}
				c.closeErr = closeError(transport.CloseSeatRefused)
				close(c.toClient)
				h.step()

				h.wantScreen(ScreenMenu)
				if n := h.a.Notice(); !strings.Contains(n, "refused the seat") {
					t.Fatalf("notice %q, want the refused seat explained", n)
				}
				if h.a.Reconnecting() || h.a.Moving() || h.a.Match() != nil {
					t.Fatalf("reconnecting %v moving %v match %v", h.a.Reconnecting(), h.a.Moving(), h.a.Match())
				}
				if n := h.d.dialed(); n != 3 {
					t.Fatalf("%d connections, want a third to the original server at once", n)
				}
				h.wantDial("", "tok-alice", "")
				h.serve(authenticated())
				h.wantScreen(ScreenMenu)
				if !h.a.Online() || h.a.Node() != "" {
					t.Fatalf("online %v node %q", h.a.Online(), h.a.Node())
				}
				if _, ok := h.store.Load(); !ok {
					t.Fatal("a refused seat forgot the session")
				}
				h.a.JoinQueue()
				if m := h.sentOnly(); m.GetQueueJoin() == nil {
					t.Fatalf("sent %v, want a queue join on the original server", m)
				}
				h.a.Close()
			})
		})
	}
}

func TestMoveThatCannotConnectRetriesWithTicket(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.signIn("alice")
		h.d.mu.Lock()
		h.d.connErr = errConnRefused
		h.d.mu.Unlock()
		h.a.JoinQueue()
		h.serve(msg(&arenav1.ServerMessage_MatchFound{MatchFound: &arenav1.MatchFound{
			MatchId: "m1", Mode: "duel", NodeUrl: matchNode, SeatTicket: "seat-1",
		}}))
		synctest.Wait()
		h.step()
		h.wantScreen(ScreenMatch)
		if !h.a.Reconnecting() {
			t.Fatal("a move that cannot connect does not retry")
		}
		h.d.mu.Lock()
		h.d.connErr = nil
		h.d.mu.Unlock()
		time.Sleep(time.Second)
		h.step()
		// The ticket never reached the node: it goes again.
		h.wantDial(matchNode, "tok-alice", "seat-1")

		// This time the connection opens and drops: the node may have
		// seated the player, so the next try is the token's alone.
		h.drop()
		time.Sleep(2 * time.Second)
		h.step()
		h.wantDial(matchNode, "tok-alice", "")
		h.serve(authenticated(), duelStart())
		h.wantScreen(ScreenMatch)
		if !h.a.Online() || h.a.Moving() || h.a.Resuming() {
			t.Fatalf("online %v moving %v resuming %v", h.a.Online(), h.a.Moving(), h.a.Resuming())
		}
		h.a.Close()
	})
}

func TestStopReconnectingMidMoveStaysOnOriginalServer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.signIn("alice")
		h.d.mu.Lock()
		h.d.connErr = errConnRefused
		h.d.mu.Unlock()
		h.a.JoinQueue()
		h.serve(msg(&arenav1.ServerMessage_MatchFound{MatchFound: &arenav1.MatchFound{
			MatchId: "m1", Mode: "duel", NodeUrl: matchNode, SeatTicket: "seat-1",
		}}))
		h.step()
		h.a.StopReconnecting()
		h.wantScreen(ScreenName)
		if h.a.Node() != "" {
			t.Fatalf("node %q after giving up the move, want the original server", h.a.Node())
		}
		h.d.mu.Lock()
		h.d.connErr = nil
		h.d.mu.Unlock()
		h.a.PlayAs()
		h.step()
		h.wantDial("", "tok-alice", "")
		h.a.Close()
	})
}

func TestMatchOnBadNodeURLStaysInLobby(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.signIn("alice")
		h.a.JoinQueue()
		h.serve(msg(&arenav1.ServerMessage_MatchFound{MatchFound: &arenav1.MatchFound{
			MatchId: "m1", Mode: "duel", NodeUrl: "javascript:alert(1)", SeatTicket: "seat-1",
		}}))
		h.wantScreen(ScreenMenu)
		if n := h.d.dialed(); n != 1 || !h.a.Online() || h.a.Notice() == "" {
			t.Fatalf("%d connections, online %v, notice %q", n, h.a.Online(), h.a.Notice())
		}
		h.a.Close()
	})
}

// clusterDialer is two nodes: the lobby node (the dialer's own server, ""),
// which answers a queue join with a match on matchNode, and the match node,
// a playServer behind lagPipes.
type clusterDialer struct {
	*playDialer
	mu    sync.Mutex
	lobby []*fakeConn
	auths []*arenav1.Authenticate // what the match node received, by connection
}

func (d *clusterDialer) Connect(ctx context.Context, wsURL string) (Conn, error) {
	if wsURL == matchNode {
		c, err := d.playDialer.Connect(ctx, wsURL)
		if err != nil {
			return nil, err
		}
		return &authTap{Conn: c, d: d}, nil
	}
	c := newFakeConn()
	d.mu.Lock()
	d.lobby = append(d.lobby, c)
	d.mu.Unlock()
	go func() {
		for {
			select {
			case m := <-c.toServer:
				switch {
				case m.GetAuthenticate() != nil:
					c.toClient <- msg(&arenav1.ServerMessage_Authenticated{Authenticated: &arenav1.Authenticated{PlayerId: "p1", Name: "alice"}})
				case m.GetQueueJoin() != nil:
					c.toClient <- msg(&arenav1.ServerMessage_MatchFound{MatchFound: &arenav1.MatchFound{
						MatchId: "m1", Mode: "duel", NodeUrl: matchNode, SeatTicket: "seat-1",
					}})
				}
			case <-c.closed:
				return
			case <-d.ctx.Done():
				return
			}
		}
	}()
	return c, nil
}

// authTap records the Authenticate the client sends the match node.
type authTap struct {
	Conn
	d *clusterDialer
}

func (t *authTap) Send(ctx context.Context, m *arenav1.ClientMessage) error {
	if a := m.GetAuthenticate(); a != nil {
		t.d.mu.Lock()
		t.d.auths = append(t.d.auths, a)
		t.d.mu.Unlock()
	}
	return t.Conn.Send(ctx, m)
}

// TestNetPlayOnAnotherNode: a client queued on one node plays its match on
// another, over a lagging connection, without a frame that shows anything
// but the match from MatchFound on; its prediction matches that node.
func TestNetPlayOnAnotherNode(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		srv := newPlayServer(t)
		d := &clusterDialer{playDialer: &playDialer{ctx: ctx, srv: srv, latency: 60 * time.Millisecond, jitter: 20 * time.Millisecond}}
		p := &netPlay{t: t, a: New(Config{Dialer: d}), d: d.playDialer, srv: srv, predicted: map[uint32]game.Vec{}}
		defer p.a.Close()
		p.a.SubmitName("alice")
		for i := 0; p.a.Screen() != ScreenMenu; i++ {
			if i > 60 {
				t.Fatalf("not signed in on the lobby node: screen %v", p.a.Screen())
			}
			p.frame()
		}
		p.a.JoinQueue()
		for i := 0; p.a.Screen() != ScreenMatch; i++ {
			if i > 60 {
				t.Fatalf("no match: screen %v", p.a.Screen())
			}
			p.frame()
		}
		for i := 0; p.a.Match().Phase() != game.PhasePlaying; i++ {
			if i > 600 {
				t.Fatalf("no play on the match node after 10 s: phase %v", p.a.Match().Phase())
			}
			if p.a.Screen() != ScreenMatch || p.a.Reconnecting() || p.a.Resuming() || p.a.Status() != "" || p.a.Notice() != "" || p.a.LastError() != "" {
				t.Fatalf("frame %d of the move: screen %v reconnecting %v resuming %v status %q notice %q error %q", i,
					p.a.Screen(), p.a.Reconnecting(), p.a.Resuming(), p.a.Status(), p.a.Notice(), p.a.LastError())
			}
			p.frame()
		}
		d.mu.Lock()
		lobby, auths := d.lobby, d.auths
		d.mu.Unlock()
		if len(lobby) != 1 || !lobby[0].isClosed() || lobby[0].readCanceled.Load() {
			t.Fatalf("%d lobby connections; the first closed %v, by a canceled read %v", len(lobby), lobby[0].isClosed(), lobby[0].readCanceled.Load())
		}
		if len(auths) != 1 || auths[0].GetToken() != "tok" || auths[0].GetSeatTicket() != "seat-1" {
			t.Fatalf("the match node received %v, want one authenticate with the token and the seat ticket", auths)
		}
		p.a.SetControls(Controls{Buttons: ButtonRight | ButtonDown, Aim: 8192})
		p.frames(90)
		p.a.SetControls(Controls{})
		p.frames(60)
		srvPos, _ := srv.state()
		if pred, _ := p.a.Match().Predicted(); pred != srvPos || !p.a.Online() {
			t.Fatalf("predicted %v, the match node has %v (online %v)", pred, srvPos, p.a.Online())
		}
	})
}

func TestRefusedSeatOnReconnectGoesHomeWithBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.signIn("alice")
		h.moveToMatchNode()
		h.drop()
		time.Sleep(time.Second)
		h.step()
		h.wantDial(matchNode, "tok-alice", "")
		// The match's node no longer holds the seat, and says so with 4005.
		c := h.conn()
		c.closeErr = closeError(transport.CloseSeatRefused)
		close(c.toClient)
		h.step()
		h.wantScreen(ScreenMenu)
		if !strings.Contains(h.a.Notice(), "refused the seat") || !h.a.Reconnecting() {
			t.Fatalf("notice %q reconnecting %v", h.a.Notice(), h.a.Reconnecting())
		}
		dialed := h.d.dialed()
		h.step()
		if h.d.dialed() != dialed {
			t.Fatal("reconnected at once after a 4005 outside a move")
		}
		time.Sleep(2 * time.Second)
		h.step()
		h.wantDial("", "tok-alice", "")
		h.serve(authenticated())
		h.wantScreen(ScreenMenu)
		if !h.a.Online() || h.a.Reconnecting() || h.a.Node() != "" {
			t.Fatalf("online %v reconnecting %v node %q", h.a.Online(), h.a.Reconnecting(), h.a.Node())
		}
		h.a.Close()
	})
}
