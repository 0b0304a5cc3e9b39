package server

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"google.golang.org/protobuf/proto"

	"github.com/arena-server/arena/game"
	"github.com/arena-server/arena/netcode"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

// reportSim is a fakeSim whose snapshots carry the input report too.
type reportSim struct{ *fakeSim }

func (r reportSim) NewEncoder(uint32) SnapshotEncoder { return &reportEncoder{f: r.fakeSim} }

// reportEncoder writes snapshots of the tick, the ack and the input report.
type reportEncoder struct {
	f *fakeSim
	r netcode.InputReport
}

func (e *reportEncoder) Handed(bool)                          {}
func (e *reportEncoder) SetInputReport(r netcode.InputReport) { e.r = r }
func (e *reportEncoder) Append(dst []byte, ack uint32) []byte {
	s := &arenav1.Snapshot{
		Tick: e.f.tick, AckSeq: ack, InputTick: e.r.Tick, InputLeadMs: int32(e.r.Lead / time.Millisecond),
		InputsLate: e.r.Late, InputTicksMissing: e.r.Missing,
	}
	b, _ := proto.Marshal(&arenav1.ServerMessage{Body: &arenav1.ServerMessage_Snapshot{Snapshot: s}})
	return append(dst, b...)
}

func stamped(seq, tick uint32, b game.Buttons) netcode.Input {
	return netcode.Input{Seq: seq, Tick: tick, Input: game.Input{Buttons: b}}
}

func TestMatchAppliesInputsAtTheirTicks(t *testing.T) {
	const up, down, left, right, fire = game.ButtonUp, game.ButtonDown, game.ButtonLeft, game.ButtonRight, game.ButtonFire
	synctest.Test(t, func(t *testing.T) {
		r := newMatchRig(t, Config{TickRate: 30})
		sim := newFakeSim(1000)
		m, conns := r.start("m1", reportSim{sim}, 1)
		synctest.Wait()
		period := time.Second / 30
		tick := func(n int) {
			time.Sleep(time.Duration(n) * period)
			synctest.Wait()
		}
		// Before tick 1: inputs for ticks 3, 1 and 2, in that order; 10 ms
		// later one for a tick far beyond the buffer.
		m.input(1, stamped(1, 3, left))
		m.input(1, stamped(2, 1, up|fire))
		m.input(1, stamped(3, 2, down))
		time.Sleep(10 * time.Millisecond)
		m.input(1, stamped(4, 1000, right))
		tick(1) // tick 1 runs
		tick(4) // ticks 2 to 5: 4 and 5 have no input
		// Before tick 6: one for tick 4 (late), one for 7, and one
		// unstamped, which takes the tick after the newest waiting: 8.
		m.input(1, stamped(5, 4, right|fire))
		m.input(1, stamped(6, 7, up))
		m.input(1, netcode.Input{Seq: 7, Input: game.Input{Buttons: right}})
		tick(3) // ticks 6 to 8

		want := []game.Buttons{up | fire, down, left, left, left, left, up, right}
		got := sim.applied[1]
		if len(got) != len(want) {
			t.Fatalf("applied %d inputs, want %d", len(got), len(want))
		}
		for i := range want {
			if got[i].Buttons != want[i] {
				t.Errorf("tick %d applied buttons %b, want %b", i+1, got[i].Buttons, want[i])
			}
		}
		met := r.lobby.met
		if late, missing, dropped := testutil.ToFloat64(met.inputsLate), testutil.ToFloat64(met.inputTicksMissing), testutil.ToFloat64(met.inputsDropped); late != 1 || missing != 3 || dropped != 1 {
			t.Fatalf("late %v, missing %v, dropped %v: want 1 late (tick 4), 3 missing (ticks 4 to 6), 1 refused (tick 1000)", late, missing, dropped)
		}

		var snaps []*arenav1.Snapshot
		for _, msg := range drain(t, conns[0]) {
			if s := msg.GetSnapshot(); s != nil {
				snaps = append(snaps, s)
			}
		}
		if len(snaps) != 8 {
			t.Fatalf("%d snapshots, want 8", len(snaps))
		}
		type report struct {
			tick, ack, input uint32
			lead             int32
			late, missing    uint32
		}
		ms := int32(period / time.Millisecond)
		wantReports := map[int]report{
			// Tick 1: of the inputs that waited for it, the one for tick 1,
			// which arrived a period before it ran, has the least lead.
			0: {tick: 1, ack: 2, input: 1, lead: ms},
			1: {tick: 2, ack: 3},
			4: {tick: 5, ack: 1, missing: 2},
			// Tick 6: the input for tick 4 came 10 ms after tick 5 ran, so
			// a period and 10 ms late.
			5: {tick: 6, ack: 1, input: 4, lead: int32(-(period + 10*time.Millisecond) / time.Millisecond), late: 1, missing: 3},
			7: {tick: 8, ack: 7, late: 1, missing: 3},
		}
		for i, w := range wantReports {
			s := snaps[i]
			got := report{s.GetTick(), s.GetAckSeq(), s.GetInputTick(), s.GetInputLeadMs(), s.GetInputsLate(), s.GetInputTicksMissing()}
			if got != w {
				t.Errorf("snapshot %d: %+v, want %+v", i, got, w)
			}
		}
		r.lobby.abortAll()
		r.lobby.matchesDone.Wait()
	})
}

func TestMatchCountsNoMissingTicksWhileOffline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newMatchRig(t, Config{TickRate: 30})
		sim := newFakeSim(1000)
		m, _ := r.start("m1", sim, 1)
		synctest.Wait()
		period := time.Second / 30
		m.input(1, stamped(1, 1, game.ButtonUp))
		time.Sleep(period)
		synctest.Wait()
		m.disconnected(1)
		time.Sleep(10 * period)
		synctest.Wait()
		if missing := testutil.ToFloat64(r.lobby.met.inputTicksMissing); missing != 0 {
			t.Fatalf("%v missing ticks counted while the player was offline", missing)
		}
		r.lobby.abortAll()
		r.lobby.matchesDone.Wait()
	})
}

func TestMatchStartCarriesRules(t *testing.T) {
	rules := game.Rules{ShipSpeed: 300, FireInterval: 200 * time.Millisecond}
	sim, err := netcode.NewMatch(game.Config{Rules: rules})
	if err != nil {
		t.Fatal(err)
	}
	var start arenav1.MatchStart
	sim.Describe(&start)
	got, ok := netcode.RulesFromWire(start.GetRules())
	if !ok || got != rules.WithDefaults() {
		t.Fatalf("MatchStart rules %v give %+v (ok %v), want %+v", start.GetRules(), got, ok, rules.WithDefaults())
	}
}
