package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// ErrQueueFull is returned by Writer.Enqueue when the queue holds
// WriterConfig.Queue results already.
var ErrQueueFull = errors.New("store: write queue full")

// ErrWriterStopped is returned by Writer.Enqueue after Run has returned, and
// by Flush when Run returned with results still unwritten.
var ErrWriterStopped = errors.New("store: writer stopped")

// WriterConfig configures a Writer. Zero fields take their defaults.
type WriterConfig struct {
	// Queue is how many results may wait to be written; default 1024.
	Queue int
	// Batch is the most results written in one SaveResults call; default 64.
	Batch int
	// MinBackoff and MaxBackoff bound the wait before retrying a failed
	// batch, which doubles from MinBackoff up to MaxBackoff; defaults 100ms
	// and 10s.
	MinBackoff, MaxBackoff time.Duration
	// AttemptTimeout bounds one SaveResults call; default 30s.
	AttemptTimeout time.Duration
	// FinalTimeout bounds the last attempt Run makes when its context ends;
	// default 5s.
	FinalTimeout time.Duration
	// Registerer gets the writer's metrics; nil registers them nowhere.
	Registerer prometheus.Registerer
	// Log gets failures and dropped results; nil discards them.
	Log *slog.Logger
	// Saved, if set, is called on Run's goroutine with each batch once it is
	// written, so a caller can act on results that are durable (show them,
	// forget what it kept for them). It must not block for long, nor keep
	// the slice (the writer reuses it).
	Saved func(results []MatchResult)
}

// withDefaults returns c with its zero fields set to the defaults.
func (c WriterConfig) withDefaults() WriterConfig {
	if c.Queue <= 0 {
		c.Queue = 1024
	}
	if c.Batch <= 0 {
		c.Batch = 64
	}
	if c.MinBackoff <= 0 {
		c.MinBackoff = 100 * time.Millisecond
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = 10 * time.Second
	}
	c.MaxBackoff = max(c.MaxBackoff, c.MinBackoff)
	if c.AttemptTimeout <= 0 {
		c.AttemptTimeout = 30 * time.Second
	}
	if c.FinalTimeout <= 0 {
		c.FinalTimeout = 5 * time.Second
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	return c
}

// Writer writes finished matches to a Store from one goroutine (Run), in
// batches, off the callers' paths: Enqueue never blocks. A batch that fails
// is retried, with exponential backoff, until it is written or Run's context
// ends, so results are not lost while the process lives; SaveResults skips
// matches already stored, so a batch that failed after committing is not
// applied twice.
type Writer struct {
	s     Store
	cfg   WriterConfig
	queue chan MatchResult

	mu           sync.Mutex
	enqueued     uint64        // results accepted by Enqueue
	written      uint64        // results written
	progress     chan struct{} // closed and replaced when written or stopped changes
	stopping     bool          // Run's context ended: Enqueue refuses results
	stopped      bool          // Run has returned
	failingSince time.Time     // first failure of the current failing streak
	lastErr      error         // the last attempt's error; nil after a success
	fullSince    time.Time     // last time a queue-full rejection was logged
	fullDropped  int           // rejections since then

	queueFull      prometheus.Counter
	errorsTotal    prometheus.Counter
	resultsWritten prometheus.Counter
	writeSeconds   prometheus.Histogram
}

// NewWriter returns a Writer to s. Call Run to start writing.
func NewWriter(s Store, cfg WriterConfig) *Writer {
	cfg = cfg.withDefaults()
	w := &Writer{
		s:        s,
		cfg:      cfg,
		queue:    make(chan MatchResult, cfg.Queue),
		progress: make(chan struct{}),
		queueFull: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "arena_store_queue_full_total",
			Help: "Match results refused because the store's write queue was full.",
		}),
		errorsTotal: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "arena_store_errors_total",
			Help: "Failed attempts to write a batch of match results (each is retried).",
		}),
		resultsWritten: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "arena_store_results_written_total",
			Help: "Match results written to the store.",
		}),
		writeSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "arena_store_write_seconds",
			Help:    "Time of one batch's SaveResults call, failed or not.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16), // 0.5 ms … 16 s
		}),
	}
	if r := cfg.Registerer; r != nil {
		r.MustRegister(w.queueFull, w.errorsTotal, w.resultsWritten, w.writeSeconds,
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "arena_store_queue_depth",
				Help: "Match results accepted and not written yet, the batch being written included.",
			}, func() float64 { return float64(w.pending()) }))
	}
	return w
}

// pending returns how many accepted results are not written yet.
func (w *Writer) pending() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.enqueued - w.written
}

// Enqueue queues r to be written. It never blocks: when the queue is full it
// counts, logs and returns ErrQueueFull, and after Run has returned it
// returns ErrWriterStopped.
func (w *Writer) Enqueue(r MatchResult) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopping {
		w.cfg.Log.Error("store: match result dropped: writer stopped", slog.String("match", r.MatchID))
		return ErrWriterStopped
	}
	select {
	case w.queue <- r:
		w.enqueued++
		return nil
	default:
	}
	w.queueFull.Inc()
	w.fullDropped++
	// Logged at most once a second, with the count since the last line.
	if now := time.Now(); now.Sub(w.fullSince) >= time.Second {
		w.cfg.Log.Error("store: write queue full, match results dropped",
			slog.String("match", r.MatchID), slog.Int("dropped", w.fullDropped), slog.Int("queue", cap(w.queue)))
		w.fullSince, w.fullDropped = now, 0
	}
	return ErrQueueFull
}

