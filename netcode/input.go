package netcode

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/arena-server/arena/game"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

// Input is one validated player input: the intent for one simulation tick.
type Input struct {
	Seq uint32
	// Tick is the server tick the input is meant for (the tick of the
	// snapshot whose step applies it); 0 for an unstamped input.
	Tick  uint32
	Input game.Input
}

// allButtons masks the buttons a client may press.
const allButtons = game.ButtonUp | game.ButtonDown | game.ButtonLeft | game.ButtonRight | game.ButtonFire

// Errors from InputFromWire.
var (
	ErrZeroSeq     = errors.New("input sequence must start at 1")
	ErrBadButtons  = errors.New("input has unknown buttons")
	ErrAimRange    = errors.New("input aim must be 0..65535")
	ErrMissingBody = errors.New("input is empty")
)

// InputFromWire validates a wire input. Anything out of range is an error,
// never silently reinterpreted.
func InputFromWire(in *arenav1.Input) (Input, error) {
	switch {
	case in == nil:
		return Input{}, ErrMissingBody
	case in.GetSeq() == 0:
		return Input{}, ErrZeroSeq
	case in.GetButtons()&^uint32(allButtons) != 0:
		return Input{}, fmt.Errorf("%w: %#x", ErrBadButtons, in.GetButtons())
	case in.GetAim() > 0xFFFF:
		return Input{}, fmt.Errorf("%w: %d", ErrAimRange, in.GetAim())
	}
	return Input{Seq: in.GetSeq(), Tick: in.GetTick(), Input: game.Input{Buttons: game.Buttons(in.GetButtons()), Aim: game.Angle(in.GetAim())}}, nil
}

// MaxInputLead is how far ahead of the server a stamped input may be meant
// for: a TickBuffer holds at least this many ticks.
const MaxInputLead = time.Second

// InputTicks is the size of a TickBuffer for a server running at tickRate
// ticks per second: size ticks (the server's configured input buffer), but
// at least MaxInputLead.
func InputTicks(size, tickRate int) int {
	return max(size, int(game.DurationTicks(MaxInputLead, tickRate)))
}

// UnstampedBacklog is how many ticks ahead of the next an unstamped input
// may wait.
const UnstampedBacklog = 4

// PushResult is what TickBuffer.Push did with an input.
type PushResult uint8

const (
	// Accepted: the input waits for its tick.
	Accepted PushResult = iota
	// Late: its tick was simulated already; dropped and counted.
	Late
	// Refused: not newer than an input already taken, or meant for a tick
	// beyond the buffer; dropped.
	Refused
)

// TickBuffer holds one player's inputs by the server tick they are meant
// for (Input.Tick) until that tick is simulated, and measures how early they
// arrive. Next(tick) hands out the input for tick; when there is none, the
// last movement and aim repeat, never the last shot, and the tick is counted
// as missing (once the player has had an input applied). An input for a
// tick already simulated is late: counted and dropped. The buffer spans
// size ticks from the next one to simulate; an input meant for a tick
// beyond is refused.
//
// An unstamped input (tick 0) is meant for the tick after the newest
// waiting one, at the earliest the next: unstamped inputs are applied one
// per tick in order, a burst spread over the following ticks, but never
// more than UnstampedBacklog ticks ahead (an input beyond replaces the
// newest waiting one, keeping its shot), so that a client whose clock runs
// a little fast does not build a standing backlog.
//
// Its zero value is not usable; make one with NewTickBuffer.
type TickBuffer struct {
	ring   []tickSlot // by tick % len
	period time.Duration

	newest  uint32     // highest sequence accepted
	last    uint32     // highest tick holding an input (or applied)
	current game.Input // what repeats when a tick has no input
	acked   uint32     // sequence of the last input applied
	at      uint32     // the last tick Next took
	started bool       // an input was applied
	stamped bool       // a stamped input came: the client reads reports

	late, missing uint32

	// The report of the inputs pushed since the last Report.
	reported  bool
	leadTick  uint32
	leadValue time.Duration
}

type tickSlot struct {
	tick uint32 // 0: empty
	in   Input
}

// NewTickBuffer returns a buffer spanning size ticks (at least 1) of a
// server whose ticks are period apart.
func NewTickBuffer(size int, period time.Duration) *TickBuffer {
	return &TickBuffer{ring: make([]tickSlot, max(size, 1)), period: period}
}

