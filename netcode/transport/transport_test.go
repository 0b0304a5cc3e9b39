//go:build !js

package transport_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"google.golang.org/protobuf/proto"

	"github.com/arena-server/arena/netcode/transport"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

var upgrader = websocket.Upgrader{}

// newServer starts a test server with a sign-in endpoint, an echo websocket
// at /echo, a ping-answering websocket at /ws and a text-frame sender at /text.
func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/session", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Name string `json:"name"`
		}
		w.Header().Set("Content-Type", "application/json")
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Name == "" || strings.Contains(req.Name, "!") {
			w.WriteHeader(http.StatusBadRequest)
			_ = json.NewEncoder(w).Encode(map[string]string{"error": "invalid name"})
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]string{"token": "tok-" + req.Name, "player_id": "p1", "name": req.Name})
	})
	mux.HandleFunc("POST /broken/api/v1/session", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		ws, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		ws.SetReadLimit(4 << 20)
		for {
			typ, data, err := ws.ReadMessage()
			if err != nil {
				return
			}
			if err := ws.WriteMessage(typ, data); err != nil {
				return
			}
		}
	})
	mux.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		ws, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		for {
			_, data, err := ws.ReadMessage()
			if err != nil {
				return
			}
			var in arenav1.ClientMessage
			if err := proto.Unmarshal(data, &in); err != nil {
				return
			}
			out := &arenav1.ServerMessage{RequestId: in.GetRequestId()}
			switch b := in.GetBody().(type) {
			case *arenav1.ClientMessage_Ping:
				out.Body = &arenav1.ServerMessage_Pong{Pong: &arenav1.Pong{ClientTimeUs: b.Ping.GetClientTimeUs(), ServerTimeUs: 7}}
			default:
				out.Body = &arenav1.ServerMessage_Error{Error: &arenav1.Error{Code: arenav1.ErrorCode_ERROR_CODE_BAD_MESSAGE}}
			}
			reply, _ := proto.Marshal(out)
			if err := ws.WriteMessage(websocket.BinaryMessage, reply); err != nil {
				return
			}
		}
	})
	mux.HandleFunc("/text", func(w http.ResponseWriter, r *http.Request) {
		ws, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		_ = ws.WriteMessage(websocket.TextMessage, []byte("hello"))
		_, _, _ = ws.ReadMessage()
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func dial(t *testing.T, srv *httptest.Server, path string) *transport.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := transport.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+path)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestSignIn(t *testing.T) {
	srv := newServer(t)
	s, err := transport.SignIn(testContext(t), srv.URL, "alice")
	if err != nil {
		t.Fatalf("SignIn: %v", err)
	}
	want := transport.Session{Token: "tok-alice", PlayerID: "p1", Name: "alice"}
	if s != want {
		t.Fatalf("SignIn = %+v, want %+v", s, want)
	}
	// A trailing slash on the base URL is fine.
	if _, err := transport.SignIn(testContext(t), srv.URL+"/", "bob"); err != nil {
		t.Fatalf("SignIn with trailing slash: %v", err)
	}
}

func TestSignInRefused(t *testing.T) {
	srv := newServer(t)
	tests := []struct {
		name, base, player string
		status             int
		message            string
	}{
		{"bad name", srv.URL, "bad!", http.StatusBadRequest, "invalid name"},
		{"server error without json", srv.URL + "/broken", "alice", http.StatusInternalServerError, "Internal Server Error"},
		{"no such endpoint", srv.URL + "/nowhere", "alice", http.StatusNotFound, "Not Found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := transport.SignIn(testContext(t), tt.base, tt.player)
			var se *transport.SignInError
			if !errors.As(err, &se) {
				t.Fatalf("SignIn error = %v, want *SignInError", err)
			}
			if se.Status != tt.status || se.Message != tt.message {
				t.Fatalf("SignInError = %d %q, want %d %q", se.Status, se.Message, tt.status, tt.message)
			}
		})
	}
}

func TestSignInBadBaseURL(t *testing.T) {
	for _, base := range []string{"", "127.0.0.1:8080", "ftp://x", "http://", "://"} {
		if _, err := transport.SignIn(testContext(t), base, "alice"); err == nil {
			t.Errorf("SignIn(%q) succeeded, want an error", base)
		}
	}
}

