// Command arena-bots loads an Arena server with headless bots that play
// over the real protocol, and reports what they measured: it parses its
// flags into a loadtest.Config, runs it (see package loadtest for what the
// bots do and measure), and prints the loadtest.Summary, for people and,
// with -json, as one JSON object on stdout.
//
// Every flag has an environment twin: -bots is ARENA_BOTS_BOTS, -decode-every
// ARENA_BOTS_DECODE_EVERY, and so on. Flags win over the environment. What
// goes wrong while the bots play is counted in the summary and never changes
// the exit status: only bad flags do (exit 2).
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
	"github.com/arena-server/arena/loadtest"
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
	sum, err := loadtest.Run(ctx, cfg, log)
	if err != nil {
		fmt.Fprintln(stderr, "arena-bots:", err)
		return 2
	}
	human := stdout
	if opts.json {
		human = stderr
	}
	sum.WriteText(human)
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
func parseFlags(args []string, stderr io.Writer) (loadtest.Config, options, error) {
	fs := flag.NewFlagSet("arena-bots", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg loadtest.Config
	fs.StringVar(&cfg.Server, "server", "http://127.0.0.1:8080",
		"the server's base URL, or a comma-separated list of base URLs, one per node of a cluster (bot i signs in through server i mod n and fails over to the next; /metrics and -server-pid are the first's)")
	fs.IntVar(&cfg.Bots, "bots", 64, "number of bots")
	fs.StringVar(&cfg.Mode, "mode", "ffa16", "game mode to queue for")
	fs.DurationVar(&cfg.Duration, "duration", 30*time.Second, "measurement window, after ramp-up")
	fs.Float64Var(&cfg.Ramp, "ramp", 100, "bots started per second (0: all at once)")
	fs.IntVar(&cfg.DecodeEvery, "decode-every", 1, "one bot in N decodes every snapshot and times acknowledgements")
	fs.IntVar(&cfg.StopAfterMatches, "matches", 0, "end the window once this many matches have ended in it (0: no limit)")
	fs.Uint64Var(&cfg.Seed, "seed", 1, "seed of the bots' random play")
	fs.DurationVar(&cfg.LobbyChat, "lobby-chat", 0,
		"post a lobby chat line this often while not in a match (0: never); faster than the server's chat limit (5 lines, then one per 2s, by default) gets lines refused, counted as errors")
	fs.IntVar(&cfg.ServerPID, "server-pid", 0, "the server's process id (the first listed server's): report its CPU time and memory from /proc over the window (0: none)")
	var opts options
	fs.BoolVar(&opts.json, "json", false, "print the summary as one JSON object on stdout (the human summary goes to stderr)")
	fs.StringVar(&opts.cpuProfile, "cpuprofile", "", "write the bots' own CPU profile to this file")
	if err := envflag.Parse(fs, "ARENA_BOTS_", args); err != nil {
		return loadtest.Config{}, options{}, err
	}
	if fs.NArg() > 0 {
		return loadtest.Config{}, options{}, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	// Zero means "default" in a Config; on the command line it is a mistake.
	if cfg.Duration <= 0 {
		return loadtest.Config{}, options{}, fmt.Errorf("-duration %v: must be positive", cfg.Duration)
	}
	if cfg.Bots <= 0 {
		return loadtest.Config{}, options{}, fmt.Errorf("-bots %d: must be positive", cfg.Bots)
	}
	if cfg.DecodeEvery <= 0 {
		return loadtest.Config{}, options{}, fmt.Errorf("-decode-every %d: must be positive", cfg.DecodeEvery)
	}
	if err := cfg.WithDefaults().Validate(); err != nil {
		return loadtest.Config{}, options{}, err
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
