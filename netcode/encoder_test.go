package netcode

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/arena-server/arena/game"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

// client is one connection of a round-trip test: an Encoder on the server,
// a Decoder on the client, and what the client was told.
type client struct {
	ship    uint32
	radius  int32
	drop    float64 // chance that a frame is dropped
	enc     *Encoder
	dec     *Decoder
	events  []game.Event // decoded so far
	want    []game.Event // happened since the client joined
	full    int          // full snapshots received
	frames  int          // snapshots received
	dropped bool         // the last frame was dropped
	bytes   int
}

// unframe decodes one frame written by Encoder.Append.
func unframe(t testing.TB, b []byte) *arenav1.Snapshot {
	t.Helper()
	var msg arenav1.ServerMessage
	if err := proto.Unmarshal(b, &msg); err != nil {
		t.Fatalf("frame does not decode: %v", err)
	}
	s := msg.GetSnapshot()
	if s == nil {
		t.Fatalf("frame is not a snapshot: %v", &msg)
	}
	return s
}

// roundTrip plays a random match of mode: random inputs, players leaving
// and (when the mode has room) joining late, and clients that drop frames at
// random. Every snapshot a client applies must equal the world.
func roundTrip(t *testing.T, seed uint64, md game.Mode, ticks int) []*client {
	rng := rand.New(rand.NewPCG(seed, 7))
	mode := md.Name
	m, err := NewMatch(game.Config{Mode: md})
	if err != nil {
		t.Fatal(err)
	}
	players := md.Players()
	seated := players
	if players > 2 && rng.IntN(2) == 0 {
		seated = players - 1 // one joins late
	}
	for i := range seated {
		if err := m.AddPlayer(uint32(i+1), i/md.PlayersPerTeam+1); err != nil {
			t.Fatal(err)
		}
	}
	var clients []*client
	join := func(ship uint32) {
		c := &client{ship: ship, drop: []float64{0, 0.05, 0.3}[rng.IntN(3)], enc: m.NewEncoder(ship), dec: NewDecoder(ship)}
		if rng.IntN(4) == 0 {
			c.radius = int32(200 + rng.IntN(800))
			c.enc.SetViewRadius(c.radius)
		}
		clients = append(clients, c)
	}
	for i := range seated {
		join(uint32(i + 1))
	}
	join(0) // a spectator

	inputs := make([]game.Input, players+1)
	hunting := make([]bool, players+1)
	var buf []byte
	prev := map[game.ShipID]game.Ship{} // the ships of the tick before the world's
	before := map[game.ShipID]game.Ship{}
	for tick := range ticks {
		clear(before)
		for _, s := range m.World().Ships() {
			before[s.ID] = s
		}
		lastTick := m.Tick()
		for i := 1; i <= players; i++ {
			in := &inputs[i]
			if rng.IntN(20) == 0 {
				in.Buttons = game.Buttons(rng.IntN(16))
			}
			if rng.IntN(8) == 0 {
				in.Aim = game.Angle(rng.Uint32())
			}
			if rng.IntN(40) == 0 {
				hunting[i] = !hunting[i]
			}
			// A hunter chases the next ship and aims at it, so that ships
			// get hit, die and respawn, and matches end.
			me, ok1 := m.World().Ship(game.ShipID(i))
			them, ok2 := m.World().Ship(game.ShipID(i%players + 1))
			if hunting[i] && ok1 && ok2 {
				in.Aim = game.AngleTo(me.Pos, them.Pos)
				in.Buttons = 0
				if d := them.Pos.X - me.Pos.X; d > 30*game.Unit {
					in.Buttons |= game.ButtonRight
				} else if d < -30*game.Unit {
					in.Buttons |= game.ButtonLeft
				}
				if d := them.Pos.Y - me.Pos.Y; d > 30*game.Unit {
					in.Buttons |= game.ButtonDown
				} else if d < -30*game.Unit {
					in.Buttons |= game.ButtonUp
				}
			}
			in.Buttons &^= game.ButtonFire
			if rng.IntN(4) == 0 {
				in.Buttons |= game.ButtonFire
			}
			m.ApplyInput(uint32(i), *in)
		}
		switch {
		case seated < players && tick == ticks/4:
			seated++
			if err := m.AddPlayer(uint32(seated), (seated-1)/md.PlayersPerTeam+1); err != nil {
				t.Fatal(err)
			}
			join(uint32(seated))
		case players > 2 && tick == ticks/2:
			m.RemovePlayer(2)
		}
		events := step(t, m)
		if m.Tick() != lastTick {
			prev, before = before, prev
		}
		for _, c := range clients {
			c.want = append(c.want, events...)
		}
		last := tick == ticks-1
		for _, c := range clients {
			if !last && rng.IntN(20) == 0 {
				// No snapshot this tick (or a few): the next delta spans
				// more than one tick, or its baseline is too old to keep.
				continue
			}
			ack := rng.Uint32N(1000)
			buf = c.enc.Append(buf[:0], ack)
			if !last && rng.Float64() < c.drop {
				c.enc.Handed(false)
				c.dropped = true
				continue
			}
			c.enc.Handed(true)
			s := unframe(t, buf)
			if c.dropped && s.GetBaselineTick() != 0 {
				t.Fatalf("tick %d: snapshot after a drop is a delta against %d", m.Tick(), s.GetBaselineTick())
			}
			c.dropped = false
			v, err := c.dec.Apply(s)
			if err != nil {
				t.Fatalf("tick %d, ship %d: %v", m.Tick(), c.ship, err)
			}
			if v.Ack != ack {
				t.Fatalf("ack %d, want %d", v.Ack, ack)
			}
			if v.Baseline == 0 {
				c.full++
			}
			c.frames++
			c.bytes += len(buf)
			c.events = append(c.events, v.Events...)
			if err := sameWorld(m.World(), prev, v, c.ship, c.radius); err != nil {
				t.Fatalf("seed %d %s tick %d, ship %d (radius %d): %v", seed, mode, m.Tick(), c.ship, c.radius, err)
			}
		}
	}
	for _, c := range clients {
		if !slices.Equal(c.events, c.want) {
			t.Fatalf("ship %d: %d events decoded, %d happened:\n%v\n%v", c.ship, len(c.events), len(c.want), c.events, c.want)
		}
	}
	return clients
}