func TestWebSocketURL(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"http://127.0.0.1:8080", "ws://127.0.0.1:8080/ws", true},
		{"http://127.0.0.1:8080/", "ws://127.0.0.1:8080/ws", true},
		{"https://arena.example/", "wss://arena.example/ws", true},
		{"https://arena.example/game/?x=1#top", "wss://arena.example/game/ws", true},
		{"ws://h:1", "ws://h:1/ws", true},
		{"ftp://h", "", false},
		{"http://", "", false},
	}
	for _, tt := range tests {
		got, err := transport.WebSocketURL(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("WebSocketURL(%q) = %q, %v; want %q, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestFramesEcho(t *testing.T) {
	c := dial(t, newServer(t), "/echo")
	ctx := testContext(t)
	for _, size := range []int{0, 1, 1000, 70000, transport.MaxFrameSize} {
		data := make([]byte, size)
		for i := range data {
			data[i] = byte(i * 7)
		}
		if err := c.WriteFrame(ctx, data); err != nil {
			t.Fatalf("WriteFrame(%d bytes): %v", size, err)
		}
		got, err := c.ReadFrame(ctx)
		if err != nil {
			t.Fatalf("ReadFrame(%d bytes): %v", size, err)
		}
		if string(got) != string(data) {
			t.Fatalf("echo of %d bytes differs (got %d bytes)", size, len(got))
		}
	}
}

func TestFrameOverLimit(t *testing.T) {
	c := dial(t, newServer(t), "/echo")
	ctx := testContext(t)
	if err := c.WriteFrame(ctx, make([]byte, transport.MaxFrameSize+1)); err != nil {
		t.Fatalf("WriteFrame: %v", err)
	}
	if _, err := c.ReadFrame(ctx); err == nil {
		t.Fatal("ReadFrame of an oversized frame succeeded, want an error")
	}
}

func TestSendReceive(t *testing.T) {
	c := dial(t, newServer(t), "/ws")
	ctx := testContext(t)
	ping := &arenav1.ClientMessage{RequestId: 9, Body: &arenav1.ClientMessage_Ping{Ping: &arenav1.Ping{ClientTimeUs: 123456}}}
	if err := c.Send(ctx, ping); err != nil {
		t.Fatalf("Send: %v", err)
	}
	m, err := c.Receive(ctx)
	if err != nil {
		t.Fatalf("Receive: %v", err)
	}
	if m.GetRequestId() != 9 || m.GetPong().GetClientTimeUs() != 123456 || m.GetPong().GetServerTimeUs() != 7 {
		t.Fatalf("Receive = %v, want the pong to request 9", m)
	}
}

func TestReceiveGarbage(t *testing.T) {
	c := dial(t, newServer(t), "/echo")
	ctx := testContext(t)
	if err := c.WriteFrame(ctx, []byte{0xff, 0xff, 0xff}); err != nil {
		t.Fatalf("WriteFrame: %v", err)
	}
	if _, err := c.Receive(ctx); err == nil {
		t.Fatal("Receive of garbage succeeded, want a decode error")
	}
}

func TestTextFrame(t *testing.T) {
	c := dial(t, newServer(t), "/text")
	if _, err := c.ReadFrame(testContext(t)); !errors.Is(err, transport.ErrTextFrame) {
		t.Fatalf("ReadFrame = %v, want ErrTextFrame", err)
	}
}

func TestReadCancelled(t *testing.T) {
	c := dial(t, newServer(t), "/echo")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := c.ReadFrame(ctx)
		done <- err
	}()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("ReadFrame after cancel = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ReadFrame did not return after its context was cancelled")
	}
}

func TestReadDeadline(t *testing.T) {
	c := dial(t, newServer(t), "/echo")
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.ReadFrame(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("ReadFrame past its deadline = %v, want context.DeadlineExceeded", err)
	}
}

