package netcode

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/arena-server/arena/game"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

func TestMapFromWireRoundTrip(t *testing.T) {
	for _, name := range game.MapNames() {
		mp, err := game.LoadMap(name)
		if err != nil {
			t.Fatal(err)
		}
		m, err := NewMatch(game.Config{Map: mp})
		if err != nil {
			t.Fatal(err)
		}
		var start arenav1.MatchStart
		m.Describe(&start)
		got := MapFromWire(start.GetMap())
		want := m.World().Map()
		if got.Name != want.Name || got.Width != want.Width || got.Height != want.Height || !slices.Equal(got.Walls, want.Walls) {
			t.Errorf("map %s: MapFromWire(Describe) = %+v, want %+v", name, got, want)
		}
	}
}

// pipeline plays a world as a server would with a client lagLo..lagHi
// ticks away each way: the client sends one input per tick, meant for the
// tick ahead ticks after the one the server runs as it sends, and predicts
// it; the server applies each input at its tick from a TickBuffer
// (repeating the last movement when one is missing, dropping a late one)
// and sends a snapshot every tick, which the client reconciles on arrival.
// It returns the corrections seen and the client's and the server's
// positions once every input is acknowledged.
func pipeline(t *testing.T, ticks int, lagLo, lagHi, ahead int, rng *rand.Rand) (corrections int, predicted, server game.Vec) {
	t.Helper()
	w, err := game.NewWorld(game.Config{})
	if err != nil {
		t.Fatal(err)
	}
	for id, team := range []int{1, 2} {
		if err := w.AddPlayer(game.ShipID(id+1), team); err != nil {
			t.Fatal(err)
		}
	}
	p := NewPredictor(w.Map(), game.Rules{}, w.TickRate())
	type snap struct {
		pos   game.Vec
		tick  uint32
		still uint32
	}
	toServer := map[int][]Input{} // by arrival tick
	toClient := map[int][]snap{}
	buf := NewTickBuffer(64, testPeriod)
	lag := func() int { return lagLo + rng.IntN(lagHi-lagLo+1) }
	var in game.Input
	seq := uint32(0)
	lastArrival, lastBack := 0, 0
	const idle = 30
	for now := 1; ; now++ {
		// Client: a new input, for tick now+ahead; the script ends with a
		// second of no buttons, then no more inputs.
		if now <= ticks+idle {
			switch {
			case now > ticks:
				in = game.Input{}
			case rng.IntN(8) == 0:
				in = game.Input{Buttons: game.Buttons(rng.IntN(16)), Aim: game.Angle(rng.IntN(65536))}
			}
			seq++
			sent := Input{Seq: seq, Tick: uint32(now + ahead), Input: in}
			p.Apply(sent)
			// Arrivals keep their order (TCP): never before the previous one.
			at := max(now+lag(), lastArrival)
			lastArrival = at
			toServer[at] = append(toServer[at], sent)
		}
		// Server: buffer what arrived, run tick now with its input, snapshot.
		tick := w.Tick() + 1
		for _, x := range toServer[now] {
			buf.Push(x, tick, 0)
		}
		delete(toServer, now)
		next, _, _ := buf.Next(tick)
		w.SetInput(1, next)
		w.Step()
		own, _ := w.Ship(1)
		still := uint32(0)
		switch {
		case !own.Alive || w.Phase() == game.PhaseEnded:
			still = Frozen
		case w.Phase() == game.PhaseCountdown:
			still = w.TicksLeft()
		}
		back := max(now+lag(), lastBack)
		lastBack = back
		toClient[back] = append(toClient[back], snap{own.Pos, w.Tick(), still})
		// Client: reconcile what arrived.
		for _, s := range toClient[now] {
			before, after := p.Reconcile(s.pos, s.tick, s.still)
			if before != after {
				corrections++
				if testing.Verbose() {
					t.Logf("tick %d: correction %v -> %v (snapshot %d still %d pending %d)", now, before, after, s.tick, s.still, p.Pending())
				}
			}
		}
		delete(toClient, now)
		if now > ticks+idle+ahead && p.Pending() == 0 && len(toServer) == 0 {
			return corrections, p.Pos(), own.Pos
		}
		if now > ticks+1000 {
			t.Fatalf("inputs never all acknowledged: %d pending", p.Pending())
		}
	}
}

func TestPredictorMatchesServerWithSteadyLatency(t *testing.T) {
	// Through the countdown into play, walls included (the default map has
	// them), at 0 to 6 ticks of steady latency each way, inputs stamped for
	// the tick they arrive in time for: the prediction is never corrected,
	// and ends where the server's ship is.
	for lag := 0; lag <= 6; lag++ {
		rng := rand.New(rand.NewPCG(uint64(lag), 7))
		corrections, predicted, server := pipeline(t, 600, lag, lag, lag, rng)
		if corrections != 0 {
			t.Errorf("lag %d: %d corrections, want none", lag, corrections)
		}
		if predicted != server {
			t.Errorf("lag %d: predicted %v, server %v", lag, predicted, server)
		}
	}
}

