package netcode

import "github.com/arena-server/arena/game"

// eventLogSize is how many of the latest events a Match keeps for its
// Encoders to take: far more than a tick makes, so an Encoder that is
// called every tick never misses one.
const eventLogSize = 512

// eventLog is a ring of the latest events of a Match, numbered from 0 in
// the order they happened.
type eventLog struct {
	ring []game.Event // len eventLogSize; event n is at ring[n%len]
	head uint64       // the number of the next event
}

func (l *eventLog) append(evs []game.Event) {
	for _, e := range evs {
		l.ring[l.head%uint64(len(l.ring))] = e
		l.head++
	}
}
