package loadtest

import (
	"math"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestReadProcSelf(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("/proc is Linux's")
	}
	if p, err := readProc(1 << 30); err == nil {
		t.Fatalf("readProc of no process = %+v, want an error", p)
	}
	before, err := readProc(os.Getpid())
	if err != nil || before.rssKiB == 0 {
		t.Fatalf("readProc(self) = %+v, %v; want some memory", before, err)
	}
	// Burn CPU until utime moves by a clock tick or more.
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		for i := 0; i < 1e6; i++ {
			_ = math.Sqrt(float64(i))
		}
		after, err := readProc(os.Getpid())
		if err != nil {
			t.Fatal(err)
		}
		if after.cpuS > before.cpuS {
			return
		}
	}
	t.Fatal("10 s of computing and no CPU time counted")
}

// metricsText is a /metrics page as the server writes it (trimmed), with
// the counts given.
func metricsText(players, ticks, b10us, b1ms, b5ms, b33ms, overruns, dropped, bytesSent string) string {
	return `# HELP arena_bytes_sent_total Websocket payload bytes queued to clients.
# TYPE arena_bytes_sent_total counter
arena_bytes_sent_total ` + bytesSent + `
# HELP arena_matches_active Matches running.
# TYPE arena_matches_active gauge
arena_matches_active 4
# TYPE arena_players_connected gauge
arena_players_connected ` + players + `
# TYPE arena_players_queued gauge
arena_players_queued{mode="duel"} 1
arena_players_queued{mode="ffa16"} 3
arena_snapshots_dropped_total ` + dropped + `
arena_snapshots_sent_total 1.2e+06
# HELP arena_tick_duration_seconds Time to run one match tick: inbox, inputs, step, snapshots.
# TYPE arena_tick_duration_seconds histogram
arena_tick_duration_seconds_bucket{le="1e-05"} ` + b10us + `
arena_tick_duration_seconds_bucket{le="2.5e-05"} ` + b10us + `
arena_tick_duration_seconds_bucket{le="5e-05"} ` + b10us + `
arena_tick_duration_seconds_bucket{le="0.0001"} ` + b10us + `
arena_tick_duration_seconds_bucket{le="0.00025"} ` + b10us + `
arena_tick_duration_seconds_bucket{le="0.0005"} ` + b10us + `
arena_tick_duration_seconds_bucket{le="0.001"} ` + b1ms + `
arena_tick_duration_seconds_bucket{le="0.0025"} ` + b1ms + `
arena_tick_duration_seconds_bucket{le="0.005"} ` + b5ms + `
arena_tick_duration_seconds_bucket{le="0.01"} ` + b5ms + `
arena_tick_duration_seconds_bucket{le="0.033"} ` + b33ms + `
arena_tick_duration_seconds_bucket{le="+Inf"} ` + ticks + `
arena_tick_duration_seconds_sum 1.5
arena_tick_duration_seconds_count ` + ticks + `
arena_tick_overruns_total ` + overruns + `
arena_ticks_skipped_total 0
promhttp_metric_handler_errors_total{cause="encoding"} 0
promhttp_metric_handler_errors_total{cause="gathering"} 0
`
}

