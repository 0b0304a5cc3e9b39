package main

import (
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The goals of docs/benchmark.md that the goals table checks.
const (
	goalPlayers    = 1024 // players of the per-player figures
	goalRSSKiB     = 48   // server memory per player
	goalCPURatio   = 1.0  // server CPU per player ÷ the no-logic server's
	sameHour       = time.Hour
	arenaDateShape = "2006-01-02 15:04 UTC" // capacity.sh's date
)

// session is one capacity.sh invocation (one file) of Arena: its pinned
// runs, in the order they ran, and when it started.
type session struct {
	file    string
	first   record
	pinned  []record
	t       time.Time
	tKnown  bool
	machine string
}

// newSession is the session of one file's records; ok is false when it has
// no pinned run.
func newSession(file string, recs []record) (s session, ok bool) {
	if len(recs) == 0 {
		return s, false
	}
	s = session{file: file, first: recs[0], machine: recs[0].Machine}
	for _, r := range recs {
		if r.Placement == "pinned" {
			s.pinned = append(s.pinned, r)
		}
	}
	for _, shape := range []string{arenaDateShape, time.RFC3339} {
		if t, err := time.Parse(shape, recs[0].Date); err == nil {
			s.t, s.tKnown = t, true
			break
		}
	}
	return s, len(s.pinned) > 0
}

// comparable says why a point of the no-logic server may not be compared
// with a session ("" if it may): the same machine (when the point names
// one) and within an hour of the session's start.
func comparable(s *session, p *floorPoint) string {
	if s.machine != "" && p.Machine != "" && s.machine != p.Machine {
		return "different machine"
	}
	if !s.tKnown || !p.tKnown {
		return "time unknown"
	}
	if d := p.t.Sub(s.t); d > sameHour || d < -sameHour {
		return "different hour"
	}
	return ""
}

// goals are the inputs of the goals table: the Arena session and the
// no-logic server's pinned points it is compared with.
type goals struct {
	s      *session      // nil: no pinned run of Arena
	floor  []*floorPoint // pinned points, same hour as s if any is
	reason string        // why floor is not comparable with s ("" if it is)
}

// pickGoals chooses the latest session that has a comparable pinned point
// of the no-logic server, else the latest session; and the pinned points
// within the hour of it, else those within the hour of the point nearest
// to it (shown, not compared).
func pickGoals(sessions []session, floors []floorPoint) goals {
	var g goals
	var pinned []*floorPoint
	for i := range floors {
		if floors[i].Placement == "pinned" {
			pinned = append(pinned, &floors[i])
		}
	}
	// Latest first; a session without a date last; a later file first on ties.
	order := make([]*session, len(sessions))
	for i := range sessions {
		order[len(sessions)-1-i] = &sessions[i]
	}
	slices.SortStableFunc(order, func(a, b *session) int {
		switch {
		case a.tKnown && b.tKnown:
			return b.t.Compare(a.t)
		case a.tKnown:
			return -1
		case b.tKnown:
			return 1
		}
		return 0
	})
	for _, s := range order {
		for _, p := range pinned {
			if comparable(s, p) == "" {
				g.s = s
				break
			}
		}
		if g.s != nil {
			break
		}
	}
	if g.s == nil && len(order) > 0 {
		g.s = order[0]
	}
	if g.s != nil {
		for _, p := range pinned {
			if comparable(g.s, p) == "" {
				g.floor = append(g.floor, p)
			}
		}
	}
	if len(g.floor) == 0 && len(pinned) > 0 {
		near := nearest(g.s, pinned)
		if g.s != nil {
			g.reason = comparable(g.s, near)
		}
		for _, p := range pinned {
			if p == near || (p.tKnown && near.tKnown && absDur(p.t.Sub(near.t)) <= sameHour &&
				(p.Machine == "" || near.Machine == "" || p.Machine == near.Machine)) {
				g.floor = append(g.floor, p)
			}
		}
	}
	slices.SortStableFunc(g.floor, func(a, b *floorPoint) int {
		if a.tKnown && b.tKnown {
			return a.t.Compare(b.t)
		}
		return 0
	})
	return g
}

// nearest is the point nearest in time to s (the latest if s has no time),
// the later one on ties.
func nearest(s *session, pts []*floorPoint) *floorPoint {
	best := pts[len(pts)-1]
	for i := len(pts) - 2; i >= 0; i-- {
		p := pts[i]
		if !p.tKnown {
			continue
		}
		switch {
		case !best.tKnown:
			best = p
		case s != nil && s.tKnown:
			if absDur(p.t.Sub(s.t)) < absDur(best.t.Sub(s.t)) ||
				(absDur(p.t.Sub(s.t)) == absDur(best.t.Sub(s.t)) && p.t.After(best.t)) {
				best = p
			}
		case p.t.After(best.t):
			best = p
		}
	}
	return best
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// arenaAt is the session's last pinned run of n bots, nil if none.
func (g goals) arenaAt(n int) *record {
	if g.s == nil {
		return nil
	}
	for i := len(g.s.pinned) - 1; i >= 0; i-- {
		if g.s.pinned[i].Bots == n {
			return &g.s.pinned[i]
		}
	}
	return nil
}

// floorAt is the last pinned point of n clients, nil if none.
func (g goals) floorAt(n int) *floorPoint {
	for i := len(g.floor) - 1; i >= 0; i-- {
		if g.floor[i].N == n {
			return g.floor[i]
		}
	}
	return nil
}

// writeGoals prints the goals table under a caption naming the runs used.
func writeGoals(w io.Writer, g goals) {
	fmt.Fprintf(w, "Goals (pinned, same hour). %s %s\n\n", g.arenaCaption(), g.floorCaption())
	fmt.Fprintln(w, "| figure | Arena | no-logic server | goal | met? |")
	fmt.Fprintln(w, "| --- | --- | --- | --- | --- |")
	for _, row := range [][]string{g.cpuRow(), g.capacityRow(), g.memoryRow()} {
		fmt.Fprintln(w, "| "+strings.Join(row, " | ")+" |")
	}
}

func (g goals) arenaCaption() string {
	if g.s == nil {
		return "Arena: no pinned run."
	}
	r := g.s.first
	return fmt.Sprintf("Arena: %s, %s, commit %s, %s.",
		filepath.Base(g.s.file), orNA(r.Date), orNA(r.Commit), orNA(r.Machine))
}

func (g goals) floorCaption() string {
	if len(g.floor) == 0 {
		return "No-logic server: no pinned point."
	}
	var pts []string
	machines := map[string]bool{}
	for _, p := range g.floor {
		pts = append(pts, fmt.Sprintf("%s clients at %s", thousands(p.N), orNA(p.When)))
		machines[p.Machine] = true
	}
	machine := "machine not named in its files"
	if ms := slicesKeys(machines); len(ms) == 1 && ms[0] != "" {
		machine = ms[0]
	} else if len(ms) > 1 {
		machine = strings.Join(ms, " / ")
	}
	s := fmt.Sprintf("No-logic server: %s, %s.", strings.Join(pts, ", "), machine)
	if g.reason != "" {
		s += " Not comparable: " + g.reason + "."
	}
	return s
}

func slicesKeys(m map[string]bool) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// notComparable is the met? cell when the two sides may not be compared.
func (g goals) notComparable() string { return "not comparable (" + g.reason + ")" }

// cpuRow: server CPU per player-second at 1,024, ≤ 1.0× the no-logic
// server's.
func (g goals) cpuRow() []string {
	row := []string{"server CPU per player-second, " + thousands(goalPlayers) + " players", "not run", "not run",
		fmt.Sprintf("≤ %.1f× the no-logic server's", goalCPURatio), "not measured"}
	a, f := g.arenaAt(goalPlayers), g.floorAt(goalPlayers)
	var aUS, fUS *float64
	if a != nil && a.ServerProcess != nil {
		aUS = &a.ServerProcess.ServerCPUUSPerPlayerS
	}
	if f != nil {
		fUS = f.ServerCPUUSPerClientS
	}
	ratio := ""
	switch {
	case aUS == nil || fUS == nil:
	case g.reason != "":
		row[4] = g.notComparable()
	case *fUS <= 0:
		row[4] = "not measured (the no-logic server's figure is 0)"
	default:
		r := *aUS / *fUS
		ratio = fmt.Sprintf(" (%.2f×)", r)
		row[4] = metIf(r <= goalCPURatio)
	}
	if a != nil {
		row[1] = "n/a"
		if aUS != nil {
			row[1] = fmt.Sprintf("%.0f µs", *aUS)
		}
		row[1] += ratio + arenaNote(*a)
	}
	if f != nil {
		row[2] = num("%.0f", fUS)
		if fUS != nil {
			row[2] += " µs"
		}
		row[2] += floorNote(*f)
	}
	return row
}

// memoryRow: Arena's RSS per player at 1,024, ≤ 48 KiB; the no-logic
// server's for reference.
func (g goals) memoryRow() []string {
	row := []string{"server memory per player, " + thousands(goalPlayers) + " players", "not run", "not run",
		fmt.Sprintf("≤ %d KiB", goalRSSKiB), "not measured"}
	if a := g.arenaAt(goalPlayers); a != nil {
		row[1] = "n/a"
		if p := a.ServerProcess; p != nil {
			row[1] = fmt.Sprintf("%.1f KiB", p.ServerRSSKiBPerPlayer)
			row[4] = metIf(p.ServerRSSKiBPerPlayer <= goalRSSKiB)
		}
		row[1] += arenaNote(*a)
	}
	if f := g.floorAt(goalPlayers); f != nil {
		row[2] = kib(f.ServerRSSPerClient)
		if f.ServerRSSPerClient != nil {
			row[2] += " KiB"
		}
		row[2] += floorNote(*f)
		if g.reason != "" {
			row[2] += " (" + g.reason + ")"
		}
	}
	return row
}

// arenaNote and floorNote flag a per-player figure taken at a load the
// server did not hold.
func arenaNote(r record) string {
	if !r.Verdict().Met() {
		return " (run not met)"
	}
	return ""
}

func floorNote(p floorPoint) string {
	if !p.held() {
		return " (point not met)"
	}
	return ""
}

func metIf(ok bool) string {
	if ok {
		return "met"
	}
	return "not met"
}

// status is what one side showed at one size: observed or inferred (a size
// below one held is held, a size above one not held is not).
type status int

const (
	unknown status = iota
	holds
	fails
)

// ladder is one side's sizes: held or not, the latest observation of each,
// and why the failures failed.
type ladder struct {
	held map[int]bool
	why  map[int]string
}

func (l ladder) sizes() []int {
	var s []int
	for n := range l.held {
		s = append(s, n)
	}
	slices.Sort(s)
	return s
}

func (l ladder) at(n int) status {
	if h, ok := l.held[n]; ok {
		if h {
			return holds
		}
		return fails
	}
	st := unknown
	for m, h := range l.held {
		if h && m > n {
			return holds
		}
		if !h && m < n {
			st = fails
		}
	}
	return st
}

// largest is the largest size held (0 if none) and the smallest size above
// it not held (0 if none).
func (l ladder) largest() (held, failed int) {
	for _, n := range l.sizes() {
		if l.held[n] {
			held = n
		}
	}
	for _, n := range l.sizes() {
		if n > held && !l.held[n] {
			return held, n
		}
	}
	return held, 0
}

// cell says the largest size held, honestly bounded: "1,024 (1,536 not
// met)", "≥ 1,024 (held 1,024; 1,536 not run)", "< 256 (256 not met)".
func (l ladder) cell(grid []int) string {
	if len(l.held) == 0 {
		return "not run"
	}
	held, failed := l.largest()
	switch {
	case held == 0:
		return fmt.Sprintf("< %s (%s %s)", thousands(failed), thousands(failed), l.why[failed])
	case failed != 0:
		return fmt.Sprintf("%s (%s %s)", thousands(held), thousands(failed), l.why[failed])
	}
	var notRun []string
	for _, n := range grid {
		if n > held {
			notRun = append(notRun, thousands(n))
		}
	}
	if len(notRun) == 0 {
		return fmt.Sprintf("≥ %s (held %s; nothing larger run)", thousands(held), thousands(held))
	}
	return fmt.Sprintf("≥ %s (held %s; %s not run)", thousands(held), thousands(held), strings.Join(notRun, ", "))
}

// capacityRow: the most players Arena's pinned runs held ≥ the most clients
// the no-logic server's held. Compared over every size either side ran:
// met when at each, Arena held it or the no-logic server did not; not met
// when at one the no-logic server held and Arena did not.
func (g goals) capacityRow() []string {
	a := ladder{held: map[int]bool{}, why: map[int]string{}}
	if g.s != nil {
		for _, r := range g.s.pinned {
			v := r.Verdict()
			a.held[r.Bots] = v.Met()
			a.why[r.Bots] = "not met"
			if v.BotsSaturated {
				a.why[r.Bots] = "bots saturated"
			}
		}
	}
	f := ladder{held: map[int]bool{}, why: map[int]string{}}
	for _, p := range g.floor {
		f.held[p.N] = p.held()
		f.why[p.N] = "not met"
	}
	grid := slices.Compact(slices.Sorted(slices.Values(append(a.sizes(), f.sizes()...))))
	row := []string{"capacity: most players held", a.cell(grid), f.cell(grid), "≥ the no-logic server's", "not measured"}
	switch {
	case len(a.held) == 0 || len(f.held) == 0:
		return row
	case g.reason != "":
		row[4] = g.notComparable()
		return row
	}
	for _, n := range grid {
		if f.at(n) == holds && a.at(n) == fails {
			row[4] = "not met"
			return row
		}
	}
	for _, n := range grid {
		if a.at(n) == holds || f.at(n) == fails {
			continue
		}
		if a.at(n) == unknown {
			row[4] = fmt.Sprintf("not measured (Arena not run at %s)", thousands(n))
		} else {
			row[4] = fmt.Sprintf("not measured (no-logic server not run at %s)", thousands(n))
		}
		return row
	}
	row[4] = "met"
	return row
}

// thousands is n with commas: 1,024.
func thousands(n int) string {
	s := strconv.Itoa(n)
	start := 0
	if n < 0 {
		start = 1
	}
	for i := len(s) - 3; i > start; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
