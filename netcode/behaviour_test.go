package netcode

import (
	"slices"
	"testing"

	"github.com/arena-server/arena/game"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

// link is one client of a scripted test: its Encoder and Decoder.
type link struct {
	t   *testing.T
	m   *Match
	enc *Encoder
	dec *Decoder
}

func newLink(t *testing.T, m *Match, ship uint32) *link {
	return &link{t: t, m: m, enc: m.NewEncoder(ship), dec: NewDecoder(ship)}
}

// send encodes the current tick's snapshot; a dropped one is not applied.
func (l *link) send(dropped bool) (*arenav1.Snapshot, *View) {
	l.t.Helper()
	s := unframe(l.t, l.enc.Append(nil, 0))
	l.enc.Handed(!dropped)
	if dropped {
		return s, nil
	}
	v, err := l.dec.Apply(s)
	if err != nil {
		l.t.Fatalf("tick %d: %v", s.GetTick(), err)
	}
	return s, v
}

func ids(v *View) []game.ShipID {
	var out []game.ShipID
	for _, s := range v.Ships {
		out = append(out, s.ID)
	}
	return out
}

func TestFirstSnapshotIsFullThenDeltas(t *testing.T) {
	m := newPlayingMatch(t, "ffa")
	l := newLink(t, m, 3)
	s, v := l.send(false)
	if s.GetBaselineTick() != 0 || len(v.Ships) != 8 || v.Self != 2 {
		t.Fatalf("first snapshot: baseline %d, %d ships, self %d", s.GetBaselineTick(), len(v.Ships), v.Self)
	}
	for range 3 {
		prev := m.Tick()
		driveShips(m, 8, int(m.Tick()))
		step(t, m)
		if s, _ := l.send(false); s.GetBaselineTick() != prev || len(s.GetShipAdded()) != 0 {
			t.Fatalf("tick %d: baseline %d, %d values of added ships", m.Tick(), s.GetBaselineTick(), len(s.GetShipAdded()))
		}
	}
}

func TestFullSnapshotAfterDrop(t *testing.T) {
	m := newPlayingMatch(t, "duel")
	l := newLink(t, m, 1)
	l.send(false)
	step(t, m)
	l.send(true) // dropped
	step(t, m)
	s, v := l.send(false)
	if s.GetBaselineTick() != 0 || len(v.Ships) != 2 {
		t.Fatalf("snapshot after a drop: baseline %d, %d ships", s.GetBaselineTick(), len(v.Ships))
	}
	step(t, m)
	if s, _ := l.send(false); s.GetBaselineTick() != m.Tick()-1 {
		t.Fatalf("then: baseline %d at tick %d", s.GetBaselineTick(), m.Tick())
	}
}

func TestRemovals(t *testing.T) {
	m := newPlayingMatch(t, "ffa")
	l := newLink(t, m, 1)
	l.send(false)

	// A player leaves: the ship and its projectiles go.
	var leaver game.ShipID
	var gone []uint32
	for _, p := range m.World().Projectiles() {
		if leaver == 0 && p.Owner != 1 {
			leaver = p.Owner
		}
		if p.Owner == leaver {
			gone = append(gone, p.ID)
		}
	}
	if leaver == 0 {
		t.Fatal("no projectiles in flight")
	}
	m.RemovePlayer(uint32(leaver))
	step(t, m)
	s, v := l.send(false)
	if want := []uint32{uint32(leaver) - 1}; !slices.Equal(s.GetShipRemoved(), want) {
		t.Fatalf("ship_removed %v, want the skip of ship %d: %v", s.GetShipRemoved(), leaver, want)
	}
	if want := slices.DeleteFunc([]game.ShipID{1, 2, 3, 4, 5, 6, 7, 8}, func(id game.ShipID) bool { return id == leaver }); !slices.Equal(ids(v), want) {
		t.Fatalf("ships %v, want %v", ids(v), want)
	}
	for _, p := range v.Projectiles {
		if slices.Contains(gone, p.ID) {
			t.Fatalf("projectile %d of ship 3 is still there", p.ID)
		}
	}
	if len(s.GetProjectileRemoved()) < len(gone) {
		t.Fatalf("%d projectiles removed, ship 3 had %d", len(s.GetProjectileRemoved()), len(gone))
	}

	// Projectiles that run out go by themselves; those that hit go listed.
	removed, expired := 0, 0
	for range 60 {
		before := v.Projectiles
		driveShips(m, 8, int(m.Tick()))
		step(t, m)
		s, v = l.send(false)
		removed += len(s.GetProjectileRemoved())
		for _, p := range before {
			if p.TicksLeft == 1 {
				expired++
			}
		}
	}
	if removed == 0 || expired == 0 {
		t.Fatalf("in 60 ticks, %d projectiles removed and %d ran out", removed, expired)
	}
}

func TestEventsOnceAcrossDrops(t *testing.T) {
	m := newPlayingMatch(t, "ffa16")
	l := newLink(t, m, 1)
	l.send(false)
	var want, got []game.Event
	for i := range 90 {
		driveShips(m, 16, int(m.Tick()))
		events := step(t, m)
		want = append(want, events...)
		dropped := i%3 != 2 // two of three frames dropped
		s, v := l.send(dropped)
		if !dropped {
			got = append(got, v.Events...)
			continue
		}
		if n := len(s.GetEventRecords()); n == 0 && len(events) > 0 {
			t.Fatalf("tick %d: dropped snapshot without the tick's events", m.Tick())
		}
	}
	if len(want) == 0 || !slices.Equal(got, want) {
		t.Fatalf("%d events delivered, %d happened", len(got), len(want))
	}
	for _, e := range got {
		if e.Tick == 0 || e.Tick > m.Tick() {
			t.Fatalf("event %+v out of the match's ticks", e)
		}
	}
}

func TestPendingEventsBounded(t *testing.T) {
	m := newPlayingMatch(t, "ffa16")
	l := newLink(t, m, 1)
	total := 0
	for range 300 {
		driveShips(m, 16, int(m.Tick()))
		total += len(step(t, m))
		l.send(true)
	}
	if len(l.enc.pending) != MaxPendingEvents || l.enc.LostEvents() != uint64(total-MaxPendingEvents) {
		t.Fatalf("%d events pending, %d lost, of %d", len(l.enc.pending), l.enc.LostEvents(), total)
	}
	_, v := l.send(false)
	if len(v.Events) != MaxPendingEvents || len(l.enc.pending) != 0 {
		t.Fatalf("%d events delivered, %d still pending", len(v.Events), len(l.enc.pending))
	}
}

func TestViewRadius(t *testing.T) {
	m := newPlayingMatch(t, "ffa16")
	l := newLink(t, m, 1)
	l.enc.SetViewRadius(300)
	_, v := l.send(false)
	own, _ := m.World().Ship(1)
	if len(v.Ships) == 0 || len(v.Ships) == 16 || v.Ships[v.Self].ID != 1 {
		t.Fatalf("%d ships in view", len(v.Ships))
	}
	for _, s := range v.Ships {
		dx, dy := int64(s.Pos.X-own.Pos.X), int64(s.Pos.Y-own.Pos.Y)
		if r := int64(300 * game.Unit); dx*dx+dy*dy > r*r {
			t.Fatalf("ship %d out of view at %v", s.ID, s.Pos)
		}
	}
	// Ships wander in and out of view: each time, they are removed, or
	// come back in full.
	came, left := 0, 0
	for tick := range 600 {
		before := ids(v)
		for i := range 16 {
			dir := []game.Buttons{game.ButtonUp, game.ButtonRight, game.ButtonDown, game.ButtonLeft}[(i*7+tick/(20+i))%4]
			m.ApplyInput(uint32(i+1), game.Input{Buttons: dir})
		}
		step(t, m)
		var s *arenav1.Snapshot
		s, v = l.send(false)
		after := ids(v)
		for _, id := range after {
			if !slices.Contains(before, id) {
				came++
			}
		}
		for _, id := range before {
			if !slices.Contains(after, id) {
				left++
			}
		}
		if len(s.GetShipAdded())/shipAddedLen > len(after)-len(before)+left {
			t.Fatalf("tick %d: %d ships added, from %v to %v", m.Tick(), len(s.GetShipAdded())/shipAddedLen, before, after)
		}
	}
	if came < 3 || left < 3 {
		t.Fatalf("in 600 ticks %d ships came into view and %d left it", came, left)
	}
	l.enc.SetViewRadius(0)
	step(t, m)
	if _, v = l.send(false); len(v.Ships) != 16 {
		t.Fatalf("%d ships without a view radius", len(v.Ships))
	}
}

func TestMatchEndShows(t *testing.T) {
	m := newPlayingMatch(t, "duel")
	l := newLink(t, m, 1)
	l.send(false)
	m.RemovePlayer(2) // the match is abandoned, without a tick
	step(t, m)
	s, v := l.send(false)
	if v.Phase != game.PhaseEnded || v.Tick != m.Tick() || s.GetBaselineTick() != 0 || len(v.Ships) != 1 {
		t.Fatalf("after the end: phase %v tick %d (world %d), baseline %d, %d ships", v.Phase, v.Tick, m.Tick(), s.GetBaselineTick(), len(v.Ships))
	}
}
