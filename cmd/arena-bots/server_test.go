package main

import (
	"encoding/binary"
	"math"
	"os"
	"runtime"
	"strings"
	"testing"
)

func TestParseProcStat(t *testing.T) {
	for _, tc := range []struct {
		name         string
		line         string
		utime, stime uint64
		err          bool
	}{
		{
			name: "a Go server",
			line: "4242 (arena) S 4200 4242 4200 34816 4242 1077936384 3521 0 0 0 1234 567 0 0 20 0 9 0 123456 1460236288 5012 " +
				"18446744073709551615 4194304 9011457 140726218436432 0 0 0 0 0 2143420159 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
			utime: 1234, stime: 567,
		},
		{
			name:  "a command name with spaces and parentheses",
			line:  "7 (a) b (c)) R 1 7 7 0 -1 4194560 100 0 0 0 42 8 0 0 20 0 1 0 99 0 0",
			utime: 42, stime: 8,
		},
		{name: "truncated", line: "7 (arena) S 1 7 7 0 -1 4194560 100 0 0 0 42", err: true},
		{name: "no command name", line: "7 arena S 1 7 7 0 -1 4194560 100 0 0 0 42 8 0", err: true},
		{name: "not a number", line: "7 (arena) S 1 7 7 0 -1 4194560 100 0 0 0 x 8 0 0", err: true},
		{name: "empty", line: "", err: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, s, err := parseProcStat(tc.line)
			if tc.err {
				if err == nil {
					t.Fatalf("parseProcStat = %d, %d; want an error", u, s)
				}
				return
			}
			if err != nil || u != tc.utime || s != tc.stime {
				t.Fatalf("parseProcStat = %d, %d, %v; want %d, %d", u, s, err, tc.utime, tc.stime)
			}
		})
	}
}

func TestParseProcStatusRSS(t *testing.T) {
	const status = "Name:\tarena\nUmask:\t0022\nState:\tS (sleeping)\nVmPeak:\t 1500000 kB\n" +
		"VmSize:\t 1426012 kB\nVmHWM:\t   30000 kB\nVmRSS:\t   20048 kB\nRssAnon:\t   12000 kB\nThreads:\t9\n"
	for _, tc := range []struct {
		name, status string
		want         uint64
		err          bool
	}{
		{name: "a process", status: status, want: 20048},
		{name: "a kernel thread", status: "Name:\tkthreadd\nState:\tS (sleeping)\nThreads:\t1\n", err: true},
		{name: "an odd unit", status: "VmRSS:\t 20 MB\n", err: true},
		{name: "no newline at the end", status: "Name:\tx\nVmRSS:\t 7 kB", want: 7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseProcStatusRSS(tc.status)
			if tc.err != (err != nil) || got != tc.want {
				t.Fatalf("parseProcStatusRSS = %d, %v; want %d (error: %v)", got, err, tc.want, tc.err)
			}
		})
	}
}

func TestReadProcSelf(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("/proc is Linux's")
	}
	p, err := readProc(1 << 30)
	if err == nil {
		t.Fatalf("readProc of no process = %+v, want an error", p)
	}
	for i := 0; i < 2e7; i++ { // burn a little CPU so that utime moves
		_ = math.Sqrt(float64(i))
	}
	p, err = readProc(os.Getpid())
	if err != nil || p.rssKiB == 0 {
		t.Fatalf("readProc(self) = %+v, %v; want some memory", p, err)
	}
	if hz := clockTicks(); hz != 100 {
		t.Errorf("clockTicks() = %d, want 100 (USER_HZ on Linux)", hz)
	}
}

