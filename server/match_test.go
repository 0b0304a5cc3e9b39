package server

import (
	"io"
	"log/slog"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"google.golang.org/protobuf/proto"

	"github.com/arena-server/arena/game"
	"github.com/arena-server/arena/netcode"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

// fakeSim is a simulation that records what the match asks of it.
type fakeSim struct {
	tick      uint32
	endAt     uint32 // Ended once tick reaches it
	panicAt   uint32 // Step panics at this tick, if set
	stallAt   uint32 // Step waits for stall to close at this tick, if set
	stall     chan struct{}
	applied   map[uint32][]game.Input
	removed   []uint32
	ackedLast uint32
}

func newFakeSim(endAt uint32) *fakeSim {
	return &fakeSim{endAt: endAt, applied: make(map[uint32][]game.Input)}
}

func (f *fakeSim) AddPlayer(uint32, int) error { return nil }
func (f *fakeSim) RemovePlayer(ship uint32)    { f.removed = append(f.removed, ship) }
func (f *fakeSim) ApplyInput(ship uint32, in game.Input) {
	f.applied[ship] = append(f.applied[ship], in)
}
func (f *fakeSim) Ended() bool                    { return f.tick >= f.endAt }
func (f *fakeSim) Tick() uint32                   { return f.tick }
func (f *fakeSim) Describe(s *arenav1.MatchStart) { s.TickRate = 30 }
func (f *fakeSim) Results(e *arenav1.MatchEnd) {
	e.Reason = arenav1.MatchEndReason_MATCH_END_REASON_TIME_LIMIT
}
func (f *fakeSim) Step() error {
	f.tick++
	if f.tick == f.panicAt {
		panic("boom")
	}
	if f.tick == f.stallAt {
		<-f.stall
	}
	return nil
}
func (f *fakeSim) NewEncoder(uint32) SnapshotEncoder { return fakeEncoder{f} }

// fakeEncoder writes snapshots that carry only the tick and the ack.
type fakeEncoder struct{ f *fakeSim }

func (e fakeEncoder) Handed(bool) {}
func (e fakeEncoder) Append(dst []byte, ack uint32) []byte {
	b, _ := proto.Marshal(&arenav1.ServerMessage{Body: &arenav1.ServerMessage_Snapshot{Snapshot: &arenav1.Snapshot{Tick: e.f.tick, AckSeq: ack}}})
	return append(dst, b...)
}

// matchRig is a lobby with fake connections (their queues read directly,
// no sockets) for testing the match loop inside a synctest bubble.
type matchRig struct {
	t     *testing.T
	lobby *lobby
	cfg   Config
}

func newMatchRig(t *testing.T, cfg Config) *matchRig {
	cfg = cfg.WithDefaults()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cl, err := newSoloCluster(&cfg)
	if err != nil {
		t.Fatal(err)
	}
	l := newLobby(&cfg, log, newMetrics(), newLadder(&cfg, log), cl)
	r := &matchRig{t: t, lobby: l}
	r.cfg = cfg
	return r
}

// start seats n players with fresh fake connections in a match around sim and runs it.
func (r *matchRig) start(id string, sim Sim, n int) (*match, []*fakeSocket) {
	return r.startStalled(id, sim, n, false)
}

// startStalled is start with sockets that take nothing until they flow.
func (r *matchRig) startStalled(id string, sim Sim, n int, stalled bool) (*match, []*fakeSocket) {
	var seats []*seat
	var conns []*fakeSocket
	for i := range n {
		c, fs := fakeConn(r.t, r.lobby.cfg, r.lobby.log, r.lobby.met, stalled)
		p := &player{id: id + string(rune('a'+i)), name: "p"}
		p.conn.Store(c)
		s := &seat{player: p, ship: uint32(i + 1), team: i + 1}
		seats = append(seats, s)
		conns = append(conns, fs)
	}
	m, err := newMatchWithSim(id, game.Mode{Name: "test"}, seats, sim, r.lobby)
	if err != nil {
		r.t.Fatal(err)
	}
	for _, s := range seats {
		s.m = m
		s.player.match.Store(s)
	}
	r.lobby.matchesDone.Add(1)
	go func() {
		defer r.lobby.matchesDone.Done()
		m.run(r.lobby.matchCtx)
	}()
	return m, conns
}

// drain decodes everything written to c.
func drain(t *testing.T, c *fakeSocket) []*arenav1.ServerMessage {
	t.Helper()
	var out []*arenav1.ServerMessage
	for _, b := range c.messages(t) {
		m := new(arenav1.ServerMessage)
		if err := proto.Unmarshal(b, m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

func TestMatchSendsStartThenOneSnapshotPerTick(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newMatchRig(t, Config{TickRate: 30})
		_, conns := r.start("m1", newFakeSim(1000), 2)
		synctest.Wait()
		for _, c := range conns {
			msgs := drain(t, c)
			if len(msgs) != 2 || msgs[0].GetMatchStart() == nil || !msgs[1].GetChatMessage().GetSystem() {
				t.Fatalf("before the first tick got %v, want MatchStart and a system line", msgs)
			}
		}
		time.Sleep(10 * time.Second / 30)
		synctest.Wait()
		for _, c := range conns {
			msgs := drain(t, c)
			if len(msgs) != 10 || msgs[9].GetSnapshot().GetTick() != 10 {
				t.Fatalf("after 10 ticks got %d messages, last %v", len(msgs), msgs[len(msgs)-1])
			}
		}
		r.lobby.abortAll()
		r.lobby.matchesDone.Wait()
	})
}

func TestMatchAppliesOneInputPerTick(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newMatchRig(t, Config{TickRate: 30})
		sim := newFakeSim(1000)
		m, conns := r.start("m1", sim, 1)
		synctest.Wait()
		// A burst of three inputs, the first firing, arrives between two ticks.
		m.input(1, netcode.Input{Seq: 1, Input: game.Input{Buttons: game.ButtonUp | game.ButtonFire}})
		m.input(1, netcode.Input{Seq: 2, Input: game.Input{Buttons: game.ButtonUp}})
		m.input(1, netcode.Input{Seq: 3, Input: game.Input{Buttons: game.ButtonLeft | game.ButtonFire}})
		time.Sleep(5 * time.Second / 30)
		synctest.Wait()
		want := []game.Buttons{
			game.ButtonUp | game.ButtonFire, game.ButtonUp, game.ButtonLeft | game.ButtonFire,
			game.ButtonLeft, game.ButtonLeft, // the last movement repeats, never the shot
		}
		got := sim.applied[1]
		if len(got) != len(want) {
			t.Fatalf("applied %d inputs, want %d", len(got), len(want))
		}
		for i := range want {
			if got[i].Buttons != want[i] {
				t.Errorf("tick %d applied buttons %b, want %b", i+1, got[i].Buttons, want[i])
			}
		}
		var acks []uint32
		for _, msg := range drain(t, conns[0]) {
			if s := msg.GetSnapshot(); s != nil {
				acks = append(acks, s.GetAckSeq())
			}
		}
		if len(acks) != 5 || acks[0] != 1 || acks[2] != 3 || acks[4] != 3 {
			t.Fatalf("acks %v, want [1 2 3 3 3]", acks)
		}
		r.lobby.abortAll()
		r.lobby.matchesDone.Wait()
	})
}

