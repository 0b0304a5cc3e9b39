package server

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/arena-server/arena/game"
	"github.com/arena-server/arena/matchmaking"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

// Cluster is how a node works with the other nodes of one Arena service:
//
//   - the session registry: which node holds a player's connection (a
//     connection on another node replaces this one's, Node.Replaced);
//   - matchmaking: each mode's queue is served by one node at a time, and
//     tickets from every node reach it (Enqueue, Dequeue); the queue's
//     status reaches the players on their own node (Node.QueueStatus);
//   - match placement: a formed match goes to a healthy node
//     (Node.Place there), and the players on other nodes are told where
//     it runs (Node.Found);
//   - lobby chat: a lobby line reaches the lobby players of every node
//     (PostLobby, Node.LobbyLine). Match and team chat stay on the match's
//     node, and results are written by the match's node to the shared store.
//
// The default, soloCluster, is all of it inside this process: its queues
// are served here and every match is placed here. server/natscluster is the
// NATS one. A running match never needs its cluster: nothing in a tick
// crosses it.
type Cluster interface {
	// Start joins the cluster and serves until ctx ends.
	Start(ctx context.Context, env ClusterEnv) error
	// NodeID is this node's id, unique in the cluster.
	NodeID() string
	// Claim says that this node now holds player's connection.
	Claim(player string)
	// Enqueue hands a ticket to its mode's queue, wherever it is served.
	Enqueue(t Ticket) error
	// Dequeue takes a player's ticket out of mode's queue.
	Dequeue(mode, player string)
	// PostLobby sends a lobby chat line posted here to the other nodes.
	PostLobby(msg *arenav1.ChatMessage)
	// Peers are the nodes known to be alive, this one included.
	Peers() []NodeLoad
	// Health is "" when the cluster works, else what is wrong with it.
	Health() string
	// Drain stops this node from serving queues and taking matches: its
	// queues are handed to other nodes. Matches placed here play on.
	Drain()
	// Close leaves the cluster.
	Close() error
}

// ErrQueueUnavailable is what a Cluster's Enqueue returns (wrapped) when
// the queues cannot be reached; the player is told UNAVAILABLE.
var ErrQueueUnavailable = errors.New("matchmaking is unavailable")

// ClusterEnv is what a cluster is started with, from the server.
type ClusterEnv struct {
	// Node is the server, called back by the cluster from its own goroutines.
	Node Node
	// Registerer takes the cluster's metrics.
	Registerer prometheus.Registerer
	Log        *slog.Logger
	// Modes are the modes whose queues the cluster serves.
	Modes []game.Mode
	// Clock drives the queues' passes and status messages.
	Clock Clock
	// QueuePass is the time between matchmaking passes, QueueStatus between
	// status messages to a queued player.
	QueuePass, QueueStatus time.Duration
	// TickPeriod is a match tick's period: a node whose tick p99 exceeds it
	// takes no new matches.
	TickPeriod time.Duration
}

// Node is what a cluster asks of the server it runs in. Each call is made
// on one of the cluster's goroutines and returns promptly.
type Node interface {
	// Place creates a match on this node for its seats, and tells the
	// seated players connected here that it was found. Players connected to
	// other nodes are seated in their absence and join with a seat ticket.
	Place(p Placement) error
	// Found tells a player connected here that their match runs on another node.
	Found(f Found)
	// QueueStatus tells a player connected here how their wait goes.
	QueueStatus(player string, st matchmaking.Status)
	// Replaced tells that another node now holds player's connection.
	Replaced(player string)
	// LobbyLine delivers a lobby chat line posted on another node.
	LobbyLine(msg *arenav1.ChatMessage)
	// Load is this node's load and address, which placement weighs.
	Load() NodeLoad
}

// Ticket is one player's place in a mode's queue.
type Ticket struct {
	Player   string             `json:"player"`
	Name     string             `json:"name"`
	Mode     string             `json:"mode"`
	Rating   matchmaking.Rating `json:"rating"`
	Node     string             `json:"node"` // the node holding the player's connection
	Enqueued time.Time          `json:"enqueued"`
}

// Placement is a formed match and the node chosen to run it.
type Placement struct {
	MatchID string       `json:"match"`
	Mode    string       `json:"mode"`
	Seats   []PlacedSeat `json:"seats"`
}

// PlacedSeat is one player of a Placement.
type PlacedSeat struct {
	Player string `json:"player"`
	Name   string `json:"name"`
	Team   int    `json:"team"` // 1-based
	Node   string `json:"node"` // the node holding the player's connection
}

// Found tells a player's node where their match runs.
type Found struct {
	MatchID string `json:"match"`
	Mode    string `json:"mode"`
	Player  string `json:"player"`
	Host    string `json:"host"` // the node that runs the match
	HostURL string `json:"url"`  // its public base URL
}

// NodeLoad is what a node tells the others about itself.
type NodeLoad struct {
	ID       string  `json:"id"`
	URL      string  `json:"url"` // public base URL, for example "http://10.0.0.2:8080"
	Players  int     `json:"players"`
	Matches  int     `json:"matches"`
	TickP99  float64 `json:"tick_p99_ms"`
	Draining bool    `json:"draining"`
}

// soloCluster is the cluster of one: every queue is served here, every
// match placed here. It is the default.
type soloCluster struct {
	id     string
	queues *Queues
	node   Node
}

func newSoloCluster(cfg *Config) (*soloCluster, error) {
	q, err := NewQueues(cfg.Modes)
	if err != nil {
		return nil, err
	}
	return &soloCluster{id: cfg.NodeID, queues: q}, nil
}

// Start serves the queues until ctx ends.
func (c *soloCluster) Start(ctx context.Context, env ClusterEnv) error {
	c.node = env.Node
	go c.queues.Serve(ctx, env.Clock, env.QueuePass, env.QueueStatus, c)
	return nil
}

func (c *soloCluster) NodeID() string                 { return c.id }
func (c *soloCluster) Claim(string)                   {}
func (c *soloCluster) Enqueue(t Ticket) error         { return c.queues.Join(t) }
func (c *soloCluster) Dequeue(_, player string)       { c.queues.Leave(player) }
func (c *soloCluster) PostLobby(*arenav1.ChatMessage) {}
func (c *soloCluster) Peers() []NodeLoad              { return []NodeLoad{c.node.Load()} }
func (c *soloCluster) Health() string                 { return "" }
func (c *soloCluster) Drain()                         {}
func (c *soloCluster) Close() error                   { return nil }

// Place runs every match here; Node.Place tells the players.
func (c *soloCluster) Place(p Placement) { _ = c.node.Place(p) }

// Statuses tells the queued players here how their wait goes.
func (c *soloCluster) Statuses(st []QueuedStatus) {
	for _, q := range st {
		c.node.QueueStatus(q.Ticket.Player, q.Status)
	}
}
