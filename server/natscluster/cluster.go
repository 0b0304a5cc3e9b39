// Package natscluster joins Arena nodes into one service through NATS: it
// is the server.Cluster of nodes started with -nats.
//
// What goes over NATS, and what does not:
//
//   - Session claims: a node that authenticates a player publishes
//     arena.session.claim; the node that held the player before closes its
//     connection (4002).
//   - Queues: each mode's queue is served by one node at a time, the holder
//     of the mode's lease in the JetStream key-value bucket arena_leases (a
//     bucket whose values expire after the lease; the holder renews it
//     three times a lease). Nodes publish their players' tickets to
//     arena.queue.<mode>.join and .leave; a new leader publishes
//     arena.queue.<mode>.resync and every node sends its tickets again, so
//     no ticket is lost when leadership moves. The leader drops the tickets
//     of nodes it no longer hears from.
//   - Placement: nodes publish their load on arena.node.load every second.
//     The leader asks the least-loaded healthy node to run a formed match
//     (request arena.node.<id>.place) and tells the other players' nodes
//     where it runs (arena.node.<id>.found); their players move there with
//     a seat ticket. Queue statuses go to the players' nodes in one message
//     per node (arena.node.<id>.status).
//   - Lobby chat: arena.chat.lobby.
//
// A running match needs none of it: nothing per tick crosses NATS, so
// matches play on while NATS is away; queueing resumes when it is back.
package natscluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	"github.com/arena-server/arena/game"
	"github.com/arena-server/arena/matchmaking"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
	"github.com/arena-server/arena/server"
)

// Subjects and buckets.
const (
	subjectClaim     = "arena.session.claim"
	subjectLoad      = "arena.node.load"
	subjectLobbyChat = "arena.chat.lobby"
	leaseBucket      = "arena_leases"
	headerNode       = "Arena-Node"
)

func subjectQueue(mode, op string) string { return "arena.queue." + mode + "." + op }
func subjectNode(id, op string) string    { return "arena.node." + id + "." + op }

// maxMessage bounds what a node accepts from NATS, like any network input.
const maxMessage = 1 << 20

// ErrUnavailable is returned for queue requests while NATS is unreachable.
var ErrUnavailable = fmt.Errorf("%w: the cluster's broker is not reachable", server.ErrQueueUnavailable)

// Config is how a node joins its cluster.
type Config struct {
	// URL is the NATS server's, for example "nats://127.0.0.1:4222".
	URL string
	// NodeID names this node; unique in the cluster.
	NodeID string
	// Lease is how long a queue's leadership lasts unrenewed: the longest a
	// queue goes unserved when its node dies. Default 3s.
	Lease time.Duration
	// LoadEvery is the time between load reports. Default 1s.
	LoadEvery time.Duration
	// PlaceTimeout bounds one node's answer to a placement. It must exceed
	// the node's store timeout (the node reads the ratings of the players
	// it seats), or a slow node may create a match another node then
	// creates too. Default 5s.
	PlaceTimeout time.Duration
}

func (c Config) withDefaults() Config {
	if c.Lease == 0 {
		c.Lease = 3 * time.Second
	}
	if c.LoadEvery == 0 {
		c.LoadEvery = time.Second
	}
	if c.PlaceTimeout == 0 {
		c.PlaceTimeout = 5 * time.Second
	}
	return c
}

// Cluster is a node's membership of a NATS cluster (server.Cluster).
//
// Locking: mu guards tickets, peers, leading and draining. No NATS call and
// no call into the node is made under it.
type Cluster struct {
	cfg Config
	nc  *nats.Conn
	js  jetstream.JetStream
	met *metrics

	// Set by Start.
	env    server.ClusterEnv
	leases jetstream.KeyValue

	mu       sync.Mutex
	tickets  map[string]server.Ticket // this node's players' tickets, by player
	peers    map[string]peer          // by node id, this node excluded
	placed   map[string]int           // players this node placed on each peer since the peer's last load report
	leading  map[string]*leadership   // by mode
	draining bool
}

// peer is another node as last heard from.
type peer struct {
	load server.NodeLoad
	seen time.Time
}

// leadership is this node serving a mode's queue.
type leadership struct {
	rev    uint64 // the lease's revision, renewed with it
	queues *server.Queues
	stop   context.CancelFunc
	subs   []*nats.Subscription
}

