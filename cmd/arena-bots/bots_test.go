package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"os"
	"runtime"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/arena-server/arena/game"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
	"github.com/arena-server/arena/server"
	"github.com/arena-server/arena/server/servertest"
)

// runTimeout bounds a whole test run; the runs below end on their own,
// event-driven, as soon as the matches they wait for have ended.
const runTimeout = 60 * time.Second

// quickMode is a free-for-all of teams players short enough to play to its
// end in a test, on a server that pairs players every 10ms.
func quickMode(t *testing.T, teams int, limit time.Duration) server.Config {
	t.Helper()
	mode := game.Mode{Name: "quick", Teams: teams, PlayersPerTeam: 1, ScoreLimit: 1000, TimeLimit: limit}
	if err := mode.Validate(); err != nil {
		t.Fatal(err)
	}
	rules := game.DefaultRules()
	rules.Countdown = 200 * time.Millisecond
	return server.Config{
		TickRate:          30,
		Modes:             []game.Mode{mode},
		Rules:             &rules,
		QueuePassInterval: 10 * time.Millisecond,
	}
}

// startServer runs a real server in-process; see servertest.Start.
func startServer(t *testing.T, cfg server.Config) *httptest.Server {
	t.Helper()
	return servertest.Start(t, cfg)
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// runBots runs cfg against ts through Run, as the command does.
func runBots(t *testing.T, ts *httptest.Server, cfg Config) Summary {
	t.Helper()
	cfg.Server = ts.URL
	cfg.Duration = runTimeout
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	sum, err := Run(ctx, cfg, testLogger(t))
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if ctx.Err() != nil {
		t.Fatalf("the run did not see %d matches end within %v: %+v", cfg.StopAfterMatches, runTimeout, sum)
	}
	js, _ := json.Marshal(sum)
	t.Logf("summary: %s", js)
	return sum
}

// checkPlayed asserts what every run must show: matched, played, snapshots
// received and inputs acknowledged, without errors.
func checkPlayed(t *testing.T, sum Summary, bots, matches int) {
	t.Helper()
	if sum.Errors != 0 {
		t.Errorf("errors = %d %v, want none", sum.Errors, sum.ErrorKinds)
	}
	if sum.Matches < matches {
		t.Errorf("matches = %d, want at least %d", sum.Matches, matches)
	}
	if sum.Bots != bots || sum.Connected != bots || sum.Playing != bots {
		t.Errorf("bots %d, connected %d, playing %d; want %d of each", sum.Bots, sum.Connected, sum.Playing, bots)
	}
	if sum.SnapshotsTotal == 0 || sum.SnapshotsPerBotPerS <= 0 || sum.BytesTotal == 0 || sum.BytesPerBotPerS <= 0 {
		t.Errorf("snapshots %d (%.1f/bot/s), bytes %d (%.0f/bot/s): want some",
			sum.SnapshotsTotal, sum.SnapshotsPerBotPerS, sum.BytesTotal, sum.BytesPerBotPerS)
	}
	if sum.SnapshotInterarrivalMS.Samples == 0 {
		t.Error("no snapshot inter-arrival samples")
	}
	if sum.InputsSent == 0 {
		t.Error("no inputs sent")
	}
	if sum.InputAckMS.Samples == 0 || sum.InputAckTicks.Samples == 0 {
		t.Errorf("input ack samples: %d (ms), %d (ticks); want some", sum.InputAckMS.Samples, sum.InputAckTicks.Samples)
	}
	if sum.DurationS <= 0 {
		t.Errorf("duration %v s, want positive", sum.DurationS)
	}
}

// checkServer asserts the server's /metrics figures of a run of bots
// players that played.
func checkServer(t *testing.T, sum Summary, players int) {
	t.Helper()
	if sum.ServerProbeError != "" {
		t.Errorf("server probe error: %s", sum.ServerProbeError)
	}
	m := sum.ServerMetrics
	if m == nil {
		t.Fatal("no server metrics")
	}
	// The server counts a player connected just after it answers
	// Authenticated, so the first scrape may miss the last bot.
	if m.ServerPlayers < float64(players)-1 || m.ServerPlayers > float64(players) || m.Ticks == 0 || m.TickP50MS <= 0 || m.TickP99MS < m.TickP50MS ||
		m.SnapshotsSent == 0 || m.ServerBytesSentPerPlayerS <= 0 || m.ServerWindowS <= 0 {
		t.Errorf("server metrics %+v: want about %d players, ticks, snapshots and bytes", m, players)
	}
	if runtime.GOOS == "linux" && (sum.BotsCPUPercent == nil || *sum.BotsCPUPercent < 0) {
		t.Errorf("bots' CPU %v, want a figure", sum.BotsCPUPercent)
	}
	js, err := json.Marshal(sum)
	if err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{`"tick_p99_ms":`, `"snapshots_dropped":`, `"server_bytes_sent_per_player_s":`} {
		if !bytes.Contains(js, []byte(field)) {
			t.Errorf("JSON summary without %s: %s", field, js)
		}
	}
}

// TestBotsPlayFreeForAll runs four bots through one four-player match, half
// of them decoding every snapshot and half only peeking.
func TestBotsPlayFreeForAll(t *testing.T) {
	ts := startServer(t, quickMode(t, 4, 3*time.Second))
	// The server runs in this process: its figures are the bots' too, but
	// they show the probe works end to end.
	sum := runBots(t, ts, Config{Bots: 4, Mode: "quick", DecodeEvery: 2, StopAfterMatches: 1, ServerPID: os.Getpid()})
	checkPlayed(t, sum, 4, 1)
	checkServer(t, sum, 4)
	if p := sum.ServerProcess; p == nil || p.ServerPID != os.Getpid() || p.ClkTck <= 0 || p.ServerRSSMiB <= 0 ||
		p.ServerRSSKiBPerPlayer <= 0 || p.ServerProcWindowS <= 0 {
		t.Errorf("server process figures %+v, want them all", p)
	}
	if sum.Decoders != 2 {
		t.Errorf("decoders = %d, want 2", sum.Decoders)
	}
	if sum.SnapshotsDecoded == 0 || sum.SnapshotsDecoded >= sum.SnapshotsTotal {
		t.Errorf("%d of %d snapshots decoded: want some but not all", sum.SnapshotsDecoded, sum.SnapshotsTotal)
	}
}

// TestBotsRequeue has two bots play two short duels in a row: after
// MatchEnd they queue again and are matched again.
func TestBotsRequeue(t *testing.T) {
	ts := startServer(t, quickMode(t, 2, time.Second))
	sum := runBots(t, ts, Config{Bots: 2, Mode: "quick", StopAfterMatches: 2, Ramp: 100})
	checkPlayed(t, sum, 2, 2)
	checkServer(t, sum, 2)
	if sum.ServerProcess != nil {
		t.Errorf("server process figures %+v without a pid", sum.ServerProcess)
	}
	if sum.SnapshotsDecoded != sum.SnapshotsTotal {
		t.Errorf("%d of %d snapshots decoded with -decode-every 1", sum.SnapshotsDecoded, sum.SnapshotsTotal)
	}
}

// TestUnreachableServerIsCounted checks that failures are counted, not
// silent, and do not fail the run.
func TestUnreachableServerIsCounted(t *testing.T) {
	ts := httptest.NewServer(nil)
	ts.Close() // nothing listens there any more
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	sum, err := Run(ctx, Config{Server: ts.URL, Bots: 3, Mode: "quick", Duration: time.Millisecond}, testLogger(t))
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if sum.Errors < 3 || sum.ErrorKinds["sign_in"] < 3 || sum.Connected != 0 || sum.Matches != 0 {
		t.Fatalf("against no server: %+v; want 3 sign-in errors, nothing connected", sum)
	}
	if sum.ServerMetrics != nil || sum.ServerProbeError == "" {
		t.Fatalf("against no server: metrics %+v, probe error %q; want none and one", sum.ServerMetrics, sum.ServerProbeError)
	}
}

func TestSnapshotTag(t *testing.T) {
	snap := &arenav1.ServerMessage{Body: &arenav1.ServerMessage_Snapshot{Snapshot: &arenav1.Snapshot{Tick: 7, AckSeq: 3}}}
	b, err := proto.Marshal(snap)
	if err != nil {
		t.Fatal(err)
	}
	if b[0] != snapshotTag || snapshotTag != 0x72 {
		t.Fatalf("snapshot frame starts %#x, snapshotTag %#x, want both 0x72", b[0], snapshotTag)
	}
	start := &arenav1.ServerMessage{Body: &arenav1.ServerMessage_MatchStart{MatchStart: &arenav1.MatchStart{TickRate: 30}}}
	if b, _ := proto.Marshal(start); b[0] == snapshotTag {
		t.Fatal("a MatchStart frame looks like a snapshot")
	}
	// An answer with a request id starts with field 1, so it is decoded in full.
	withID := &arenav1.ServerMessage{RequestId: 9, Body: snap.Body}
	if b, _ := proto.Marshal(withID); b[0] == snapshotTag {
		t.Fatal("a frame with a request id looks like a bare snapshot")
	}
}

func TestHistogram(t *testing.T) {
	// Buckets are contiguous and ordered, and each value's bucket holds it.
	prev := -1
	for v := uint64(0); v < 1<<20; v += 1 + v/97 {
		i := bucketOf(v)
		if i < prev {
			t.Fatalf("bucketOf(%d) = %d after %d", v, i, prev)
		}
		prev = i
		if mid := bucketValue(i); mid < float64(v)*0.984 || mid > float64(v)*1.016+1 {
			t.Fatalf("value %d in bucket %d, whose value is %v", v, i, mid)
		}
	}
	if bucketOf(1<<62) != histBuckets-1 {
		t.Fatal("huge values are not clamped into the last bucket")
	}

	for _, tc := range []struct {
		name          string
		values        []uint64
		p50, p99, max float64
	}{
		{"empty", nil, 0, 0, 0},
		{"one", []uint64{5}, 5, 5, 5},
		{"exact small values", []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 5, 10, 10},
		{"one outlier in a hundred", append(repeat(33, 99), 1000), 33, 33, 1004},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var h histogram
			for i, v := range tc.values {
				h.add(i, v)
			}
			q := h.quantiles(1)
			if q.Samples != uint64(len(tc.values)) || q.P50 != tc.p50 || q.P99 != tc.p99 || q.Max != tc.max {
				t.Fatalf("quantiles %+v, want %d samples, p50 %v, p99 %v, max %v", q, len(tc.values), tc.p50, tc.p99, tc.max)
			}
		})
	}
}

