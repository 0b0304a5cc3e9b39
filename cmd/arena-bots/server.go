package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The server side of a run. At both ends of the measurement window the bots
// scrape the server's /metrics (always) and, given its pid, sample its
// /proc/PID/stat and /proc/PID/status (Linux only). The summary then carries
// the deltas over the window: see ServerMetrics and ServerProcess.

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
// /proc/PID/stat (utime+stime) and /proc/PID/status (VmRSS) sampled at the
// window's start and end. Per-player figures divide by ServerPlayers of
// ServerMetrics, or by the bots connected at the end of the window when
// /metrics could not be scraped.
type ServerProcess struct {
	// ServerPID is the process sampled (-server-pid).
	ServerPID int `json:"server_pid"`
	// ClkTck is the kernel's clock tick (USER_HZ), the unit of utime and
	// stime: AT_CLKTCK from /proc/self/auxv, which is what sysconf(_SC_CLK_TCK)
	// returns; 100 on every Linux in practice.
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
	// ServerRSSMiB is the server's resident set (VmRSS) at the window's end.
	ServerRSSMiB float64 `json:"server_rss_mib"`
	// ServerRSSKiBPerPlayer is VmRSS at the window's end in KiB ÷ players:
	// the whole process (runtime, heap, buffers), not only what players add.
	ServerRSSKiBPerPlayer float64 `json:"server_rss_kib_per_player"`
}

