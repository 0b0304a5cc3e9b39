package loadtest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/prometheus/procfs"
)

// The server side of a run. At both ends of the measurement window the bots
// scrape the server's /metrics (always) and, given its pid, sample its
// /proc/PID/stat (Linux only), and their own. The summary then carries the
// deltas over the window: see ServerMetrics and ServerProcess.

// ServerMetrics are the server's own figures over the window, from the
// deltas of its /metrics between a scrape at the window's start and one at
// its end. Per-player figures divide by ServerPlayers.
type ServerMetrics struct {
	// ServerWindowS is the time between the two scrapes, in seconds.
	ServerWindowS float64 `json:"server_window_s"`
	// ServerPlayers is arena_players_connected, the mean of its values at the
	// two scrapes.
	ServerPlayers float64 `json:"server_players"`
	// ServerMatches is arena_matches_active, the mean of its two values.
	ServerMatches float64 `json:"server_matches"`
	// Ticks is the number of match ticks the server ran in the window (the
	// count of arena_tick_duration_seconds).
	Ticks uint64 `json:"ticks"`
	// TickP50MS and TickP99MS are quantiles of the tick duration in
	// milliseconds, estimated from arena_tick_duration_seconds' buckets by
	// linear interpolation inside the bucket the quantile falls in (as
	// Prometheus's histogram_quantile does), so they are only as fine as the
	// buckets (…, 1, 2.5, 5, 10, 33 ms). A quantile above the largest finite
	// bound is reported as that bound: read it as "at least". Both are 0 when
	// no tick ran.
	TickP50MS float64 `json:"tick_p50_ms"`
	TickP99MS float64 `json:"tick_p99_ms"`
	// TickOverruns is arena_tick_overruns_total's delta: ticks longer than
	// the tick period.
	TickOverruns uint64 `json:"tick_overruns"`
	// TicksSkipped is arena_ticks_skipped_total's delta: ticks late matches
	// gave up.
	TicksSkipped uint64 `json:"ticks_skipped"`
	// SnapshotsSent is arena_snapshots_sent_total's delta.
	SnapshotsSent uint64 `json:"snapshots_sent"`
	// SnapshotsDropped is arena_snapshots_dropped_total's delta: snapshots the
	// server skipped because a connection's queue was full.
	SnapshotsDropped uint64 `json:"snapshots_dropped"`
	// ServerBytesSentPerPlayerS is arena_bytes_sent_total's delta (websocket
	// payload queued to clients) ÷ ServerPlayers ÷ ServerWindowS.
	ServerBytesSentPerPlayerS float64 `json:"server_bytes_sent_per_player_s"`
}

// ServerProcess is the server process's cost over the window, from
// /proc/PID/stat (utime+stime, rss) sampled at the window's start and end.
// Per-player figures divide by ServerPlayers of ServerMetrics, or by the
// bots connected at the end of the window when /metrics could not be
// scraped.
type ServerProcess struct {
	// ServerPID is the process sampled (Config.ServerPID).
	ServerPID int `json:"server_pid"`
	// ClkTck is the clock tick (USER_HZ) that utime and stime count in, as
	// procfs converts them: Linux fixes it at 100 for /proc.
	ClkTck int64 `json:"clk_tck"`
	// ServerProcWindowS is the time between the two samples, in seconds.
	ServerProcWindowS float64 `json:"server_proc_window_s"`
	// ServerCPUS is the server's CPU time (user + system, every thread) over
	// the window, in seconds. Its resolution is one clock tick (10 ms).
	ServerCPUS float64 `json:"server_cpu_s"`
	// ServerCPUPercent is ServerCPUS ÷ ServerProcWindowS, in percent of one
	// core.
	ServerCPUPercent float64 `json:"server_cpu_percent"`
	// ServerCPUUSPerPlayerS is ServerCPUS in µs ÷ players ÷ ServerProcWindowS.
	ServerCPUUSPerPlayerS float64 `json:"server_cpu_us_per_player_s"`
	// ServerRSSMiB is the server's resident set at the window's end (rss of
	// /proc/PID/stat, the counter VmRSS of /proc/PID/status shows too).
	ServerRSSMiB float64 `json:"server_rss_mib"`
	// ServerRSSKiBPerPlayer is the resident set at the window's end in KiB ÷
	// players: the whole process (runtime, heap, buffers), not only what
	// players add.
	ServerRSSKiBPerPlayer float64 `json:"server_rss_kib_per_player"`
}

