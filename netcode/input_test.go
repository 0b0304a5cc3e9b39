package netcode

import (
	"errors"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/arena-server/arena/game"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

func TestInputFromWire(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   *arenav1.Input
		want error
	}{
		{"nil", nil, ErrMissingBody},
		{"zero sequence", &arenav1.Input{Seq: 0}, ErrZeroSeq},
		{"unknown button", &arenav1.Input{Seq: 1, Buttons: 32}, ErrBadButtons},
		{"aim past a turn", &arenav1.Input{Seq: 1, Aim: 65536}, ErrAimRange},
		{"all buttons", &arenav1.Input{Seq: 9, Buttons: 31, Aim: 65535}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := InputFromWire(tc.in)
			if !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			if err == nil && (got.Seq != tc.in.Seq || uint32(got.Input.Buttons) != tc.in.Buttons || uint32(got.Input.Aim) != tc.in.Aim) {
				t.Fatalf("converted %+v from %v", got, tc.in)
			}
		})
	}
}

func in(seq uint32, b game.Buttons) Input { return Input{Seq: seq, Input: game.Input{Buttons: b}} }

func TestInputBuffer(t *testing.T) {
	const up, fire = game.ButtonUp, game.ButtonFire
	type step struct {
		push     []Input
		accepted int // how many of push are accepted
		want     game.Buttons
		ack      uint32
	}
	for _, tc := range []struct {
		name  string
		size  int
		steps []step
	}{
		{"empty buffer applies nothing", 4, []step{{want: 0, ack: 0}}},
		{"one per tick, in order", 4, []step{
			{push: []Input{in(1, up), in(2, fire), in(3, 0)}, accepted: 3, want: up, ack: 1},
			{want: fire, ack: 2},
			{want: 0, ack: 3},
		}},
		{"dry buffer repeats movement without the shot", 4, []step{
			{push: []Input{in(1, up|fire)}, accepted: 1, want: up | fire, ack: 1},
			{want: up, ack: 1},
			{want: up, ack: 1},
		}},
		{"stale and duplicate sequences dropped", 4, []step{
			{push: []Input{in(5, up), in(5, fire), in(3, fire)}, accepted: 1, want: up, ack: 5},
		}},
		{"full buffer drops the newest", 2, []step{
			{push: []Input{in(1, up), in(2, up), in(3, fire)}, accepted: 2, want: up, ack: 1},
			{want: up, ack: 2},
			{want: up, ack: 2},
		}},
		{"sequence gaps are fine", 4, []step{
			{push: []Input{in(1, up), in(10, fire)}, accepted: 2, want: up, ack: 1},
			{want: fire, ack: 10},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := NewInputBuffer(tc.size)
			for i, s := range tc.steps {
				accepted := 0
				for _, p := range s.push {
					if b.Push(p) {
						accepted++
					}
				}
				if accepted != s.accepted {
					t.Fatalf("step %d: accepted %d, want %d", i, accepted, s.accepted)
				}
				got, ack := b.Next()
				if got.Buttons != s.want || ack != s.ack {
					t.Fatalf("step %d: applied %b ack %d, want %b ack %d", i, got.Buttons, ack, s.want, s.ack)
				}
			}
		})
	}
}

func TestStandingBacklogDrains(t *testing.T) {
	b := NewInputBuffer(8)
	seq := uint32(0)
	push := func(buttons game.Buttons) {
		seq++
		if !b.Push(in(seq, buttons)) {
			t.Fatalf("push %d refused", seq)
		}
	}
	// A burst leaves three inputs waiting; then one arrives per tick.
	push(game.ButtonUp)
	push(game.ButtonUp | game.ButtonFire)
	push(game.ButtonUp)
	shots := 0
	for tick := range 3 * StandingTicks {
		push(game.ButtonLeft)
		got, ack := b.Next()
		if got.Buttons&game.ButtonFire != 0 {
			shots++
		}
		if want := seq - uint32(b.Len()); ack != want {
			t.Fatalf("tick %d: ack %d, want %d", tick, ack, want)
		}
	}
	if b.Len() != 0 {
		t.Fatalf("after %d ticks %d inputs still wait, want the backlog drained", 3*StandingTicks, b.Len())
	}
	if shots != 1 {
		t.Fatalf("%d shots applied, want the one sent", shots)
	}
	// A passing burst is not trimmed: all of it plays, one input a tick.
	for range 4 {
		push(game.ButtonDown)
	}
	for i := range 4 {
		if _, ack := b.Next(); ack != seq-3+uint32(i) {
			t.Fatalf("burst input %d acknowledged %d", i, ack)
		}
	}
}

// FuzzClientInput decodes arbitrary bytes as a client message and validates
// its input the way the server does: never a panic, and anything accepted
// is in range.
func FuzzClientInput(f *testing.F) {
	for _, m := range []*arenav1.ClientMessage{
		{Body: &arenav1.ClientMessage_Input{Input: &arenav1.Input{Seq: 1, Buttons: 5, Aim: 100}}},
		{Body: &arenav1.ClientMessage_Input{Input: &arenav1.Input{Seq: 1 << 31, Buttons: 1 << 20, Aim: 1 << 30}}},
		{RequestId: 3, Body: &arenav1.ClientMessage_ChatSend{ChatSend: &arenav1.ChatSend{Text: "hi"}}},
	} {
		b, err := proto.Marshal(m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{0x6a, 0x80})
	b := NewInputBuffer(4)
	f.Fuzz(func(t *testing.T, data []byte) {
		var m arenav1.ClientMessage
		if proto.Unmarshal(data, &m) != nil {
			return
		}
		got, err := InputFromWire(m.GetInput())
		if err != nil {
			return
		}
		if got.Seq == 0 || got.Input.Buttons&^allButtons != 0 {
			t.Fatalf("accepted out-of-range input %+v", got)
		}
		b.Push(got)
		b.Next()
	})
}
