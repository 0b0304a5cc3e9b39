package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runs are two lines as capacity.sh writes them: 1,024 bots held, 1,536
// with the bots' core saturated.
const runs = `{"placement":"pinned","machine":"2 CPUs (AMD EPYC 7B13)","commit":"050f7b0","date":"2026-11-28 10:00 UTC","go":"go1.26.8","server":"http://127.0.0.1:40000","mode":"ffa16","bots":1024,"decode_every":16,"decoders":64,"connected":1024,"playing":1024,"matches":0,"tick_hz":30,"ramp_s":5.1,"duration_s":20.001,"snapshots_total":614000,"snapshots_decoded":38400,"snapshots_missed":0,"snapshots_per_bot_per_s":30.0,"bytes_total":19500000,"bytes_per_bot_per_s":955.2,"inputs_sent":614000,"inputs_after_end":0,"snapshot_interarrival_ms":{"samples":613000,"p50":33.3,"p90":36,"p99":51.5,"max":90},"input_ack_ms":{"samples":38000,"p50":29.3,"p90":40,"p99":55.6,"max":80},"input_ack_ticks":{"samples":38000,"p50":1,"p90":2,"p99":2,"max":3},"errors":0,"error_kinds":{},"server_window_s":20,"server_players":1024,"server_matches":64,"ticks":38400,"tick_p50_ms":0.05,"tick_p99_ms":0.1,"tick_overruns":0,"ticks_skipped":0,"snapshots_sent":614000,"snapshots_dropped":0,"server_bytes_sent_per_player_s":960,"server_pid":4242,"clk_tck":100,"server_proc_window_s":20,"server_cpu_s":14.6,"server_cpu_percent":73,"server_cpu_us_per_player_s":716.4,"server_rss_mib":86,"server_rss_kib_per_player":86.4,"bots_cpus":1,"bots_cpu_percent":69.2,"bots_cpu_us_per_bot_s":675.8,"bots_saturated":false}

{"placement":"pinned","machine":"2 CPUs (AMD EPYC 7B13)","commit":"050f7b0","date":"2026-11-28 10:00 UTC","go":"go1.26.8","mode":"ffa16","bots":1536,"decode_every":16,"connected":1536,"playing":1536,"tick_hz":30,"duration_s":20,"snapshots_missed":2,"snapshots_per_bot_per_s":29.95,"bytes_per_bot_per_s":966,"snapshot_interarrival_ms":{"samples":9,"p99":150.5},"input_ack_ms":{"samples":9,"p50":115.2,"p99":252.9},"input_ack_ticks":{"samples":9,"p50":4,"p99":8},"errors":0,"snapshots_dropped":0,"tick_p99_ms":0.1,"bots_cpus":1,"bots_cpu_percent":96.4,"bots_saturated":true}
`