func TestParseMetrics(t *testing.T) {
	m, err := parseMetrics(strings.NewReader(metricsText("64", "1000", "10", "900", "990", "1000", "2", "0", "5e6") + `# TYPE lat histogram
lat_bucket{path="/a",le="1"} 1
lat_bucket{path="/a",le="+Inf"} 2
lat_sum{path="/a"} 3
lat_count{path="/a"} 2
lat_bucket{path="/b",le="1"} 4
lat_bucket{path="/b",le="+Inf"} 8
lat_sum{path="/b"} 9
lat_count{path="/b"} 8
`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		want float64
	}{
		{"arena_players_connected", 64},             // a gauge
		{"arena_bytes_sent_total", 5e6},             // a counter
		{"arena_snapshots_sent_total", 1.2e6},       // untyped
		{"arena_players_queued", 4},                 // summed over modes
		{"promhttp_metric_handler_errors_total", 0}, // untyped, labelled
	} {
		if got, ok := m.value(tc.name); !ok || got != tc.want {
			t.Errorf("%s = %v (%v), want %v", tc.name, got, ok, tc.want)
		}
	}
	for _, name := range []string{"arena_nothing", "arena_tick_duration_seconds"} {
		if v, ok := m.value(name); ok {
			t.Errorf("%s has the value %v, want none", name, v)
		}
	}
	bs := m.buckets("arena_tick_duration_seconds")
	if len(bs) != 12 || bs[0].upper != 10e-6 || bs[0].count != 10 || !math.IsInf(bs[11].upper, 1) || bs[11].count != 1000 {
		t.Errorf("tick buckets = %v", bs)
	}
	if bs := m.buckets("lat"); len(bs) != 2 || bs[0] != (promBucket{1, 5}) || bs[1] != (promBucket{math.Inf(1), 10}) {
		t.Errorf("lat buckets summed over paths = %v, want [{1 5} {+Inf 10}]", bs)
	}
	if bs := m.buckets("arena_nothing"); bs != nil {
		t.Errorf("buckets of a missing histogram = %v", bs)
	}
	if m, err := parseMetrics(strings.NewReader("arena_x{le=\"1\" 3\n")); err == nil {
		t.Errorf("a broken page parsed as %v, want an error", m)
	}
}

func TestBucketQuantile(t *testing.T) {
	inf := math.Inf(1)
	bs := func(pairs ...float64) []promBucket {
		var b []promBucket
		for i := 0; i < len(pairs); i += 2 {
			b = append(b, promBucket{upper: pairs[i], count: pairs[i+1]})
		}
		return b
	}
	for _, tc := range []struct {
		name string
		q    float64
		bs   []promBucket
		want float64
	}{
		{"in the first bucket, from 0", 0.5, bs(1, 100, 2, 100, inf, 100), 0.5},
		{"interpolated in the middle", 0.5, bs(1, 0, 2, 100, inf, 100), 1.5},
		{"p99 of 1000 in (1, 5]", 0.99, bs(1, 900, 5, 1000, inf, 1000), 1 + 4*(990.0-900)/100},
		{"at a bucket's top", 0.9, bs(1, 900, 5, 1000, inf, 1000), 1},
		{"in +Inf: the largest finite bound", 0.99, bs(1, 10, 33, 900, inf, 1000), 33},
		{"empty buckets skipped", 0.5, bs(1, 0, 2, 0, 4, 10, inf, 10), 3},
		{"empty histogram", 0.5, bs(1, 0, inf, 0), math.NaN()},
		{"only +Inf", 0.5, bs(inf, 10), math.NaN()},
		{"no buckets", 0.5, nil, math.NaN()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := bucketQuantile(tc.q, tc.bs)
			if math.IsNaN(tc.want) != math.IsNaN(got) || (!math.IsNaN(got) && math.Abs(got-tc.want) > 1e-9) {
				t.Fatalf("bucketQuantile(%v) = %v, want %v", tc.q, got, tc.want)
			}
		})
	}
}

func TestMetricsFigures(t *testing.T) {
	parse := func(s string) metricSet {
		t.Helper()
		m, err := parseMetrics(strings.NewReader(s))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	// Over 10 s, 60 → 68 players (64 on average), 6000 ticks: 5000 ≤ 10 µs,
	// 900 in (0.5, 1] ms, 90 in (2.5, 5] ms, 10 in (10, 33] ms; 3 overruns,
	// 2 snapshots dropped, 6.4 MB sent.
	start := parse(metricsText("60", "1000", "1000", "1000", "1000", "1000", "1", "5", "1e6"))
	end := parse(metricsText("68", "7000", "6000", "6900", "6990", "7000", "4", "7", "7.4e6"))
	m, err := metricsFigures(start, end, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := ServerMetrics{
		ServerWindowS: 10, ServerPlayers: 64, ServerMatches: 4, Ticks: 6000,
		TickP50MS:    0.01 * 3000 / 5000,       // rank 3000 of the 5000 in [0, 10 µs]
		TickP99MS:    2.5 + 2.5*(5940-5900)/90, // rank 5940, 5900 below 2.5 ms, 90 in (2.5, 5]
		TickOverruns: 3, SnapshotsDropped: 2, ServerBytesSentPerPlayerS: 10000,
	}
	want.TickP50MS, want.TickP99MS = round3(want.TickP50MS), round3(want.TickP99MS)
	if m != want {
		t.Fatalf("metricsFigures =\n%+v, want\n%+v", m, want)
	}

	// A restarted server, or one without the series, is an error.
	if _, err := metricsFigures(end, start, 10); err == nil {
		t.Error("counters going backwards: no error")
	}
	if _, err := metricsFigures(parse("arena_players_connected 3\n"), end, 10); err == nil {
		t.Error("missing series: no error")
	}
}

func TestProcFigures(t *testing.T) {
	// 2.5 s of CPU over 10 s for 50 players, 100 MiB.
	p := procFigures(procSample{cpuS: 10, rssKiB: 1}, procSample{cpuS: 12.5, rssKiB: 102400}, 10, 50)
	want := ServerProcess{ClkTck: 100, ServerProcWindowS: 10, ServerCPUS: 2.5, ServerCPUPercent: 25,
		ServerCPUUSPerPlayerS: 5000, ServerRSSMiB: 100, ServerRSSKiBPerPlayer: 2048}
	if p != want {
		t.Fatalf("procFigures =\n%+v, want\n%+v", p, want)
	}
	if p := procFigures(procSample{}, procSample{rssKiB: 10}, 0, 0); p.ServerCPUUSPerPlayerS != 0 || p.ServerRSSKiBPerPlayer != 0 {
		t.Fatalf("no players, no time: %+v", p)
	}
}