func TestPredictorJitterWithinLead(t *testing.T) {
	// Jitter up to the lead changes nothing: every input is there for its
	// tick, so the prediction is never corrected.
	for seed := range uint64(10) {
		rng := rand.New(rand.NewPCG(seed, 5))
		corrections, predicted, server := pipeline(t, 400, 1, 5, 5, rng)
		if corrections != 0 || predicted != server {
			t.Errorf("seed %d: %d corrections, predicted %v, server %v", seed, corrections, predicted, server)
		}
	}
}

func TestPredictorConvergesUnderJitter(t *testing.T) {
	// With jitter beyond the lead some inputs come late (dropped, the last
	// movement repeats): the prediction is corrected now and then, and once
	// every input is acknowledged it is exactly the server's position.
	late := 0
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 11))
		corrections, predicted, server := pipeline(t, 400, 1, 5, 2, rng)
		late += corrections
		if predicted != server {
			t.Errorf("seed %d: predicted %v, server %v (%d corrections)", seed, predicted, server, corrections)
		}
	}
	if late == 0 {
		t.Fatal("no correction at all: late inputs did not reach the prediction")
	}
}

func TestPredictorCountdownAndFrozen(t *testing.T) {
	p := NewPredictor(game.DefaultMap(), game.Rules{}, 30)
	right := game.Input{Buttons: game.ButtonRight}
	start := game.Vec{X: 500 * game.Unit, Y: 500 * game.Unit}
	if got := p.Apply(Input{Seq: 1, Tick: 11, Input: right}); got != (game.Vec{}) || p.Placed() {
		t.Fatalf("an unplaced ship moved to %v", got)
	}
	// Snapshot 10, two countdown ticks left: the inputs for ticks 11 and 12
	// do not move, the one for 13 does.
	_, after := p.Reconcile(start, 10, 2)
	if after != start {
		t.Fatalf("replayed input 1 in the countdown moved the ship to %v", after)
	}
	p.Apply(Input{Seq: 2, Tick: 12, Input: right})
	if p.Pos() != start || !p.Moving() {
		t.Fatalf("after the countdown: %v moving %v", p.Pos(), p.Moving())
	}
	step := game.MoveShip(nil, game.Rules{}, 30, start, right).X - start.X
	if got := p.Apply(Input{Seq: 3, Tick: 13, Input: right}); got.X != start.X+step {
		t.Fatalf("first input of play moved to %v, want +%d", got, step)
	}
	if got := p.Step(right); got.X != start.X+2*step {
		t.Fatalf("Step = %v", got)
	}
	// An input for a tick already predicted is ignored.
	p.Apply(Input{Seq: 4, Tick: 13, Input: right})
	if p.Pending() != 3 {
		t.Fatalf("pending %d", p.Pending())
	}
	// The snapshot of tick 12 acknowledges the inputs up to it and replays
	// the one for 13.
	if _, after := p.Reconcile(start, 12, 0); after.X != start.X+step || p.Pending() != 1 {
		t.Fatalf("after snapshot 12: %v, %d pending", after, p.Pending())
	}
	// A gap in the ticks is fine: each input moves the ship one tick.
	if got := p.Apply(Input{Seq: 5, Tick: 15, Input: right}); got.X != start.X+2*step {
		t.Fatalf("input for tick 15 moved to %v", got)
	}
	// Dead: nothing moves until a snapshot says otherwise.
	p.Reconcile(start, 15, Frozen)
	p.Apply(Input{Seq: 6, Tick: 16, Input: right})
	if p.Pos() != start || p.Moving() {
		t.Fatalf("a dead ship moved to %v", p.Pos())
	}
	p.Reset()
	if p.Placed() || p.Pending() != 0 {
		t.Fatal("Reset kept state")
	}
}

func TestPredictorBoundsPending(t *testing.T) {
	p := NewPredictor(game.DefaultMap(), game.Rules{}, 30)
	p.Reconcile(game.Vec{X: 500 * game.Unit, Y: 500 * game.Unit}, 0, 0)
	for seq := uint32(1); seq <= 3*MaxPredicted; seq++ {
		p.Apply(Input{Seq: seq, Tick: seq})
	}
	if p.Pending() != MaxPredicted {
		t.Fatalf("pending %d, want %d", p.Pending(), MaxPredicted)
	}
}
