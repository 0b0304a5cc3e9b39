// Command arena is Arena's game server: it serves the web client, signs
// players in, matches them and runs their matches.
//
// Every flag has an environment twin: -tick-hz is ARENA_TICK_HZ, and so on.
// Flags win over the environment.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/arena-server/arena/game"
	"github.com/arena-server/arena/server"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "arena:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("arena", flag.ContinueOnError)
	addr := fs.String("addr", ":8080", "public listen address (HTTP, websocket, web client)")
	adminAddr := fs.String("admin-addr", "127.0.0.1:6060", "admin listen address for /debug/pprof/; empty disables it")
	webDir := fs.String("web-dir", "bin/web", "directory of the built web client")
	tickHz := fs.Int("tick-hz", 30, "simulation ticks and snapshots per second (10-128)")
	secret := fs.String("secret", "", "secret that signs session tokens (default: random per process)")
	modesFile := fs.String("modes", "", "JSON file of game modes replacing the built-in ones")
	grace := fs.Duration("shutdown-grace", 30*time.Second, "how long running matches may finish after SIGTERM")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	if err := parseWithEnv(fs, args); err != nil {
		return err
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("-log-level: %w", err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	cfg := server.Config{Addr: *addr, AdminAddr: *adminAddr, WebDir: *webDir, TickRate: *tickHz, Secret: []byte(*secret)}
	if *modesFile != "" {
		data, err := os.ReadFile(*modesFile)
		if err != nil {
			return fmt.Errorf("-modes: %w", err)
		}
		if cfg.Modes, err = game.ParseModes(data); err != nil {
			return fmt.Errorf("-modes %s: %w", *modesFile, err)
		}
	}
	srv, err := server.New(cfg, log)
	if err != nil {
		return err
	}
	ln, err := srv.Listen()
	if err != nil {
		return err
	}
	fmt.Printf("Arena is running: open %s in a browser\n", browserURL(ln.Addr()))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go srv.Run(ctx)
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	select {
	case err := <-serveErr:
		return err
	case <-ctx.Done():
	}
	stop()
	log.Info("shutting down", slog.Duration("grace", *grace))
	sctx, cancel := context.WithTimeout(context.Background(), *grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return <-serveErr
}

// parseWithEnv parses args, first taking each flag's default from its
// ARENA_ environment variable (-tick-hz from ARENA_TICK_HZ).
func parseWithEnv(fs *flag.FlagSet, args []string) error {
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		name := "ARENA_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		f.Usage += " [$" + name + "]"
		if v, ok := os.LookupEnv(name); ok && err == nil {
			if e := f.Value.Set(v); e != nil {
				err = fmt.Errorf("%s=%q: %w", name, v, e)
			}
		}
	})
	if err != nil {
		return err
	}
	return fs.Parse(args)
}

// browserURL turns a listen address into a URL a browser on this machine can open.
func browserURL(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return "http://" + a.String() + "/"
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port) + "/"
}
