package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"google.golang.org/protobuf/proto"

	"github.com/arena-server/arena/netcode"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
	"github.com/arena-server/arena/server"
	"github.com/arena-server/arena/server/servertest"
)

// waitTimeout bounds every wait for a server message in these tests.
const waitTimeout = 10 * time.Second

// startServer runs a real server in-process; see servertest.Start.
func startServer(t *testing.T, cfg server.Config) *httptest.Server {
	t.Helper()
	return servertest.Start(t, cfg)
}

// signIn returns a session token for name.
func signIn(t *testing.T, ts *httptest.Server, name string) string {
	t.Helper()
	status, body := postSession(t, ts, `{"name":"`+name+`"}`)
	if status != http.StatusOK {
		t.Fatalf("sign in %q: %d %s", name, status, body)
	}
	var resp struct{ Token, Name string }
	if err := json.Unmarshal(body, &resp); err != nil || resp.Token == "" || resp.Name != name {
		t.Fatalf("sign in %q: bad response %s (%v)", name, body, err)
	}
	return resp.Token
}

func postSession(t *testing.T, ts *httptest.Server, body string) (int, []byte) {
	t.Helper()
	resp, err := http.Post(ts.URL+"/api/v1/session", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// client is a test player speaking protobuf over a real websocket. A reader
// goroutine decodes every server message into msgs; closed holds the close
// error when the connection ends.
type client struct {
	t      *testing.T
	ws     *websocket.Conn
	msgs   chan received
	closed chan error
	token  string
	id     string // the player id the server authenticated
}

// received is one server message and, for a snapshot, the state it decodes
// to through the client's netcode.Decoder, as a real client sees it.
type received struct {
	msg  *arenav1.ServerMessage
	view *netcode.View
	at   time.Time // when it was read
}

func dial(t *testing.T, ts *httptest.Server) *client {
	t.Helper()
	url := "ws" + strings.TrimPrefix(ts.URL, "http") + "/ws"
	ws, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	c := &client{t: t, ws: ws, msgs: make(chan received, 4096), closed: make(chan error, 1)}
	go c.readLoop()
	t.Cleanup(func() { ws.Close() })
	return c
}

// connect signs name in, dials and authenticates.
func connect(t *testing.T, ts *httptest.Server, name string) *client {
	t.Helper()
	return resume(t, ts, signIn(t, ts, name), name)
}

// resume dials and authenticates with an existing token.
func resume(t *testing.T, ts *httptest.Server, token, name string) *client {
	t.Helper()
	c := dial(t, ts)
	c.token = token
	c.send(authenticate(token))
	got := c.waitFor("authenticated", func(m *arenav1.ServerMessage) bool { return m.GetAuthenticated() != nil })
	c.id = got.GetAuthenticated().GetPlayerId()
	if got.GetAuthenticated().GetName() != name {
		t.Fatalf("authenticated as %q, want %q", got.GetAuthenticated().GetName(), name)
	}
	return c
}

// sync waits until the server has handled everything c sent before: the
// reader answers messages in order, so the pong comes after them.
func (c *client) sync() {
	c.t.Helper()
	c.send(&arenav1.ClientMessage{RequestId: 99, Body: &arenav1.ClientMessage_Ping{Ping: &arenav1.Ping{}}})
	c.waitFor("pong", func(m *arenav1.ServerMessage) bool { return m.GetPong() != nil && m.GetRequestId() == 99 })
}

func (c *client) readLoop() {
	defer close(c.msgs)
	var dec *netcode.Decoder
	for {
		kind, b, err := c.ws.ReadMessage()
		if err != nil {
			c.closed <- err
			return
		}
		if kind != websocket.BinaryMessage {
			c.closed <- io.ErrUnexpectedEOF
			return
		}
		m := new(arenav1.ServerMessage)
		if err := proto.Unmarshal(b, m); err != nil {
			c.closed <- err
			return
		}
		if start := m.GetMatchStart(); start != nil {
			dec = netcode.NewDecoder(start.GetYourShipId())
		}
		var view *netcode.View
		if snap := m.GetSnapshot(); snap != nil && dec != nil {
			if view, err = dec.Apply(snap); err != nil {
				c.closed <- fmt.Errorf("decode snapshot of tick %d: %w", snap.GetTick(), err)
				return
			}
		}
		c.msgs <- received{m, view, time.Now()}
	}
}

func (c *client) send(m *arenav1.ClientMessage) {
	c.t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		c.t.Fatal(err)
	}
	c.sendRaw(websocket.BinaryMessage, b)
}

func (c *client) sendRaw(kind int, b []byte) {
	c.t.Helper()
	if err := c.ws.WriteMessage(kind, b); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// waitFor returns the first message matching pred, skipping others.
func (c *client) waitFor(what string, pred func(*arenav1.ServerMessage) bool) *arenav1.ServerMessage {
	c.t.Helper()
	return c.waitReceived(what, func(r received) bool { return pred(r.msg) }).msg
}

// waitView returns the first decoded snapshot matching pred.
func (c *client) waitView(what string, pred func(*netcode.View) bool) *netcode.View {
	c.t.Helper()
	return c.waitReceived(what, func(r received) bool { return r.view != nil && pred(r.view) }).view
}

func (c *client) waitReceived(what string, pred func(received) bool) received {
	c.t.Helper()
	deadline := time.After(waitTimeout)
	for {
		select {
		case r, ok := <-c.msgs:
			if !ok {
				c.t.Fatalf("waiting for %s: connection closed: %v", what, <-c.closed)
			}
			if pred(r) {
				return r
			}
		case <-deadline:
			c.t.Fatalf("waiting for %s: timed out", what)
		}
	}
}

// waitError returns the next Error message.
func (c *client) waitError() *arenav1.Error {
	c.t.Helper()
	return c.waitFor("error", func(m *arenav1.ServerMessage) bool { return m.GetError() != nil }).GetError()
}

// waitClose waits for the server to close the connection and returns its close code.
func (c *client) waitClose() int {
	c.t.Helper()
	deadline := time.After(waitTimeout)
	for {
		select {
		case _, ok := <-c.msgs:
			if ok {
				continue
			}
			err := <-c.closed
			if ce, isClose := err.(*websocket.CloseError); isClose {
				return ce.Code
			}
			c.t.Fatalf("connection ended without a close frame: %v", err)
		case <-deadline:
			c.t.Fatal("waiting for close: timed out")
		}
	}
}

func queueJoin(mode string) *arenav1.ClientMessage {
	return &arenav1.ClientMessage{Body: &arenav1.ClientMessage_QueueJoin{QueueJoin: &arenav1.QueueJoin{Mode: mode}}}
}

func input(seq uint32, buttons arenav1.Button) *arenav1.ClientMessage {
	return &arenav1.ClientMessage{Body: &arenav1.ClientMessage_Input{Input: &arenav1.Input{Seq: seq, Buttons: uint32(buttons)}}}
}

func chat(text string) *arenav1.ClientMessage {
	return chatOn(arenav1.ChatChannel_CHAT_CHANNEL_MATCH, text)
}

func chatOn(channel arenav1.ChatChannel, text string) *arenav1.ClientMessage {
	return &arenav1.ClientMessage{Body: &arenav1.ClientMessage_ChatSend{ChatSend: &arenav1.ChatSend{Channel: channel, Text: text}}}
}

// chatLine matches a chat message with text.
func chatLine(text string) func(*arenav1.ServerMessage) bool {
	return func(m *arenav1.ServerMessage) bool { return m.GetChatMessage().GetText() == text }
}

// linesUntil collects the chat texts c receives up to and including marker.
func (c *client) linesUntil(marker string) []string {
	c.t.Helper()
	var texts []string
	c.waitFor(marker, func(m *arenav1.ServerMessage) bool {
		if line := m.GetChatMessage(); line != nil {
			texts = append(texts, line.GetText())
		}
		return m.GetChatMessage().GetText() == marker
	})
	return texts
}

func isJSONError(b []byte) bool {
	var e struct{ Error string }
	return json.NewDecoder(bytes.NewReader(b)).Decode(&e) == nil && e.Error != ""
}

func marshalClient(m *arenav1.ClientMessage) ([]byte, error) { return proto.Marshal(m) }

func unmarshalServer(b []byte) (*arenav1.ServerMessage, error) {
	m := new(arenav1.ServerMessage)
	return m, proto.Unmarshal(b, m)
}
