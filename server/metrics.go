package server

import (
	"math"
	"net/http"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus series, on a registry of its own so
// several servers (tests) can live in one process.
type metrics struct {
	registry *prometheus.Registry

	tickSeconds       prometheus.Histogram
	tickOverruns      prometheus.Counter
	ticksSkipped      prometheus.Counter
	playersConnected  prometheus.Gauge
	playersQueued     *prometheus.GaugeVec
	matchesActive     prometheus.Gauge
	matchesPanicked   prometheus.Counter
	snapshotsSent     prometheus.Counter
	snapshotsDropped  prometheus.Counter
	inputsDropped     prometheus.Counter
	inputsLate        prometheus.Counter
	inputTicksMissing prometheus.Counter
	bytesSent         prometheus.Counter
	bytesReceived     prometheus.Counter
	rejected          *prometheus.CounterVec
	slowConsumers     prometheus.Counter
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		tickSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "arena_tick_duration_seconds",
			Help:    "Time to run one match tick: inbox, inputs, step, snapshots.",
			Buckets: []float64{10e-6, 25e-6, 50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3, 33e-3},
		}),
		tickOverruns: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "arena_tick_overruns_total",
			Help: "Ticks that took longer than the tick period.",
		}),
		ticksSkipped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "arena_ticks_skipped_total",
			Help: "Ticks a late match gave up instead of catching up (more than 3 behind).",
		}),
		playersConnected: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "arena_players_connected",
			Help: "Authenticated websocket connections.",
		}),
		playersQueued: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "arena_players_queued",
			Help: "Players waiting in the matchmaker, per mode.",
		}, []string{"mode"}),
		matchesActive: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "arena_matches_active",
			Help: "Matches running.",
		}),
		matchesPanicked: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "arena_matches_panicked_total",
			Help: "Matches ended by a recovered panic in their tick.",
		}),
		snapshotsSent: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "arena_snapshots_sent_total",
			Help: "Snapshots written to connections (or to their backlog).",
		}),
		snapshotsDropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "arena_snapshots_dropped_total",
			Help: "Snapshots skipped because a connection's backlog was over half full.",
		}),
		inputsLate: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "arena_inputs_late_total",
			Help: "Inputs that arrived after the tick they were meant for had run, dropped.",
		}),
		inputTicksMissing: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "arena_input_ticks_missing_total",
			Help: "Ticks a connected player had no input for (once they had sent one): the last movement repeated.",
		}),
		inputsDropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "arena_inputs_dropped_total",
			Help: "Inputs discarded because a match inbox was full, or refused by a player's input buffer (meant for a tick too far ahead, or not newer than one taken).",
		}),
		bytesSent: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "arena_bytes_sent_total",
			Help: "Websocket payload bytes sent to clients.",
		}),
		bytesReceived: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "arena_bytes_received_total",
			Help: "Websocket payload bytes received from clients.",
		}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "arena_messages_rejected_total",
			Help: "Client messages refused, by reason.",
		}, []string{"reason"}),
		slowConsumers: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "arena_slow_consumers_total",
			Help: "Connections closed because control messages could not be queued.",
		}),
	}
	m.registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.tickSeconds, m.tickOverruns, m.ticksSkipped, m.playersConnected, m.playersQueued, m.matchesActive,
		m.matchesPanicked, m.snapshotsSent, m.snapshotsDropped, m.inputsDropped, m.inputsLate, m.inputTicksMissing, m.bytesSent,
		m.bytesReceived, m.rejected, m.slowConsumers,
	)
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
}

// tickP99 is the 99th percentile of tick durations since the process
// started, read from the histogram: the upper bound of the bucket it falls
// in (0 before the first tick, the period's bound past the last bucket).
func (m *metrics) tickP99() time.Duration {
	var d dto.Metric
	if err := m.tickSeconds.Write(&d); err != nil {
		return 0
	}
	h := d.GetHistogram()
	total := h.GetSampleCount()
	if total == 0 {
		return 0
	}
	want := uint64(math.Ceil(0.99 * float64(total)))
	for _, b := range h.GetBucket() {
		if b.GetCumulativeCount() >= want {
			return time.Duration(b.GetUpperBound() * float64(time.Second))
		}
	}
	bounds := h.GetBucket()
	return time.Duration(bounds[len(bounds)-1].GetUpperBound() * float64(time.Second))
}

// sendCounts tallies the snapshots one goroutine (a match's) sends in a
// tick in plain ints, added to the shared counters once by flush instead of
// once per message. Its zero value is empty.
type sendCounts struct{ sent, dropped, bytes int }

// snapshot counts one snapshot of size bytes, sent or dropped (ok false),
// and returns ok.
func (n *sendCounts) snapshot(ok bool, size int) bool {
	if ok {
		n.sent++
		n.bytes += size
	} else {
		n.dropped++
	}
	return ok
}

// flush adds the tally to met's counters.
func (n *sendCounts) flush(met *metrics) {
	if n.sent > 0 {
		met.snapshotsSent.Add(float64(n.sent))
		met.bytesSent.Add(float64(n.bytes))
	}
	if n.dropped > 0 {
		met.snapshotsDropped.Add(float64(n.dropped))
	}
}