func repeat(v uint64, n int) []uint64 {
	s := make([]uint64, n)
	for i := range s {
		s[i] = v
	}
	return s
}

func TestPacer(t *testing.T) {
	const period = 10 * time.Millisecond
	t0 := time.Unix(1000, 0)
	p := pacer{period: period}
	for i, step := range []struct {
		at   time.Duration // since t0
		want int
	}{
		{0, 1},                    // the first call starts the schedule
		{5 * time.Millisecond, 0}, // early: nothing due
		{10 * time.Millisecond, 1},
		{19 * time.Millisecond, 0},
		{41 * time.Millisecond, 3},  // a late wake-up catches up on 20, 30, 40
		{50 * time.Millisecond, 1},  // and the schedule stays on the grid
		{500 * time.Millisecond, 4}, // a long stall sends a burst, no more
		{505 * time.Millisecond, 0}, // then restarts from the stall's end
		{510 * time.Millisecond, 1},
	} {
		if got := p.due(t0.Add(step.at)); got != step.want {
			t.Fatalf("step %d at %v: %d inputs due, want %d", i, step.at, got, step.want)
		}
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-bots", "0"},
		{"-bots", "many"},
		{"-duration", "-1s"},
		{"-decode-every", "0"},
		{"-server-pid", "-1"},
		{"-server-pid", "1073741824", "-duration", "1ms"}, // no such process
		{"-server", "127.0.0.1:8080"},
		{"-nope"},
		{"extra"},
	} {
		var out, errOut bytes.Buffer
		if code := run(args, &out, &errOut); code != 2 {
			t.Errorf("run %q = exit %d, want 2 (stderr %q)", args, code, errOut.String())
		}
		if out.Len() != 0 {
			t.Errorf("run %q wrote to stdout: %q", args, out.String())
		}
	}
}
