package server

import (
	"errors"
	"fmt"
	"time"

	"github.com/arena-server/arena/game"
	"github.com/arena-server/arena/store"
)

// Config is everything the server can be told. Its zero value means
// "default": New fills every zero field with the default in its comment.
type Config struct {
	// Addr is the public listen address (HTTP, websocket, web client). Default ":8080".
	Addr string
	// AdminAddr serves /debug/pprof/; empty disables it. Default "" (cmd/arena sets 127.0.0.1:6060).
	AdminAddr string
	// WebDir holds the built web client (index.html and the content-hashed arena.*.wasm and wasm_exec.*.js with their .br and .gz twins). Default "bin/web".
	WebDir string
	// TickRate is simulation ticks (and snapshots) per second, 10–128. Default 30.
	TickRate int
	// Secret signs session tokens. Default: random per process (tokens die with it).
	Secret []byte
	// TokenTTL is how long a session token is valid. Default 24h.
	TokenTTL time.Duration
	// Modes are the playable modes. Default game.DefaultModes().
	Modes []game.Mode
	// Map is the arena every match is played on. Default game.DefaultMap().
	Map *game.Map
	// Rules are the game's numbers. Default game.DefaultRules().
	Rules *game.Rules
	// QueuePassInterval is the time between matchmaking passes. Default 250ms.
	QueuePassInterval time.Duration
	// QueueStatusInterval is the time between queue status messages to a queued player. Default 1s.
	QueueStatusInterval time.Duration
	// MaxMessageBytes is the largest client frame accepted; larger closes with 1009. Default 4096.
	MaxMessageBytes int64
	// OutboundQueue bounds each connection's backlog: the writes its socket
	// did not take at once. Snapshots are dropped while it is over half
	// full; a control or chat message that finds it full closes the
	// connection as a slow consumer (4003). Default 64.
	OutboundQueue int
	// InputBuffer is how many inputs a player may have waiting for ticks. Default 8.
	InputBuffer int
	// MessageRate is how many messages a connection may send per second on
	// average; MessageBurst how many at once. A connection that exceeds them
	// is closed with 1008 (policy violation). Defaults: 2×TickRate+10 per
	// second, a burst of 4×TickRate+20.
	MessageRate  int
	MessageBurst int
	// HandshakeTimeout is how long a new connection has to authenticate. Default 5s.
	HandshakeTimeout time.Duration
	// WriteTimeout bounds each socket write. Default 5s.
	WriteTimeout time.Duration
	// PingInterval is the time between keep-alive pings. Default 10s.
	PingInterval time.Duration
	// IdleTimeout closes a connection from which nothing (not even a pong) arrived. Default 25s.
	IdleTimeout time.Duration
	// ReconnectGrace is how long a player who lost their connection keeps
	// their seat in a match; after it they forfeit. Default 20s.
	ReconnectGrace time.Duration
	// ChatBurst is how many chat lines a player may send at once. Default 5.
	ChatBurst int
	// ChatEvery is how long one chat line's allowance takes to come back. Default 2s
	// (with ChatBurst: 5 lines per 10 s).
	ChatEvery time.Duration
	// ChatWords are words masked with '*' in chat lines. Default none.
	ChatWords []string
	// AllowedOrigins lists extra Origin values allowed to open websockets;
	// the page's own origin is always allowed. Default none.
	AllowedOrigins []string
	// DebugDelay holds every outgoing message this long before writing it, to
	// try the game at a given latency (prediction, interpolation). Default 0: off.
	DebugDelay time.Duration
	// Store keeps players, ratings, match results, chat reports and (when
	// Secret is empty) the token-signing key. Default nil: ratings live in
	// memory for the life of the process and the key is random.
	Store store.Store
	// StoreTimeout bounds the store reads a player waits for (ratings at
	// sign-in on the websocket, profile and leaderboard pages). Default 2s.
	StoreTimeout time.Duration
	// ResultsWait is how long a match's results screen waits for its results
	// to be stored before it is shown anyway (the write is retried in the
	// background). Default 2s.
	ResultsWait time.Duration
	// SpectateDelay is how far behind a running match its spectators see
	// it, so that a spectator cannot coach a player. Default 3s.
	SpectateDelay time.Duration
	// ReplayKeep is how many replays of the newest finished matches the
	// store keeps; older ones are deleted as new ones are written. Default 5000.
	ReplayKeep int
	// PlacementMatches is how many rated matches a player plays in a mode
	// before their rating there is shown and they enter its leaderboard.
	// Default 5.
	PlacementMatches int
	// Clock drives the tick loops and the matchmaker. Default the wall clock.
	Clock Clock
	// NodeID names this node in its cluster. Default: a random id.
	NodeID string
	// PublicURL is this node's base URL as players reach it, for example
	// "http://10.0.0.2:8080": a cluster sends players there to play the
	// matches placed on this node. Default: set by Listen to
	// http://127.0.0.1:<port> (or the listener's host, when it names one).
	PublicURL string
	// Cluster joins this node to others (server/natscluster). Default nil:
	// a cluster of one, which serves every queue and runs every match here.
	Cluster Cluster
}

