package main

import (
	"bytes"
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