// New connects to NATS. The connection retries forever in the background
// once made; New fails when the first attempt does. log (nil: none) takes
// the connection's events.
func New(cfg Config, log *slog.Logger) (*Cluster, error) {
	cfg = cfg.withDefaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.NodeID == "" {
		return nil, errors.New("natscluster: a node id is required")
	}
	c := &Cluster{
		cfg:     cfg,
		tickets: make(map[string]server.Ticket),
		peers:   make(map[string]peer),
		placed:  make(map[string]int),
		leading: make(map[string]*leadership),
	}
	nc, err := nats.Connect(cfg.URL,
		nats.Name("arena "+cfg.NodeID),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250*time.Millisecond),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			log.Warn("NATS disconnected; matches play on, queueing waits", slog.Any("err", err))
		}),
		nats.ReconnectHandler(func(*nats.Conn) {
			log.Info("NATS reconnected")
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("natscluster: connect %s: %w", cfg.URL, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("natscluster: jetstream: %w", err)
	}
	c.nc, c.js = nc, js
	return c, nil
}

// NodeID is this node's id.
func (c *Cluster) NodeID() string { return c.cfg.NodeID }

// Start creates the lease bucket (when missing), subscribes to the
// cluster's subjects and starts the load reports and the lease loop.
func (c *Cluster) Start(ctx context.Context, env server.ClusterEnv) error {
	c.env = env
	c.met = newMetrics(env.Registerer, c)
	bctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	leases, err := c.js.CreateOrUpdateKeyValue(bctx, jetstream.KeyValueConfig{
		Bucket: leaseBucket, Description: "Arena: which node serves each mode's queue", TTL: c.cfg.Lease,
	})
	if err != nil {
		return fmt.Errorf("natscluster: lease bucket: %w", err)
	}
	c.leases = leases
	subs := []struct {
		subject string
		handle  nats.MsgHandler
	}{
		{subjectClaim, c.onClaim},
		{subjectLoad, c.onLoad},
		{subjectLobbyChat, c.onLobbyLine},
		{subjectNode(c.cfg.NodeID, "place"), c.onPlace},
		{subjectNode(c.cfg.NodeID, "found"), c.onFound},
		{subjectNode(c.cfg.NodeID, "status"), c.onStatus},
		{subjectQueue("*", "resync"), c.onResync},
	}
	for _, s := range subs {
		if _, err := c.nc.Subscribe(s.subject, c.bounded(s.handle)); err != nil {
			return fmt.Errorf("natscluster: subscribe %s: %w", s.subject, err)
		}
	}
	go c.reportLoad(ctx)
	go c.holdLeases(ctx)
	return nil
}

// bounded drops oversized messages before their handler sees them.
func (c *Cluster) bounded(h nats.MsgHandler) nats.MsgHandler {
	return func(m *nats.Msg) {
		if len(m.Data) > maxMessage {
			c.met.rejected.Inc()
			return
		}
		h(m)
	}
}

// publish sends v's JSON on subject; a failure is counted (NATS buffers
// while reconnecting, so it fails only when the connection is closed).
func (c *Cluster) publish(subject string, v any) {
	data, err := json.Marshal(v)
	if err == nil {
		err = c.nc.Publish(subject, data)
	}
	if err != nil {
		c.met.publishFailed.Inc()
		c.env.Log.Warn("cluster message not sent", slog.String("subject", subject), slog.Any("err", err))
	}
}

// Claim tells the other nodes this one holds player's connection now.
func (c *Cluster) Claim(player string) {
	c.publish(subjectClaim, claim{Player: player, Node: c.cfg.NodeID})
}

type claim struct {
	Player string `json:"player"`
	Node   string `json:"node"`
}

func (c *Cluster) onClaim(m *nats.Msg) {
	var cl claim
	if json.Unmarshal(m.Data, &cl) != nil || cl.Node == c.cfg.NodeID {
		return
	}
	c.env.Node.Replaced(cl.Player)
}

// Enqueue records the ticket as this node's and sends it to its queue's leader.
func (c *Cluster) Enqueue(t server.Ticket) error {
	if !c.nc.IsConnected() {
		return ErrUnavailable
	}
	c.mu.Lock()
	c.tickets[t.Player] = t
	c.mu.Unlock()
	c.publish(subjectQueue(t.Mode, "join"), t)
	return nil
}

// Dequeue forgets the ticket and tells its queue's leader.
func (c *Cluster) Dequeue(mode, player string) {
	c.mu.Lock()
	delete(c.tickets, player)
	c.mu.Unlock()
	c.publish(subjectQueue(mode, "leave"), leave{Player: player})
}

type leave struct {
	Player string `json:"player"`
}

// onResync sends this node's tickets of a mode again: its queue has a new leader.
func (c *Cluster) onResync(m *nats.Msg) {
	var r resync
	if json.Unmarshal(m.Data, &r) != nil {
		return
	}
	c.mu.Lock()
	var mine []server.Ticket
	for _, t := range c.tickets {
		if t.Mode == r.Mode {
			mine = append(mine, t)
		}
	}
	c.mu.Unlock()
	for _, t := range mine {
		c.publish(subjectQueue(t.Mode, "join"), t)
	}
}

type resync struct {
	Mode string `json:"mode"`
}

// PostLobby sends a lobby line to the other nodes.
func (c *Cluster) PostLobby(msg *arenav1.ChatMessage) {
	data, err := proto.Marshal(msg)
	if err != nil {
		return
	}
	out := nats.NewMsg(subjectLobbyChat)
	out.Header.Set(headerNode, c.cfg.NodeID)
	out.Data = data
	if err := c.nc.PublishMsg(out); err != nil {
		c.met.publishFailed.Inc()
	}
}

func (c *Cluster) onLobbyLine(m *nats.Msg) {
	if m.Header.Get(headerNode) == c.cfg.NodeID {
		return
	}
	var msg arenav1.ChatMessage
	if proto.Unmarshal(m.Data, &msg) != nil {
		c.met.rejected.Inc()
		return
	}
	c.env.Node.LobbyLine(&msg)
}

// onPlace runs a match here that a leader placed on this node.
func (c *Cluster) onPlace(m *nats.Msg) {
	var p server.Placement
	if err := json.Unmarshal(m.Data, &p); err != nil {
		c.met.rejected.Inc()
		_ = m.Respond([]byte("bad placement"))
		return
	}
	c.mu.Lock()
	draining := c.draining
	c.mu.Unlock()
	var err error
	if draining {
		err = errors.New("node draining")
	} else {
		err = c.env.Node.Place(p)
	}
	if err != nil {
		_ = m.Respond([]byte(err.Error()))
		return
	}
	c.mu.Lock()
	for _, s := range p.Seats {
		if s.Node == c.cfg.NodeID {
			delete(c.tickets, s.Player)
		}
	}
	c.mu.Unlock()
	_ = m.Respond(nil)
}

// onFound sends players queued here to their match on another node.
func (c *Cluster) onFound(m *nats.Msg) {
	var found []server.Found
	if err := json.Unmarshal(m.Data, &found); err != nil {
		c.met.rejected.Inc()
		return
	}
	c.mu.Lock()
	for _, f := range found {
		delete(c.tickets, f.Player)
	}
	c.mu.Unlock()
	for _, f := range found {
		c.met.moves.Inc()
		c.env.Node.Found(f)
	}
}

// status is one queued player's status, as sent to their node.
type status struct {
	Player string             `json:"player"`
	Status matchmaking.Status `json:"status"`
}

func (c *Cluster) onStatus(m *nats.Msg) {
	var sts []status
	if err := json.Unmarshal(m.Data, &sts); err != nil {
		c.met.rejected.Inc()
		return
	}
	for _, st := range sts {
		c.env.Node.QueueStatus(st.Player, st.Status)
	}
}

// reportLoad publishes this node's load every LoadEvery.
func (c *Cluster) reportLoad(ctx context.Context) {
	t := time.NewTicker(c.cfg.LoadEvery)
	defer t.Stop()
	for {
		c.publish(subjectLoad, c.self())
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// self is this node's load, draining included.
func (c *Cluster) self() server.NodeLoad {
	l := c.env.Node.Load()
	c.mu.Lock()
	l.Draining = l.Draining || c.draining
	c.mu.Unlock()
	return l
}

func (c *Cluster) onLoad(m *nats.Msg) {
	var l server.NodeLoad
	if json.Unmarshal(m.Data, &l) != nil || l.ID == "" || l.ID == c.cfg.NodeID {
		return
	}
	c.mu.Lock()
	c.peers[l.ID] = peer{load: l, seen: time.Now()}
	delete(c.placed, l.ID) // the report counts them
	c.mu.Unlock()
}

// alive is how long a node counts as alive after its last load report.
func (c *Cluster) alive() time.Duration { return 3 * c.cfg.LoadEvery }

// Peers are the nodes heard from lately, this one first.
func (c *Cluster) Peers() []server.NodeLoad {
	out := []server.NodeLoad{c.self()}
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, p := range c.peers {
		if now.Sub(p.seen) > c.alive() {
			delete(c.peers, id)
			continue
		}
		out = append(out, p.load)
	}
	return out
}

// Health is "" while NATS is connected.
func (c *Cluster) Health() string {
	if c.nc.IsConnected() {
		return ""
	}
	return "cluster broker (NATS) " + c.nc.Status().String() + ": queueing waits for it, matches play on"
}

// Drain hands this node's queues to other nodes and stops taking matches.
func (c *Cluster) Drain() {
	c.mu.Lock()
	c.draining = true
	c.mu.Unlock()
	c.publish(subjectLoad, c.self())
	c.handOver()
}

// handOver stops serving every queue this node leads and deletes their
// leases, so that other nodes take them at once rather than when they lapse.
func (c *Cluster) handOver() {
	c.mu.Lock()
	led := c.leading
	c.leading = make(map[string]*leadership)
	c.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), c.cfg.PlaceTimeout)
	defer cancel()
	for mode, l := range led {
		l.end()
		c.met.leader.WithLabelValues(mode).Set(0)
		if err := c.leases.Delete(ctx, mode, jetstream.LastRevision(l.rev)); err != nil {
			c.env.Log.Warn("queue lease not handed over; it lapses instead", slog.String("mode", mode), slog.Any("err", err))
		}
	}
}

// Close leaves the cluster: pending messages are flushed, then the connection closes.
func (c *Cluster) Close() error {
	err := c.nc.Drain()
	if errors.Is(err, nats.ErrConnectionClosed) {
		err = nil
	}
	return err
}

// modes is the modes' names, sorted.
func modes(ms []game.Mode) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Name
	}
	slices.Sort(out)
	return out
}
