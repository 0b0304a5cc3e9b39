package game

import "fmt"

// EventKind is what happened. The values equal the wire enum
// arena.v1.GameEventKind.
type EventKind uint8

// Kinds of events.
const (
	// EventShot: Actor fired.
	EventShot EventKind = iota + 1
	// EventHit: Actor's projectile hit Target.
	EventHit
	// EventKill: Actor killed Target.
	EventKill
	// EventRespawn: Actor respawned.
	EventRespawn
)

// String returns the kind's name.
func (k EventKind) String() string {
	switch k {
	case EventShot:
		return "shot"
	case EventHit:
		return "hit"
	case EventKill:
		return "kill"
	case EventRespawn:
		return "respawn"
	}
	return fmt.Sprintf("EventKind(%d)", uint8(k))
}

// Event is something that happened during a tick.
type Event struct {
	// Kind is what happened.
	Kind EventKind
	// Tick is the tick it happened on.
	Tick uint32
	// Actor is the ship that acted.
	Actor ShipID
	// Target is the ship acted upon, or 0.
	Target ShipID
}