func TestTable(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(nil, strings.NewReader(runs), &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	want := `Runs of 2026-11-28 10:00 UTC, commit 050f7b0, 2 CPUs (AMD EPYC 7B13), go1.26.8; mode ffa16, decode-every 16, 20 s windows.

| placement | bots | snapshots/bot/s | inter-arrival p99 ms | ack p50/p99 ms | ack p50/p99 ticks | B/bot/s | server µs/player/s | RSS KiB/player | tick p99 ms | dropped / missed | errors | bots CPU % (cores) | bots µs/bot/s | criteria |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |
| pinned | 1024 | 30.00 | 51.5 | 29.3 / 55.6 | 1 / 2 | 955 | 716 | 86.4 | 0.10 | 0 / 0 | 0 | 69 (1) | 676 | met |
| pinned | 1536 | 29.95 | 150.5 | 115.2 / 252.9 | 4 / 8 | 966 | n/a | n/a | 0.10 | 0 / 2 | 0 | 96 (1) | n/a | bots saturated; also inter-arrival p99 150.5 ms >= 2 ticks (66.7 ms), ack p99 8 ticks > 2, 0 snapshots dropped by the server, 2 missed by the bots |

Goals (pinned, same hour). Arena: stdin, 2026-11-28 10:00 UTC, commit 050f7b0, 2 CPUs (AMD EPYC 7B13). No-logic server: no pinned point.

| figure | Arena | no-logic server | goal | met? |
| --- | --- | --- | --- | --- |
| server CPU per player-second, 1,024 players | 716 µs | not run | ≤ 1.0× the no-logic server's | not measured |
| capacity: most players held | 1,024 (1,536 bots saturated) | not run | ≥ the no-logic server's | not measured |
| server memory per player, 1,024 players | 86.4 KiB | not run | ≤ 48 KiB | not met |
`
	if out.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestCheck(t *testing.T) {
	lines := strings.Split(strings.TrimSpace(runs), "\n")
	for _, tc := range []struct {
		name, input string
		code        int
	}{
		{"a run that holds", lines[0], 0},
		{"a saturated run", lines[2], 1},
		{"not JSON", "bots failed\n", 2},
		{"not a run", `{"placement":"pinned"}`, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := run([]string{"-header=false", "-check"}, strings.NewReader(tc.input), &out, &errOut); code != tc.code {
				t.Fatalf("exit %d, want %d (stderr %q)", code, tc.code, errOut.String())
			}
			if tc.code < 2 && (strings.Count(out.String(), "\n") != 1 || !strings.HasPrefix(out.String(), "| pinned |")) {
				t.Fatalf("want one row alone, got %q", out.String())
			}
		})
	}
}

// goalsSection is the goals table of an output, caption included.
func goalsSection(t *testing.T, out string) string {
	t.Helper()
	i := strings.Index(out, "Goals (pinned, same hour).")
	if i < 0 {
		t.Fatalf("no goals table in:\n%s", out)
	}
	return out[i:]
}

// The fixtures in testdata are made up (testdata/README.md): Arena's "slow"
// session held 1,024 pinned and not 1,536 at 716 µs and 86.4 KiB per
// player; its "fast" one held 1,024, 1,536 and 2,048 at 300 µs and 40 KiB;
// the no-logic server held 1,024 and 1,536 and not 2,048 within the hour
// of both, at 350 µs and 40 KiB, and held 1,024 again four hours later.
func TestGoals(t *testing.T) {
	const (
		header = "| figure | Arena | no-logic server | goal | met? |\n| --- | --- | --- | --- | --- |\n"
		floors = "No-logic server: 1,024 clients at 2026-11-28T10:20:00Z, 1,536 clients at 2026-11-28T10:30:00Z, 2,048 clients at 2026-11-28T10:40:00Z, machine not named in its files."
		slow   = "Arena: capacity-fixture-slow.jsonl, 2026-11-28 10:00 UTC, commit fixslow, TEST FIXTURE machine."
	)
	for _, tc := range []struct {
		name  string
		files []string
		want  string
	}{
		{
			name:  "met",
			files: []string{"capacity-fixture-fast.jsonl", "floor-fixture-pinned-1024.json", "floor-fixture-pinned-1536.json", "floor-fixture-pinned-2048.json"},
			want: "Goals (pinned, same hour). Arena: capacity-fixture-fast.jsonl, 2026-11-28 10:00 UTC, commit fixfast, TEST FIXTURE machine. " + floors + "\n\n" + header +
				"| server CPU per player-second, 1,024 players | 300 µs (0.86×) | 350 µs | ≤ 1.0× the no-logic server's | met |\n" +
				"| capacity: most players held | ≥ 2,048 (held 2,048; nothing larger run) | 1,536 (2,048 not met) | ≥ the no-logic server's | met |\n" +
				"| server memory per player, 1,024 players | 40.0 KiB | 40.0 KiB | ≤ 48 KiB | met |\n",
		},
		{
			name:  "not met",
			files: []string{"capacity-fixture-slow.jsonl", "floor-fixture-pinned-1024.json", "floor-fixture-pinned-1536.json", "floor-fixture-pinned-2048.json"},
			want: "Goals (pinned, same hour). " + slow + " " + floors + "\n\n" + header +
				"| server CPU per player-second, 1,024 players | 716 µs (2.05×) | 350 µs | ≤ 1.0× the no-logic server's | not met |\n" +
				"| capacity: most players held | 1,024 (1,536 not met) | 1,536 (2,048 not met) | ≥ the no-logic server's | not met |\n" +
				"| server memory per player, 1,024 players | 86.4 KiB | 40.0 KiB | ≤ 48 KiB | not met |\n",
		},
		{
			name:  "missing floor",
			files: []string{"capacity-fixture-slow.jsonl"},
			want: "Goals (pinned, same hour). " + slow + " No-logic server: no pinned point.\n\n" + header +
				"| server CPU per player-second, 1,024 players | 716 µs | not run | ≤ 1.0× the no-logic server's | not measured |\n" +
				"| capacity: most players held | 1,024 (1,536 not met) | not run | ≥ the no-logic server's | not measured |\n" +
				"| server memory per player, 1,024 players | 86.4 KiB | not run | ≤ 48 KiB | not met |\n",
		},
		{
			name:  "missing Arena",
			files: []string{"floor-fixture-pinned-1024.json"},
			want: "Goals (pinned, same hour). Arena: no pinned run. No-logic server: 1,024 clients at 2026-11-28T10:20:00Z, machine not named in its files.\n\n" + header +
				"| server CPU per player-second, 1,024 players | not run | 350 µs | ≤ 1.0× the no-logic server's | not measured |\n" +
				"| capacity: most players held | not run | ≥ 1,024 (held 1,024; nothing larger run) | ≥ the no-logic server's | not measured |\n" +
				"| server memory per player, 1,024 players | not run | 40.0 KiB | ≤ 48 KiB | not measured |\n",
		},
		{
			name:  "different hour",
			files: []string{"capacity-fixture-slow.jsonl", "floor-fixture-later-pinned-1024.json"},
			want: "Goals (pinned, same hour). " + slow + " No-logic server: 1,024 clients at 2026-11-28T14:00:00Z, machine not named in its files. Not comparable: different hour.\n\n" + header +
				"| server CPU per player-second, 1,024 players | 716 µs | 354 µs | ≤ 1.0× the no-logic server's | not comparable (different hour) |\n" +
				"| capacity: most players held | 1,024 (1,536 not met) | ≥ 1,024 (held 1,024; 1,536 not run) | ≥ the no-logic server's | not comparable (different hour) |\n" +
				"| server memory per player, 1,024 players | 86.4 KiB | 40.5 KiB (different hour) | ≤ 48 KiB | not met |\n",
		},
		{
			// The point of the same hour is the one compared; the later one is left out.
			name:  "same hour chosen over a later hour",
			files: []string{"capacity-fixture-slow.jsonl", "floor-fixture-later-pinned-1024.json", "floor-fixture-pinned-1024.json"},
			want: "Goals (pinned, same hour). " + slow + " No-logic server: 1,024 clients at 2026-11-28T10:20:00Z, machine not named in its files.\n\n" + header +
				"| server CPU per player-second, 1,024 players | 716 µs (2.05×) | 350 µs | ≤ 1.0× the no-logic server's | not met |\n" +
				"| capacity: most players held | 1,024 (1,536 not met) | ≥ 1,024 (held 1,024; 1,536 not run) | ≥ the no-logic server's | not measured (no-logic server not run at 1,536) |\n" +
				"| server memory per player, 1,024 players | 86.4 KiB | 40.0 KiB | ≤ 48 KiB | not met |\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var args []string
			for _, f := range tc.files {
				args = append(args, filepath.Join("testdata", f))
			}
			var out, errOut bytes.Buffer
			if code := run(args, nil, &out, &errOut); code != 0 {
				t.Fatalf("exit %d: %s", code, errOut.String())
			}
			if got := goalsSection(t, out.String()); got != tc.want {
				t.Errorf("goals:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

// TestFloorFile reads the no-logic server's points: their figures at the
// top level, under "bots" or under "bot", one table row each with its
// criteria; a file is recognised by its fields when not named floor-*.
func TestFloorFile(t *testing.T) {
	for _, tc := range []struct {
		file, row string
	}{
		{"floor-fixture-pinned-1024.json", "| TEST FIXTURE, not a measurement | pinned | 1024 | 2026-11-28T10:20:00Z | 29.98 | 40.2 | 35.1 | 350 | 40.0 | 0 / 0 | 0 / 0 | 1024 / 1024 | 40 | met |"},
		{"floor-fixture-pinned-1536.json", "| TEST FIXTURE, not a measurement | pinned | 1536 | 2026-11-28T10:30:00Z | 29.97 | 48.5 | 44.0 | 339 | 38.0 | 0 / 0 | 0 / 0 | 1536 / 1536 | 58 | met |"},
		{"floor-fixture-pinned-2048.json", "| TEST FIXTURE, not a measurement | pinned | 2048 | 2026-11-28T10:40:00Z | 29.90 | 80.3 | 120.4 | 332 | 37.0 | 0 / 0 | 0 / 0 | 2048 / 2048 | 79 | not met: gap p99 80.3 ms >= 2 ticks (66.7 ms), latency p99 120.4 ms > 2 ticks (66.7 ms) |"},
		{"floor-fixture-later-pinned-1024.json", "| TEST FIXTURE, not a measurement | pinned | 1024 | 2026-11-28T14:00:00Z | 29.98 | 41.0 | 36.3 | 354 | 40.5 | 0 / 0 | 0 / 0 | 1024 / 1024 | 40 | met |"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			// As standard input, so by its fields rather than its name; and
			// -check counts Arena's runs only.
			var out, errOut bytes.Buffer
			if code := run([]string{"-header=false", "-check"}, bytes.NewReader(data), &out, &errOut); code != 0 {
				t.Fatalf("exit %d: %s", code, errOut.String())
			}
			if got := strings.TrimSuffix(out.String(), "\n"); got != tc.row {
				t.Errorf("row:\n%s\nwant:\n%s", got, tc.row)
			}
		})
	}
}

func TestFloorDecode(t *testing.T) {
	for _, tc := range []struct {
		name, json, verdict string
	}{
		{
			"the top level wins over the nested object",
			`{"n":16,"gap_p99_ms":40,"bots":{"gap_p99_ms":90,"snaps_per_s_per_client":30,"lat_p99_ms":50,"connected":16,"alive_at_end":16,"read_errors":0,"write_errors":0,"missed_ticks":0},"snaps_dropped":0}`,
			"met",
		},
		{
			"a missing figure is unknown, not 0",
			`{"n":16,"bot":{"snaps_per_s_per_client":30,"gap_p99_ms":40,"connected":16,"alive_at_end":16,"read_errors":0,"write_errors":0}}`,
			"not met: latency p99 unknown, drops unknown",
		},
		{
			"errors, drops and clients lost",
			`{"n":16,"hz":30,"snaps_per_s_per_client":29,"gap_p99_ms":40,"lat_p99_ms":50,"snaps_dropped":3,"missed_ticks":0,"read_errors":1,"write_errors":0,"connected":16,"alive_at_end":15}`,
			"not met: 29.00 snapshots/client/s < 29.40, 3 snapshots dropped, 0 ticks missed, 1 read errors, 0 write errors, 16 of 16 clients connected, 15 alive at the end",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := decodeFloor([]byte(tc.json))
			if err != nil {
				t.Fatal(err)
			}
			if got := p.verdict(); got != tc.verdict {
				t.Errorf("verdict %q, want %q", got, tc.verdict)
			}
		})
	}
	if _, err := decodeFloor([]byte(`{"label":"x"}`)); err == nil {
		t.Error("a point without n decoded")
	}
}

// TestDifferentMachine: a point that names another machine is not compared.
func TestDifferentMachine(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "floor-fixture-pinned-1024.json"))
	if err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(t.TempDir(), "floor-other-machine.json")
	data = bytes.Replace(data, []byte(`"placement"`), []byte(`"machine": "another machine", "placement"`), 1)
	if err := os.WriteFile(other, data, 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := run([]string{filepath.Join("testdata", "capacity-fixture-slow.jsonl"), other}, nil, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	got := goalsSection(t, out.String())
	for _, want := range []string{
		"No-logic server: 1,024 clients at 2026-11-28T10:20:00Z, another machine. Not comparable: different machine.",
		"| 716 µs | 350 µs | ≤ 1.0× the no-logic server's | not comparable (different machine) |",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("goals:\n%s\nwant in it: %s", got, want)
		}
	}
}
