package netcode

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/arena-server/arena/game"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
	"github.com/arena-server/arena/replay"
)

// newPlayingMatch returns a full match of mode, stepped past its countdown
// and a while into play, with every ship moving and firing.
func newPlayingMatch(tb testing.TB, mode string) *Match {
	tb.Helper()
	md, err := game.FindMode(game.DefaultModes(), mode)
	if err != nil {
		tb.Fatal(err)
	}
	m, err := NewMatch(game.Config{Rules: game.DefaultRules(), Mode: md, Map: game.DefaultMap(), TickRate: 30})
	if err != nil {
		tb.Fatal(err)
	}
	for i := range md.Players() {
		if err := m.AddPlayer(uint32(i+1), i/md.PlayersPerTeam+1); err != nil {
			tb.Fatal(err)
		}
	}
	for tick := range 150 {
		driveShips(m, md.Players(), tick)
		if err := m.Step(); err != nil {
			tb.Fatal(err)
		}
	}
	return m
}

// driveShips gives every ship a changing, firing input for tick.
func driveShips(m *Match, players, tick int) {
	dirs := []game.Buttons{game.ButtonUp, game.ButtonRight, game.ButtonDown, game.ButtonLeft}
	for i := range players {
		b := dirs[(i+tick/30)%4] | game.ButtonFire
		m.ApplyInput(uint32(i+1), game.Input{Buttons: b, Aim: game.Angle(i * 4096)})
	}
}

// TestSnapshotCarriesTheWorld checks that a client's first snapshot is a
// full one that carries the whole world (every ship and projectile in
// flight, exact but for the other ships' aims), whatever its ack.
func TestSnapshotCarriesTheWorld(t *testing.T) {
	m := newPlayingMatch(t, "ffa16")
	w := m.World()
	prev := map[game.ShipID]game.Ship{}
	for _, s := range w.Ships() {
		prev[s.ID] = s
	}
	driveShips(m, 16, 150)
	step(t, m)
	if len(w.Projectiles()) == 0 {
		t.Fatal("no projectiles in flight")
	}
	for _, ack := range []uint32{0, 1, 300, 1 << 31} {
		s := unframe(t, m.NewEncoder(3).Append(nil, ack))
		if s.GetAckSeq() != ack || s.GetTick() != w.Tick() || s.GetBaselineTick() != 0 || s.GetPhase() != arenav1.MatchPhase_MATCH_PHASE_PLAYING {
			t.Fatalf("ack %d: snapshot header tick %d ack %d baseline %d phase %v", ack, s.GetTick(), s.GetAckSeq(), s.GetBaselineTick(), s.GetPhase())
		}
		v, err := NewDecoder(3).Apply(s)
		if err != nil {
			t.Fatalf("ack %d: %v", ack, err)
		}
		if err := sameWorld(w, prev, v, 3, 0); err != nil {
			t.Fatalf("ack %d: %v", ack, err)
		}
	}
}

func TestTeamScoresOnlyInTeamModes(t *testing.T) {
	for mode, want := range map[string]int{"teams": 2, "ffa": 0} {
		m := newPlayingMatch(t, mode)
		s := unframe(t, m.NewEncoder(1).Append(nil, 0))
		if got := len(s.GetTeamKills()); got != want {
			t.Errorf("%s: %d team kills on the wire, want %d", mode, got, want)
		}
		v, err := NewDecoder(1).Apply(s)
		if err != nil {
			t.Fatal(err)
		}
		if len(v.TeamKills) != want || want > 0 && v.TeamKills[0] != m.World().TeamKills(1) {
			t.Errorf("%s: team kills %v, want %d teams", mode, v.TeamKills, want)
		}
	}
}

func TestDescribeMatch(t *testing.T) {
	m := newPlayingMatch(t, "duel")
	var start arenav1.MatchStart
	m.Describe(&start)
	if start.GetMode() != "duel" || start.GetTickRate() != 30 || start.GetTeams() != 2 ||
		start.GetTimeLimitTicks() != 5*60*30 || start.GetCountdownTicks() != 90 ||
		start.GetMap().GetWidth() != 2000 || len(start.GetMap().GetWalls()) != len(m.World().Map().Walls) {
		t.Fatalf("match start %v", &start)
	}
}

