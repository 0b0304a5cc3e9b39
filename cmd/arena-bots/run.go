package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// Config is one load run. Its zero value means "default" for every field
// whose comment names one; Run fills them in.
type Config struct {
	// Server is the server's base URL. Default "http://127.0.0.1:8080".
	Server string
	// Bots is the number of bots. Default 64.
	Bots int
	// Mode is the game mode the bots queue for. Default "ffa16".
	Mode string
	// Duration is the measurement window, which starts once ramp-up is
	// complete (see Run). Default 30s.
	Duration time.Duration
	// Ramp is how many bots start per second; 0 or less starts them all at
	// once. Default: none (flag default 100).
	Ramp float64
	// DecodeEvery makes one bot in DecodeEvery decode every snapshot and
	// measure input acknowledgement; the others only count, time and peek.
	// Default 1 (every bot decodes).
	DecodeEvery int
	// StopAfterMatches ends the window early once this many matches have
	// ended in it; 0 means no early end. Default 0.
	StopAfterMatches int
	// Seed seeds the bots' random play; the same seed plays the same way.
	// Default 0.
	Seed uint64
	// ConnectTimeout bounds one sign-in, websocket handshake and
	// authentication. Default 10s.
	ConnectTimeout time.Duration
	// ReconnectDelay is how long a bot waits after a failed connection or a
	// disconnect before it tries again. Default 1s.
	ReconnectDelay time.Duration
	// LateRejectGrace is how long after the server refuses an input as "not
	// in a match" the bot waits for that match's MatchEnd before it counts the
	// refusal as an error (see bot.onError). Default 1s.
	LateRejectGrace time.Duration
	// MaxLoggedErrors is how many errors are logged one by one; the rest are
	// only counted. Default 20.
	MaxLoggedErrors int
	// ServerPID is the server's process id, whose CPU time and memory are
	// sampled from /proc at both ends of the window (Linux only; see
	// ServerProcess); 0 samples none. The server's /metrics is scraped
	// either way (see ServerMetrics). Default 0.
	ServerPID int
}

// withDefaults returns c with its zero fields set to their defaults.
func (c Config) withDefaults() Config {
	if c.Server == "" {
		c.Server = "http://127.0.0.1:8080"
	}
	if c.Bots == 0 {
		c.Bots = 64
	}
	if c.Mode == "" {
		c.Mode = "ffa16"
	}
	if c.Duration == 0 {
		c.Duration = 30 * time.Second
	}
	if c.DecodeEvery == 0 {
		c.DecodeEvery = 1
	}
	if c.ConnectTimeout == 0 {
		c.ConnectTimeout = 10 * time.Second
	}
	if c.ReconnectDelay == 0 {
		c.ReconnectDelay = time.Second
	}
	if c.LateRejectGrace == 0 {
		c.LateRejectGrace = time.Second
	}
	if c.MaxLoggedErrors == 0 {
		c.MaxLoggedErrors = 20
	}
	return c
}

// Validate reports every problem with a filled-in configuration.
func (c Config) Validate() error {
	var errs []error
	if u, err := url.Parse(c.Server); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("server %q: must be an absolute http(s) URL", c.Server))
	}
	if c.Bots < 1 {
		errs = append(errs, fmt.Errorf("bots %d: must be at least 1", c.Bots))
	}
	if c.Duration < 0 {
		errs = append(errs, fmt.Errorf("duration %v: must be positive", c.Duration))
	}
	if c.DecodeEvery < 1 {
		errs = append(errs, fmt.Errorf("decode-every %d: must be at least 1", c.DecodeEvery))
	}
	if c.ServerPID < 0 {
		errs = append(errs, fmt.Errorf("server pid %d: must not be negative", c.ServerPID))
	}
	if c.StopAfterMatches < 0 {
		errs = append(errs, fmt.Errorf("matches %d: must not be negative", c.StopAfterMatches))
	}
	for name, d := range map[string]time.Duration{
		"connect timeout": c.ConnectTimeout, "reconnect delay": c.ReconnectDelay, "late reject grace": c.LateRejectGrace,
	} {
		if d < 0 {
			errs = append(errs, fmt.Errorf("%s %v: must not be negative", name, d))
		}
	}
	return errors.Join(errs...)
}

