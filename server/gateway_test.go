package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"google.golang.org/protobuf/proto"

	arenav1 "github.com/arena-server/arena/proto/arena/v1"
	"github.com/arena-server/arena/server"
)

func TestSessionRejectsBadNames(t *testing.T) {
	ts := startServer(t, server.Config{})
	for _, tc := range []struct{ name, body string }{
		{"empty name", `{"name":""}`},
		{"too long", `{"name":"` + strings.Repeat("a", 17) + `"}`},
		{"control character", `{"name":"a\u0000b"}`},
		{"punctuation", `{"name":"<script>"}`},
		{"leading space", `{"name":" bob"}`},
		{"not JSON", `name=bob`},
		{"unknown field", `{"name":"bob","admin":true}`},
		{"two objects", `{"name":"bob"}{"name":"eve"}`},
		{"huge body", `{"name":"` + strings.Repeat("a", 4096) + `"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := postSession(t, ts, tc.body)
			if status != http.StatusBadRequest || !isJSONError(body) {
				t.Fatalf("got %d %s, want 400 with a JSON error", status, body)
			}
		})
	}
	for _, name := range []string{"a", "Zoë", "Игрок_1", "max-16-chars-abc"} {
		signIn(t, ts, name)
	}
}

// TestSessionAnswersWrongRequestsWithJSON: a sign-in that is not JSON, or is
// not a POST, gets a status that says so and a JSON error, never the web
// client's files or a plain-text page; unknown API paths are JSON 404s.
func TestSessionAnswersWrongRequestsWithJSON(t *testing.T) {
	ts := startServer(t, server.Config{})
	do := func(method, path, contentType, body string) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, b
	}
	for _, tc := range []struct {
		name, method, path, contentType string
		status                          int
		allow                           string
	}{
		{"text/plain body", "POST", "/api/v1/session", "text/plain", http.StatusUnsupportedMediaType, ""},
		{"form body", "POST", "/api/v1/session", "application/x-www-form-urlencoded", http.StatusUnsupportedMediaType, ""},
		{"no content type", "POST", "/api/v1/session", "", http.StatusUnsupportedMediaType, ""},
		{"GET sign-in", "GET", "/api/v1/session", "", http.StatusMethodNotAllowed, "POST"},
		{"DELETE sign-in", "DELETE", "/api/v1/session", "", http.StatusMethodNotAllowed, "POST"},
		{"POST modes", "POST", "/api/v1/modes", "application/json", http.StatusMethodNotAllowed, "GET"},
		{"unknown API", "GET", "/api/v1/nothing", "", http.StatusNotFound, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := do(tc.method, tc.path, tc.contentType, `{"name":"bob"}`)
			if resp.StatusCode != tc.status || !isJSONError(body) || resp.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("got %d %q %s, want %d with a JSON error", resp.StatusCode, resp.Header.Get("Content-Type"), body, tc.status)
			}
			if got := resp.Header.Get("Allow"); got != tc.allow {
				t.Fatalf("Allow %q, want %q", got, tc.allow)
			}
		})
	}
	if resp, body := do("POST", "/api/v1/session", "application/json; charset=utf-8", `{"name":"bob"}`); resp.StatusCode != http.StatusOK {
		t.Fatalf("JSON with a charset: %d %s, want 200", resp.StatusCode, body)
	}
}

func TestWebsocketRefusesBadTokens(t *testing.T) {
	ts := startServer(t, server.Config{})
	good := signIn(t, ts, "mallory")
	for _, tc := range []struct {
		name string
		msg  *arenav1.ClientMessage
	}{
		{"no authenticate first", queueJoin("duel")},
		{"empty token", authenticate("")},
		{"garbage token", authenticate("not-a-token")},
		{"tampered token", authenticate(tamper(good))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, ts)
			c.send(tc.msg)
			if code := c.waitError().GetCode(); code != arenav1.ErrorCode_ERROR_CODE_UNAUTHENTICATED {
				t.Fatalf("error code %v, want UNAUTHENTICATED", code)
			}
			if code := c.waitClose(); code != 4001 {
				t.Fatalf("close code %d, want 4001", code)
			}
		})
	}
}

// tamper changes one character of a token's payload, keeping its signature.
func tamper(token string) string {
	b := []byte(token)
	if b[2] == 'A' {
		b[2] = 'B'
	} else {
		b[2] = 'A'
	}
	return string(b)
}

func authenticate(token string) *arenav1.ClientMessage {
	return &arenav1.ClientMessage{Body: &arenav1.ClientMessage_Authenticate{Authenticate: &arenav1.Authenticate{Token: token}}}
}

func TestBadMessagesGetErrorsAndKeepTheConnection(t *testing.T) {
	ts := startServer(t, server.Config{})
	c := connect(t, ts, "tester")
	for _, tc := range []struct {
		name string
		send func()
		want arenav1.ErrorCode
	}{
		{"malformed protobuf", func() { c.sendRaw(websocket.BinaryMessage, []byte{0xff, 0xff, 0xff}) }, arenav1.ErrorCode_ERROR_CODE_BAD_MESSAGE},
		{"text frame", func() { c.sendRaw(websocket.TextMessage, []byte("hello")) }, arenav1.ErrorCode_ERROR_CODE_BAD_MESSAGE},
		{"empty body", func() { c.send(&arenav1.ClientMessage{}) }, arenav1.ErrorCode_ERROR_CODE_BAD_MESSAGE},
		{"second authenticate", func() { c.send(authenticate("x")) }, arenav1.ErrorCode_ERROR_CODE_WRONG_PHASE},
		{"unknown mode", func() { c.send(queueJoin("chess")) }, arenav1.ErrorCode_ERROR_CODE_UNKNOWN_MODE},
		{"leave without queue", func() {
			c.send(&arenav1.ClientMessage{Body: &arenav1.ClientMessage_QueueLeave{QueueLeave: &arenav1.QueueLeave{}}})
		}, arenav1.ErrorCode_ERROR_CODE_WRONG_PHASE},
		{"input outside a match", func() { c.send(input(1, arenav1.Button_BUTTON_UP)) }, arenav1.ErrorCode_ERROR_CODE_NOT_IN_MATCH},
		{"input with unknown buttons", func() { c.send(input(1, 1<<7)) }, arenav1.ErrorCode_ERROR_CODE_INVALID_ARGUMENT},
		{"input with zero sequence", func() { c.send(input(0, 0)) }, arenav1.ErrorCode_ERROR_CODE_INVALID_ARGUMENT},
		{"chat outside a match", func() { c.send(chat("hi")) }, arenav1.ErrorCode_ERROR_CODE_NOT_IN_MATCH},
		{"empty chat", func() { c.send(chat(" \t ")) }, arenav1.ErrorCode_ERROR_CODE_INVALID_CHAT},
		{"chat too long", func() { c.send(chat(strings.Repeat("é", 201))) }, arenav1.ErrorCode_ERROR_CODE_INVALID_CHAT},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.send()
			if got := c.waitError().GetCode(); got != tc.want {
				t.Fatalf("error %v, want %v", got, tc.want)
			}
		})
	}
	// Still connected and served.
	c.send(&arenav1.ClientMessage{RequestId: 7, Body: &arenav1.ClientMessage_Ping{Ping: &arenav1.Ping{ClientTimeUs: 42}}})
	pong := c.waitFor("pong", func(m *arenav1.ServerMessage) bool { return m.GetPong() != nil })
	if pong.GetRequestId() != 7 || pong.GetPong().GetClientTimeUs() != 42 {
		t.Fatalf("pong %v", pong)
	}
}

func TestOversizedFrameCloses(t *testing.T) {
	ts := startServer(t, server.Config{MaxMessageBytes: 512})
	c := connect(t, ts, "big")
	c.sendRaw(websocket.BinaryMessage, make([]byte, 1024))
	if code := c.waitClose(); code != websocket.CloseMessageTooBig {
		t.Fatalf("close code %d, want %d", code, websocket.CloseMessageTooBig)
	}
}

func TestQueueTwiceIsRefused(t *testing.T) {
	ts := startServer(t, server.Config{})
	c := connect(t, ts, "eager")
	c.send(queueJoin("teams"))
	c.waitFor("queued", func(m *arenav1.ServerMessage) bool { return m.GetQueueStatus() != nil })
	c.send(queueJoin("duel"))
	if code := c.waitError().GetCode(); code != arenav1.ErrorCode_ERROR_CODE_ALREADY_QUEUED {
		t.Fatalf("second queue: %v", code)
	}
}

func TestHealthModesAndMetrics(t *testing.T) {
	ts := startServer(t, server.Config{})
	get := func(path string) string {
		t.Helper()
		resp, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %v", path, resp.StatusCode, err)
		}
		return string(b)
	}
	if body := get("/healthz"); !strings.Contains(body, `"ok"`) {
		t.Fatalf("healthz: %s", body)
	}
	var modes []struct {
		Name           string
		Teams          int
		PlayersPerTeam int `json:"players_per_team"`
	}
	if err := json.Unmarshal([]byte(get("/api/v1/modes")), &modes); err != nil || len(modes) != 4 ||
		modes[0].Name != "duel" || modes[1].Name != "teams" || modes[1].PlayersPerTeam != 2 {
		t.Fatalf("modes: %+v (%v)", modes, err)
	}
	metrics := get("/metrics")
	for _, series := range []string{"arena_tick_duration_seconds", "arena_players_connected", "arena_snapshots_dropped_total", "arena_bytes_sent_total"} {
		if !strings.Contains(metrics, series) {
			t.Errorf("/metrics lacks %s", series)
		}
	}
}

func TestFloodIsClosedWithPolicyViolation(t *testing.T) {
	ts := startServer(t, server.Config{MessageRate: 20, MessageBurst: 40})
	c := connect(t, ts, "flooder")
	ping := &arenav1.ClientMessage{Body: &arenav1.ClientMessage_Ping{Ping: &arenav1.Ping{}}}
	for range 200 {
		if err := c.ws.WriteMessage(websocket.BinaryMessage, mustMarshal(t, ping)); err != nil {
			break // the server may close before the flood is over
		}
	}
	if code := c.waitClose(); code != websocket.ClosePolicyViolation {
		t.Fatalf("close code %d, want %d", code, websocket.ClosePolicyViolation)
	}
}

func TestSilentConnectionTimesOutUnauthenticated(t *testing.T) {
	ts := startServer(t, server.Config{HandshakeTimeout: 50 * time.Millisecond})
	c := dial(t, ts)
	if code := c.waitError().GetCode(); code != arenav1.ErrorCode_ERROR_CODE_UNAUTHENTICATED {
		t.Fatalf("error %v, want UNAUTHENTICATED", code)
	}
	if code := c.waitClose(); code != 4001 {
		t.Fatalf("close code %d, want 4001", code)
	}
}

func TestSecondConnectionReplacesTheFirst(t *testing.T) {
	ts := startServer(t, server.Config{})
	first := connect(t, ts, "twin")
	second := resume(t, ts, first.token, "twin")
	if code := first.waitError().GetCode(); code != arenav1.ErrorCode_ERROR_CODE_UNAUTHENTICATED {
		t.Fatalf("replaced connection told %v", code)
	}
	if code := first.waitClose(); code != 4002 {
		t.Fatalf("replaced connection closed with %d, want 4002", code)
	}
	second.sync()
}

func mustMarshal(t *testing.T, m proto.Message) []byte {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDebugDelayHoldsEveryMessage(t *testing.T) {
	const delay = 150 * time.Millisecond
	ts := startServer(t, server.Config{DebugDelay: delay})
	c := connect(t, ts, "faraway")
	for i := range 3 {
		sent := time.Now()
		c.send(&arenav1.ClientMessage{RequestId: uint32(i + 1), Body: &arenav1.ClientMessage_Ping{Ping: &arenav1.Ping{}}})
		c.waitFor("pong", func(m *arenav1.ServerMessage) bool { return m.GetRequestId() == uint32(i+1) })
		if rtt := time.Since(sent); rtt < delay {
			t.Fatalf("pong %d after %v, want at least the %v delay", i+1, rtt, delay)
		}
	}
}