func TestParseAuxv(t *testing.T) {
	words := func(size int, order binary.AppendByteOrder, ws ...uint64) []byte {
		var b []byte
		for _, w := range ws {
			if size == 4 {
				b = order.AppendUint32(b, uint32(w))
			} else {
				b = order.AppendUint64(b, w)
			}
		}
		return b
	}
	const atPagesz = 6
	for _, tc := range []struct {
		name  string
		data  []byte
		size  int
		order binary.ByteOrder
		want  uint64
		ok    bool
	}{
		{"64-bit little-endian", words(8, binary.LittleEndian, 33, 0x7ffd, atPagesz, 4096, atClkTck, 100, 0, 0), 8, binary.LittleEndian, 100, true},
		{"32-bit big-endian", words(4, binary.BigEndian, atPagesz, 4096, atClkTck, 1000, 0, 0), 4, binary.BigEndian, 1000, true},
		{"absent", words(8, binary.LittleEndian, atPagesz, 4096, 0, 0), 8, binary.LittleEndian, 0, false},
		{"after AT_NULL", words(8, binary.LittleEndian, 0, 0, atClkTck, 100), 8, binary.LittleEndian, 0, false},
		{"truncated", words(8, binary.LittleEndian, atPagesz, 4096, atClkTck)[:20], 8, binary.LittleEndian, 0, false},
		{"empty", nil, 8, binary.LittleEndian, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := parseAuxv(tc.data, tc.size, tc.order, atClkTck)
			if got != tc.want || ok != tc.ok {
				t.Fatalf("parseAuxv = %d, %v; want %d, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
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
	m, err := parseMetrics(strings.NewReader(metricsText("64", "1000", "10", "900", "990", "1000", "2", "0", "5e6") +
		"odd_labels{path=\"/a\\\"b}\",code=\"200\" ,} 7 1700000000000\n" +
		"\n  \t\nspecial{x=\"y\"} +Inf\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		want float64
	}{
		{"arena_players_connected", 64},
		{"arena_bytes_sent_total", 5e6},
		{"arena_snapshots_sent_total", 1.2e6},
		{"arena_players_queued", 4}, // summed over modes
		{"arena_tick_duration_seconds_count", 1000},
		{"odd_labels", 7},
		{"special", math.Inf(1)},
	} {
		if got, ok := m.value(tc.name); !ok || got != tc.want {
			t.Errorf("%s = %v (%v), want %v", tc.name, got, ok, tc.want)
		}
	}
	if _, ok := m.value("arena_nothing"); ok {
		t.Error("a missing metric has a value")
	}
	if l := m["odd_labels"][0].labels; l["path"] != `/a"b}` || l["code"] != "200" || len(l) != 2 {
		t.Errorf("odd_labels' labels = %q", l)
	}
	bs := m.buckets("arena_tick_duration_seconds")
	if len(bs) != 12 || bs[0].upper != 10e-6 || bs[0].count != 10 || !math.IsInf(bs[11].upper, 1) || bs[11].count != 1000 {
		t.Errorf("buckets = %v", bs)
	}

	for _, bad := range []string{
		"name_only\n",
		"arena_x{le=\"1\" 3\n",
		"arena_x{le=1} 3\n",
		"arena_x 3 4 5\n",
		"arena_x three\n",
		"{le=\"1\"} 3\n",
	} {
		if m, err := parseMetrics(strings.NewReader(bad)); err == nil {
			t.Errorf("parseMetrics(%q) = %v, want an error", bad, m)
		}
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
	// 250 ticks of 10 ms = 2.5 s of CPU over 10 s for 50 players, 100 MiB.
	p := procFigures(procSample{cpuTicks: 1000, rssKiB: 1}, procSample{cpuTicks: 1250, rssKiB: 102400}, 10, 100, 50)
	want := ServerProcess{ClkTck: 100, ServerProcWindowS: 10, ServerCPUS: 2.5, ServerCPUPercent: 25,
		ServerCPUUSPerPlayerS: 5000, ServerRSSMiB: 100, ServerRSSKiBPerPlayer: 2048}
	if p != want {
		t.Fatalf("procFigures =\n%+v, want\n%+v", p, want)
	}
	if p := procFigures(procSample{}, procSample{rssKiB: 10}, 0, 100, 0); p.ServerCPUUSPerPlayerS != 0 || p.ServerRSSKiBPerPlayer != 0 {
		t.Fatalf("no players, no time: %+v", p)
	}
}
