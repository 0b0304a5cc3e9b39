package loadtest

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// Summary is what a run measured. Every rate and percentile covers the
// measurement window only; Errors and ErrorKinds, and the counts of moves,
// failovers and lobby chat, cover the whole run, ramp-up included.
type Summary struct {
	// Server is the server's base URL, or the comma-separated list of the
	// cluster's nodes' (Config.Server).
	Server string `json:"server"`
	// Mode is the mode the bots queued for.
	Mode string `json:"mode"`
	// Bots is the number of bots started.
	Bots int `json:"bots"`
	// DecodeEvery is the Config.DecodeEvery used: one bot in DecodeEvery decoded.
	DecodeEvery int `json:"decode_every"`
	// Decoders is the number of bots that decoded every snapshot.
	Decoders int `json:"decoders"`
	// Connected is the number of bots authenticated at the end of the window.
	Connected int `json:"connected"`
	// Playing is the number of bots that received at least one snapshot in
	// the window; the per-bot rates divide by it.
	Playing int `json:"playing"`
	// Matches is the number of distinct matches whose MatchEnd a bot received
	// in the window.
	Matches int `json:"matches"`
	// TickHz is the tick rate of the bots' matches (the tick_rate of the
	// first MatchStart a bot received); 0 if no match started.
	TickHz uint32 `json:"tick_hz"`
	// RampS is the ramp-up time in seconds, before the window.
	RampS float64 `json:"ramp_s"`
	// DurationS is the measured length of the window in seconds.
	DurationS float64 `json:"duration_s"`
	// SnapshotsTotal is the number of snapshots all bots received.
	SnapshotsTotal uint64 `json:"snapshots_total"`
	// SnapshotsDecoded is the part of SnapshotsTotal that was fully decoded.
	SnapshotsDecoded uint64 `json:"snapshots_decoded"`
	// SnapshotsMissed counts ticks the decoding bots saw skipped between two
	// consecutive snapshots of a match (snapshots the server dropped).
	SnapshotsMissed uint64 `json:"snapshots_missed"`
	// SnapshotsPerBotPerS is SnapshotsTotal / Playing / DurationS.
	SnapshotsPerBotPerS float64 `json:"snapshots_per_bot_per_s"`
	// BytesTotal is the websocket payload all bots received.
	BytesTotal uint64 `json:"bytes_total"`
	// BytesPerBotPerS is BytesTotal / Playing / DurationS.
	BytesPerBotPerS float64 `json:"bytes_per_bot_per_s"`
	// InputsSent is the number of inputs all bots sent.
	InputsSent uint64 `json:"inputs_sent"`
	// InputsAfterEnd counts inputs the server refused as "not in a match"
	// because they crossed the end of their match on the wire (a benign race,
	// not an error; see bot.onError).
	InputsAfterEnd uint64 `json:"inputs_after_end"`
	// SnapshotInterarrivalMS is the time between consecutive snapshots of a
	// match at one bot, in milliseconds.
	SnapshotInterarrivalMS Quantiles `json:"snapshot_interarrival_ms"`
	// InputAckMS is the time from sending an input to receiving the first
	// snapshot that acknowledges it, in milliseconds (decoding bots only).
	InputAckMS Quantiles `json:"input_ack_ms"`
	// InputAckTicks is, for the same inputs, the acknowledging snapshot's
	// tick minus the newest tick the bot had seen when it sent the input.
	InputAckTicks Quantiles `json:"input_ack_ticks"`
	// FoundToSnapshotMS is the time from a MatchFound to the match's first
	// snapshot at a bot whose match runs on the node it was connected to,
	// in milliseconds (whole run).
	FoundToSnapshotMS Quantiles `json:"found_to_snapshot_ms"`
	// MovedToSnapshotMS is the same for a bot whose match runs on another
	// node: MatchFound, close, connect there with the seat ticket, first
	// snapshot.
	MovedToSnapshotMS Quantiles `json:"moved_to_snapshot_ms"`
	// Moves counts the matches the bots joined on another node: a
	// MatchFound naming node_url, which a bot followed to take its seat
	// there (not an error; a seat that node refused is one, seat_refused).
	Moves uint64 `json:"moves"`
	// Failovers counts the times a bot not in a match lost its server (a
	// refused connection, close 1001 going away, a draining node) and went
	// on to the next listed server with its token (not an error). Only with
	// several servers: with one, such a failure is an error.
	Failovers uint64 `json:"failovers"`
	// LobbyChatSent is the number of lobby chat lines the bots posted
	// (Config.LobbyChat), a few refused because the bot's match began as the
	// line crossed included.
	LobbyChatSent uint64 `json:"lobby_chat_sent"`
	// LobbyChatReceivedCross is the number of lobby lines the bots received
	// from bots that signed in through another server than theirs: lines
	// that crossed nodes, in a cluster. A line counts at most once per bot:
	// lines posted before the bot last entered the lobby, which the lobby's
	// history replays, are not counted.
	LobbyChatReceivedCross uint64 `json:"lobby_chat_received_cross"`
	// Errors is the number of errors of the whole run.
	Errors uint64 `json:"errors"`
	// ErrorKinds counts Errors by kind.
	ErrorKinds map[string]uint64 `json:"error_kinds"`

	// The server's figures over the window, their fields inlined in the
	// JSON: ServerMetrics from its /metrics (nil if a scrape failed),
	// ServerProcess from /proc (nil without Config.ServerPID, or if a sample
	// failed).
	*ServerMetrics
	*ServerProcess
	// BotsCPUs is how many cores the bots may run on: the CPUs of their
	// process's affinity mask (taskset), at most GOMAXPROCS.
	BotsCPUs int `json:"bots_cpus"`
	// BotsCPUPercent is the bots' own CPU time (this process, from /proc)
	// over the window, in percent of one core. Absent without /proc.
	BotsCPUPercent *float64 `json:"bots_cpu_percent,omitempty"`
	// BotsCPUUSPerBotS is the same CPU time in µs ÷ Bots ÷ seconds: what one
	// bot costs. Absent without /proc.
	BotsCPUUSPerBotS *float64 `json:"bots_cpu_us_per_bot_s,omitempty"`
	// BotsSaturated is true when BotsCPUPercent reached BotsSaturatedPercent
	// of BotsCPUs cores: the bots were busy enough that they, not the server,
	// may be what the run measured.
	BotsSaturated bool `json:"bots_saturated"`
	// ServerProbeError says why server figures are missing; empty if none is.
	// A failed probe is not one of the bots' Errors.
	ServerProbeError string `json:"server_probe_error,omitempty"`
}

