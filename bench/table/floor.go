package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"
)

// floorPoint is one point of the no-logic server's runner (the socket
// floor of docs/benchmark.md): one JSON object per file. Its bots' figures
// may be at the top level or in an object named "bots" or "bot"; a field at
// the top level wins over the same field in that object. Figures are
// pointers so that a missing one reads as unknown, never as 0.
type floorPoint struct {
	Label     string `json:"label"`
	Placement string `json:"placement"`
	// Machine is not one of the runner's fields today; when a file has it,
	// it must match Arena's run to be compared.
	Machine  string  `json:"machine"`
	N        int     `json:"n"`
	RoomSize int     `json:"room_size"`
	Hz       float64 `json:"hz"`
	When     string  `json:"when"`
	WindowS  float64 `json:"window_s"`

	ServerCPUPct          *float64 `json:"server_cpu_pct"`
	BotsCPUPct            *float64 `json:"bots_cpu_pct"`
	ServerCPUUSPerClientS *float64 `json:"server_cpu_us_per_client_s"`
	BotsCPUUSPerClientS   *float64 `json:"bots_cpu_us_per_client_s"`
	// ServerRSSPerClient is in bytes.
	ServerRSSPerClient *float64 `json:"server_rss_per_client"`
	SnapsDropped       *float64 `json:"snaps_dropped"`
	TickHzMin          *float64 `json:"tick_hz_min"`
	TickHzMean         *float64 `json:"tick_hz_mean"`

	// The bots' figures.
	SnapsPerSPerClient *float64 `json:"snaps_per_s_per_client"`
	GapP99MS           *float64 `json:"gap_p99_ms"`
	LatP99MS           *float64 `json:"lat_p99_ms"`
	Connected          *float64 `json:"connected"`
	ReadErrors         *float64 `json:"read_errors"`
	WriteErrors        *float64 `json:"write_errors"`
	AliveAtEnd         *float64 `json:"alive_at_end"`
	MissedTicks        *float64 `json:"missed_ticks"`

	t      time.Time // When, parsed
	tKnown bool      // When parsed
}

// floorHz is the tick rate assumed when a point does not say (the no-logic
// server ticks at 30 Hz like Arena).
const floorHz = 30

// minSnapshotShare is the least share of the tick rate each client must
// receive in snapshots per second, as loadtest's criteria.
const minSnapshotShare = 0.98

// nestedKeys are the names of the object that may hold the bots' figures.
var nestedKeys = []string{"bot", "bots"}

// isFloorFile reports whether a source holds points of the no-logic server:
// by its name (floor-*) or by its first JSON object's fields.
func isFloorFile(name string, data []byte) bool {
	if strings.HasPrefix(filepath.Base(name), "floor-") {
		return true
	}
	var m map[string]json.RawMessage
	if json.NewDecoder(bytes.NewReader(data)).Decode(&m) != nil {
		return false
	}
	return isFloorObject(m)
}

// isFloorObject reports whether a JSON object has the no-logic runner's
// fields: Arena's lines have "bots" as a number and no "n".
func isFloorObject(m map[string]json.RawMessage) bool {
	for _, k := range []string{"n", "server_cpu_us_per_client_s", "snaps_per_s_per_client"} {
		if _, ok := m[k]; ok {
			return true
		}
	}
	for _, k := range nestedKeys {
		if isObject(m[k]) {
			return true
		}
	}
	return false
}

func isObject(raw json.RawMessage) bool {
	return len(bytes.TrimSpace(raw)) > 0 && bytes.TrimSpace(raw)[0] == '{'
}

// readFloor decodes every JSON object of a floor file (one in practice,
// pretty-printed or not).
func readFloor(data []byte) ([]floorPoint, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var pts []floorPoint
	for i := 1; ; i++ {
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("object %d: %w", i, err)
		}
		p, err := decodeFloor(raw)
		if err != nil {
			return nil, fmt.Errorf("object %d: %w", i, err)
		}
		pts = append(pts, p)
	}
	if len(pts) == 0 {
		return nil, fmt.Errorf("no point of the no-logic server")
	}
	return pts, nil
}

// decodeFloor decodes one point: the nested "bot" or "bots" object first,
// then the top level over it.
func decodeFloor(raw json.RawMessage) (floorPoint, error) {
	var p floorPoint
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return p, err
	}
	for _, k := range nestedKeys {
		if isObject(m[k]) {
			if err := json.Unmarshal(m[k], &p); err != nil {
				return p, fmt.Errorf("%q: %w", k, err)
			}
		}
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return p, err
	}
	if p.N <= 0 {
		return p, fmt.Errorf("not a point of the no-logic server (no \"n\")")
	}
	if t, err := time.Parse(time.RFC3339, p.When); err == nil {
		p.t, p.tKnown = t, true
	}
	return p, nil
}

