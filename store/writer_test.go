package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// errInjected is the failure faultyStore injects.
var errInjected = errors.New("injected failure: database unreachable")

// faultyStore is a real Store whose SaveResults fails the first failures
// calls (all of them when failures < 0) and records every call.
type faultyStore struct {
	Store
	mu       sync.Mutex
	failures int
	calls    []saveCall
}

type saveCall struct {
	at   time.Time
	size int
	err  error
}

func (f *faultyStore) SaveResults(ctx context.Context, rs []MatchResult) error {
	f.mu.Lock()
	fail := f.failures != 0
	if f.failures > 0 {
		f.failures--
	}
	f.mu.Unlock()
	err := errInjected
	if !fail {
		err = f.Store.SaveResults(ctx, rs)
	}
	f.mu.Lock()
	f.calls = append(f.calls, saveCall{at: time.Now(), size: len(rs), err: err})
	f.mu.Unlock()
	return err
}

func (f *faultyStore) recorded() []saveCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]saveCall(nil), f.calls...)
}

// openSQLiteT opens a SQLite store in a new temporary directory, closed when
// t ends.
func openSQLiteT(t *testing.T) *SQLite {
	t.Helper()
	s, err := OpenSQLite(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// metric returns a metric's value from reg: a counter's or gauge's value, a
// histogram's sample count.
func metric(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		m := mf.GetMetric()[0]
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

// syncBuffer is a log destination safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func results(n int) []MatchResult {
	out := make([]MatchResult, n)
	for i := range out {
		out[i] = duel(fmt.Sprintf("w%04d", i), "duel", t0.Add(time.Duration(i)*time.Second), fmt.Sprint("p", i%7), fmt.Sprint("q", i%5), i+3)
	}
	return out
}

func TestWriterBatches(t *testing.T) {
	t.Parallel()
	s := &faultyStore{Store: openSQLiteT(t)}
	reg := prometheus.NewRegistry()
	var savedMu sync.Mutex
	var saved []string
	w := NewWriter(s, WriterConfig{Batch: 64, Registerer: reg, Saved: func(rs []MatchResult) {
		savedMu.Lock()
		defer savedMu.Unlock()
		for _, r := range rs {
			saved = append(saved, r.MatchID)
		}
	}})
	rs := results(150)
	for _, r := range rs {
		if err := w.Enqueue(r); err != nil {
			t.Fatal(err)
		}
	}
	if d := metric(t, reg, "arena_store_queue_depth"); d != 150 {
		t.Errorf("queue depth %v before Run, want 150", d)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	if err := w.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	savedMu.Lock()
	if len(saved) != len(rs) || saved[0] != rs[0].MatchID || saved[149] != rs[149].MatchID {
		t.Errorf("Saved saw %d results by the time Flush returned, want the 150 in order", len(saved))
	}
	savedMu.Unlock()
	var sizes []int
	for _, c := range s.recorded() {
		sizes = append(sizes, c.size)
	}
	if fmt.Sprint(sizes) != "[64 64 22]" {
		t.Errorf("batches of %v, want [64 64 22]", sizes)
	}
	if n := count(t, s.Store, "matches"); n != 150 {
		t.Errorf("%d matches stored, want 150", n)
	}
	for name, want := range map[string]float64{
		"arena_store_queue_depth":           0,
		"arena_store_results_written_total": 150,
		"arena_store_write_seconds":         3,
		"arena_store_errors_total":          0,
		"arena_store_queue_full_total":      0,
	} {
		if got := metric(t, reg, name); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	// Flush with nothing pending returns at once; later results are written too.
	if err := w.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	w.Enqueue(duel("late", "duel", t0, "a", "b", 1))
	if err := w.Flush(t.Context()); err != nil || count(t, s.Store, "matches") != 151 {
		t.Fatalf("late result: %v", err)
	}
	cancel()
	<-done
	if err := w.Enqueue(duel("after", "duel", t0, "a", "b", 1)); !errors.Is(err, ErrWriterStopped) {
		t.Errorf("Enqueue after Run returned: %v, want ErrWriterStopped", err)
	}
}

func TestWriterRetriesWithBackoff(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		s := &faultyStore{Store: openSQLiteT(t), failures: 4}
		reg := prometheus.NewRegistry()
		var logs syncBuffer
		w := NewWriter(s, WriterConfig{MinBackoff: 100 * time.Millisecond, MaxBackoff: 300 * time.Millisecond,
			Registerer: reg, Log: slog.New(slog.NewTextHandler(&logs, nil))})
		start := time.Now()
		for _, r := range results(3) { // before Run, to be one batch
			w.Enqueue(r)
		}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { w.Run(ctx); close(done) }()
		synctest.Wait() // the first attempt failed; Run waits out its backoff
		ok, reason := w.Health()
		if ok || !strings.HasPrefix(reason, "store writes failing since ") || !strings.Contains(reason, errInjected.Error()) {
			t.Errorf("Health while failing = %v, %q", ok, reason)
		}
		if err := w.Flush(t.Context()); err != nil {
			t.Fatal(err)
		}
		// Backoff 100, 200, then capped at 300 ms.
		var offsets []time.Duration
		for _, c := range s.recorded() {
			offsets = append(offsets, c.at.Sub(start))
			if c.size != 3 {
				t.Errorf("retried batch of %d, want the same 3", c.size)
			}
		}
		if want := "[0s 100ms 300ms 600ms 900ms]"; fmt.Sprint(offsets) != want {
			t.Errorf("attempts at %v, want %v", offsets, want)
		}
		if ok, reason := w.Health(); !ok {
			t.Errorf("Health after recovering = false, %q", reason)
		}
		for name, want := range map[string]float64{
			"arena_store_errors_total":          4,
			"arena_store_results_written_total": 3,
			"arena_store_write_seconds":         5,
			"arena_store_queue_depth":           0,
		} {
			if got := metric(t, reg, name); got != want {
				t.Errorf("%s = %v, want %v", name, got, want)
			}
		}
		if n := strings.Count(logs.String(), "writing match results failed"); n != 4 {
			t.Errorf("%d failure log lines, want 4:\n%s", n, logs.String())
		}
		if n := count(t, s.Store, "matches"); n != 3 {
			t.Errorf("%d matches stored, want 3", n)
		}
		cancel()
		<-done
	})
}

func TestWriterQueueFull(t *testing.T) {
	t.Parallel()
	s := openSQLiteT(t)
	reg := prometheus.NewRegistry()
	var logs syncBuffer
	w := NewWriter(s, WriterConfig{Queue: 10, Registerer: reg, Log: slog.New(slog.NewTextHandler(&logs, nil))})
	rs := results(12)
	for i, r := range rs[:10] {
		if err := w.Enqueue(r); err != nil {
			t.Fatal(err)
		}
		if ok, _ := w.Health(); ok != (i < 9) {
			t.Errorf("Health with %d of 10 queued = %v", i+1, ok)
		}
	}
	for _, r := range rs[10:] {
		if err := w.Enqueue(r); !errors.Is(err, ErrQueueFull) {
			t.Fatalf("Enqueue on a full queue: %v, want ErrQueueFull", err)
		}
	}
	if ok, reason := w.Health(); ok || !strings.HasPrefix(reason, "store queue full") {
		t.Errorf("Health = %v, %q; want store queue full", ok, reason)
	}
	if got := metric(t, reg, "arena_store_queue_full_total"); got != 2 {
		t.Errorf("arena_store_queue_full_total = %v, want 2", got)
	}
	if !strings.Contains(logs.String(), "write queue full") || !strings.Contains(logs.String(), rs[10].MatchID) {
		t.Errorf("no log of the refused result:\n%s", logs.String())
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go w.Run(ctx)
	if err := w.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	if ok, reason := w.Health(); !ok {
		t.Errorf("Health after draining = false, %q", reason)
	}
	if n := count(t, s, "matches"); n != 10 {
		t.Errorf("%d matches stored, want the 10 accepted", n)
	}
}

func TestWriterFlushesAtShutdown(t *testing.T) {
	t.Parallel()
	s := openSQLiteT(t)
	w := NewWriter(s, WriterConfig{})
	for _, r := range results(100) {
		w.Enqueue(r)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	w.Run(ctx) // returns after the last attempt
	if err := w.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := count(t, s, "matches"); n != 100 {
		t.Errorf("%d matches stored at shutdown, want 100", n)
	}
}

func TestWriterShutdownWhileFailing(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		s := &faultyStore{Store: openSQLiteT(t), failures: -1}
		var logs syncBuffer
		w := NewWriter(s, WriterConfig{Log: slog.New(slog.NewTextHandler(&logs, nil))})
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { w.Run(ctx); close(done) }()
		for _, r := range results(5) {
			w.Enqueue(r)
		}
		fctx, fcancel := context.WithTimeout(t.Context(), time.Minute)
		defer fcancel()
		if err := w.Flush(fctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Flush while failing: %v, want the deadline", err)
		}
		if n := len(s.recorded()); n < 10 {
			t.Errorf("%d attempts in a minute, want retries", n)
		}
		cancel()
		<-done
		if err := w.Flush(t.Context()); !errors.Is(err, ErrWriterStopped) {
			t.Errorf("Flush after a failed shutdown: %v, want ErrWriterStopped", err)
		}
		if !strings.Contains(logs.String(), "unwritten") {
			t.Errorf("results lost at shutdown were not logged:\n%s", logs.String())
		}
	})
}