// BotsSaturatedPercent is the share of their cores, in percent, at which
// the bots count as saturated (Summary.BotsSaturated).
const BotsSaturatedPercent = 90

// Verdict is whether a run shows the server holding its bots, by the
// criteria of docs/benchmark.md.
type Verdict struct {
	// Missed names each criterion the run missed, with its figure.
	Missed []string
	// BotsSaturated is Summary.BotsSaturated: the run measured the bots'
	// limit, and what it missed says little about the server.
	BotsSaturated bool
}

// Met reports whether the run met every criterion, the bots' CPU included.
func (v Verdict) Met() bool { return len(v.Missed) == 0 && !v.BotsSaturated }

// String is "met", "not met: …" or "bots saturated" (and what else was missed).
func (v Verdict) String() string {
	switch {
	case v.Met():
		return "met"
	case v.BotsSaturated && len(v.Missed) == 0:
		return "bots saturated"
	case v.BotsSaturated:
		return "bots saturated; also " + strings.Join(v.Missed, ", ")
	}
	return "not met: " + strings.Join(v.Missed, ", ")
}

// minSnapshotShare is the least share of the tick rate each bot must
// receive in snapshots per second: 29.4 at 30 Hz.
const minSnapshotShare = 0.98

// Verdict checks the run against the criteria of "holds N players": a
// snapshot every tick (at least 98 % of the tick rate per bot per second,
// inter-arrival p99 under 2 ticks), input-to-acknowledgement p99 at most 2
// ticks, every bot connected and playing, no error, no snapshot dropped by
// the server or missed by a decoding bot, and the bots below
// BotsSaturatedPercent of their cores.
func (s Summary) Verdict() Verdict {
	v := Verdict{BotsSaturated: s.BotsSaturated}
	miss := func(format string, args ...any) { v.Missed = append(v.Missed, fmt.Sprintf(format, args...)) }
	if s.TickHz == 0 {
		miss("no match started")
	} else {
		hz := float64(s.TickHz)
		if s.SnapshotsPerBotPerS < minSnapshotShare*hz {
			miss("%.2f snapshots/bot/s < %.2f", s.SnapshotsPerBotPerS, minSnapshotShare*hz)
		}
		if ia, twoTicks := s.SnapshotInterarrivalMS, 2000/hz; ia.Samples == 0 || ia.P99 >= twoTicks {
			miss("inter-arrival p99 %.1f ms >= 2 ticks (%.1f ms)", ia.P99, twoTicks)
		}
	}
	switch ack := s.InputAckTicks; {
	case ack.Samples == 0:
		miss("no input acknowledged")
	case ack.P99 > 2:
		miss("ack p99 %g ticks > 2", ack.P99)
	}
	if s.Connected < s.Bots || s.Playing < s.Bots {
		miss("%d of %d bots connected, %d playing", s.Connected, s.Bots, s.Playing)
	}
	if s.Errors > 0 {
		miss("%d errors", s.Errors)
	}
	switch {
	case s.ServerMetrics == nil:
		miss("no server metrics")
	case s.SnapshotsDropped > 0 || s.SnapshotsMissed > 0:
		miss("%d snapshots dropped by the server, %d missed by the bots", s.SnapshotsDropped, s.SnapshotsMissed)
	}
	if s.BotsCPUPercent == nil {
		miss("bots' CPU unknown")
	}
	return v
}

