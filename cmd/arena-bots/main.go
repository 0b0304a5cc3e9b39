// Command arena-bots loads an Arena server with headless bots that play
// over the real protocol, and reports what they measured.
//
// Each bot is a real client built on netcode/transport: it signs in over
// HTTP (as "bot-N"), opens the websocket, authenticates, queues for a mode,
// plays its match sending one input per tick (tick_rate from MatchStart) on
// its own clock, from a random phase of the server's tick and catching up
// after a stall like the game client (at most 4 at once), with a new random
// direction and aim about once a second and a shot about twice a second, and
// queues again after MatchEnd, until the run ends. Every frame is read, counted and timed. One
// bot in -decode-every decodes every snapshot and times input
// acknowledgement (from sending input seq to the first snapshot whose ack_seq
// is at least seq); the others recognise snapshots by their first byte and
// decode only the rare other messages.
//
// The measurement window starts when ramp-up is complete (every bot started
// and its first connection attempt over) and lasts -duration; rates and
// percentiles cover the window only, errors the whole run. Per-bot rates
// divide by the bots that received snapshots in the window. Errors (failed
// sign-ins and dials, disconnects, Error messages from the server, decode
// failures) are counted by kind, never silent, and never change the exit
// status: only bad flags do (exit 2).
//
// At both ends of the window the bots also scrape the server's /metrics and,
// given -server-pid, sample the server process's CPU time (utime+stime of
// /proc/PID/stat, in clock ticks of sysconf(_SC_CLK_TCK), read from the
// auxiliary vector: 100 on Linux) and resident memory (VmRSS of
// /proc/PID/status); the summary adds the server's figures over the window
// (ticks and their duration quantiles, overruns, skipped ticks, dropped
// snapshots, bytes sent; CPU and memory per connected player), and the bots'
// own CPU use from /proc/self/stat. See ServerMetrics and ServerProcess.
//
// Every flag has an environment twin: -bots is ARENA_BOTS_BOTS, -decode-every
// ARENA_BOTS_DECODE_EVERY, and so on. Flags win over the environment.
//
// The bots never import the game client, Ebiten or the server: they are a
// separate process in benchmarks, sharing the machine with the server.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/arena-server/arena/internal/envflag"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the command: it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	cfg, opts, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "arena-bots:", err)
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if opts.cpuProfile != "" {
		stopProfile, err := startCPUProfile(opts.cpuProfile)
		if err != nil {
			fmt.Fprintln(stderr, "arena-bots:", err)
			return 2
		}
		defer stopProfile(log)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	sum, err := Run(ctx, cfg, log)
	if err != nil {
		fmt.Fprintln(stderr, "arena-bots:", err)
		return 2
	}
	human := stdout
	if opts.json {
		human = stderr
	}
	writeHuman(human, sum)
	if opts.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(sum); err != nil {
			fmt.Fprintln(stderr, "arena-bots:", err)
		}
	}
	return 0
}

// options are the flags that shape the command's output, not the run.
type options struct {
	json       bool   // -json
	cpuProfile string // -cpuprofile
}