// userHZ is the unit of utime and stime in /proc/PID/stat, which procfs's
// ProcStat.CPUTime assumes.
const userHZ = 100

// serverProbe samples the server.
type serverProbe struct {
	metricsURL string
	pid        int // 0: /metrics only
	client     *http.Client
}

// serverSample is the server at one end of the window. Times are since the
// run's epoch.
type serverSample struct {
	self       procSample // the bots' own process
	selfAt     time.Duration
	selfErr    error
	proc       procSample
	procAt     time.Duration
	procErr    error
	metrics    metricSet
	metricsAt  time.Duration
	metricsErr error
}

// probeTimeout bounds one scrape.
const probeTimeout = 10 * time.Second

// newServerProbe checks that the server's process can be sampled, if cfg
// names one; an unreadable pid is a configuration error. With several
// servers listed, the probe samples the first.
func newServerProbe(cfg Config) (*serverProbe, error) {
	first := cfg.Servers()[0]
	u, err := url.JoinPath(first, "metrics")
	if err != nil {
		return nil, fmt.Errorf("server %q: %w", first, err)
	}
	p := &serverProbe{metricsURL: u, pid: cfg.ServerPID, client: &http.Client{Timeout: probeTimeout}}
	if p.pid != 0 {
		if _, err := readProc(p.pid); err != nil {
			return nil, fmt.Errorf("server pid %d: %w", p.pid, err)
		}
	}
	return p, nil
}

// sample takes the processes' figures, then scrapes /metrics. It never
// fails: errors are kept in the sample.
func (p *serverProbe) sample(ctx context.Context, now func() time.Duration) serverSample {
	var s serverSample
	s.self, s.selfErr = readProc(os.Getpid())
	s.selfAt = now()
	if p.pid != 0 {
		s.proc, s.procErr = readProc(p.pid)
		s.procAt = now()
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), probeTimeout)
	defer cancel()
	s.metrics, s.metricsErr = p.scrape(ctx)
	s.metricsAt = now()
	return s
}

// scrape fetches and parses the server's /metrics.
func (p *serverProbe) scrape(ctx context.Context) (metricSet, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.metricsURL, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", string(expfmt.FmtText))
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
		return nil, fmt.Errorf("GET %s: %s", p.metricsURL, resp.Status)
	}
	return parseMetrics(resp.Body)
}

// fill adds the server's figures over the window from start to end to sum,
// and the bots' own CPU use. What could not be measured is left out of sum
// and said in sum.ServerProbeError.
func (p *serverProbe) fill(sum *Summary, start, end serverSample) {
	var errs []error
	if err := errors.Join(start.metricsErr, end.metricsErr); err != nil {
		errs = append(errs, fmt.Errorf("metrics: %w", err))
	} else if m, err := metricsFigures(start.metrics, end.metrics, (end.metricsAt - start.metricsAt).Seconds()); err != nil {
		errs = append(errs, fmt.Errorf("metrics: %w", err))
	} else {
		sum.ServerMetrics = &m
	}
	if p.pid != 0 {
		players := float64(sum.Connected)
		if sum.ServerMetrics != nil && sum.ServerMetrics.ServerPlayers > 0 {
			players = sum.ServerMetrics.ServerPlayers
		}
		if err := errors.Join(start.procErr, end.procErr); err != nil {
			errs = append(errs, fmt.Errorf("process %d: %w", p.pid, err))
		} else {
			pr := procFigures(start.proc, end.proc, (end.procAt - start.procAt).Seconds(), players)
			pr.ServerPID = p.pid
			sum.ServerProcess = &pr
		}
	}
	if start.selfErr == nil && end.selfErr == nil {
		self := procFigures(start.self, end.self, (end.selfAt - start.selfAt).Seconds(), float64(sum.Bots))
		sum.BotsCPUPercent, sum.BotsCPUUSPerBotS = &self.ServerCPUPercent, &self.ServerCPUUSPerPlayerS
		sum.BotsSaturated = self.ServerCPUPercent >= BotsSaturatedPercent*float64(max(sum.BotsCPUs, 1))
	}
	if err := errors.Join(errs...); err != nil {
		sum.ServerProbeError = strings.ReplaceAll(err.Error(), "\n", "; ")
	}
}