// Run writes queued results until ctx ends: it takes up to Batch results,
// writes them with one SaveResults call, and retries a failed batch after a
// backoff doubling from MinBackoff to MaxBackoff until it succeeds. When ctx
// ends it makes one last attempt, bounded by FinalTimeout, to write what is
// left (the current batch and the queue), then returns. Run must be called
// once.
func (w *Writer) Run(ctx context.Context) {
	batch := make([]MatchResult, 0, w.cfg.Batch)
	for {
		if len(batch) == 0 {
			select {
			case r := <-w.queue:
				batch = append(batch, r)
			case <-ctx.Done():
				w.finish(ctx, batch)
				return
			}
		}
		batch = w.fill(batch)
		if !w.writeRetrying(ctx, batch) {
			w.finish(ctx, batch)
			return
		}
		clear(batch)
		batch = batch[:0]
	}
}

// writeRetrying writes batch, retrying with backoff; false when ctx ended
// first.
func (w *Writer) writeRetrying(ctx context.Context, batch []MatchResult) bool {
	backoff := w.cfg.MinBackoff
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, w.cfg.AttemptTimeout)
		err := w.write(actx, batch)
		cancel()
		if err == nil {
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		w.cfg.Log.Error("store: writing match results failed; retrying",
			slog.Int("results", len(batch)), slog.Int("attempt", attempt),
			slog.Duration("retry_in", backoff), slog.Any("err", err))
		t := time.NewTimer(backoff)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return false
		}
		backoff = min(2*backoff, w.cfg.MaxBackoff)
	}
}

// write makes one attempt to save batch and records its outcome. After a
// success it calls Saved (without holding w.mu) before counting the batch as
// written, so Flush returns only once Saved has seen what it waited for.
func (w *Writer) write(ctx context.Context, batch []MatchResult) error {
	start := time.Now()
	err := w.s.SaveResults(ctx, batch)
	w.writeSeconds.Observe(time.Since(start).Seconds())
	w.mu.Lock()
	if err != nil {
		w.errorsTotal.Inc()
		if w.lastErr == nil {
			w.failingSince = start
		}
		w.lastErr = err
		w.mu.Unlock()
		return err
	}
	w.lastErr, w.failingSince = nil, time.Time{}
	w.mu.Unlock()
	if w.cfg.Saved != nil {
		w.cfg.Saved(batch)
	}
	w.mu.Lock()
	w.written += uint64(len(batch))
	w.resultsWritten.Add(float64(len(batch)))
	w.signal()
	w.mu.Unlock()
	return nil
}

// signal wakes Flush callers; w.mu is held.
func (w *Writer) signal() {
	close(w.progress)
	w.progress = make(chan struct{})
}

// fill adds to batch what is queued, up to Batch results, without waiting.
func (w *Writer) fill(batch []MatchResult) []MatchResult {
	for len(batch) < w.cfg.Batch {
		select {
		case r := <-w.queue:
			batch = append(batch, r)
		default:
			return batch
		}
	}
	return batch
}

// finish makes the last attempt, with a fresh context bounded by
// FinalTimeout, to write batch and everything still queued, then marks the
// writer stopped. Results it cannot write are logged as lost.
func (w *Writer) finish(ctx context.Context, batch []MatchResult) {
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.cfg.FinalTimeout)
	defer cancel()
	w.mu.Lock()
	w.stopping = true // no more Enqueue: the queue only drains from here
	w.mu.Unlock()
	lost := 0
	for {
		batch = w.fill(batch)
		if len(batch) == 0 {
			break
		}
		if err := w.write(fctx, batch); err != nil {
			lost += len(batch)
			w.cfg.Log.Error("store: match results lost at shutdown", slog.Int("results", len(batch)), slog.Any("err", err))
		}
		clear(batch)
		batch = batch[:0]
	}
	w.mu.Lock()
	w.stopped = true
	w.signal()
	w.mu.Unlock()
	if lost > 0 {
		w.cfg.Log.Error("store: writer stopped with match results unwritten", slog.Int("lost", lost))
	}
}

// Flush waits until every result enqueued before the call is written. It
// returns ctx's error if ctx ends first, and ErrWriterStopped if Run returned
// without writing them.
func (w *Writer) Flush(ctx context.Context) error {
	w.mu.Lock()
	target := w.enqueued
	for w.written < target {
		if w.stopped {
			n := target - w.written
			w.mu.Unlock()
			return fmt.Errorf("%w with %d results unwritten", ErrWriterStopped, n)
		}
		ch := w.progress
		w.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
		w.mu.Lock()
	}
	w.mu.Unlock()
	return nil
}

// Health reports whether the writer is keeping up: not while the last write
// attempt failed ("store writes failing since …: <err>") or while the queue
// is more than 90% full ("store queue full …").
func (w *Writer) Health() (ok bool, reason string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.lastErr != nil {
		return false, fmt.Sprintf("store writes failing since %s: %v", w.failingSince.UTC().Format(time.RFC3339), w.lastErr)
	}
	if n := len(w.queue); n*10 > cap(w.queue)*9 {
		return false, fmt.Sprintf("store queue full: %d of %d results waiting", n, cap(w.queue))
	}
	return true, ""
}