// sameWorld compares a decoded view with the world: exact but for the aims
// of other ships (8 bits) and health (a percentage), and only what is within
// radius of ship (0: everything). prev has the ships of the previous tick,
// for their velocities.
func sameWorld(w *game.World, prev map[game.ShipID]game.Ship, v *View, ship uint32, radius int32) error {
	if v.Tick != w.Tick() || v.Phase != w.Phase() || v.TicksLeft != w.TicksLeft() {
		return fmt.Errorf("tick %d phase %v ticks left %d; world %d %v %d", v.Tick, v.Phase, v.TicksLeft, w.Tick(), w.Phase(), w.TicksLeft())
	}
	own, hasOwn := w.Ship(game.ShipID(ship))
	hasOwn = hasOwn && !own.Left
	in := func(p game.Vec) bool {
		if radius == 0 || !hasOwn {
			return true
		}
		dx, dy := int64(p.X-own.Pos.X), int64(p.Y-own.Pos.Y)
		r := int64(radius) * game.Unit
		return dx*dx+dy*dy <= r*r
	}
	var ships []game.Ship
	for _, s := range w.Ships() {
		if !s.Left && (s.ID == game.ShipID(ship) || in(s.Pos)) {
			ships = append(ships, s)
		}
	}
	if len(ships) != len(v.Ships) {
		return fmt.Errorf("%d ships, want %d: %+v", len(v.Ships), len(ships), v.Ships)
	}
	self := -1
	for i, s := range ships {
		got := v.Ships[i]
		aimOK := got.Aim == s.Aim
		if s.ID != game.ShipID(ship) {
			d := int16(got.Aim - s.Aim)
			aimOK = d >= -128 && d <= 128
		} else {
			self = i
		}
		var vel game.Vec
		if p, ok := prev[s.ID]; ok && p.Alive && s.Alive {
			vel = s.Pos.Sub(p.Pos)
		}
		want := ShipState{
			ID: s.ID, Team: s.Team, Pos: s.Pos, Vel: vel, Aim: got.Aim,
			Health: int32(healthPercent(s.Health, w.Rules().MaxHealth)), Alive: s.Alive, Protected: s.Protected(),
			Kills: s.Kills, Deaths: s.Deaths,
		}
		if got != want || !aimOK {
			return fmt.Errorf("ship %+v, want %+v (aim %d)", got, want, s.Aim)
		}
	}
	if v.Self != self {
		return fmt.Errorf("self %d, want %d", v.Self, self)
	}
	var projs []ProjectileState
	for _, p := range w.Projectiles() {
		if in(p.Pos) {
			projs = append(projs, ProjectileState{ID: p.ID, Owner: p.Owner, Pos: p.Pos, Vel: p.Vel, TicksLeft: p.TicksLeft})
		}
	}
	if !slices.Equal(projs, v.Projectiles) {
		return fmt.Errorf("projectiles\n%+v, want\n%+v", v.Projectiles, projs)
	}
	var kills []int
	if w.Mode().TeamPlay() {
		for t := 1; t <= w.Mode().Teams; t++ {
			kills = append(kills, w.TeamKills(t))
		}
	}
	if !slices.Equal(kills, v.TeamKills) {
		return fmt.Errorf("team kills %v, want %v", v.TeamKills, kills)
	}
	return nil
}