// metricsFigures computes ServerMetrics from two scrapes seconds apart.
func metricsFigures(start, end metricSet, seconds float64) (ServerMetrics, error) {
	m := ServerMetrics{ServerWindowS: round3(seconds)}
	var errs []error
	gauge := func(name string) float64 {
		a, okA := start.value(name)
		b, okB := end.value(name)
		if !okA || !okB {
			errs = append(errs, fmt.Errorf("no %s", name))
			return 0
		}
		return (a + b) / 2
	}
	counter := func(name string) float64 {
		a, okA := start.value(name)
		b, okB := end.value(name)
		switch {
		case !okA || !okB:
			errs = append(errs, fmt.Errorf("no %s", name))
			return 0
		case b < a:
			errs = append(errs, fmt.Errorf("%s went from %v to %v: did the server restart?", name, a, b))
			return 0
		}
		return b - a
	}
	m.ServerPlayers = round3(gauge("arena_players_connected"))
	m.ServerMatches = round3(gauge("arena_matches_active"))
	m.TickOverruns = uint64(counter("arena_tick_overruns_total"))
	m.TicksSkipped = uint64(counter("arena_ticks_skipped_total"))
	m.SnapshotsSent = uint64(counter("arena_snapshots_sent_total"))
	m.SnapshotsDropped = uint64(counter("arena_snapshots_dropped_total"))
	bytesSent := counter("arena_bytes_sent_total")
	if m.ServerPlayers > 0 && seconds > 0 {
		m.ServerBytesSentPerPlayerS = round3(bytesSent / m.ServerPlayers / seconds)
	}
	const tick = "arena_tick_duration_seconds"
	buckets, err := histogramDelta(start.buckets(tick), end.buckets(tick))
	if err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", tick, err))
	} else if n := buckets[len(buckets)-1].count; n > 0 {
		m.Ticks = uint64(n)
		m.TickP50MS = round3(bucketQuantile(0.50, buckets) * 1e3)
		m.TickP99MS = round3(bucketQuantile(0.99, buckets) * 1e3)
	}
	return m, errors.Join(errs...)
}

// procFigures computes a process's cost from two samples seconds apart,
// per player (or bot) when players is positive.
func procFigures(start, end procSample, seconds float64, players float64) ServerProcess {
	p := ServerProcess{ClkTck: userHZ, ServerProcWindowS: round3(seconds), ServerRSSMiB: round3(float64(end.rssKiB) / 1024)}
	cpu := max(end.cpuS-start.cpuS, 0)
	p.ServerCPUS = round3(cpu)
	if seconds > 0 {
		p.ServerCPUPercent = round3(100 * cpu / seconds)
		if players > 0 {
			p.ServerCPUUSPerPlayerS = round3(cpu * 1e6 / players / seconds)
		}
	}
	if players > 0 {
		p.ServerRSSKiBPerPlayer = round3(float64(end.rssKiB) / players)
	}
	return p
}

// procSample is a process's figures at one moment.
type procSample struct {
	cpuS   float64 // utime + stime, in seconds
	rssKiB uint64  // resident set
}

// readProc samples /proc/PID/stat.
func readProc(pid int) (procSample, error) {
	proc, err := procfs.NewProc(pid)
	if err != nil {
		return procSample{}, err
	}
	stat, err := proc.Stat()
	if err != nil {
		return procSample{}, err
	}
	return procSample{cpuS: stat.CPUTime(), rssKiB: uint64(stat.ResidentMemory()) / 1024}, nil
}