// serverProbe samples the server.
type serverProbe struct {
	metricsURL string
	pid        int // 0: /metrics only
	clkTck     int64
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
// names one; an unreadable pid is a configuration error.
func newServerProbe(cfg Config) (*serverProbe, error) {
	u, err := url.JoinPath(cfg.Server, "metrics")
	if err != nil {
		return nil, fmt.Errorf("server %q: %w", cfg.Server, err)
	}
	p := &serverProbe{metricsURL: u, pid: cfg.ServerPID, clkTck: clockTicks(), client: &http.Client{Timeout: probeTimeout}}
	if p.pid != 0 {
		if _, err := readProc(p.pid); err != nil {
			return nil, fmt.Errorf("server pid %d: %w", p.pid, err)
		}
	}
	return p, nil
}

// sample takes the process's figures, then scrapes /metrics. It never
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
	req.Header.Set("Accept", "text/plain;version=0.0.4")
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

// fill adds the server's figures over the window from start to end to sum.
// What could not be measured is left out of sum and said in
// sum.ServerProbeError.
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
			pr := procFigures(start.proc, end.proc, (end.procAt - start.procAt).Seconds(), p.clkTck, players)
			pr.ServerPID = p.pid
			sum.ServerProcess = &pr
		}
	}
	if start.selfErr == nil && end.selfErr == nil {
		self := procFigures(start.self, end.self, (end.selfAt - start.selfAt).Seconds(), p.clkTck, 0)
		sum.BotsCPUPercent = &self.ServerCPUPercent
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

// procFigures computes ServerProcess from two samples seconds apart.
func procFigures(start, end procSample, seconds float64, clkTck int64, players float64) ServerProcess {
	p := ServerProcess{ClkTck: clkTck, ServerProcWindowS: round3(seconds), ServerRSSMiB: round3(float64(end.rssKiB) / 1024)}
	var ticks uint64
	if end.cpuTicks > start.cpuTicks {
		ticks = end.cpuTicks - start.cpuTicks
	}
	cpu := float64(ticks) / float64(clkTck)
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
	cpuTicks uint64 // utime + stime, in clock ticks
	rssKiB   uint64 // VmRSS
}

// readProc samples /proc/PID/stat and /proc/PID/status.
func readProc(pid int) (procSample, error) {
	if pid <= 0 {
		return procSample{}, fmt.Errorf("not a process id")
	}
	dir := "/proc/" + strconv.Itoa(pid)
	stat, err := os.ReadFile(dir + "/stat")
	if err != nil {
		return procSample{}, err
	}
	utime, stime, err := parseProcStat(string(stat))
	if err != nil {
		return procSample{}, fmt.Errorf("%s/stat: %w", dir, err)
	}
	status, err := os.ReadFile(dir + "/status")
	if err != nil {
		return procSample{}, err
	}
	rss, err := parseProcStatusRSS(string(status))
	if err != nil {
		return procSample{}, fmt.Errorf("%s/status: %w", dir, err)
	}
	return procSample{cpuTicks: utime + stime, rssKiB: rss}, nil
}

// parseProcStat returns utime and stime (fields 14 and 15, in clock ticks)
// of a /proc/PID/stat line. The command name (field 2) is in parentheses
// and may itself hold spaces and parentheses, so fields are counted from
// the last ')'.
func parseProcStat(line string) (utime, stime uint64, err error) {
	i := strings.LastIndexByte(line, ')')
	if i < 0 {
		return 0, 0, fmt.Errorf("no ')' closing the command name")
	}
	f := strings.Fields(line[i+1:]) // f[0] is field 3 (state)
	const utimeAt, stimeAt = 14 - 3, 15 - 3
	if len(f) <= stimeAt {
		return 0, 0, fmt.Errorf("%d fields after the command name, want more than %d", len(f), stimeAt)
	}
	if utime, err = strconv.ParseUint(f[utimeAt], 10, 64); err != nil {
		return 0, 0, fmt.Errorf("utime: %w", err)
	}
	if stime, err = strconv.ParseUint(f[stimeAt], 10, 64); err != nil {
		return 0, 0, fmt.Errorf("stime: %w", err)
	}
	return utime, stime, nil
}

// parseProcStatusRSS returns VmRSS of a /proc/PID/status, in KiB (the file
// says "kB" and means KiB).
func parseProcStatusRSS(status string) (uint64, error) {
	for line := range strings.Lines(status) {
		rest, ok := strings.CutPrefix(line, "VmRSS:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("VmRSS line %q: want a number of kB", strings.TrimSpace(line))
		}
		return strconv.ParseUint(f[0], 10, 64)
	}
	return 0, fmt.Errorf("no VmRSS (a kernel thread, or a zombie?)")
}

// atClkTck is the auxiliary vector entry of the clock tick (AT_CLKTCK).
const atClkTck = 17

// clockTicks returns USER_HZ, the unit of /proc/PID/stat's times: what
// sysconf(_SC_CLK_TCK) returns, which glibc reads from the AT_CLKTCK entry of
// the auxiliary vector the kernel gives every process. Go has no sysconf, so
// it is read from /proc/self/auxv; 100 (the value on every Linux
// architecture in practice) if that fails.
func clockTicks() int64 {
	data, err := os.ReadFile("/proc/self/auxv")
	if err != nil {
		return 100
	}
	if hz, ok := parseAuxv(data, strconv.IntSize/8, binary.NativeEndian, atClkTck); ok && hz > 0 && hz < 1<<20 {
		return int64(hz)
	}
	return 100
}

// parseAuxv returns the value of entry key of an auxiliary vector: pairs of
// words (key, value) of wordSize bytes, ending with key 0 (AT_NULL).
func parseAuxv(data []byte, wordSize int, order binary.ByteOrder, key uint64) (uint64, bool) {
	word := func(b []byte) uint64 {
		if wordSize == 4 {
			return uint64(order.Uint32(b))
		}
		return order.Uint64(b)
	}
	for len(data) >= 2*wordSize {
		k, v := word(data), word(data[wordSize:])
		data = data[2*wordSize:]
		switch k {
		case 0:
			return 0, false
		case key:
			return v, true
		}
	}
	return 0, false
}

// metricSet is a parsed Prometheus text exposition: the series of each
// metric name (a histogram's are under name_bucket, name_sum, name_count).
type metricSet map[string][]series

// series is one sample line.
type series struct {
	labels map[string]string
	value  float64
}

// value returns the sum of name's series (the value of an unlabelled
// metric), and whether there was one.
func (m metricSet) value(name string) (float64, bool) {
	ss, ok := m[name]
	var v float64
	for _, s := range ss {
		v += s.value
	}
	return v, ok
}

// promBucket is one cumulative histogram bucket: count samples ≤ upper.
type promBucket struct {
	upper float64
	count float64
}

// buckets returns histogram name's cumulative buckets, ordered by bound.
func (m metricSet) buckets(name string) []promBucket {
	var bs []promBucket
	for _, s := range m[name+"_bucket"] {
		le, err := strconv.ParseFloat(s.labels["le"], 64)
		if err != nil {
			continue
		}
		bs = append(bs, promBucket{upper: le, count: s.value})
	}
	sort.Slice(bs, func(i, j int) bool { return bs[i].upper < bs[j].upper })
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

// parseMetrics parses the Prometheus text exposition format (version
// 0.0.4): one sample a line, `name{label="value",...} value [timestamp]`;
// comments and blank lines are skipped.
func parseMetrics(r io.Reader) (metricSet, error) {
	m := make(metricSet)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		name, s, err := parseSample(line)
		if err != nil {
			return nil, fmt.Errorf("line %d %q: %w", n, line, err)
		}
		m[name] = append(m[name], s)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return m, nil
}

// parseSample parses one sample line.
func parseSample(line string) (string, series, error) {
	end := strings.IndexAny(line, "{ \t")
	if end <= 0 {
		return "", series{}, fmt.Errorf("no metric name and value")
	}
	name, rest := line[:end], line[end:]
	var s series
	if rest[0] == '{' {
		var err error
		if s.labels, rest, err = parseLabels(rest[1:]); err != nil {
			return "", series{}, err
		}
	}
	f := strings.Fields(rest)
	if len(f) < 1 || len(f) > 2 {
		return "", series{}, fmt.Errorf("want a value and at most a timestamp after the name")
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return "", series{}, err
	}
	s.value = v
	return name, s, nil
}

// parseLabels parses `a="x",b="y"}` (after the opening brace) and returns
// the labels and what follows the closing brace.
func parseLabels(s string) (map[string]string, string, error) {
	labels := make(map[string]string)
	for {
		s = strings.TrimLeft(s, " \t")
		if s == "" {
			return nil, "", fmt.Errorf("unterminated labels")
		}
		if s[0] == '}' {
			return labels, s[1:], nil
		}
		eq := strings.IndexByte(s, '=')
		if eq <= 0 || len(s) < eq+2 || s[eq+1] != '"' {
			return nil, "", fmt.Errorf("want label=\"value\" at %q", s)
		}
		key := strings.TrimSpace(s[:eq])
		s = s[eq+2:]
		var val strings.Builder
		closed := false
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c == '\\' && i+1 < len(s) {
				i++
				switch s[i] {
				case 'n':
					val.WriteByte('\n')
				default: // \\ and \"
					val.WriteByte(s[i])
				}
				continue
			}
			if c == '"' {
				s, closed = s[i+1:], true
				break
			}
			val.WriteByte(c)
		}
		if !closed {
			return nil, "", fmt.Errorf("unterminated value of label %s", key)
		}
		labels[key] = val.String()
		s = strings.TrimLeft(s, " \t")
		if strings.HasPrefix(s, ",") {
			s = s[1:]
		}
	}
}
