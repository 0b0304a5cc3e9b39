package server

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/arena-server/arena/server/chat"
	"github.com/arena-server/arena/store"
)

// Server is Arena's game server: HTTP sign-in, the websocket gateway, the
// lobby with its matchmaker, the matches, metrics and the web client.
//
// Lifecycle, like net/http: New, then Run (background loops) and Serve or
// ListenAndServe (connections), then Shutdown.
type Server struct {
	cfg        Config
	log        *slog.Logger
	met        *metrics
	signer     signer
	lobby      *lobby
	ladder     *ladder
	cluster    Cluster
	seats      *seatGate
	writer     *store.Writer // nil without a store
	chatFilter *chat.Filter
	upgrader   websocket.Upgrader
	mux        *http.ServeMux
	http       *http.Server
	admin      *http.Server

	draining atomic.Bool

	// The writer's goroutine: started by the first Run (or Shutdown), stopped
	// by Shutdown once the matches' last results are written.
	writerOnce sync.Once
	stopWriter context.CancelFunc
	writerDone chan struct{}

	connsMu sync.Mutex
	conns   map[*conn]struct{} // open websockets, authenticated or not
	connsWG sync.WaitGroup     // their handlers; Add only under connsMu while not draining
}

// New builds a server from cfg (zero fields take their defaults).
func New(cfg Config, log *slog.Logger) (*Server, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	secret, err := signingKey(cfg, log)
	if err != nil {
		return nil, err
	}
	met := newMetrics()
	s := &Server{
		cfg:        cfg,
		log:        log,
		met:        met,
		signer:     signer{secret: secret, ttl: cfg.TokenTTL},
		conns:      make(map[*conn]struct{}),
		chatFilter: chat.NewFilter(cfg.ChatWords),
		writerDone: make(chan struct{}),
	}
	s.ladder = newLadder(&s.cfg, log)
	if cfg.Store != nil {
		s.writer = store.NewWriter(cfg.Store, store.WriterConfig{Registerer: met.registry, Log: log, Saved: s.saved})
		s.ladder.writer = s.writer
	}
	s.cluster = cfg.Cluster
	if s.cluster == nil {
		if s.cluster, err = newSoloCluster(&s.cfg); err != nil {
			return nil, fmt.Errorf("queues: %w", err)
		}
	}
	s.seats = &seatGate{signer: s.signer, node: s.cluster.NodeID()}
	s.lobby = newLobby(&s.cfg, log, met, s.ladder, s.cluster)
	s.upgrader = websocket.Upgrader{
		// Zero sizes reuse the HTTP server's buffers for reading; writes take a
		// buffer from a shared pool only while a message is being written, so
		// an idle connection holds none (snapshots are small and 30 a second).
		WriteBufferPool:  &sync.Pool{},
		HandshakeTimeout: cfg.HandshakeTimeout,
		CheckOrigin:      s.checkOrigin,
	}
	s.mux = http.NewServeMux()
	s.api("POST /api/v1/session", s.handleSession)
	s.api("GET /api/v1/modes", s.handleModes)
	s.api("GET /api/v1/leaderboard", s.handleLeaderboard)
	s.api("GET /api/v1/players/{id}", s.handleProfile)
	s.api("GET /api/v1/matches", s.handleMatches)
	s.api("GET /api/v1/matches/{id}", s.handleMatch)
	s.api("GET /api/v1/matches/{id}/replay", s.handleReplay)
	s.mux.HandleFunc("/api/", handleUnknownAPI)
	s.mux.HandleFunc("GET /healthz", s.handleHealth)
	s.mux.HandleFunc("GET /ws", s.handleWebsocket)
	s.mux.Handle("GET /metrics", met.handler())
	s.mux.Handle("/", webHandler(cfg.WebDir))
	s.http = &http.Server{Handler: s.mux, ReadHeaderTimeout: 10 * time.Second}
	if cfg.AdminAddr != "" {
		admin := http.NewServeMux()
		admin.HandleFunc("/debug/pprof/", pprof.Index)
		admin.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		admin.HandleFunc("/debug/pprof/profile", pprof.Profile)
		admin.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		admin.HandleFunc("/debug/pprof/trace", pprof.Trace)
		s.admin = &http.Server{Addr: cfg.AdminAddr, Handler: admin, ReadHeaderTimeout: 10 * time.Second}
	}
	return s, nil
}

// Handler is the public HTTP handler, for tests and embedding.
func (s *Server) Handler() http.Handler { return s.mux }

