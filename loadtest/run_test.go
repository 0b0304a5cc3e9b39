package loadtest

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
	if sum.TickHz != 30 {
		t.Errorf("tick_hz = %d, want 30", sum.TickHz)
	}
	// One input per tick per bot while it plays; the window also holds the
	// few milliseconds of queueing before each match.
	if perBot := float64(sum.InputsSent) / float64(bots) / sum.DurationS; perBot < 20 || perBot > 31 {
		t.Errorf("%d inputs sent by %d bots in %.2f s: %.1f per bot per second, want about 30", sum.InputsSent, bots, sum.DurationS, perBot)
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
	if runtime.GOOS == "linux" && (sum.BotsCPUPercent == nil || *sum.BotsCPUPercent < 0 || sum.BotsCPUUSPerBotS == nil || *sum.BotsCPUUSPerBotS < 0) {
		t.Errorf("bots' CPU %v, %v µs per bot-second: want figures", sum.BotsCPUPercent, sum.BotsCPUUSPerBotS)
	}
	if sum.BotsCPUs < 1 {
		t.Errorf("bots_cpus = %d, want at least 1", sum.BotsCPUs)
	}
	js, err := json.Marshal(sum)
	if err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{`"tick_p99_ms":`, `"snapshots_dropped":`, `"server_bytes_sent_per_player_s":`, `"bots_saturated":`, `"tick_hz":`} {
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

// TestBotsChatInTheLobby has two bots wait in the lobby of a real server for
// a match that needs four, posting lobby lines. Listed twice, the server
// signs one bot in as server 0 and the other as server 1, so each counts the
// other's lines as having crossed.
func TestBotsChatInTheLobby(t *testing.T) {
	cfg := quickMode(t, 4, time.Second)
	cfg.ChatEvery = 10 * time.Millisecond
	ts := startServer(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	sum, err := Run(ctx, Config{Server: ts.URL + "," + ts.URL, Bots: 2, Mode: "quick", Duration: time.Second, LobbyChat: 50 * time.Millisecond}, testLogger(t))
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	js, _ := json.Marshal(sum)
	t.Logf("summary: %s", js)
	if sum.Errors != 0 || sum.Connected != 2 {
		t.Errorf("errors %d %v, %d connected; want none and 2", sum.Errors, sum.ErrorKinds, sum.Connected)
	}
	// About 20 lines each in the second; the last may not have arrived.
	if sum.LobbyChatSent < 20 || sum.LobbyChatReceivedCross < sum.LobbyChatSent/2 || sum.LobbyChatReceivedCross > sum.LobbyChatSent {
		t.Errorf("%d lobby lines sent, %d received across: want about 40, and each received by the other bot", sum.LobbyChatSent, sum.LobbyChatReceivedCross)
	}
	if sum.Moves != 0 || sum.Failovers != 0 {
		t.Errorf("%d moves, %d failovers on one server; want none", sum.Moves, sum.Failovers)
	}
}
