package game

// ShipID identifies a player's ship within a match. IDs are chosen by the
// caller and must not be 0 (0 means "nobody" in an [Event]).
type ShipID uint32

// Ship is one player's ship as the World sees it.
type Ship struct {
	// ID is the ship's id, as given to AddPlayer.
	ID ShipID
	// Team is the ship's side, from 1.
	Team int
	// Pos is the ship's centre, in sub-units.
	Pos Vec
	// Aim is where the ship points.
	Aim Angle
	// Health is 0 when dead.
	Health int32
	// Alive is false while the ship waits to respawn, and after it left.
	Alive bool
	// RespawnTicks counts down the ticks until a dead ship respawns.
	RespawnTicks uint32
	// ProtectedTicks counts down the ticks of spawn protection; the ship
	// cannot be hit while it is above 0.
	ProtectedTicks uint32
	// Kills and Deaths are the ship's score so far.
	Kills, Deaths int
	// Left is true once the player left the match.
	Left bool
}

// Protected reports whether the ship has spawn protection.
func (s Ship) Protected() bool { return s.ProtectedTicks > 0 }

// Projectile is a shot in flight.
type Projectile struct {
	// ID is unique within the match; IDs increase in firing order.
	ID uint32
	// Owner is the ship that fired it.
	Owner ShipID
	// Team is the owner's team.
	Team int
	// Pos is the projectile's centre, in sub-units.
	Pos Vec
	// Vel is the projectile's velocity, in sub-units per tick.
	Vel Vec
	// TicksLeft is the number of moves the projectile has left.
	TicksLeft uint32
}
