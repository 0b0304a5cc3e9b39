package server

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"google.golang.org/protobuf/proto"

	"github.com/arena-server/arena/game"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

// FuzzClientFrame feeds arbitrary frames to the server's message handling
// for a signed-in player, as the connection's reader does: decode, then
// dispatch. Nothing may panic, and every message gets an answer.
func FuzzClientFrame(f *testing.F) {
	for _, m := range []*arenav1.ClientMessage{
		{Body: &arenav1.ClientMessage_QueueJoin{QueueJoin: &arenav1.QueueJoin{Mode: "duel"}}},
		{Body: &arenav1.ClientMessage_QueueLeave{QueueLeave: &arenav1.QueueLeave{}}},
		{Body: &arenav1.ClientMessage_Input{Input: &arenav1.Input{Seq: 1, Buttons: 31, Aim: 65535}}},
		{Body: &arenav1.ClientMessage_ChatSend{ChatSend: &arenav1.ChatSend{Text: "/mute x"}}},
		{Body: &arenav1.ClientMessage_ChatSend{ChatSend: &arenav1.ChatSend{Channel: 3, Text: "hi"}}},
		{RequestId: 9, Body: &arenav1.ClientMessage_Ping{Ping: &arenav1.Ping{ClientTimeUs: -1}}},
		{Body: &arenav1.ClientMessage_Authenticate{Authenticate: &arenav1.Authenticate{Token: "x.y"}}},
	} {
		b, err := proto.Marshal(m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	srv, err := New(Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		f.Fatal(err)
	}
	c, sock := fakeConn(f, &srv.cfg, srv.log, srv.met, false)
	p := srv.lobby.connect(identity{PlayerID: "fuzz", Name: "fuzz"}, c)
	f.Fuzz(func(t *testing.T, frame []byte) {
		var msg arenav1.ClientMessage
		if proto.Unmarshal(frame, &msg) != nil {
			return
		}
		srv.dispatch(p, c, &msg)
		if len(sock.messages(t)) == 0 {
			t.Fatalf("no answer to %v", &msg)
		}
		_ = srv.lobby.leave(p)
	})
}

// FuzzMatchFrame feeds arbitrary frames to a player seated in a real match
// (netcode.Match over game.World), after a fuzzed number of ticks: during
// the countdown, in play, and after the end, when the player is back in the
// lobby. Nothing may panic, the match must keep ticking, and everything the
// server sends must decode.
func FuzzMatchFrame(f *testing.F) {
	for _, m := range []*arenav1.ClientMessage{
		{Body: &arenav1.ClientMessage_Input{Input: &arenav1.Input{Seq: 1, Buttons: 31, Aim: 65535}}},
		{Body: &arenav1.ClientMessage_Input{Input: &arenav1.Input{Seq: 7, Buttons: 1 << 7}}},
		{Body: &arenav1.ClientMessage_ChatSend{ChatSend: &arenav1.ChatSend{Text: "gg"}}},
		{Body: &arenav1.ClientMessage_ChatSend{ChatSend: &arenav1.ChatSend{Channel: arenav1.ChatChannel_CHAT_CHANNEL_TEAM, Text: "left"}}},
		{Body: &arenav1.ClientMessage_ChatSend{ChatSend: &arenav1.ChatSend{Channel: arenav1.ChatChannel_CHAT_CHANNEL_LOBBY, Text: "hi"}}},
		{Body: &arenav1.ClientMessage_ChatSend{ChatSend: &arenav1.ChatSend{Text: "/report b spam"}}},
		{Body: &arenav1.ClientMessage_ChatSend{ChatSend: &arenav1.ChatSend{Text: "/mute b"}}},
		{Body: &arenav1.ClientMessage_QueueJoin{QueueJoin: &arenav1.QueueJoin{Mode: "fuzz"}}},
		{Body: &arenav1.ClientMessage_QueueLeave{QueueLeave: &arenav1.QueueLeave{}}},
		{RequestId: 3, Body: &arenav1.ClientMessage_Ping{Ping: &arenav1.Ping{}}},
	} {
		b, err := proto.Marshal(m)
		if err != nil {
			f.Fatal(err)
		}
		for _, ticks := range []uint16{0, 100, 400} { // countdown, play, ended
			f.Add(ticks, b)
		}
	}
	mode := game.Mode{Name: "fuzz", Teams: 2, PlayersPerTeam: 2, ScoreLimit: 1, TimeLimit: 5 * time.Second}
	srv, err := New(Config{Modes: []game.Mode{mode}}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, ticks uint16, frame []byte) {
		var msg arenav1.ClientMessage
		if proto.Unmarshal(frame, &msg) != nil {
			return
		}
		var seats []*seat
		var conns []*conn
		var socks []*fakeSocket
		for i := range 4 {
			c, sock := fakeConn(t, &srv.cfg, srv.log, srv.met, false)
			p := srv.lobby.connect(identity{PlayerID: string(rune('a' + i)), Name: string(rune('a' + i))}, c)
			seats = append(seats, &seat{player: p, ship: uint32(i + 1), team: i%2 + 1})
			conns = append(conns, c)
			socks = append(socks, sock)
		}
		m, err := newMatch("fuzz-match", mode, seats, srv.lobby)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range seats {
			s.m = m
			s.player.match.Store(s)
		}
		// The match's ticks run here, one after another, instead of on its
		// goroutine: the fuzzer owns the clock.
		tick := func() {
			if m.sim.Ended() {
				if seats[0].player.match.Load() != nil {
					m.finish(arenav1.MatchEndReason_MATCH_END_REASON_UNSPECIFIED, "")
				}
				return
			}
			if err := m.safeTick(); err != nil {
				t.Fatalf("tick: %v", err)
			}
		}
		for range ticks % 500 {
			tick()
		}
		srv.dispatch(seats[0].player, conns[0], &msg)
		tick()
		for _, sock := range socks {
			for _, b := range sock.messages(t) {
				var out arenav1.ServerMessage
				if err := proto.Unmarshal(b, &out); err != nil {
					t.Fatalf("undecodable server message: %v", err)
				}
			}
		}
		for _, s := range seats {
			_ = srv.lobby.leave(s.player)
			srv.lobby.disconnect(s.player, s.player.conn.Load())
		}
	})
}

// FuzzAuthenticate feeds arbitrary first frames to the sign-in check of a
// new connection, seeded with a valid, an expired and a tampered token. A
// frame signs in exactly when it is an authenticate message whose token
// this server signed and has not expired, as the player the token names;
// every other frame is refused with a close code and an error.
func FuzzAuthenticate(f *testing.F) {
	srv, err := New(Config{Secret: []byte("fuzz secret")}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		f.Fatal(err)
	}
	now := srv.cfg.Clock.Now()
	valid, _, err := srv.signer.issue("alice", now)
	if err != nil {
		f.Fatal(err)
	}
	expired, _, err := srv.signer.issue("bob", now.Add(-2*srv.cfg.TokenTTL))
	if err != nil {
		f.Fatal(err)
	}
	// No seat is held on this server, so a token with any seat ticket is
	// refused: a signed ticket for a seat elsewhere too.
	seat, err := srv.signer.issueSeat("alice", "m1", srv.cluster.NodeID(), now)
	if err != nil {
		f.Fatal(err)
	}
	for _, token := range []string{valid, expired, valid[:len(valid)-2], "x.y", ""} {
		for _, ticket := range []string{"", seat} {
			b, err := proto.Marshal(&arenav1.ClientMessage{RequestId: 1, Body: &arenav1.ClientMessage_Authenticate{Authenticate: &arenav1.Authenticate{Token: token, SeatTicket: ticket}}})
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Add([]byte{0xff, 0xff})
	f.Fuzz(func(t *testing.T, frame []byte) {
		var msg arenav1.ClientMessage
		var readErr error
		if err := proto.Unmarshal(frame, &msg); err != nil {
			readErr = &badFrameError{err}
		}
		id, no := srv.checkAuthenticate(&msg, readErr)
		want, verr := srv.signer.verify(msg.GetAuthenticate().GetToken(), srv.cfg.Clock.Now())
		tokenOK := readErr == nil && msg.GetAuthenticate() != nil && verr == nil
		withTicket := msg.GetAuthenticate().GetSeatTicket() != ""
		signsIn := tokenOK && !withTicket
		switch {
		case signsIn && no != nil:
			t.Fatalf("a valid token was refused: %v", no.text)
		case signsIn && id != want:
			t.Fatalf("signed in as %+v, the token names %+v", id, want)
		case !signsIn && no == nil:
			t.Fatalf("%v signed in as %+v", &msg, id)
		case tokenOK && withTicket && (no.closeCode != closeSeatRefused || no.text == ""):
			t.Fatalf("refusal of a seat ticket %+v: want close 4005 with a reason", no)
		case !tokenOK && (no.closeCode != closeUnauthenticated && no.closeCode != closeBadMessage || no.text == ""):
			t.Fatalf("refusal %+v: want close 4001 or 4004 with a reason", no)
		}
	})
}

// FuzzSessionBody posts arbitrary bodies to the sign-in endpoint. Each gets
// 200 with a token that signs in as the name asked for, or 400 with a JSON
// error; never a panic or another status.
func FuzzSessionBody(f *testing.F) {
	for _, body := range []string{`{"name":"bob"}`, `{"name":""}`, `{"name":"Игрок_1"}`, `{"name":"a","x":1}`, `{}`, `[]`, `{"name":"bob"}{"name":"eve"}`, "\xff"} {
		f.Add([]byte(body))
	}
	srv, err := New(Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/session", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK:
			var resp sessionResponse
			if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
				t.Fatalf("200 with a body that is not a session: %q", rec.Body)
			}
			id, err := srv.signer.verify(resp.Token, srv.cfg.Clock.Now())
			if err != nil || id.Name != resp.Name || id.PlayerID != resp.PlayerID || validateName(resp.Name) != nil {
				t.Fatalf("200 with a session that does not sign in as itself: %+v (%v)", resp, err)
			}
		case http.StatusBadRequest:
			var e errorResponse
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error == "" {
				t.Fatalf("400 without a JSON error: %q", rec.Body)
			}
		default:
			t.Fatalf("status %d for %q", rec.Code, body)
		}
	})
}

