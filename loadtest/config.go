package loadtest

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Config is one load run. Its zero value means "default" for every field
// whose comment names one; Run fills them in.
type Config struct {
	// Server is the server's base URL, or the base URLs of several nodes of
	// one cluster separated by commas (for example
	// "http://127.0.0.1:18081,http://127.0.0.1:18082"). Bot i signs in and
	// connects through server i mod n, and fails over to the next listed
	// server (see Servers). Default "http://127.0.0.1:8080".
	Server string
	// Bots is the number of bots. Default 64.
	Bots int
	// Mode is the game mode the bots queue for. Default "ffa16".
	Mode string
	// Duration is the measurement window, which starts once ramp-up is
	// complete (see Run). Default 30s.
	Duration time.Duration
	// Ramp is how many bots start per second; 0 or less starts them all at
	// once. Default: none (the command's flag default is 100).
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
	// LobbyChat is how often each bot posts a line to the lobby chat while it
	// is not in a match; 0 posts none. The server limits chat per player
	// (server.Config.ChatBurst, ChatEvery: 5 lines, then one per 2s by
	// default): a shorter interval gets lines refused as rate limited, which
	// are errors. Default 0.
	LobbyChat time.Duration
	// ServerPID is the server's process id, whose CPU time and memory are
	// sampled from /proc at both ends of the window (Linux only; see
	// ServerProcess); 0 samples none. The server's /metrics is scraped
	// either way (see ServerMetrics). With several servers listed, both
	// are the first listed server's. Default 0.
	ServerPID int
}

// WithDefaults returns c with its zero fields set to their defaults.
func (c Config) WithDefaults() Config {
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

// Servers returns the base URLs listed in Server, in order, each trimmed of
// spaces. Validate checks each of them.
func (c Config) Servers() []string {
	list := strings.Split(c.Server, ",")
	for i, s := range list {
		list[i] = strings.TrimSpace(s)
	}
	return list
}

// Validate reports every problem with a filled-in configuration.
func (c Config) Validate() error {
	var errs []error
	servers := c.Servers()
	for _, s := range servers {
		if u, err := url.Parse(s); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("server %q: must be an absolute http(s) URL", s))
		}
	}
	if c.Bots >= 1 {
		if name := botName(c.Bots-1, len(servers)-1); len(name) > maxBotName {
			errs = append(errs, fmt.Errorf("bots %d over %d servers: bot name %q is longer than %d characters", c.Bots, len(servers), name, maxBotName))
		}
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
		"lobby chat": c.LobbyChat,
	} {
		if d < 0 {
			errs = append(errs, fmt.Errorf("%s %v: must not be negative", name, d))
		}
	}
	return errors.Join(errs...)
}