func TestConcurrentWriters(t *testing.T) {
	c := dial(t, newServer(t), "/echo")
	ctx := testContext(t)
	const writers, each = 4, 50
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				if err := c.WriteFrame(ctx, []byte{byte(w), byte(i)}); err != nil {
					t.Errorf("WriteFrame: %v", err)
					return
				}
			}
		})
	}
	got := 0
	for got < writers*each {
		data, err := c.ReadFrame(ctx)
		if err != nil {
			t.Fatalf("ReadFrame after %d frames: %v", got, err)
		}
		if len(data) != 2 {
			t.Fatalf("frame of %d bytes, want 2: frames were interleaved", len(data))
		}
		got++
	}
	wg.Wait()
}

func TestCloseTwice(t *testing.T) {
	c := dial(t, newServer(t), "/echo")
	if err := c.Close(); err != nil {
		t.Fatalf("first Close: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := c.ReadFrame(testContext(t)); err == nil {
		t.Fatal("ReadFrame after Close succeeded")
	}
}

func TestDialRefused(t *testing.T) {
	srv := newServer(t)
	ctx := testContext(t)
	if _, err := transport.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/api/v1/session"); err == nil {
		t.Fatal("Dial to a non-websocket endpoint succeeded")
	}
}

// TestWriteCancelled cancels a write that is blocked because the peer reads
// nothing: WriteFrame returns context.Canceled promptly and the connection
// is broken. Under -race it also shows that ending the context touches
// nothing the write is using (gorilla's write deadline is a plain field).
func TestWriteCancelled(t *testing.T) {
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		<-stop // never read: the client's writes fill the socket buffers and block
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(stop) })
	c := dial(t, srv, "/")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	writing := make(chan struct{})
	// Far more than the kernel buffers on both sides hold.
	big := make([]byte, 64<<20)
	go func() {
		close(writing)
		for {
			if err := c.WriteFrame(ctx, big); err != nil {
				done <- err
				return
			}
		}
	}()
	// Cancel once the write is under way (a context already done when
	// WriteFrame starts writes nothing and breaks nothing).
	<-writing
	time.AfterFunc(100*time.Millisecond, cancel)
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("WriteFrame after cancel = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("WriteFrame did not return after its context was cancelled")
	}
	if err := c.WriteFrame(testContext(t), []byte{1}); err == nil {
		t.Fatal("WriteFrame on the broken connection succeeded")
	}
	if err := c.Close(); err != nil {
		t.Fatalf("Close after a cancelled write: %v", err)
	}
}

// TestWriteDeadline bounds a blocked write by its context's deadline.
func TestWriteDeadline(t *testing.T) {
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		<-stop
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(stop) })
	c := dial(t, srv, "/")
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	big := make([]byte, 64<<20)
	var err error
	for err == nil {
		err = c.WriteFrame(ctx, big)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WriteFrame past its deadline = %v, want context.DeadlineExceeded", err)
	}
}

// TestWriteAfterCancel refuses to start a write whose context has ended,
// and leaves the connection usable.
func TestWriteAfterCancel(t *testing.T) {
	c := dial(t, newServer(t), "/echo")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.WriteFrame(ctx, []byte{1}); !errors.Is(err, context.Canceled) {
		t.Fatalf("WriteFrame with an ended context = %v, want context.Canceled", err)
	}
	ctx2 := testContext(t)
	if err := c.WriteFrame(ctx2, []byte{2}); err != nil {
		t.Fatalf("WriteFrame after a refused one: %v", err)
	}
	if got, err := c.ReadFrame(ctx2); err != nil || len(got) != 1 || got[0] != 2 {
		t.Fatalf("echo = %v, %v", got, err)
	}
}

// TestCloseCode reads the server's close code from a read error.
func TestCloseCode(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		_ = ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(4002, "replaced"), time.Now().Add(time.Second))
		_, _, _ = ws.ReadMessage()
	}))
	t.Cleanup(srv.Close)
	c := dial(t, srv, "/")
	_, err := c.ReadFrame(testContext(t))
	if got := transport.CloseCode(err); got != 4002 {
		t.Fatalf("CloseCode(%v) = %d, want 4002", err, got)
	}
	if got := transport.CloseCode(errors.New("other")); got != 0 {
		t.Fatalf("CloseCode of a plain error = %d", got)
	}
}
