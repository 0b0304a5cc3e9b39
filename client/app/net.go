package app

import (
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/arena-server/arena/netcode"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

// netWindow is the span the net graph's rates are measured over.
const netWindow = time.Second

// NetStats is what the net graph (F3) shows.
type NetStats struct {
	// Ping is the last round-trip time; HavePing is false before the first.
	Ping     time.Duration
	HavePing bool
	// SnapshotRate is the snapshots received over the last second.
	SnapshotRate int
	// SnapshotGaps are the times between the last snapshots' arrivals,
	// oldest first (at most netGaps), for the graph.
	SnapshotGaps []time.Duration
	// InBytes and OutBytes are the protobuf bytes received and sent over the
	// last second (websocket framing not counted).
	InBytes, OutBytes int
	// Corrections counts the snapshots that moved the predicted own ship,
	// and CorrectionRate those of the last second; LastCorrection is the
	// size of the last one, in world units.
	Corrections    int
	CorrectionRate int
	LastCorrection float64
	// ServerTick is the estimate of the server's tick now: the newest
	// snapshot's tick as the arrival clock has it, plus half the round
	// trip. InterpDelay is how far behind the newest snapshot other ships
	// are drawn, Jitter the snapshots' mean lateness and Extrapolated how
	// far past the newest snapshot they are drawn now, all in ticks.
	ServerTick   float64
	InterpDelay  float64
	Jitter       float64
	Extrapolated float64
	// Pending is the number of inputs sent for ticks the snapshots have not
	// reached yet.
	Pending int
	// InputLead is how far ahead of the server's tick (ServerTick) the
	// inputs are stamped, in ticks; InputMargin the margin the input clock
	// keeps over the worst arrival it has seen.
	InputLead   float64
	InputMargin time.Duration
	// LateInputs and MissingTicks are the server's counters of this
	// player's inputs that came after their tick (dropped) and of the ticks
	// without one (the last movement repeated), since the match start or
	// the last reconnect.
	LateInputs, MissingTicks uint32
}

// netGaps is how many snapshot arrival gaps the net graph keeps.
const netGaps = 120

// netStats measures the connection for the net graph.
type netStats struct {
	nextPing time.Time
	rtt      time.Duration
	haveRTT  bool

	in, out, snaps, fixes meter
	gaps                  []time.Duration
	lastSnap              time.Time
	corrections           int
	lastCorrection        float64
	report                netcode.InputReport // the newest snapshot's
}

// inputs records the server's report on the inputs.
func (n *netStats) inputs(r netcode.InputReport) { n.report = r }

// meter sums amounts over the last netWindow.
type meter struct {
	at  []time.Time
	amt []int
	sum int
}

func (m *meter) add(now time.Time, n int) {
	m.at = append(m.at, now)
	m.amt = append(m.amt, n)
	m.sum += n
}

// trim drops what is older than netWindow before now.
func (m *meter) trim(now time.Time) {
	i := 0
	for i < len(m.at) && now.Sub(m.at[i]) > netWindow {
		m.sum -= m.amt[i]
		i++
	}
	if i > 0 {
		m.at = append(m.at[:0], m.at[i:]...)
		m.amt = append(m.amt[:0], m.amt[i:]...)
	}
}

// frame trims the meters to the window ending at now.
func (n *netStats) frame(now time.Time) {
	n.in.trim(now)
	n.out.trim(now)
	n.snaps.trim(now)
	n.fixes.trim(now)
}

// received counts a message of size bytes that arrived at at.
func (n *netStats) received(size int, at time.Time) {
	n.in.add(at, size)
}

// sent counts a message queued at at.
func (n *netStats) sent(m *arenav1.ClientMessage, at time.Time) {
	n.out.add(at, proto.Size(m))
}

// snapshot records a snapshot's arrival.
func (n *netStats) snapshot(at time.Time) {
	n.snaps.add(at, 1)
	if !n.lastSnap.IsZero() {
		n.gaps = append(n.gaps, at.Sub(n.lastSnap))
		if len(n.gaps) > netGaps {
			n.gaps = append(n.gaps[:0], n.gaps[len(n.gaps)-netGaps:]...)
		}
	}
	n.lastSnap = at
}

// correction records a snapshot that moved the predicted ship by dist world
// units.
func (n *netStats) correction(at time.Time, dist float64) {
	n.corrections++
	n.lastCorrection = dist
	n.fixes.add(at, 1)
}

func (n *netStats) pong(p *arenav1.Pong, at time.Time) {
	if rtt := at.Sub(time.UnixMicro(p.GetClientTimeUs())); rtt >= 0 {
		n.rtt, n.haveRTT = rtt, true
	}
}

// Ping is the last measured round-trip time; ok is false before the first.
func (a *App) Ping() (rtt time.Duration, ok bool) { return a.net.rtt, a.net.haveRTT }

// NetStats returns the figures of the net graph.
func (a *App) NetStats() NetStats {
	n := &a.net
	s := NetStats{
		Ping: n.rtt, HavePing: n.haveRTT,
		SnapshotRate: n.snaps.sum, SnapshotGaps: n.gaps,
		InBytes: n.in.sum, OutBytes: n.out.sum,
		Corrections: n.corrections, CorrectionRate: n.fixes.sum, LastCorrection: n.lastCorrection,
	}
	if m := a.match; m.Started() && m.interp != nil {
		s.ServerTick = m.interp.Newest(a.now)
		if s.ServerTick > 0 && n.haveRTT {
			s.ServerTick += n.rtt.Seconds() / 2 * float64(time.Second/m.period)
		}
		s.InterpDelay, s.Jitter = m.interp.Delay(), m.interp.Jitter()
		s.Extrapolated = m.sample.Extrapolated
		s.Pending = m.Pending()
		if m.clock.Started() {
			s.InputLead, s.InputMargin = m.clock.Lead(a.now), m.clock.Margin()
		}
		s.LateInputs, s.MissingTicks = n.report.Late, n.report.Missing
	}
	return s
}