// WithDefaults returns c with every zero field set to its default.
func (c Config) WithDefaults() Config {
	setDefault(&c.Addr, ":8080")
	setDefault(&c.WebDir, "bin/web")
	setDefault(&c.TickRate, 30)
	setDefault(&c.TokenTTL, 24*time.Hour)
	setDefault(&c.QueuePassInterval, 250*time.Millisecond)
	setDefault(&c.QueueStatusInterval, time.Second)
	setDefault(&c.MaxMessageBytes, 4096)
	setDefault(&c.OutboundQueue, 64)
	setDefault(&c.InputBuffer, 8)
	setDefault(&c.HandshakeTimeout, 5*time.Second)
	setDefault(&c.WriteTimeout, 5*time.Second)
	setDefault(&c.PingInterval, 10*time.Second)
	setDefault(&c.IdleTimeout, 25*time.Second)
	setDefault(&c.MessageRate, 2*c.TickRate+10)
	setDefault(&c.MessageBurst, 4*c.TickRate+20)
	setDefault(&c.ReconnectGrace, 20*time.Second)
	setDefault(&c.ChatBurst, 5)
	setDefault(&c.ChatEvery, 2*time.Second)
	setDefault(&c.StoreTimeout, 2*time.Second)
	setDefault(&c.ResultsWait, 2*time.Second)
	setDefault(&c.PlacementMatches, 5)
	setDefault(&c.ReplayKeep, 5000)
	setDefault(&c.SpectateDelay, 3*time.Second)
	if c.Modes == nil {
		c.Modes = game.DefaultModes()
	}
	if c.Map == nil {
		m := game.DefaultMap()
		c.Map = &m
	}
	if c.Rules == nil {
		r := game.DefaultRules()
		c.Rules = &r
	}
	if c.Clock == nil {
		c.Clock = realClock{}
	}
	setDefault(&c.NodeID, "node-"+newMatchID()[:8])
	return c
}

func setDefault[T comparable](field *T, def T) {
	var zero T
	if *field == zero {
		*field = def
	}
}

// Validate reports every problem with a filled-in configuration.
func (c Config) Validate() error {
	var errs []error
	if c.TickRate < 10 || c.TickRate > 128 {
		errs = append(errs, fmt.Errorf("tick rate %d Hz: must be 10–128", c.TickRate))
	}
	if len(c.Modes) == 0 {
		errs = append(errs, errors.New("no modes"))
	}
	seen := make(map[string]bool)
	for _, m := range c.Modes {
		if err := m.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("mode %q: %w", m.Name, err))
		}
		if seen[m.Name] {
			errs = append(errs, fmt.Errorf("mode %q defined twice", m.Name))
		}
		seen[m.Name] = true
	}
	if c.MaxMessageBytes < 256 {
		errs = append(errs, fmt.Errorf("max message bytes %d: must be at least 256", c.MaxMessageBytes))
	}
	if c.OutboundQueue < 4 {
		errs = append(errs, fmt.Errorf("outbound queue %d: must be at least 4", c.OutboundQueue))
	}
	if c.IdleTimeout <= c.PingInterval {
		errs = append(errs, fmt.Errorf("idle timeout %v must exceed the ping interval %v", c.IdleTimeout, c.PingInterval))
	}
	return errors.Join(errs...)
}

func (c Config) mode(name string) (game.Mode, bool) {
	for _, m := range c.Modes {
		if m.Name == name {
			return m, true
		}
	}
	return game.Mode{}, false
}
