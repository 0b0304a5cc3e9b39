package netcode

import (
	"errors"
	"fmt"

	"github.com/arena-server/arena/game"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

// Input is one validated player input: the intent for one simulation tick.
type Input struct {
	Seq   uint32
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
	return Input{Seq: in.GetSeq(), Input: game.Input{Buttons: game.Buttons(in.GetButtons()), Aim: game.Angle(in.GetAim())}}, nil
}

// InputBuffer holds one player's inputs until the ticks that apply them:
// at most one per tick, in sequence order, so a burst after a stall plays out
// over the following ticks instead of at once. When it runs dry, the last
// movement and aim repeat, never the last shot.
//
// A client sends one input per tick, as fast as the server consumes them, so
// a backlog left by a burst would otherwise stand for good and add its
// length to every input's latency. When inputs have been waiting at every
// tick for StandingTicks ticks in a row, the buffer applies two in one tick
// (the newer's movement and aim, a shot if either fired), once, and starts
// counting again: a standing backlog drains by one input a second at 30 Hz,
// a passing burst is untouched.
//
// Its zero value is not usable; make one with NewInputBuffer.
type InputBuffer struct {
	ring    []Input
	head, n int
	newest  uint32     // highest sequence accepted
	current game.Input // what the simulation applies while the buffer is empty
	acked   uint32     // sequence of the last input handed out
	backlog int        // consecutive ticks that left inputs waiting
}

// StandingTicks is how many consecutive ticks must leave inputs waiting
// before the buffer takes two inputs in one tick.
const StandingTicks = 30

// NewInputBuffer returns a buffer holding at most size waiting inputs.
func NewInputBuffer(size int) *InputBuffer {
	return &InputBuffer{ring: make([]Input, max(size, 1))}
}

// Push adds an input. It returns false (and drops the input) when the input
// is not newer than one already accepted, or when the buffer is full.
func (b *InputBuffer) Push(in Input) bool {
	if in.Seq <= b.newest || b.n == len(b.ring) {
		return false
	}
	b.ring[(b.head+b.n)%len(b.ring)] = in
	b.n++
	b.newest = in.Seq
	return true
}

// Next returns the input for the coming tick and the sequence it
// acknowledges: the oldest waiting input (merged with the next one when a
// backlog has stood for StandingTicks), or, if none waits, the last one
// again without its fire button.
func (b *InputBuffer) Next() (game.Input, uint32) {
	if b.n == 0 {
		b.backlog = 0
		b.current.Buttons &^= game.ButtonFire
		return b.current, b.acked
	}
	in := b.pop()
	if b.n > 0 {
		b.backlog++
	} else {
		b.backlog = 0
	}
	if b.backlog >= StandingTicks {
		next := b.pop()
		next.Input.Buttons |= in.Input.Buttons & game.ButtonFire
		in, b.backlog = next, 0
	}
	b.current, b.acked = in.Input, in.Seq
	return b.current, b.acked
}

func (b *InputBuffer) pop() Input {
	in := b.ring[b.head]
	b.head = (b.head + 1) % len(b.ring)
	b.n--
	return in
}

// Len is the number of inputs waiting.
func (b *InputBuffer) Len() int { return b.n }
