package netcode

import (
	"errors"
	"testing"
	"time"

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

// at is an input for tick.
func at(seq, tick uint32, b game.Buttons) Input {
	return Input{Seq: seq, Tick: tick, Input: game.Input{Buttons: b}}
}

const testPeriod = time.Second / 30

func TestInputReportOnTheWire(t *testing.T) {
	m, err := NewMatch(game.Config{})
	if err != nil {
		t.Fatal(err)
	}
	for ship, team := range []int{1, 2} {
		if err := m.AddPlayer(uint32(ship+1), team); err != nil {
			t.Fatal(err)
		}
	}
	enc, dec := m.NewEncoder(1), NewDecoder(1)
	for i, r := range []InputReport{
		{Tick: 9, Lead: 12300 * time.Microsecond, Late: 2, Missing: 5},
		{Tick: 10, Lead: -40 * time.Millisecond},
		{},
	} {
		if err := m.Step(); err != nil {
			t.Fatal(err)
		}
		enc.SetInputReport(r)
		var msg arenav1.ServerMessage
		if err := proto.Unmarshal(enc.Append(nil, 3), &msg); err != nil {
			t.Fatal(err)
		}
		enc.Handed(true)
		v, err := dec.Apply(msg.GetSnapshot())
		if err != nil {
			t.Fatal(err)
		}
		want := r
		want.Lead = r.Lead.Round(time.Millisecond)
		if v.Input != want {
			t.Errorf("report %d: decoded %+v, want %+v", i, v.Input, want)
		}
	}
}

func TestTickBuffer(t *testing.T) {
	const up, down, left, fire = game.ButtonUp, game.ButtonDown, game.ButtonLeft, game.ButtonFire
	type step struct {
		push []Input
		want []PushResult // what Push returned for each of push
		// then the tick runs:
		buttons game.Buttons
		ack     uint32
		ok      bool // the tick had its input
	}
	type counts struct{ late, missing uint32 }
	A, L, R := Accepted, Late, Refused
	for _, tc := range []struct {
		name  string
		size  int
		first uint32 // the first tick simulated
		steps []step
		end   counts
	}{
		{"empty buffer applies nothing, counts nothing", 4, 1, []step{{}, {}}, counts{}},
		{"each input at its tick, whatever the arrival order of ticks", 8, 1, []step{
			{push: []Input{at(1, 3, fire), at(2, 1, up), at(3, 2, down)}, want: []PushResult{A, A, A}, buttons: up, ack: 2, ok: true},
			{buttons: down, ack: 3, ok: true},
			{buttons: fire, ack: 1, ok: true},
		}, counts{}},
		{"early inputs wait for their tick", 8, 1, []step{
			{push: []Input{at(1, 3, up)}, want: []PushResult{A}},
			{},
			{buttons: up, ack: 1, ok: true},
		}, counts{}},
		{"a missing tick repeats the movement without the shot, counted", 8, 1, []step{
			{push: []Input{at(1, 1, up|fire)}, want: []PushResult{A}, buttons: up | fire, ack: 1, ok: true},
			{buttons: up, ack: 1},
			{push: []Input{at(2, 3, down)}, want: []PushResult{A}, buttons: down, ack: 2, ok: true},
			{buttons: down, ack: 2},
		}, counts{missing: 2}},
		{"a late input is dropped and counted", 8, 5, []step{
			{push: []Input{at(1, 4, up), at(2, 5, down)}, want: []PushResult{L, A}, buttons: down, ack: 2, ok: true},
			{push: []Input{at(3, 6, up|fire)}, want: []PushResult{A}, buttons: up | fire, ack: 3, ok: true},
			{push: []Input{at(4, 6, fire)}, want: []PushResult{L}, buttons: up, ack: 3},
		}, counts{late: 2, missing: 1}},
		{"a tick beyond the buffer is refused", 4, 10, []step{
			{push: []Input{at(1, 14, up), at(2, 13, down), at(3, 1<<31, up)}, want: []PushResult{R, A, R}},
		}, counts{}},
		{"stale and duplicate sequences are refused", 8, 1, []step{
			{push: []Input{at(5, 1, up), at(5, 2, fire), at(3, 2, fire)}, want: []PushResult{A, R, R}, buttons: up, ack: 5, ok: true},
		}, counts{}},
		{"a newer input for the same tick wins, keeping a shot", 8, 1, []step{
			{push: []Input{at(1, 1, up|fire), at(2, 1, down)}, want: []PushResult{A, A}, buttons: down | fire, ack: 2, ok: true},
		}, counts{}},
		{"unstamped inputs play one a tick, in order, at most 4 ahead", 8, 1, []step{
			{push: []Input{in(1, up), in(2, fire), in(3, down), in(4, left|fire), in(5, up)}, want: []PushResult{A, A, A, A, A}, buttons: up, ack: 1, ok: true},
			{buttons: fire, ack: 2, ok: true},
			{push: []Input{in(6, 0)}, want: []PushResult{A}, buttons: down, ack: 3, ok: true},
			{buttons: up | fire, ack: 5, ok: true},
			{buttons: 0, ack: 6, ok: true},
			{buttons: 0, ack: 6},
			{push: []Input{in(7, up)}, want: []PushResult{A}, buttons: up, ack: 7, ok: true},
		}, counts{missing: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := NewTickBuffer(tc.size, testPeriod)
			for i, s := range tc.steps {
				tick := tc.first + uint32(i)
				for j, p := range s.push {
					if got := b.Push(p, tick, 0); got != s.want[j] {
						t.Fatalf("tick %d: push %+v: %v, want %v", tick, p, got, s.want[j])
					}
				}
				got, ack, ok := b.Next(tick)
				if got.Buttons != s.buttons || ack != s.ack || ok != s.ok {
					t.Fatalf("tick %d: applied %b ack %d ok %v, want %b ack %d ok %v", tick, got.Buttons, ack, ok, s.buttons, s.ack, s.ok)
				}
			}
			if got := (counts{b.Late(), b.Missing()}); got != tc.end {
				t.Fatalf("late %d missing %d, want %d and %d", got.late, got.missing, tc.end.late, tc.end.missing)
			}
		})
	}
}

func TestTickBufferReportsLeastLead(t *testing.T) {
	b := NewTickBuffer(32, testPeriod)
	if r := b.Report(); r != (InputReport{}) {
		t.Fatalf("report before any input: %+v", r)
	}
	// Unstamped inputs (and a missing tick) get no report.
	b.Push(in(1, 0), 5, 0)
	b.Next(5)
	b.Next(6)
	if r := b.Report(); r != (InputReport{}) || b.Missing() != 1 {
		t.Fatalf("report for unstamped inputs: %+v (missing %d)", r, b.Missing())
	}
	b = NewTickBuffer(32, testPeriod)
	// Before tick 10 runs: an input for 12 that waited 5ms (lead 5ms + 2
	// periods), one for 10 that waited 1ms (lead 1ms).
	b.Push(at(1, 12, 0), 10, 5*time.Millisecond)
	b.Push(at(2, 10, 0), 10, time.Millisecond)
	if r := b.Report(); r.Tick != 10 || r.Lead != time.Millisecond {
		t.Fatalf("report %+v, want tick 10 lead 1ms", r)
	}
	if r := b.Report(); r.Tick != 0 {
		t.Fatalf("second report %+v, want none", r)
	}
	for tick := uint32(10); tick <= 12; tick++ {
		b.Next(tick)
	}
	// A late input: its lead is negative, by the ticks it missed.
	b.Push(at(3, 11, 0), 13, 10*time.Millisecond)
	r := b.Report()
	if want := 10*time.Millisecond - 2*testPeriod; r.Tick != 11 || r.Lead != want || r.Late != 1 || r.Missing != 1 {
		t.Fatalf("report %+v, want tick 11 lead %v, 1 late and tick 11 missing", r, want)
	}
	if ms := leadMS(r.Lead); ms != -57 {
		t.Fatalf("lead on the wire %d ms, want -57", ms)
	}
}

func TestTickBufferBounded(t *testing.T) {
	// However many inputs arrive, and for whatever ticks, the buffer holds
	// at most its size and accepts only ticks within it.
	const size = 8
	b := NewTickBuffer(size, testPeriod)
	seq := uint32(0)
	for tick := uint32(1); tick < 200; tick++ {
		for d := uint32(0); d < 3*size; d++ {
			seq++
			res := b.Push(at(seq, tick+d*7%(3*size), 0), tick, 0)
			if ahead := tick + d*7%(3*size) - tick; (res == Accepted) != (ahead < size) {
				t.Fatalf("tick %d: input %d ticks ahead: %v", tick, ahead, res)
			}
		}
		if b.Len() > size {
			t.Fatalf("%d inputs wait, more than %d", b.Len(), size)
		}
		b.Next(tick)
	}
	if b.Late() != 0 || b.Missing() != 0 {
		t.Fatalf("late %d missing %d", b.Late(), b.Missing())
	}
}

func TestInputTicks(t *testing.T) {
	if n := InputTicks(8, 30); n != 30 {
		t.Fatalf("InputTicks(8, 30) = %d, want a second's worth", n)
	}
	if n := InputTicks(64, 30); n != 64 {
		t.Fatalf("InputTicks(64, 30) = %d, want 64", n)
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
	b := NewTickBuffer(4, testPeriod)
	tick := uint32(0)
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
		tick++
		b.Push(got, tick, 0)
		b.Next(tick)
		if b.Len() > 4 {
			t.Fatalf("%d inputs wait in a buffer of 4", b.Len())
		}
	})
}
