// Command arena is Arena's game server: it serves the web client, signs
// players in, matches them and runs their matches.
//
// Every flag has an environment twin: -tick-hz is ARENA_TICK_HZ, and so on.
// Flags win over the environment.
package main

import (
	"context"
	"errors"
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
	"github.com/arena-server/arena/internal/envflag"
	"github.com/arena-server/arena/server"
	"github.com/arena-server/arena/server/natscluster"
	"github.com/arena-server/arena/store"
)

func main() {
	if err := run(os.Args[1:]); err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "arena:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	def := server.Config{}.WithDefaults()
	cfg := def
	fs := flag.NewFlagSet("arena", flag.ContinueOnError)
	fs.StringVar(&cfg.Addr, "addr", def.Addr, "public listen address (HTTP, websocket, web client)")
	fs.StringVar(&cfg.AdminAddr, "admin-addr", "127.0.0.1:6060", "admin listen address for /debug/pprof/; empty disables it")
	fs.StringVar(&cfg.WebDir, "web-dir", def.WebDir, "directory of the built web client")
	fs.IntVar(&cfg.TickRate, "tick-hz", def.TickRate, "simulation ticks and snapshots per second (10-128)")
	secret := fs.String("secret", "", "secret that signs session tokens (default: random per process)")
	fs.DurationVar(&cfg.TokenTTL, "token-ttl", def.TokenTTL, "how long a session token is valid")
	modesFile := fs.String("modes", "", "JSON file of game modes replacing the built-in ones")
	origins := fs.String("allowed-origins", "", "comma-separated extra Origins allowed to open websockets (the page's own is always allowed)")
	chatWords := fs.String("chat-words", "", "file of words (one per line) masked in chat")
	fs.DurationVar(&cfg.ReconnectGrace, "reconnect-grace", def.ReconnectGrace, "how long a dropped player keeps their seat in a match")
	fs.Int64Var(&cfg.MaxMessageBytes, "max-message-bytes", def.MaxMessageBytes, "largest client frame; larger closes with 1009")
	fs.IntVar(&cfg.MessageRate, "message-rate", 0, "client messages per second per connection before 1008 (default 2×tick-hz+10)")
	fs.IntVar(&cfg.MessageBurst, "message-burst", 0, "client messages at once per connection (default 4×tick-hz+20)")
	fs.IntVar(&cfg.ChatBurst, "chat-burst", def.ChatBurst, "chat lines a player may send at once")
	fs.DurationVar(&cfg.ChatEvery, "chat-every", def.ChatEvery, "time for one chat line's allowance to come back")
	fs.IntVar(&cfg.OutboundQueue, "outbound-queue", def.OutboundQueue, "writes a connection's socket may owe before it is a slow consumer; snapshots are dropped past half")
	fs.IntVar(&cfg.InputBuffer, "input-buffer", def.InputBuffer, "inputs a player may have waiting for ticks")
	fs.DurationVar(&cfg.HandshakeTimeout, "handshake-timeout", def.HandshakeTimeout, "time a new connection has to authenticate")
	fs.DurationVar(&cfg.WriteTimeout, "write-timeout", def.WriteTimeout, "deadline of each socket write")
	fs.DurationVar(&cfg.PingInterval, "ping-interval", def.PingInterval, "time between keep-alive pings")
	fs.DurationVar(&cfg.IdleTimeout, "idle-timeout", def.IdleTimeout, "close a connection silent (no pong either) for this long")
	fs.DurationVar(&cfg.DebugDelay, "debug-delay", 0, "hold every outgoing message this long, to try the game at a given latency (0: off)")
	dataDir := fs.String("data-dir", "data", "directory of the embedded SQLite database (players, ratings, results, signing key)")
	dsn := fs.String("db", "", "PostgreSQL URL (postgres://user@host:5432/db) instead of SQLite in -data-dir")
	fs.DurationVar(&cfg.StoreTimeout, "store-timeout", def.StoreTimeout, "bound of the store reads a player waits for")
	fs.DurationVar(&cfg.SpectateDelay, "spectate-delay", def.SpectateDelay, "how far behind a running match its spectators see it")
	fs.IntVar(&cfg.ReplayKeep, "replay-keep", def.ReplayKeep, "replays of the newest finished matches kept in the store")
	fs.IntVar(&cfg.PlacementMatches, "placement-matches", def.PlacementMatches, "rated matches in a mode before a player's rating is shown and ranked")
	natsURL := fs.String("nats", "", "NATS URL (nats://host:4222) joining this node to a cluster of Arena nodes; needs -db")
	fs.StringVar(&cfg.NodeID, "node-id", "", "this node's id in its cluster (default: random)")
	fs.StringVar(&cfg.PublicURL, "public-url", "", "this node's base URL as players reach it, where the cluster sends players for matches placed here (default: http://<listen address>)")
	lease := fs.Duration("queue-lease", 3*time.Second, "with -nats: how long a queue's leadership lasts unrenewed (how long a dead node's queue waits for a new leader)")
	grace := fs.Duration("shutdown-grace", 30*time.Second, "how long running matches may finish after SIGTERM")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	if err := envflag.Parse(fs, "ARENA_", args); err != nil {
		return err
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("-log-level: %w", err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	cfg.Secret = []byte(*secret)
	if *origins != "" {
		cfg.AllowedOrigins = strings.Split(*origins, ",")
	}
	if *modesFile != "" {
		data, err := os.ReadFile(*modesFile)
		if err != nil {
			return fmt.Errorf("-modes: %w", err)
		}
		if cfg.Modes, err = game.ParseModes(data); err != nil {
			return fmt.Errorf("-modes %s: %w", *modesFile, err)
		}
	}
	if *chatWords != "" {
		data, err := os.ReadFile(*chatWords)
		if err != nil {
			return fmt.Errorf("-chat-words: %w", err)
		}
		cfg.ChatWords = strings.Fields(string(data))
	}
	octx, ocancel := context.WithTimeout(context.Background(), 30*time.Second)
	st, err := store.Open(octx, *dsn, *dataDir)
	ocancel()
	if err != nil {
		return err
	}
	defer st.Close()
	cfg.Store = st
	if *natsURL != "" {
		if *dsn == "" {
			return errors.New("-nats needs -db postgres://…: the nodes of a cluster share one store")
		}
		cfg = cfg.WithDefaults() // the node id
		cl, err := natscluster.New(natscluster.Config{URL: *natsURL, NodeID: cfg.NodeID, Lease: *lease}, log)
		if err != nil {
			return err
		}
		cfg.Cluster = cl
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

// browserURL turns a listen address into a URL a browser on this machine can open.
func browserURL(a net.Addr) string { return server.BaseURL(a) + "/" }
