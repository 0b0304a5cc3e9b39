package netcode

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/arena-server/arena/game"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
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

func TestSnapshotCarriesTheWorld(t *testing.T) {
	m := newPlayingMatch(t, "ffa16")
	w := m.World()
	for _, ack := range []uint32{0, 1, 300, 1 << 31} {
		var msg arenav1.ServerMessage
		if err := proto.Unmarshal(m.AppendSnapshot(nil, ack), &msg); err != nil {
			t.Fatalf("ack %d: decode: %v", ack, err)
		}
		s := msg.GetSnapshot()
		if s.GetAckSeq() != ack || s.GetTick() != w.Tick() || s.GetPhase() != arenav1.MatchPhase_MATCH_PHASE_PLAYING {
			t.Fatalf("ack %d: snapshot header tick %d ack %d phase %v", ack, s.GetTick(), s.GetAckSeq(), s.GetPhase())
		}
		if len(s.GetShips()) != len(w.Ships()) || len(s.GetProjectiles()) != len(w.Projectiles()) || len(s.GetProjectiles()) == 0 {
			t.Fatalf("snapshot has %d ships, %d projectiles; world %d, %d",
				len(s.GetShips()), len(s.GetProjectiles()), len(w.Ships()), len(w.Projectiles()))
		}
		for i, sh := range w.Ships() {
			got := s.GetShips()[i]
			if got.GetId() != uint32(sh.ID) || got.GetX() != sh.Pos.X || got.GetY() != sh.Pos.Y ||
				got.GetAim() != uint32(sh.Aim) || got.GetAlive() != sh.Alive || got.GetKills() != uint32(sh.Kills) {
				t.Fatalf("ship %d on the wire %v, in the world %+v", sh.ID, got, sh)
			}
		}
	}
}

func TestTeamScoresOnlyInTeamModes(t *testing.T) {
	for mode, want := range map[string]int{"teams": 2, "ffa": 0} {
		m := newPlayingMatch(t, mode)
		var msg arenav1.ServerMessage
		if err := proto.Unmarshal(m.AppendSnapshot(nil, 0), &msg); err != nil {
			t.Fatal(err)
		}
		if got := len(msg.GetSnapshot().GetTeamScores()); got != want {
			t.Errorf("%s: %d team scores, want %d", mode, got, want)
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

// BenchmarkAppendSnapshot encodes one player's snapshot of a full ffa16 match.
func BenchmarkAppendSnapshot(b *testing.B) {
	m := newPlayingMatch(b, "ffa16")
	buf := m.AppendSnapshot(nil, 1)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		buf = m.AppendSnapshot(buf[:0], 12345)
	}
}

// BenchmarkTickFFA16 is one whole ffa16 tick without sockets: inputs for 16
// ships, the step, and all 16 players' snapshots encoded.
func BenchmarkTickFFA16(b *testing.B) {
	m := newPlayingMatch(b, "ffa16")
	var buf []byte
	tick := 150
	b.ReportAllocs()
	for b.Loop() {
		if m.Ended() {
			b.StopTimer()
			m, tick = newPlayingMatch(b, "ffa16"), 150
			b.StartTimer()
		}
		driveShips(m, 16, tick)
		if err := m.Step(); err != nil {
			b.Fatal(err)
		}
		for ship := range 16 {
			buf = m.AppendSnapshot(buf[:0], uint32(ship))
		}
		tick++
	}
	b.ReportMetric(float64(len(buf)), "bytes/snapshot")
}