// Summary is what a run measured. Every rate and percentile covers the
// measurement window only; Errors and ErrorKinds cover the whole run, ramp-up
// included.
type Summary struct {
	// Server is the server's base URL.
	Server string `json:"server"`
	// Mode is the mode the bots queued for.
	Mode string `json:"mode"`
	// Bots is the number of bots started.
	Bots int `json:"bots"`
	// DecodeEvery is the -decode-every used: one bot in DecodeEvery decoded.
	DecodeEvery int `json:"decode_every"`
	// Decoders is the number of bots that decoded every snapshot.
	Decoders int `json:"decoders"`
	// Connected is the number of bots authenticated at the end of the window.
	Connected int `json:"connected"`
	// Playing is the number of bots that received at least one snapshot in
	// the window; the per-bot rates divide by it.
	Playing int `json:"playing"`
	// Matches is the number of distinct matches whose MatchEnd a bot received
	// in the window.
	Matches int `json:"matches"`
	// RampS is the ramp-up time in seconds, before the window.
	RampS float64 `json:"ramp_s"`
	// DurationS is the measured length of the window in seconds.
	DurationS float64 `json:"duration_s"`
	// SnapshotsTotal is the number of snapshots all bots received.
	SnapshotsTotal uint64 `json:"snapshots_total"`
	// SnapshotsDecoded is the part of SnapshotsTotal that was fully decoded.
	SnapshotsDecoded uint64 `json:"snapshots_decoded"`
	// SnapshotsMissed counts ticks the decoding bots saw skipped between two
	// consecutive snapshots of a match (snapshots the server dropped).
	SnapshotsMissed uint64 `json:"snapshots_missed"`
	// SnapshotsPerBotPerS is SnapshotsTotal / Playing / DurationS.
	SnapshotsPerBotPerS float64 `json:"snapshots_per_bot_per_s"`
	// BytesTotal is the websocket payload all bots received.
	BytesTotal uint64 `json:"bytes_total"`
	// BytesPerBotPerS is BytesTotal / Playing / DurationS.
	BytesPerBotPerS float64 `json:"bytes_per_bot_per_s"`
	// InputsSent is the number of inputs all bots sent.
	InputsSent uint64 `json:"inputs_sent"`
	// InputsAfterEnd counts inputs the server refused as "not in a match"
	// because they crossed the end of their match on the wire (a benign race,
	// not an error; see bot.onError).
	InputsAfterEnd uint64 `json:"inputs_after_end"`
	// SnapshotInterarrivalMS is the time between consecutive snapshots of a
	// match at one bot, in milliseconds.
	SnapshotInterarrivalMS Quantiles `json:"snapshot_interarrival_ms"`
	// InputAckMS is the time from sending an input to receiving the first
	// snapshot that acknowledges it, in milliseconds (decoding bots only).
	InputAckMS Quantiles `json:"input_ack_ms"`
	// InputAckTicks is, for the same inputs, the acknowledging snapshot's
	// tick minus the newest tick the bot had seen when it sent the input.
	InputAckTicks Quantiles `json:"input_ack_ticks"`
	// Errors is the number of errors of the whole run.
	Errors uint64 `json:"errors"`
	// ErrorKinds counts Errors by kind.
	ErrorKinds map[string]uint64 `json:"error_kinds"`

	// The server's figures over the window, their fields inlined in the
	// JSON: ServerMetrics from its /metrics (nil if a scrape failed),
	// ServerProcess from /proc (nil without Config.ServerPID, or if a sample
	// failed).
	*ServerMetrics
	*ServerProcess
	// BotsCPUPercent is the bots' own CPU time (this process, from
	// /proc/self/stat) over the window, in percent of one core. Near 100 for
	// each core the bots may use, the bots, not the server, are the
	// bottleneck. Absent without /proc.
	BotsCPUPercent *float64 `json:"bots_cpu_percent,omitempty"`
	// ServerProbeError says why server figures are missing; empty if none is.
	// A failed probe is not one of the bots' Errors.
	ServerProbeError string `json:"server_probe_error,omitempty"`
}

// runner is the state the bots of one run share. Ownership: Run creates it,
// starts every bot goroutine and waits for them all before it reads the
// bots' own counters.
type runner struct {
	cfg   Config
	log   *slog.Logger
	epoch time.Time // every time below is time.Since(epoch), monotonic

	// The window, in ns since epoch; both zero until ramp-up completes.
	windowStart, windowEnd atomic.Int64
	// stop ends the window early (StopAfterMatches reached).
	stop     chan struct{}
	stopOnce sync.Once

	connected atomic.Int64 // bots authenticated right now

	interarrival histogram // µs
	ackLatency   histogram // µs
	ackTicks     histogram // ticks

	errs   errorCounter
	logged atomic.Int64 // errors logged so far

	matchesMu sync.Mutex
	matches   map[string]struct{} // ended in the window
}

// now returns the time since the run began.
func (r *runner) now() time.Duration { return time.Since(r.epoch) }

// inWindow reports whether t (since epoch) falls in the measurement window.
func (r *runner) inWindow(t time.Duration) bool {
	start := r.windowStart.Load()
	return start != 0 && int64(t) >= start && int64(t) < r.windowEnd.Load()
}

// error counts one error of kind and logs the first few.
func (r *runner) error(bot int, kind string, err error) {
	r.errs.add(kind, 1)
	if n := r.logged.Add(1); n <= int64(r.cfg.MaxLoggedErrors) {
		r.log.Warn("bot error", slog.Int("bot", bot), slog.String("kind", kind), slog.Any("err", err))
		if n == int64(r.cfg.MaxLoggedErrors) {
			r.log.Warn("further errors are counted, not logged")
		}
	}
}

// matchEnded records that a bot received the end of match id at t.
func (r *runner) matchEnded(id string, t time.Duration) {
	if !r.inWindow(t) {
		return
	}
	r.matchesMu.Lock()
	r.matches[id] = struct{}{}
	n := len(r.matches)
	r.matchesMu.Unlock()
	if r.cfg.StopAfterMatches > 0 && n >= r.cfg.StopAfterMatches {
		r.stopOnce.Do(func() { close(r.stop) })
	}
}