// hz is the point's tick rate.
func (p floorPoint) hz() float64 {
	if p.Hz > 0 {
		return p.Hz
	}
	return floorHz
}

// missed checks the point against the criteria Arena's runs are held to, as
// far as the runner measures them: at least 98 % of the tick rate in
// snapshots per client per second, gap p99 under 2 ticks, latency p99 at
// most 2 ticks, no snapshot dropped and no tick missed, no read or write
// error, every client connected and alive at the end. A figure the file
// lacks is a criterion missed ("… unknown").
func (p floorPoint) missed() []string {
	var m []string
	miss := func(format string, args ...any) { m = append(m, fmt.Sprintf(format, args...)) }
	hz := p.hz()
	twoTicks := 2000 / hz
	switch s := p.SnapsPerSPerClient; {
	case s == nil:
		miss("snapshots/client/s unknown")
	case *s < minSnapshotShare*hz:
		miss("%.2f snapshots/client/s < %.2f", *s, minSnapshotShare*hz)
	}
	switch g := p.GapP99MS; {
	case g == nil:
		miss("gap p99 unknown")
	case *g >= twoTicks:
		miss("gap p99 %.1f ms >= 2 ticks (%.1f ms)", *g, twoTicks)
	}
	switch l := p.LatP99MS; {
	case l == nil:
		miss("latency p99 unknown")
	case *l > twoTicks:
		miss("latency p99 %.1f ms > 2 ticks (%.1f ms)", *l, twoTicks)
	}
	switch d, t := p.SnapsDropped, p.MissedTicks; {
	case d == nil || t == nil:
		miss("drops unknown")
	case *d > 0 || *t > 0:
		miss("%g snapshots dropped, %g ticks missed", *d, *t)
	}
	switch r, w := p.ReadErrors, p.WriteErrors; {
	case r == nil || w == nil:
		miss("errors unknown")
	case *r > 0 || *w > 0:
		miss("%g read errors, %g write errors", *r, *w)
	}
	switch c, a := p.Connected, p.AliveAtEnd; {
	case c == nil || a == nil:
		miss("connected/alive unknown")
	case *c < float64(p.N) || *a < float64(p.N):
		miss("%g of %d clients connected, %g alive at the end", *c, p.N, *a)
	}
	return m
}

// held reports whether the point met every criterion.
func (p floorPoint) held() bool { return len(p.missed()) == 0 }

// verdict is "met" or "not met: …".
func (p floorPoint) verdict() string {
	if m := p.missed(); len(m) > 0 {
		return "not met: " + strings.Join(m, ", ")
	}
	return "met"
}

// writeFloorHeader prints the caption and header of the no-logic server's
// table.
func writeFloorHeader(w io.Writer) {
	fmt.Fprintln(w, "Points of the no-logic server (a gorilla/websocket server with no game logic), one file each; criteria: snapshots/client/s at least 98 % of the tick rate, gap p99 < 2 ticks, latency p99 <= 2 ticks, nothing dropped or missed, no errors, every client connected and alive at the end.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| label | placement | clients | when | snapshots/client/s | gap p99 ms | latency p99 ms | server µs/client/s | RSS KiB/client | dropped / missed ticks | read / write errors | connected / alive | bots CPU % | criteria |")
	fmt.Fprintln(w, "| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
}

// floorRow is one point's row.
func floorRow(p floorPoint) string {
	return "| " + strings.Join([]string{
		orNA(p.Label),
		orNA(p.Placement),
		fmt.Sprint(p.N),
		orNA(p.When),
		num("%.2f", p.SnapsPerSPerClient),
		num("%.1f", p.GapP99MS),
		num("%.1f", p.LatP99MS),
		num("%.0f", p.ServerCPUUSPerClientS),
		kib(p.ServerRSSPerClient),
		num("%g", p.SnapsDropped) + " / " + num("%g", p.MissedTicks),
		num("%g", p.ReadErrors) + " / " + num("%g", p.WriteErrors),
		num("%g", p.Connected) + " / " + num("%g", p.AliveAtEnd),
		num("%.0f", p.BotsCPUPct),
		p.verdict(),
	}, " | ") + " |"
}

// num formats a figure, "n/a" when the file lacks it.
func num(format string, v *float64) string {
	if v == nil {
		return "n/a"
	}
	return fmt.Sprintf(format, *v)
}

// kib formats bytes per client as KiB.
func kib(bytes *float64) string {
	if bytes == nil {
		return "n/a"
	}
	return fmt.Sprintf("%.1f", *bytes/1024)
}
