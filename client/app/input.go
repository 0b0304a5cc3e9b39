package app

import (
	"math"

	"github.com/arena-server/arena/game"
	"github.com/arena-server/arena/netcode"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

// Controls is what the player holds down right now: Button bits and an aim
// angle. The UI sets it every frame; the App sends it once per tick.
type Controls struct {
	// Buttons is a bitwise OR of arenav1.Button values.
	Buttons uint32
	// Aim is the angle, 0..65535 per turn, counter-clockwise from +x with
	// +y down the screen (16384 points up the screen).
	Aim uint32
}

// Button bits, as uint32 for OR-ing into Controls.Buttons.
const (
	ButtonUp    = uint32(arenav1.Button_BUTTON_UP)
	ButtonDown  = uint32(arenav1.Button_BUTTON_DOWN)
	ButtonLeft  = uint32(arenav1.Button_BUTTON_LEFT)
	ButtonRight = uint32(arenav1.Button_BUTTON_RIGHT)
	ButtonFire  = uint32(arenav1.Button_BUTTON_FIRE)
)

// AimAt returns the wire angle of the vector (dx, dy) in screen orientation
// (+y down): AimAt(1, 0) is 0 (right), AimAt(0, -1) is 16384 (up). A zero
// vector aims right.
func AimAt(dx, dy float64) uint32 {
	if dx == 0 && dy == 0 {
		return 0
	}
	turns := math.Atan2(-dy, dx) / (2 * math.Pi) // -0.5..0.5
	a := int64(math.Round(turns * 65536))
	return uint32(((a % 65536) + 65536) % 65536)
}

// AimVector returns the unit vector, in screen orientation (+y down), of a
// wire angle: the inverse of AimAt.
func AimVector(aim uint32) (dx, dy float64) {
	rad := float64(aim%65536) / 65536 * 2 * math.Pi
	return math.Cos(rad), -math.Sin(rad)
}

// input is c as the game takes it.
func (c Controls) input() game.Input {
	return game.Input{Buttons: game.Buttons(c.Buttons) & game.ButtonsAll, Aim: game.Angle(c.Aim % 65536)}
}

// sendInputs sends the held controls as the input of each tick the match's
// input clock has due now, stamped with that tick, and predicts them.
func (a *App) sendInputs() {
	m := a.match
	if !m.clock.Started() {
		return // no snapshot yet: no tick to aim at
	}
	if rtt, ok := a.Ping(); ok {
		m.clock.SetRTT(rtt)
	}
	first, last := m.clock.Due(a.now)
	for tick := first; tick <= last && tick >= first; tick++ {
		a.sendInput(tick)
	}
}

// sendInput sends the held controls as the input for tick, and predicts it.
func (a *App) sendInput(tick uint32) {
	a.seq++
	in := a.controls.input()
	sent := a.send(&arenav1.ClientMessage{Body: &arenav1.ClientMessage_Input{Input: &arenav1.Input{
		Seq: a.seq, Buttons: uint32(in.Buttons), Aim: uint32(in.Aim), Tick: tick,
	}}})
	if sent {
		a.predictInput(netcode.Input{Seq: a.seq, Tick: tick, Input: in})
	}
}