// WriteText prints the summary for people.
func (s Summary) WriteText(w io.Writer) {
	line := func(label, format string, args ...any) {
		fmt.Fprintf(w, "  %-13s"+format+"\n", append([]any{label}, args...)...)
	}
	fmt.Fprintf(w, "arena-bots: %d bots (%d decoding, decode-every %d), mode %s, server %s\n",
		s.Bots, s.Decoders, s.DecodeEvery, s.Mode, s.Server)
	line("window", "%.1f s after %.1f s of ramp-up; %d connected, %d playing, %d matches ended, %d Hz",
		s.DurationS, s.RampS, s.Connected, s.Playing, s.Matches, s.TickHz)
	line("snapshots", "%.2f /bot/s (%d total, %d decoded, %d missed)",
		s.SnapshotsPerBotPerS, s.SnapshotsTotal, s.SnapshotsDecoded, s.SnapshotsMissed)
	line("downstream", "%.0f B/bot/s (%d B total)", s.BytesPerBotPerS, s.BytesTotal)
	line("inputs", "%d sent, %d refused after their match ended", s.InputsSent, s.InputsAfterEnd)
	line("nodes", "%d moves to a match on another node, %d failovers to the next server", s.Moves, s.Failovers)
	line("lobby chat", "%d lines sent, %d received that were sent through another node", s.LobbyChatSent, s.LobbyChatReceivedCross)
	quant := func(label, unit string, q Quantiles) {
		line(label, "p50 %.2f  p90 %.2f  p99 %.2f  max %.2f %s (%d samples)", q.P50, q.P90, q.P99, q.Max, unit, q.Samples)
	}
	quant("interarrival", "ms", s.SnapshotInterarrivalMS)
	quant("input ack", "ms", s.InputAckMS)
	quant("input ack", "ticks", s.InputAckTicks)
	quant("found→snapshot", "ms", s.FoundToSnapshotMS)
	quant("moved→snapshot", "ms", s.MovedToSnapshotMS)
	errs := fmt.Sprint(s.Errors)
	for _, k := range slices.Sorted(maps.Keys(s.ErrorKinds)) {
		errs += fmt.Sprintf(" %s=%d", k, s.ErrorKinds[k])
	}
	line("errors", "%s", errs)
	if m := s.ServerMetrics; m != nil {
		line("server", "%.0f players, %.0f matches over %.1f s of /metrics", m.ServerPlayers, m.ServerMatches, m.ServerWindowS)
		line("server ticks", "%d: p50 %.3f  p99 %.3f ms (bucket-interpolated); %d overruns, %d skipped",
			m.Ticks, m.TickP50MS, m.TickP99MS, m.TickOverruns, m.TicksSkipped)
		line("server sent", "%.0f B/player/s; %d snapshots, %d dropped", m.ServerBytesSentPerPlayerS, m.SnapshotsSent, m.SnapshotsDropped)
	}
	if p := s.ServerProcess; p != nil {
		line("server cpu", "%.1f%% of a core, %.1f µs/player/s (%.2f s in %.1f s, pid %d)",
			p.ServerCPUPercent, p.ServerCPUUSPerPlayerS, p.ServerCPUS, p.ServerProcWindowS, p.ServerPID)
		line("server rss", "%.1f MiB, %.1f KiB/player", p.ServerRSSMiB, p.ServerRSSKiBPerPlayer)
	}
	if s.BotsCPUPercent != nil && s.BotsCPUUSPerBotS != nil {
		saturated := ""
		if s.BotsSaturated {
			saturated = ": bots saturated"
		}
		line("bots cpu", "%.1f%% of a core (this process, %d cores usable), %.1f µs/bot/s%s",
			*s.BotsCPUPercent, s.BotsCPUs, *s.BotsCPUUSPerBotS, saturated)
	}
	if s.ServerProbeError != "" {
		line("server", "figures missing: %s", s.ServerProbeError)
	}
	line("criteria", "%s", s.Verdict())
}