func TestPanicEndsOnlyItsMatch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newMatchRig(t, Config{TickRate: 30})
		broken := newFakeSim(1000)
		broken.panicAt = 3
		_, brokenConns := r.start("broken", broken, 2)
		healthy := newFakeSim(1000)
		_, healthyConns := r.start("healthy", healthy, 2)
		time.Sleep(10 * time.Second / 30)
		synctest.Wait()

		msgs := drain(t, brokenConns[0])
		last := msgs[len(msgs)-1]
		if last.GetMatchEnd().GetReason() != arenav1.MatchEndReason_MATCH_END_REASON_ABORTED {
			t.Fatalf("broken match's last message %v, want an aborted MatchEnd", last)
		}
		if got := testutil.ToFloat64(r.lobby.met.matchesPanicked); got != 1 {
			t.Fatalf("panicked matches metric %v, want 1", got)
		}
		if healthy.tick != 10 || len(drain(t, healthyConns[1])) != 12 {
			t.Fatalf("healthy match at tick %d, want 10", healthy.tick)
		}
		r.lobby.abortAll()
		r.lobby.matchesDone.Wait()
	})
}

func TestSlowReaderLosesSnapshotsNotControl(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newMatchRig(t, Config{TickRate: 30, OutboundQueue: 8})
		m, conns := r.startStalled("m1", newFakeSim(1000), 2, true)
		time.Sleep(20 * time.Second / 30)
		synctest.Wait()
		// Nobody read: at most half the backlog holds snapshots, the rest were dropped.
		if n := m.seats[0].player.conn.Load().sock.backlogged(); n > 5 {
			t.Fatalf("backlog holds %d messages, want at most 5", n)
		}
		if got := testutil.ToFloat64(r.lobby.met.snapshotsDropped); got < 2*14 {
			t.Fatalf("dropped snapshots %v, want ≥ 28", got)
		}
		// Chat still gets through.
		m.chat(1, &arenav1.ChatMessage{SenderName: "p", Text: "hi"})
		time.Sleep(time.Second / 30)
		synctest.Wait()
		for _, c := range conns {
			c.flow()
		}
		synctest.Wait()
		var sawChat bool
		for _, msg := range drain(t, conns[0]) {
			sawChat = sawChat || msg.GetChatMessage().GetText() == "hi"
		}
		if !sawChat {
			t.Fatal("chat line lost for a slow reader")
		}
		r.lobby.abortAll()
		r.lobby.matchesDone.Wait()
	})
}

func TestLateMatchCatchesUpItsTicks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newMatchRig(t, Config{TickRate: 30})
		sim := newFakeSim(1000)
		sim.stallAt, sim.stall = 5, make(chan struct{})
		r.start("m1", sim, 1)
		// Tick 5 takes three periods (a long pause, say): the ticker drops the
		// ticks it cannot deliver meanwhile.
		time.Sleep(8 * time.Second / 30)
		synctest.Wait()
		close(sim.stall)
		time.Sleep(2 * time.Second / 30)
		synctest.Wait()
		if sim.tick != 10 {
			t.Fatalf("after 10 periods the match is at tick %d, want 10", sim.tick)
		}
		r.lobby.abortAll()
		r.lobby.matchesDone.Wait()
	})
}