// parseFlags turns the command line (and ARENA_BOTS_ environment) into a
// Config, validated, and the output options.
func parseFlags(args []string, stderr io.Writer) (Config, options, error) {
	fs := flag.NewFlagSet("arena-bots", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg Config
	fs.StringVar(&cfg.Server, "server", "http://127.0.0.1:8080", "the server's base URL")
	fs.IntVar(&cfg.Bots, "bots", 64, "number of bots")
	fs.StringVar(&cfg.Mode, "mode", "ffa16", "game mode to queue for")
	fs.DurationVar(&cfg.Duration, "duration", 30*time.Second, "measurement window, after ramp-up")
	fs.Float64Var(&cfg.Ramp, "ramp", 100, "bots started per second (0: all at once)")
	fs.IntVar(&cfg.DecodeEvery, "decode-every", 1, "one bot in N decodes every snapshot and times acknowledgements")
	fs.IntVar(&cfg.StopAfterMatches, "matches", 0, "end the window once this many matches have ended in it (0: no limit)")
	fs.Uint64Var(&cfg.Seed, "seed", 1, "seed of the bots' random play")
	fs.IntVar(&cfg.ServerPID, "server-pid", 0, "the server's process id: report its CPU time and memory from /proc over the window (0: none)")
	var opts options
	fs.BoolVar(&opts.json, "json", false, "print the summary as one JSON object on stdout (the human summary goes to stderr)")
	fs.StringVar(&opts.cpuProfile, "cpuprofile", "", "write the bots' own CPU profile to this file")
	if err := envflag.Parse(fs, "ARENA_BOTS_", args); err != nil {
		return Config{}, options{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, options{}, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	if cfg.Duration <= 0 {
		return Config{}, options{}, fmt.Errorf("-duration %v: must be positive", cfg.Duration)
	}
	if cfg.Bots <= 0 {
		return Config{}, options{}, fmt.Errorf("-bots %d: must be positive", cfg.Bots)
	}
	if cfg.DecodeEvery <= 0 {
		return Config{}, options{}, fmt.Errorf("-decode-every %d: must be positive", cfg.DecodeEvery)
	}
	if err := cfg.withDefaults().Validate(); err != nil {
		return Config{}, options{}, err
	}
	return cfg, opts, nil
}

// startCPUProfile profiles this process into path until the returned
// function is called.
func startCPUProfile(path string) (func(*slog.Logger), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("-cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("-cpuprofile: %w", err)
	}
	return func(log *slog.Logger) {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			log.Error("cpu profile", slog.Any("err", err))
		}
	}, nil
}

// writeHuman prints the summary for people.
func writeHuman(w io.Writer, s Summary) {
	line := func(label, format string, args ...any) {
		fmt.Fprintf(w, "  %-13s"+format+"\n", append([]any{label}, args...)...)
	}
	fmt.Fprintf(w, "arena-bots: %d bots (%d decoding, decode-every %d), mode %s, server %s\n",
		s.Bots, s.Decoders, s.DecodeEvery, s.Mode, s.Server)
	line("window", "%.1f s after %.1f s of ramp-up; %d connected, %d playing, %d matches ended",
		s.DurationS, s.RampS, s.Connected, s.Playing, s.Matches)
	line("snapshots", "%.2f /bot/s (%d total, %d decoded, %d missed)",
		s.SnapshotsPerBotPerS, s.SnapshotsTotal, s.SnapshotsDecoded, s.SnapshotsMissed)
	line("downstream", "%.0f B/bot/s (%d B total)", s.BytesPerBotPerS, s.BytesTotal)
	line("inputs", "%d sent, %d refused after their match ended", s.InputsSent, s.InputsAfterEnd)
	quant := func(label, unit string, q Quantiles) {
		line(label, "p50 %.2f  p90 %.2f  p99 %.2f  max %.2f %s (%d samples)", q.P50, q.P90, q.P99, q.Max, unit, q.Samples)
	}
	quant("interarrival", "ms", s.SnapshotInterarrivalMS)
	quant("input ack", "ms", s.InputAckMS)
	quant("input ack", "ticks", s.InputAckTicks)
	errs := fmt.Sprint(s.Errors)
	for _, k := range sortedKeys(s.ErrorKinds) {
		errs += fmt.Sprintf(" %s=%d", k, s.ErrorKinds[k])
	}
	line("errors", "%s", errs)
	if m := s.ServerMetrics; m != nil {
		line("server", "%.0f players, %.0f matches over %.1f s of /metrics", m.ServerPlayers, m.ServerMatches, m.ServerWindowS)
		line("server ticks", "%d: p50 %.3f  p99 %.3f ms (bucket-interpolated); %d overruns, %d skipped",
			m.Ticks, m.TickP50MS, m.TickP99MS, m.TickOverruns, m.TicksSkipped)
		line("server sent", "%.0f B/player/s; %d snapshots, %d dropped", m.ServerBytesSentPerPlayerS, m.SnapshotsSent, m.SnapshotsDropped)
	}
	if p := s.ServerProcess; p != nil {
		line("server cpu", "%.1f%% of a core, %.1f µs/player/s (%.2f s in %.1f s, pid %d, CLK_TCK %d)",
			p.ServerCPUPercent, p.ServerCPUUSPerPlayerS, p.ServerCPUS, p.ServerProcWindowS, p.ServerPID, p.ClkTck)
		line("server rss", "%.1f MiB, %.1f KiB/player", p.ServerRSSMiB, p.ServerRSSKiBPerPlayer)
	}
	if s.BotsCPUPercent != nil {
		line("bots cpu", "%.1f%% of a core (this process)", *s.BotsCPUPercent)
	}
	if s.ServerProbeError != "" {
		line("server", "figures missing: %s", s.ServerProbeError)
	}
}
