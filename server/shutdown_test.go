package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	arenav1 "github.com/arena-server/arena/proto/arena/v1"
	"github.com/arena-server/arena/server"
)

// TestShutdownAbortsLateMatchesAndSaysGoingAway: during shutdown nobody can
// sign in or queue, a match still running at the drain deadline ends with
// results, and every connection is closed with "going away".
func TestShutdownAbortsLateMatchesAndSaysGoingAway(t *testing.T) {
	cfg := quickDuel(t)
	cfg.Modes[0].TimeLimit = time.Minute
	srv, err := server.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go srv.Run(ctx)

	alice, bob := connect(t, ts, "alice"), connect(t, ts, "bob")
	idle := connect(t, ts, "idle")
	alice.send(queueJoin("duel"))
	bob.send(queueJoin("duel"))
	alice.waitFor("match start", func(m *arenav1.ServerMessage) bool { return m.GetMatchStart() != nil })
	idle.send(queueJoin("duel"))
	idle.waitFor("queued", func(m *arenav1.ServerMessage) bool { return m.GetQueueStatus() != nil })

	drainDeadline, stop := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer stop()
	shutdownDone := make(chan error, 1)
	go func() { shutdownDone <- srv.Shutdown(drainDeadline) }()

	// The queued player is told the queue closed.
	left := idle.waitFor("queue closed", func(m *arenav1.ServerMessage) bool {
		return m.GetQueueStatus().GetState() == arenav1.QueueState_QUEUE_STATE_LEFT
	})
	if left == nil {
		t.Fatal("no queue status")
	}
	if status, _ := postSession(t, ts, `{"name":"late"}`); status != http.StatusServiceUnavailable {
		t.Fatalf("sign-in while draining: %d, want 503", status)
	}
	end := alice.waitFor("match end", func(m *arenav1.ServerMessage) bool { return m.GetMatchEnd() != nil }).GetMatchEnd()
	if end.GetReason() != arenav1.MatchEndReason_MATCH_END_REASON_ABORTED || len(end.GetResults()) != 2 {
		t.Fatalf("match end at shutdown: %v", end)
	}
	for _, c := range []*client{alice, bob, idle} {
		if code := c.waitClose(); code != websocket.CloseGoingAway {
			t.Fatalf("close code %d, want %d", code, websocket.CloseGoingAway)
		}
	}
	select {
	case err := <-shutdownDone:
		if err != nil {
			t.Fatalf("shutdown: %v", err)
		}
	case <-time.After(waitTimeout):
		t.Fatal("shutdown did not return")
	}
}
