// Command cluster-report turns bench/cluster.sh's raw measurement into the
// committed result, and results into the README's table of cluster figures.
//
//	cluster-report < raw.json > bench/results/cluster-….json
//	cluster-report -table bench/results/cluster-*.json
//
// The NATS traffic per player per second is the sum over the nodes of the
// messages (and bytes) they sent and received through NATS during the
// scrape window, divided by the players connected at its start and by its
// length. Those messages are the cluster's own (load reports, lease
// renewals, queue statuses, tickets, placements, lobby chat); nothing of a
// match crosses NATS.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// counters are one node's figures from /metrics.
type counters struct {
	MsgsIn   float64 `json:"msgs_in"`
	MsgsOut  float64 `json:"msgs_out"`
	BytesIn  float64 `json:"bytes_in"`
	BytesOut float64 `json:"bytes_out"`
	Players  float64 `json:"players"`
	Matches  float64 `json:"matches"`
}

type node struct {
	URL    string   `json:"url"`
	Before counters `json:"before"`
	After  counters `json:"after"`
}

// quantiles are loadtest.Quantiles, as far as the table reads them.
type quantiles struct {
	P50     float64 `json:"p50"`
	P99     float64 `json:"p99"`
	Samples int     `json:"samples"`
}

type summary struct {
	Matches   int       `json:"matches"`
	Errors    int       `json:"errors"`
	Moves     int       `json:"moves"`
	Connected int       `json:"connected"`
	Local     quantiles `json:"found_to_snapshot_ms"`
	Moved     quantiles `json:"moved_to_snapshot_ms"`
}

// result is the committed file.
type result struct {
	Kind        string          `json:"kind"`
	Date        string          `json:"date"`
	Commit      string          `json:"commit"`
	Machine     string          `json:"machine"`
	Nodes       int             `json:"nodes"`
	Bots        int             `json:"bots"`
	ScrapeStart float64         `json:"scrape_start"`
	ScrapeEnd   float64         `json:"scrape_end"`
	PerNode     []node          `json:"per_node"`
	Summary     json.RawMessage `json:"summary"`
	// Derived by this command.
	WindowS             float64 `json:"window_s"`
	Players             float64 `json:"players"`
	NATSMsgsPerPlayerS  float64 `json:"nats_msgs_per_player_s"`
	NATSBytesPerPlayerS float64 `json:"nats_bytes_per_player_s"`
	NATSMsgsPerNodeS    float64 `json:"nats_msgs_per_node_s"`
	MatchesActive       float64 `json:"matches_active"` // at the window's start
}

func main() {
	table := flag.Bool("table", false, "print the README's markdown table of the result files given as arguments")
	flag.Parse()
	var err error
	if *table {
		err = writeTable(os.Stdout, flag.Args())
	} else {
		err = derive(os.Stdin, os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "cluster-report:", err)
		os.Exit(1)
	}
}

// derive reads a raw measurement and writes it with its derived figures.
func derive(in io.Reader, out io.Writer) error {
	var r result
	if err := json.NewDecoder(in).Decode(&r); err != nil {
		return fmt.Errorf("raw measurement: %w", err)
	}
	r.WindowS = r.ScrapeEnd - r.ScrapeStart
	var msgs, bytes float64
	for _, n := range r.PerNode {
		msgs += n.After.MsgsIn - n.Before.MsgsIn + n.After.MsgsOut - n.Before.MsgsOut
		bytes += n.After.BytesIn - n.Before.BytesIn + n.After.BytesOut - n.Before.BytesOut
		r.Players += n.Before.Players // the bots are gone when the window's last scrape comes
		r.MatchesActive += n.Before.Matches
	}
	if r.WindowS <= 0 || r.Players <= 0 || len(r.PerNode) == 0 {
		return fmt.Errorf("empty measurement: window %.1f s, %v players, %d nodes", r.WindowS, r.Players, len(r.PerNode))
	}
	r.NATSMsgsPerPlayerS = msgs / r.Players / r.WindowS
	r.NATSBytesPerPlayerS = bytes / r.Players / r.WindowS
	r.NATSMsgsPerNodeS = msgs / float64(len(r.PerNode)) / r.WindowS
	enc := json.NewEncoder(out)
	enc.SetIndent("", " ")
	return enc.Encode(r)
}

// writeTable prints one row per result file.
func writeTable(w io.Writer, files []string) error {
	fmt.Fprintln(w, "| run | nodes, bots | matches | found → first snapshot, same node (p50 / p99) | moved → first snapshot, other node (p50 / p99) | NATS per player per second (msgs / bytes) | errors |")
	fmt.Fprintln(w, "| --- | --- | --- | --- | --- | --- | --- |")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		var r result
		var s summary
		if err := json.Unmarshal(data, &r); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		if err := json.Unmarshal(r.Summary, &s); err != nil {
			return fmt.Errorf("%s: summary: %w", f, err)
		}
		fmt.Fprintf(w, "| %s, %s, %s (`%s`) | %d, %d | %d (%d moves) | %.1f / %.1f ms (%d) | %.1f / %.1f ms (%d) | %.2f / %.0f B | %d |\n",
			r.Date, r.Commit, r.Machine, filepath.Base(f), r.Nodes, r.Bots, s.Matches, s.Moves,
			s.Local.P50, s.Local.P99, s.Local.Samples, s.Moved.P50, s.Moved.P99, s.Moved.Samples,
			r.NATSMsgsPerPlayerS, r.NATSBytesPerPlayerS, s.Errors)
	}
	return nil
}