func TestRoundTrip(t *testing.T) {
	ticks := 900
	if testing.Short() {
		ticks = 300
	}
	// A short match that ends in the time (or score) limit, then goes on
	// being encoded.
	modes := append(game.DefaultModes(), game.Mode{Name: "short", Teams: 3, PlayersPerTeam: 2, ScoreLimit: 4, TimeLimit: 8 * time.Second})
	for _, md := range modes {
		for seed := range uint64(3) {
			t.Run(fmt.Sprintf("%s/%d", md.Name, seed), func(t *testing.T) {
				roundTrip(t, seed, md, ticks)
			})
		}
	}
}

func TestBaselineMismatch(t *testing.T) {
	m := newPlayingMatch(t, "duel")
	enc, dec := m.NewEncoder(1), NewDecoder(1)
	first := unframe(t, enc.Append(nil, 0))
	enc.Handed(true)
	if _, err := NewDecoder(1).Apply(first); err != nil {
		t.Fatal(err)
	}
	step(t, m)
	delta := unframe(t, enc.Append(nil, 0))
	if delta.GetBaselineTick() != first.GetTick() {
		t.Fatalf("second snapshot's baseline %d, want %d", delta.GetBaselineTick(), first.GetTick())
	}
	if _, err := dec.Apply(delta); !errors.Is(err, ErrBaselineMismatch) {
		t.Fatalf("delta on a fresh decoder: %v", err)
	}
	if _, err := dec.Apply(first); err != nil {
		t.Fatal(err)
	}
	if _, err := dec.Apply(delta); err != nil {
		t.Fatal(err)
	}
	if _, err := dec.Apply(delta); !errors.Is(err, ErrBaselineMismatch) {
		t.Fatalf("the same delta twice: %v", err)
	}
}

// step steps m and returns the step's events, read back from its event log.
func step(t testing.TB, m *Match) []game.Event {
	t.Helper()
	head := m.log.head
	if err := m.Step(); err != nil {
		t.Fatal(err)
	}
	size := uint64(len(m.log.ring))
	if m.log.head-head > size {
		t.Fatalf("%d events in one step, more than the log keeps", m.log.head-head)
	}
	var evs []game.Event
	for n := head; n < m.log.head; n++ {
		evs = append(evs, m.log.ring[n%size])
	}
	return evs
}
