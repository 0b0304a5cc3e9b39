// Package servertest runs a real Arena server in-process for tests, behind
// httptest, the way the integration tests of server and the bots need it.
package servertest

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/arena-server/arena/server"
	"github.com/arena-server/arena/store"
)

// Start runs a server with cfg behind httptest, logging warnings and errors
// to the test's output, and stops it when the test ends: the matchmaker
// stops, matches still running are aborted at once, connections close.
// Without cfg.Store it keeps its players in a fresh SQLite store in a
// temporary directory, as `arena` does in its data directory.
func Start(t *testing.T, cfg server.Config) *httptest.Server {
	t.Helper()
	if cfg.Store == nil {
		st, err := store.OpenSQLite(t.Context(), t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() }) // runs after the shutdown below
		cfg.Store = st
	}
	// The listener comes first, so the server knows its public URL (where a
	// cluster sends players for the matches placed on it).
	var handler atomic.Pointer[http.Handler]
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		(*handler.Load()).ServeHTTP(w, r)
	}))
	if cfg.PublicURL == "" {
		cfg.PublicURL = ts.URL
	}
	srv, err := server.New(cfg, slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		ts.Close()
		t.Fatal(err)
	}
	h := srv.Handler()
	handler.Store(&h)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		sctx, scancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer scancel()
		if err := srv.Shutdown(sctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		ts.Close()
	})
	return ts
}
