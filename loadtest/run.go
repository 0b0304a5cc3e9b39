package loadtest

import (
	"context"
	"log/slog"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// runner is the state the bots of one run share. Ownership: Run creates it,
// starts every bot goroutine and waits for them all, and for the senders,
// before it reads the bots' own counters.
type runner struct {
	cfg     Config
	log     *slog.Logger
	servers serverList
	epoch   time.Time // every time below is time.Since(epoch), monotonic
	// chatTag marks the run's lobby lines (see chatLine): the epoch in base 36.
	chatTag string

	// The window, in ns since epoch; both zero until ramp-up completes.
	windowStart, windowEnd atomic.Int64
	// stop ends the window early (StopAfterMatches reached).
	stop     chan struct{}
	stopOnce sync.Once

	connected atomic.Int64  // bots authenticated right now
	tickHz    atomic.Uint32 // the tick rate of the first MatchStart; 0 before
	senders   *senders

	interarrival histogram // µs
	ackLatency   histogram // µs
	ackTicks     histogram // ticks
	// From a MatchFound to the match's first snapshot, at the bot (µs):
	// found on the node that runs the match, or moved there from another.
	foundLocal, foundMoved histogram

	errs   errorCounter
	logged atomic.Int64 // errors logged so far

	// Whole-run counts of rare events, from any bot.
	moves, failovers    atomic.Uint64
	chatSent, chatCross atomic.Uint64

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

// chatLine is the text of a lobby line posted at t (since epoch): the run's
// tag and t, so that a bot of the run that receives it knows when it was
// posted (see bot.onChat).
func (r *runner) chatLine(t time.Duration) string {
	return "arena-bots " + r.chatTag + " " + strconv.FormatInt(int64(t), 10)
}

// chatPosted returns when a line of chatLine's was posted; ok is false for
// any other text, a line of another run's included.
func (r *runner) chatPosted(text string) (t time.Duration, ok bool) {
	rest, ok := strings.CutPrefix(text, "arena-bots "+r.chatTag+" ")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(rest, 10, 64)
	return time.Duration(n), err == nil
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
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return Summary{}, err
	}
	probe, err := newServerProbe(cfg)
	if err != nil {
		return Summary{}, err
	}
	servers, err := newServerList(cfg.Servers())
	if err != nil {
		return Summary{}, err
	}
	epoch := time.Now()
	r := &runner{cfg: cfg, log: log, servers: servers, epoch: epoch, chatTag: strconv.FormatInt(epoch.UnixNano(), 36),
		stop: make(chan struct{}), matches: make(map[string]struct{})}
	botCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	r.senders = newSenders(botCtx, r.epoch)

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
	r.senders.wait()

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
		TickHz:                 r.tickHz.Load(),
		RampS:                  round3(ramp.Seconds()),
		DurationS:              round3(window.Seconds()),
		SnapshotInterarrivalMS: r.interarrival.quantiles(0.001),
		InputAckMS:             r.ackLatency.quantiles(0.001),
		InputAckTicks:          r.ackTicks.quantiles(1),
		FoundToSnapshotMS:      r.foundLocal.quantiles(0.001),
		MovedToSnapshotMS:      r.foundMoved.quantiles(0.001),
		BotsCPUs:               min(runtime.NumCPU(), runtime.GOMAXPROCS(0)),
		Moves:                  r.moves.Load(),
		Failovers:              r.failovers.Load(),
		LobbyChatSent:          r.chatSent.Load(),
		LobbyChatReceivedCross: r.chatCross.Load(),
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
