package server

import (
	"io"
	"log/slog"
	"testing"

	"google.golang.org/protobuf/proto"

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
	c := newConn(nil, &srv.cfg, srv.log, srv.met)
	p := srv.lobby.connect(identity{PlayerID: "fuzz", Name: "fuzz"}, c)
	f.Fuzz(func(t *testing.T, frame []byte) {
		var msg arenav1.ClientMessage
		if proto.Unmarshal(frame, &msg) != nil {
			return
		}
		before := len(c.out)
		srv.dispatch(p, c, &msg)
		if len(c.out) == before {
			t.Fatalf("no answer to %v", &msg)
		}
		for len(c.out) > 0 {
			<-c.out
		}
		_ = srv.lobby.leave(p)
	})
}