// BenchmarkAppendSnapshot encodes one client's snapshot of a full ffa16
// match: a steady delta that shares the world part encoded for an earlier
// client of the tick (what most clients cost), the first delta of the tick
// (which encodes that world part), a delta encoded for this client alone
// (as with a view radius), and a full snapshot.
func BenchmarkAppendSnapshot(b *testing.B) {
	for _, bc := range []struct {
		name   string
		radius int32
		first  bool
		full   bool
	}{
		{name: "delta"},
		{name: "delta-first", first: true},
		{name: "delta-unshared", radius: 1 << 20},
		{name: "full", full: true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			m := newPlayingMatch(b, "ffa16")
			e := m.NewEncoder(1)
			e.SetViewRadius(bc.radius)
			buf := e.Append(nil, 1)
			e.Handed(true)
			driveShips(m, 16, 150)
			step(b, m)
			if bc.full {
				e.Handed(false)
			}
			b.ReportAllocs()
			for b.Loop() {
				switch {
				case bc.first || bc.full:
					m.deltaBase, m.fullOK = nil, false
					buf = e.Append(buf[:0], 12345)
				default:
					buf = e.Append(buf[:0], 12345)
				}
			}
			b.ReportMetric(float64(len(buf)), "bytes/snapshot")
		})
	}
}

// BenchmarkTickFFA16 is one whole ffa16 tick without sockets: inputs for 16
// ships (driveShips: every ship moving and firing all the time), the step,
// and all 16 players' snapshots encoded and handed. It reports the average
// size of the steady-state delta snapshots.
func BenchmarkTickFFA16(b *testing.B) {
	benchmarkTicks(b, false, driveShips)
}

// BenchmarkTickFFA16Recorded is BenchmarkTickFFA16 with the match's replay
// being recorded (the goal: at most 10 % slower).
func BenchmarkTickFFA16Recorded(b *testing.B) {
	benchmarkTicks(b, true, driveShips)
}

// BenchmarkTickFFA16Bots is BenchmarkTickFFA16 with players that behave like
// cmd/arena-bots: a new random direction (of 8) and aim about once a
// second, a shot at a new random aim about twice a second. It also reports
// the bytes per second a player receives at 30 snapshots a second.
func BenchmarkTickFFA16Bots(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	dirs := []game.Buttons{
		game.ButtonUp, game.ButtonDown, game.ButtonLeft, game.ButtonRight,
		game.ButtonUp | game.ButtonLeft, game.ButtonUp | game.ButtonRight,
		game.ButtonDown | game.ButtonLeft, game.ButtonDown | game.ButtonRight,
	}
	type bot struct {
		dir int
		aim game.Angle
	}
	bots := make([]bot, 16)
	for i := range bots {
		bots[i] = bot{rng.IntN(len(dirs)), game.Angle(rng.Uint32())}
	}
	benchmarkTicks(b, false, func(m *Match, players, tick int) {
		for i := range bots {
			bt := &bots[i]
			if rng.IntN(30) == 0 {
				bt.dir, bt.aim = rng.IntN(len(dirs)), game.Angle(rng.Uint32())
			}
			in := game.Input{Buttons: dirs[bt.dir], Aim: bt.aim}
			if rng.IntN(30) < 2 {
				bt.aim = game.Angle(rng.Uint32())
				in.Buttons |= game.ButtonFire
				in.Aim = bt.aim
			}
			m.ApplyInput(uint32(i+1), in)
		}
	})
}

func benchmarkTicks(b *testing.B, recorded bool, drive func(m *Match, players, tick int)) {
	start := func() *Match {
		m := newPlayingMatch(b, "ffa16")
		if recorded {
			players := make([]replay.Player, 16)
			for i := range players {
				players[i] = replay.Player{Ship: uint32(i + 1), Team: i + 1}
			}
			if err := m.Record("bench", time.Time{}, players); err != nil {
				b.Fatal(err)
			}
		}
		return m
	}
	m := start()
	encs := make([]*Encoder, 16)
	for i := range encs {
		encs[i] = m.NewEncoder(uint32(i + 1))
	}
	var buf []byte
	tick, bytes, snaps := 150, 0, 0
	b.ReportAllocs()
	for b.Loop() {
		if m.Ended() {
			b.StopTimer()
			m, tick = start(), 150
			for i := range encs {
				encs[i] = m.NewEncoder(uint32(i + 1))
			}
			b.StartTimer()
		}
		drive(m, 16, tick)
		if err := m.Step(); err != nil {
			b.Fatal(err)
		}
		for _, e := range encs {
			delta := e.base != nil
			buf = e.Append(buf[:0], uint32(tick))
			e.Handed(true)
			if delta {
				bytes += len(buf)
				snaps++
			}
		}
		tick++
	}
	if snaps > 0 {
		b.ReportMetric(float64(bytes)/float64(snaps), "bytes/snapshot")
		b.ReportMetric(float64(bytes)/float64(snaps)*30, "B/s/player")
	}
}
