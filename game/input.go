package game

// Buttons is the set of buttons held during a tick, a bit set. The values
// equal the wire enum arena.v1.Button.
type Buttons uint8

// Buttons a player can hold.
const (
	ButtonUp    Buttons = 1 << iota // move up the screen (-y)
	ButtonDown                      // move down the screen (+y)
	ButtonLeft                      // move left (-x)
	ButtonRight                     // move right (+x)
	ButtonFire                      // fire the weapon

	// ButtonsAll is every defined button; other bits are ignored.
	ButtonsAll = ButtonUp | ButtonDown | ButtonLeft | ButtonRight | ButtonFire
)

// Input is a player's intent for a tick: the buttons held and where the ship
// aims. The aim is taken as it is.
type Input struct {
	Buttons Buttons // the buttons held
	Aim     Angle   // where the ship points
}
