package natscluster

import (
	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the node's arena_node_* series.
type metrics struct {
	leader        *prometheus.GaugeVec
	placements    *prometheus.CounterVec
	moves         prometheus.Counter
	rejected      prometheus.Counter
	publishFailed prometheus.Counter
}

func newMetrics(reg prometheus.Registerer, c *Cluster) *metrics {
	m := &metrics{
		leader: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "arena_node_queue_leader",
			Help: "1 while this node serves the mode's queue.",
		}, []string{"mode"}),
		placements: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "arena_node_placements_total",
			Help: "Matches this node's queues formed, by result: placed on a node, or failed (no node took it; its players queue on).",
		}, []string{"result"}),
		moves: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "arena_node_players_moved_total",
			Help: "Players connected here sent to their match on another node.",
		}),
		rejected: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "arena_node_messages_rejected_total",
			Help: "Cluster messages dropped as oversized or malformed.",
		}),
		publishFailed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "arena_node_publish_failed_total",
			Help: "Cluster messages that could not be sent.",
		}),
	}
	stats := func(f func(s nats.Statistics) uint64) func() float64 {
		return func() float64 { return float64(f(c.nc.Stats())) }
	}
	reg.MustRegister(m.leader, m.placements, m.moves, m.rejected, m.publishFailed,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "arena_node_nats_connected",
			Help: "1 while the node is connected to NATS.",
		}, func() float64 {
			if c.nc.IsConnected() {
				return 1
			}
			return 0
		}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "arena_node_peers",
			Help: "Nodes heard from lately, this one included.",
		}, func() float64 { return float64(len(c.Peers())) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "arena_node_nats_messages_in_total", Help: "Messages received from NATS.",
		}, stats(func(s nats.Statistics) uint64 { return s.InMsgs })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "arena_node_nats_messages_out_total", Help: "Messages sent to NATS.",
		}, stats(func(s nats.Statistics) uint64 { return s.OutMsgs })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "arena_node_nats_bytes_in_total", Help: "Payload bytes received from NATS.",
		}, stats(func(s nats.Statistics) uint64 { return s.InBytes })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "arena_node_nats_bytes_out_total", Help: "Payload bytes sent to NATS.",
		}, stats(func(s nats.Statistics) uint64 { return s.OutBytes })),
	)
	return m
}