// Run joins the cluster (a cluster of one by default, whose matchmaker
// runs here) until ctx is done, and starts the store's writer, which runs
// until Shutdown. Matches run on their own goroutines and are ended by
// Shutdown. Call Listen first, so the node knows its public URL.
func (s *Server) Run(ctx context.Context) {
	s.startWriter()
	env := ClusterEnv{
		Node: node{s}, Registerer: s.met.registry, Log: s.log, Modes: s.cfg.Modes, Clock: s.cfg.Clock,
		QueuePass: s.cfg.QueuePassInterval, QueueStatus: s.cfg.QueueStatusInterval,
		TickPeriod: time.Second / time.Duration(s.cfg.TickRate),
	}
	if err := s.cluster.Start(ctx, env); err != nil {
		s.log.Error("cluster not joined", slog.Any("err", err))
	}
	<-ctx.Done()
}

func (s *Server) startWriter() {
	s.writerOnce.Do(func() {
		if s.writer == nil {
			close(s.writerDone)
			return
		}
		ctx, cancel := context.WithCancel(context.Background())
		s.stopWriter = cancel
		go func() {
			defer close(s.writerDone)
			s.writer.Run(ctx)
		}()
	})
}

// saved is the store writer's report that results are written: the ladder
// lets go of them, and replays beyond Config.ReplayKeep are deleted. It runs
// on the writer's goroutine.
func (s *Server) saved(results []store.MatchResult) {
	s.ladder.saved(results)
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.StoreTimeout)
	defer cancel()
	if _, err := s.cfg.Store.PruneReplays(ctx, s.cfg.ReplayKeep); err != nil {
		s.log.Warn("old replays not pruned", slog.Any("err", err))
	}
}

// signingKey is the key that signs session tokens: Config.Secret, else the
// store's (created once and kept, so sessions survive restarts), else a
// random one for this process.
func signingKey(cfg Config, log *slog.Logger) ([]byte, error) {
	switch {
	case len(cfg.Secret) > 0:
		return cfg.Secret, nil
	case cfg.Store != nil:
		ctx, cancel := context.WithTimeout(context.Background(), 10*cfg.StoreTimeout)
		defer cancel()
		key, err := cfg.Store.SigningKey(ctx)
		if err != nil {
			return nil, fmt.Errorf("session signing key from the store: %w", err)
		}
		return key, nil
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("session secret: %w", err)
	}
	log.Warn("no store and no session secret (ARENA_SECRET): using a random key; sessions end when the process does")
	return key, nil
}

// Listen opens the public listener on Config.Addr.
func (s *Server) Listen() (net.Listener, error) {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", s.cfg.Addr, err)
	}
	if s.cfg.PublicURL == "" {
		s.cfg.PublicURL = BaseURL(ln.Addr())
	}
	return ln, nil
}

// Serve accepts connections on ln (and on the admin address, if set) until
// Shutdown. It returns nil after a clean Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	if s.admin != nil {
		go func() {
			if err := s.admin.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
				s.log.Error("admin listener", slog.Any("err", err))
			}
		}()
	}
	if err := s.http.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Shutdown stops the server gracefully: no new sessions or queueing, running
// matches play on until ctx's deadline (then they are aborted), then every
// connection is closed with "going away" and the listeners stop.
func (s *Server) Shutdown(ctx context.Context) error {
	s.connsMu.Lock()
	s.draining.Store(true)
	s.connsMu.Unlock()
	s.cluster.Drain()
	s.lobby.drain()
	s.lobby.waitMatches(ctx)
	// The last matches' results screens wait for their results to be stored.
	s.startWriter()
	if s.writer != nil {
		if err := s.writer.Flush(ctx); err != nil {
			s.log.Error("match results not all stored before shutdown", slog.Any("err", err))
		}
		s.stopWriter()
	}
	<-s.writerDone
	s.connsMu.Lock()
	for c := range s.conns {
		c.close(websocket.CloseGoingAway, "server shutting down")
	}
	s.connsMu.Unlock()
	err := s.http.Shutdown(ctx)
	if s.admin != nil {
		err = errors.Join(err, s.admin.Shutdown(ctx))
	}
	s.connsWG.Wait()
	return errors.Join(err, s.cluster.Close())
}

// track registers an open websocket; it returns false once draining.
func (s *Server) track(c *conn) bool {
	s.connsMu.Lock()
	defer s.connsMu.Unlock()
	if s.draining.Load() {
		return false
	}
	s.conns[c] = struct{}{}
	s.connsWG.Add(1)
	return true
}

func (s *Server) untrack(c *conn) {
	s.connsMu.Lock()
	delete(s.conns, c)
	s.connsMu.Unlock()
	s.connsWG.Done()
}

// checkOrigin allows browsers from the page's own origin and from the
// configured list; clients that send no Origin (native ones) are allowed.
func (s *Server) checkOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" || origin == "http://"+r.Host || origin == "https://"+r.Host {
		return true
	}
	for _, o := range s.cfg.AllowedOrigins {
		if o == origin {
			return true
		}
	}
	for _, n := range s.cluster.Peers() { // a page served by another node
		if strings.TrimSuffix(n.URL, "/") == origin {
			return true
		}
	}
	s.met.rejected.WithLabelValues("origin").Inc()
	return false
}