// metricSet is a parsed Prometheus text exposition, by metric family name.
type metricSet map[string]*dto.MetricFamily

// parseMetrics parses the Prometheus text exposition format.
func parseMetrics(r io.Reader) (metricSet, error) {
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(r)
	if err != nil {
		return nil, err
	}
	return families, nil
}

// value returns the sum of name's series (the value of an unlabelled
// counter or gauge), and whether name has one. A histogram or summary has
// no single value.
func (m metricSet) value(name string) (float64, bool) {
	f, ok := m[name]
	if !ok {
		return 0, false
	}
	var v float64
	for _, s := range f.GetMetric() {
		switch {
		case s.Counter != nil:
			v += s.GetCounter().GetValue()
		case s.Gauge != nil:
			v += s.GetGauge().GetValue()
		case s.Untyped != nil:
			v += s.GetUntyped().GetValue()
		default:
			return 0, false
		}
	}
	return v, true
}

// promBucket is one cumulative histogram bucket: count samples ≤ upper.
type promBucket struct {
	upper float64
	count float64
}

// buckets returns histogram name's cumulative buckets, summed over its
// series and ordered by bound.
func (m metricSet) buckets(name string) []promBucket {
	var bs []promBucket
	for _, s := range m[name].GetMetric() {
		for _, b := range s.GetHistogram().GetBucket() {
			count := float64(b.GetCumulativeCount())
			if b.CumulativeCountFloat != nil {
				count = b.GetCumulativeCountFloat()
			}
			i, found := slices.BinarySearchFunc(bs, b.GetUpperBound(), func(b promBucket, upper float64) int { return cmp.Compare(b.upper, upper) })
			if found {
				bs[i].count += count
			} else {
				bs = slices.Insert(bs, i, promBucket{upper: b.GetUpperBound(), count: count})
			}
		}
	}
	return bs
}

// histogramDelta returns end's buckets minus start's: the histogram of the
// samples between them. Both must have the same bounds, ending with +Inf.
func histogramDelta(start, end []promBucket) ([]promBucket, error) {
	if len(end) == 0 || !math.IsInf(end[len(end)-1].upper, 1) {
		return nil, fmt.Errorf("no buckets, or no +Inf bucket")
	}
	if len(start) != len(end) {
		return nil, fmt.Errorf("%d buckets, then %d", len(start), len(end))
	}
	d := make([]promBucket, len(end))
	for i := range end {
		if start[i].upper != end[i].upper {
			return nil, fmt.Errorf("bucket %d bound %v, then %v", i, start[i].upper, end[i].upper)
		}
		if end[i].count < start[i].count {
			return nil, fmt.Errorf("bucket le=%v went from %v to %v: did the server restart?", end[i].upper, start[i].count, end[i].count)
		}
		d[i] = promBucket{upper: end[i].upper, count: end[i].count - start[i].count}
	}
	return d, nil
}

// bucketQuantile estimates quantile q of cumulative buckets ordered by
// bound and ending with +Inf, as Prometheus's histogram_quantile does: it
// finds the bucket holding rank q·n and interpolates linearly between its
// bounds (the first bucket's lower bound is 0). In the +Inf bucket it
// returns the largest finite bound. NaN when the histogram is empty.
func bucketQuantile(q float64, bs []promBucket) float64 {
	if len(bs) == 0 || bs[len(bs)-1].count <= 0 {
		return math.NaN()
	}
	rank := q * bs[len(bs)-1].count
	i := sort.Search(len(bs), func(i int) bool { return bs[i].count >= rank })
	if i == len(bs)-1 {
		if i == 0 {
			return math.NaN() // only +Inf: nothing to say
		}
		return bs[i-1].upper
	}
	lower, below := 0.0, 0.0
	if i > 0 {
		lower, below = bs[i-1].upper, bs[i-1].count
	}
	in := bs[i].count - below
	if in <= 0 {
		return bs[i].upper
	}
	return lower + (bs[i].upper-lower)*(rank-below)/in
}