// FuzzFrameReader writes arbitrary bytes as the client side of an upgraded
// websocket and reads them with the connection's frame reader, as the
// server does after the handshake. Every read returns a message, a bad
// frame or a socket error; nothing panics and no frame over the size limit
// is ever handed on.
func FuzzFrameReader(f *testing.F) {
	cfg := Config{MaxMessageBytes: 64}.WithDefaults()
	met := newMetrics()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ping, err := proto.Marshal(&arenav1.ClientMessage{Body: &arenav1.ClientMessage_Ping{Ping: &arenav1.Ping{}}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(maskedFrame(0x82, ping))                                             // a binary ClientMessage
	f.Add(maskedFrame(0x81, []byte("hello")))                                  // a text frame
	f.Add(append(maskedFrame(0x02, ping[:1]), maskedFrame(0x80, ping[1:])...)) // fragmented
	f.Add(maskedFrame(0x82, bytes.Repeat([]byte{1}, 200)))                     // over the limit
	f.Add(maskedFrame(0x88, []byte{0x03, 0xe8}))                               // close
	f.Add([]byte{0x82, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, raw []byte) {
		ws, sock := upgradedPipe(t, &cfg, raw)
		defer ws.Close()
		ws.SetReadLimit(cfg.MaxMessageBytes)
		c := newConn(ws, sock, &cfg, log, met)
		defer c.close(websocket.CloseNormalClosure, "")
		for range 64 {
			var msg arenav1.ClientMessage
			err := c.read(&msg)
			if err == nil {
				if c.in.Len() > int(cfg.MaxMessageBytes) {
					t.Fatalf("a %d-byte frame was read past the %d-byte limit", c.in.Len(), cfg.MaxMessageBytes)
				}
				continue
			}
			if !isBadFrame(err) {
				return // the socket ended, or the peer broke the protocol
			}
		}
	})
}

// maskedFrame is one websocket frame as a client sends it: first byte
// (FIN, opcode), a masked length and a zero mask.
func maskedFrame(first byte, payload []byte) []byte {
	b := []byte{first}
	switch n := len(payload); {
	case n < 126:
		b = append(b, 0x80|byte(n))
	default:
		b = append(b, 0x80|126, byte(n>>8), byte(n))
	}
	b = append(b, 0, 0, 0, 0)
	return append(b, payload...)
}

// upgradedPipe returns the server side of a websocket whose client sends
// raw and then closes, and its sockWriter.
func upgradedPipe(t *testing.T, cfg *Config, raw []byte) (*websocket.Conn, *sockWriter) {
	server, client := net.Pipe()
	go func() {
		defer client.Close()
		// The 101 response comes first; raw follows once it is read.
		br := bufio.NewReader(client)
		if _, err := http.ReadResponse(br, nil); err != nil {
			return
		}
		_, _ = client.Write(raw)
	}()
	req := httptest.NewRequest(http.MethodGet, "/ws", nil)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Sec-WebSocket-Version", "13")
	req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	h := &sockHijacker{ResponseWriter: hijackable{server}, cfg: cfg}
	ws, err := (&websocket.Upgrader{}).Upgrade(h, req, nil)
	if err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	return ws, h.sock
}

// hijackable is a ResponseWriter whose connection can be taken over, as the
// upgrader needs.
type hijackable struct{ conn net.Conn }

func (h hijackable) Header() http.Header         { return http.Header{} }
func (h hijackable) Write(b []byte) (int, error) { return h.conn.Write(b) }
func (h hijackable) WriteHeader(int)             {}
func (h hijackable) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return h.conn, bufio.NewReadWriter(bufio.NewReader(h.conn), bufio.NewWriter(h.conn)), nil
}
