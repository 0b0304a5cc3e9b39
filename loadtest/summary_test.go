package loadtest

import (
	"bytes"
	"strings"
	"testing"
)

// heldRun is a run of 1,024 bots that meets every criterion.
func heldRun() Summary {
	cpu, perBot := 60.0, 586.0
	return Summary{
		Bots: 1024, Connected: 1024, Playing: 1024, TickHz: 30,
		SnapshotsPerBotPerS:    29.98,
		SnapshotInterarrivalMS: Quantiles{Samples: 600000, P50: 33.3, P99: 51.5},
		InputAckTicks:          Quantiles{Samples: 38000, P50: 1, P99: 2},
		ServerMetrics:          &ServerMetrics{},
		BotsCPUs:               1, BotsCPUPercent: &cpu, BotsCPUUSPerBotS: &perBot,
	}
}

func TestVerdict(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*Summary)
		want   string
	}{
		{"held", func(*Summary) {}, "met"},
		{"inter-arrival just under 2 ticks", func(s *Summary) { s.SnapshotInterarrivalMS.P99 = 66.6 }, "met"},
		{"ack p99 of 3 ticks", func(s *Summary) { s.InputAckTicks.P99 = 3 }, "not met: ack p99 3 ticks > 2"},
		{"inter-arrival at 2 ticks", func(s *Summary) { s.SnapshotInterarrivalMS.P99 = 66.7 },
			"not met: inter-arrival p99 66.7 ms >= 2 ticks (66.7 ms)"},
		{"too few snapshots", func(s *Summary) { s.SnapshotsPerBotPerS = 29.3 }, "not met: 29.30 snapshots/bot/s < 29.40"},
		{"a bot not playing", func(s *Summary) { s.Playing = 1023 }, "not met: 1024 of 1024 bots connected, 1023 playing"},
		{"an error", func(s *Summary) { s.Errors = 1 }, "not met: 1 errors"},
		{"a snapshot dropped", func(s *Summary) { s.ServerMetrics.SnapshotsDropped = 2 },
			"not met: 2 snapshots dropped by the server, 0 missed by the bots"},
		{"a snapshot missed", func(s *Summary) { s.SnapshotsMissed = 1 },
			"not met: 0 snapshots dropped by the server, 1 missed by the bots"},
		{"no server metrics", func(s *Summary) { s.ServerMetrics = nil }, "not met: no server metrics"},
		{"no match", func(s *Summary) { s.TickHz = 0 }, "not met: no match started"},
		{"no acknowledgement timed", func(s *Summary) { s.InputAckTicks = Quantiles{} }, "not met: no input acknowledged"},
		{"bots saturated", func(s *Summary) { s.BotsSaturated = true }, "bots saturated"},
		{"bots saturated and late", func(s *Summary) { s.BotsSaturated, s.InputAckTicks.P99 = true, 8 },
			"bots saturated; also ack p99 8 ticks > 2"},
		{"two misses", func(s *Summary) { s.Errors, s.InputAckTicks.P99 = 3, 4 }, "not met: ack p99 4 ticks > 2, 3 errors"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := heldRun()
			tc.change(&s)
			v := s.Verdict()
			if got := v.String(); got != tc.want {
				t.Fatalf("verdict %q, want %q", got, tc.want)
			}
			if v.Met() != (tc.want == "met") {
				t.Fatalf("Met() = %v for %q", v.Met(), tc.want)
			}
		})
	}
}

func TestWriteTextSaysSaturated(t *testing.T) {
	s := heldRun()
	s.BotsSaturated = true
	var out bytes.Buffer
	s.WriteText(&out)
	for _, want := range []string{"586.0 µs/bot/s: bots saturated", "criteria     bots saturated"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary without %q:\n%s", want, out.String())
		}
	}
}

func TestWriteTextSaysNodesAndChat(t *testing.T) {
	s := heldRun()
	s.Server = "http://127.0.0.1:18081,http://127.0.0.1:18082"
	s.Moves, s.Failovers, s.LobbyChatSent, s.LobbyChatReceivedCross = 7, 2, 40, 31
	var out bytes.Buffer
	s.WriteText(&out)
	for _, want := range []string{
		"server http://127.0.0.1:18081,http://127.0.0.1:18082",
		"nodes        7 moves to a match on another node, 2 failovers to the next server",
		"lobby chat   40 lines sent, 31 received that were sent through another node",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary without %q:\n%s", want, out.String())
		}
	}
}