// matchCount returns the number of matches that ended in the window.
func (r *runner) matchCount() int {
	r.matchesMu.Lock()
	defer r.matchesMu.Unlock()
	return len(r.matches)
}

// Run starts cfg.Bots bots against the server, cfg.Ramp per second, and
// waits for ramp-up to complete: every bot started and its first connection
// attempt over (authenticated, or failed and counted). The measurement window
// then runs for cfg.Duration (or until cfg.StopAfterMatches matches have
// ended, or ctx is done), after which the bots disconnect and Run returns
// what they measured. The server is sampled (see serverProbe) just after the
// window starts and just before the bots disconnect. Only a bad
// configuration is an error (a ServerPID whose /proc cannot be read is one);
// everything that goes wrong while the bots play is counted in the Summary.
func Run(ctx context.Context, cfg Config, log *slog.Logger) (Summary, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return Summary{}, err
	}
	probe, err := newServerProbe(cfg)
	if err != nil {
		return Summary{}, err
	}
	r := &runner{cfg: cfg, log: log, epoch: time.Now(), stop: make(chan struct{}), matches: make(map[string]struct{})}
	botCtx, cancel := context.WithCancel(ctx)
	defer cancel()

	bots := make([]*bot, cfg.Bots)
	var ready, done sync.WaitGroup
	started := 0
	for i := range bots {
		if cfg.Ramp > 0 {
			due := time.Duration(float64(i) / cfg.Ramp * float64(time.Second))
			if !sleep(botCtx, due-r.now()) {
				break
			}
		}
		bots[i] = newBot(r, i)
		started++
		ready.Add(1)
		done.Go(func() { bots[i].run(botCtx, ready.Done) })
	}
	rampDone := make(chan struct{})
	go func() {
		ready.Wait()
		close(rampDone)
	}()
	select {
	case <-rampDone:
	case <-botCtx.Done():
	}
	rampEnd := r.now()
	r.windowEnd.Store(int64(rampEnd + cfg.Duration))
	r.windowStart.Store(max(int64(rampEnd), 1))
	log.Info("ramp-up complete, measuring", slog.Int("bots", started), slog.Int64("connected", r.connected.Load()),
		slog.Duration("ramp", rampEnd.Round(time.Millisecond)), slog.Duration("window", cfg.Duration))
	// The server is sampled inside the window, which the sample's own time
	// does not shorten.
	serverStart := probe.sample(ctx, r.now)

	timer := time.NewTimer(time.Duration(r.windowEnd.Load()) - r.now())
	select {
	case <-timer.C:
	case <-r.stop:
	case <-botCtx.Done():
	}
	timer.Stop()
	end := r.now()
	if end < time.Duration(r.windowEnd.Load()) {
		r.windowEnd.Store(int64(end))
	}
	connected := int(r.connected.Load())
	serverEnd := probe.sample(ctx, r.now) // while the bots still play
	cancel()
	done.Wait()

	sum := r.summary(bots[:started], rampEnd, end-rampEnd, connected)
	probe.fill(&sum, serverStart, serverEnd)
	if sum.ServerProbeError != "" {
		log.Warn("server figures incomplete", slog.String("err", sum.ServerProbeError))
	}
	return sum, nil
}

// summary adds up what the bots measured. Call it only after every bot
// goroutine has returned.
func (r *runner) summary(bots []*bot, ramp, window time.Duration, connected int) Summary {
	s := Summary{
		Server:                 r.cfg.Server,
		Mode:                   r.cfg.Mode,
		Bots:                   len(bots),
		DecodeEvery:            r.cfg.DecodeEvery,
		Connected:              connected,
		Matches:                r.matchCount(),
		RampS:                  round3(ramp.Seconds()),
		DurationS:              round3(window.Seconds()),
		SnapshotInterarrivalMS: r.interarrival.quantiles(0.001),
		InputAckMS:             r.ackLatency.quantiles(0.001),
		InputAckTicks:          r.ackTicks.quantiles(1),
	}
	for _, b := range bots {
		if b.decode {
			s.Decoders++
		}
		if b.stats.snapshots > 0 {
			s.Playing++
		}
		s.SnapshotsTotal += b.stats.snapshots
		s.SnapshotsDecoded += b.stats.decoded
		s.SnapshotsMissed += b.stats.missed
		s.BytesTotal += b.stats.bytes
		s.InputsSent += b.stats.inputsSent
		s.InputsAfterEnd += b.stats.inputsAfterEnd
	}
	if s.Playing > 0 && window > 0 {
		per := float64(s.Playing) * window.Seconds()
		s.SnapshotsPerBotPerS = round3(float64(s.SnapshotsTotal) / per)
		s.BytesPerBotPerS = round3(float64(s.BytesTotal) / per)
	}
	s.Errors, s.ErrorKinds = r.errs.snapshot()
	return s
}

// sleep waits for d or until ctx is done; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
