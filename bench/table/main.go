// Command table prints the capacity runs that bench/capacity.sh recorded as
// markdown tables, one row per run, the criteria column from
// loadtest.Summary.Verdict, so that no figure in the README is typed by
// hand:
//
//	go run ./bench/table bench/results/*.jsonl bench/results/floor-*.json
//
// Each .jsonl file is one capacity.sh invocation (one JSON line per run: the
// bots' summary plus placement, machine, commit and date) and gets its own
// table under a line naming the commit, date and machine. A file named
// floor-* (or whose first object has the no-logic runner's fields: "n",
// "server_cpu_us_per_client_s", or a "bots" object) is one point of the
// no-logic server of docs/benchmark.md, a gorilla/websocket server with no
// game logic; its bots' figures may be at the top level or in an object
// "bots" or "bot", and the file is only read. The points get one table
// together, each judged by the criteria Arena's runs are held to as far as
// the runner measures them.
//
// Then a "Goals (pinned, same hour)" table compares the latest pinned runs
// of Arena that have a pinned point of the no-logic server on the same
// machine (when the point names one) within an hour of the runs' date
// (when capacity.sh started) with those points: server CPU per player-second at 1,024 players (goal ≤ 1.0×
// the no-logic server's), capacity (the largest size held, goal ≥ the
// no-logic server's) and server memory per player at 1,024 (goal ≤ 48 KiB).
// Each row says met, not met, not measured (a side or a size missing) or
// not comparable (different hour or machine).
//
// With no file it reads standard input. -header=false prints the rows alone
// (capacity.sh prints each run's row as it ends) and no goals table; -check
// exits with status 1 when one of Arena's rows does not meet the criteria
// (the no-logic server's points do not count).
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/arena-server/arena/loadtest"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// record is one line of a capacity.sh results file.
type record struct {
	Placement string `json:"placement"`
	Machine   string `json:"machine"`
	Commit    string `json:"commit"`
	Date      string `json:"date"`
	Go        string `json:"go"`
	loadtest.Summary
}

// run is the command: it returns the exit status (0, 1 for -check with a
// row that misses the criteria, 2 for bad flags or input).
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("table", flag.ContinueOnError)
	fs.SetOutput(stderr)
	header := fs.Bool("header", true, "print each table's caption and header")
	check := fs.Bool("check", false, "exit with status 1 if a run does not meet the criteria")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	type source struct {
		name string
		r    io.Reader
	}
	var sources []source
	if fs.NArg() == 0 {
		sources = append(sources, source{"stdin", stdin})
	}
	for _, name := range fs.Args() {
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintln(stderr, "table:", err)
			return 2
		}
		defer f.Close()
		sources = append(sources, source{name, f})
	}
	allMet := true
	printed := 0
	var sessions []session
	var floors []floorPoint
	hasRecords := false
	for _, src := range sources {
		data, err := io.ReadAll(src.r)
		if err != nil {
			fmt.Fprintf(stderr, "table: %s: %v\n", src.name, err)
			return 2
		}
		if isFloorFile(src.name, data) {
			pts, err := readFloor(data)
			if err != nil {
				fmt.Fprintf(stderr, "table: %s: %v\n", src.name, err)
				return 2
			}
			floors = append(floors, pts...)
			continue
		}
		recs, err := read(bytes.NewReader(data))
		if err != nil {
			fmt.Fprintf(stderr, "table: %s: %v\n", src.name, err)
			return 2
		}
		hasRecords = hasRecords || len(recs) > 0
		if s, ok := newSession(src.name, recs); ok {
			sessions = append(sessions, s)
		}
		if *header {
			if printed > 0 {
				fmt.Fprintln(stdout)
			}
			writeHeader(stdout, recs)
		}
		printed++
		for _, r := range recs {
			v := r.Verdict()
			allMet = allMet && v.Met()
			fmt.Fprintln(stdout, row(r, v))
		}
	}
	if len(floors) > 0 {
		if *header {
			if printed > 0 {
				fmt.Fprintln(stdout)
			}
			writeFloorHeader(stdout)
		}
		printed++
		for _, p := range floors {
			fmt.Fprintln(stdout, floorRow(p))
		}
	}
	if *header && (hasRecords || len(floors) > 0) {
		fmt.Fprintln(stdout)
		writeGoals(stdout, pickGoals(sessions, floors))
	}
	if *check && !allMet {
		return 1
	}
	return 0
}

// read decodes one JSON record per non-blank line.
func read(r io.Reader) ([]record, error) {
	var recs []record
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var rec record
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if rec.Bots == 0 {
			return nil, fmt.Errorf("line %d: not a run of the bots (no \"bots\")", n)
		}
		recs = append(recs, rec)
	}
	return recs, sc.Err()
}

// writeHeader prints the caption of a file's runs (from its first) and the
// table header.
func writeHeader(w io.Writer, recs []record) {
	if len(recs) > 0 {
		r := recs[0]
		fmt.Fprintf(w, "Runs of %s, commit %s, %s, %s; mode %s, decode-every %d, %.0f s windows.\n\n",
			orNA(r.Date), orNA(r.Commit), orNA(r.Machine), orNA(r.Go), r.Mode, r.DecodeEvery, r.DurationS)
	}
	fmt.Fprintln(w, "| placement | bots | snapshots/bot/s | inter-arrival p99 ms | ack p50/p99 ms | ack p50/p99 ticks | B/bot/s | server µs/player/s | RSS KiB/player | tick p99 ms | dropped / missed | errors | bots CPU % (cores) | bots µs/bot/s | criteria |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
}

// row is one run's table row.
func row(r record, v loadtest.Verdict) string {
	cells := []string{
		orNA(r.Placement),
		fmt.Sprint(r.Bots),
		fmt.Sprintf("%.2f", r.SnapshotsPerBotPerS),
		fmt.Sprintf("%.1f", r.SnapshotInterarrivalMS.P99),
		fmt.Sprintf("%.1f / %.1f", r.InputAckMS.P50, r.InputAckMS.P99),
		fmt.Sprintf("%.0f / %.0f", r.InputAckTicks.P50, r.InputAckTicks.P99),
		fmt.Sprintf("%.0f", r.BytesPerBotPerS),
		"n/a", "n/a", "n/a", "n/a",
		fmt.Sprint(r.Errors),
		"n/a", "n/a",
		v.String(),
	}
	if p := r.ServerProcess; p != nil {
		cells[7], cells[8] = fmt.Sprintf("%.0f", p.ServerCPUUSPerPlayerS), fmt.Sprintf("%.1f", p.ServerRSSKiBPerPlayer)
	}
	if m := r.ServerMetrics; m != nil {
		cells[9], cells[10] = fmt.Sprintf("%.2f", m.TickP99MS), fmt.Sprintf("%d / %d", m.SnapshotsDropped, r.SnapshotsMissed)
	}
	if r.BotsCPUPercent != nil {
		cells[12] = fmt.Sprintf("%.0f (%d)", *r.BotsCPUPercent, r.BotsCPUs)
	}
	if r.BotsCPUUSPerBotS != nil {
		cells[13] = fmt.Sprintf("%.0f", *r.BotsCPUUSPerBotS)
	}
	return "| " + strings.Join(cells, " | ") + " |"
}

func orNA(s string) string {
	if s == "" {
		return "n/a"
	}
	return s
}