// Push takes an input that arrived waited before now, when next is the tick
// the server simulates next. Its lead, the time from its arrival to the
// start of its tick, is waited plus a period per tick it is ahead of next:
// negative for a late input.
func (b *TickBuffer) Push(in Input, next uint32, waited time.Duration) PushResult {
	if in.Seq <= b.newest {
		return Refused
	}
	tick := in.Tick
	if tick == 0 {
		// At most UnstampedBacklog ticks ahead: beyond, the newest
		// waiting input is replaced (keeping its shot, below).
		tick = min(max(next, b.last+1), next+UnstampedBacklog-1)
	}
	if tick >= next && tick-next >= uint32(len(b.ring)) {
		return Refused
	}
	b.newest = in.Seq
	b.stamped = b.stamped || in.Tick != 0
	lead := waited + time.Duration(int64(tick)-int64(next))*b.period
	if !b.reported || lead < b.leadValue {
		b.reported, b.leadTick, b.leadValue = true, tick, lead
	}
	if tick < next {
		b.late++
		return Late
	}
	in.Tick = tick
	s := &b.ring[tick%uint32(len(b.ring))]
	if s.tick == tick {
		// A second input for the same tick: the newer wins, keeping a shot.
		in.Input.Buttons |= s.in.Input.Buttons & game.ButtonFire
	}
	*s = tickSlot{tick: tick, in: in}
	b.last = max(b.last, tick)
	return Accepted
}

// Next returns the input for tick, the tick being simulated now, and the
// sequence of the last input applied. Ticks must come in increasing order.
// With no input for tick, the last one repeats without its fire button.
// ok reports whether tick had its input.
func (b *TickBuffer) Next(tick uint32) (in game.Input, ack uint32, ok bool) {
	b.at = tick
	s := &b.ring[tick%uint32(len(b.ring))]
	if s.tick != tick {
		if b.started {
			b.missing++
		}
		b.current.Buttons &^= game.ButtonFire
		b.last = max(b.last, tick)
		return b.current, b.acked, false
	}
	b.current, b.acked, b.started = s.in.Input, s.in.Seq, true
	*s = tickSlot{}
	b.last = max(b.last, tick)
	return b.current, b.acked, true
}

// Len is the number of inputs waiting.
func (b *TickBuffer) Len() int {
	n := 0
	for _, s := range b.ring {
		if s.tick > b.at {
			n++
		}
	}
	return n
}

// Late is how many inputs came after their tick.
func (b *TickBuffer) Late() uint32 { return b.late }

// Missing is how many ticks had no input, since the first input applied.
func (b *TickBuffer) Missing() uint32 { return b.missing }

// InputReport is what a snapshot tells a player about their inputs'
// timing (Snapshot fields input_tick to input_ticks_missing).
type InputReport struct {
	// Tick is the tick of the input reported on, of those that arrived
	// since the previous report the one with the least lead; 0: none.
	Tick uint32
	// Lead is that input's lead (negative: late).
	Lead time.Duration
	// Late and Missing are the counters of the TickBuffer.
	Late, Missing uint32
}

// Report returns the report for the next snapshot and starts a new one.
// A client that sent no stamped input gets none: the report would cost it
// bytes and tell it nothing.
func (b *TickBuffer) Report() InputReport {
	if !b.stamped {
		b.reported = false
		return InputReport{}
	}
	r := InputReport{Late: b.late, Missing: b.missing}
	if b.reported {
		r.Tick, r.Lead = b.leadTick, b.leadValue
	}
	b.reported = false
	return r
}

// leadMS is a lead in whole milliseconds, rounded, as the wire carries it.
func leadMS(d time.Duration) int32 {
	ms := math.Round(float64(d) / float64(time.Millisecond))
	return int32(min(max(ms, math.MinInt32), math.MaxInt32))
}

// InputReportFromWire reads the input report of a snapshot.
func InputReportFromWire(s *arenav1.Snapshot) InputReport {
	return InputReport{
		Tick: s.GetInputTick(), Lead: time.Duration(s.GetInputLeadMs()) * time.Millisecond,
		Late: s.GetInputsLate(), Missing: s.GetInputTicksMissing(),
	}
}
