package netcode

import (
	"errors"
	"fmt"

	"github.com/arena-server/arena/game"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

// Errors of Decoder.Apply; returned errors wrap them.
var (
	// ErrBaselineMismatch means a delta snapshot against a baseline other
	// than the last snapshot the Decoder applied: the client missed a
	// snapshot, and needs a full one.
	ErrBaselineMismatch = errors.New("snapshot baseline is not the last applied snapshot")
	// ErrMalformedSnapshot means a snapshot that breaks the encoding
	// (netcode/doc.go): a column of the wrong length, an index out of range,
	// a value out of range, a duplicate entity.
	ErrMalformedSnapshot = errors.New("malformed snapshot")
)

// Limits a Decoder enforces, far above what a match produces, so that no
// snapshot makes it hold unbounded state.
const (
	maxShips       = 1024
	maxProjectiles = 1 << 16
)

// View is the match state of one snapshot, reconstructed by a Decoder.
type View struct {
	// Tick is the server tick of the state.
	Tick uint32
	// Baseline is the tick of the snapshot this one was a delta against, or
	// 0 for a full snapshot.
	Baseline uint32
	// Ack is the last input sequence the server applied for this player.
	Ack uint32
	// Input is the server's report on this player's inputs.
	Input InputReport
	// Phase is the match's phase.
	Phase game.Phase
	// TicksLeft counts the ticks left in the phase (countdown or play).
	TicksLeft uint32
	// Ships are the ships in the match (in view), by id.
	Ships []ShipState
	// Self is the index in Ships of the player's own ship, or -1.
	Self int
	// Projectiles are the projectiles in flight (in view), by id, advanced
	// to Tick.
	Projectiles []ProjectileState
	// Events are what happened that this player had not been told yet,
	// oldest first; each event comes in exactly one View.
	Events []game.Event
	// TeamKills are the kills of each team, team 1 first, in team modes;
	// nil otherwise.
	TeamKills []int
}

// ShipState is one ship of a View.
type ShipState struct {
	// ID is the ship's id.
	ID game.ShipID
	// Team is the ship's side, from 1.
	Team int
	// Pos is the ship's centre in sub-units, exact.
	Pos game.Vec
	// Vel is the ship's displacement over the last tick, in sub-units: how
	// it is expected to move next (zero for a ship that did not move, or
	// (re)appeared).
	Vel game.Vec
	// Aim is where the ship points: exact for the own ship, rounded to a
	// multiple of 256 for the others.
	Aim game.Angle
	// Health is the ship's health as a percentage of the maximum: 1..100
	// while alive, 0 when dead.
	Health int32
	// Alive is false while the ship waits to respawn.
	Alive bool
	// Protected is true while spawn protection lasts.
	Protected bool
	// Kills and Deaths are the ship's score.
	Kills, Deaths int
}

// ProjectileState is one projectile of a View.
type ProjectileState struct {
	// ID is unique within the match.
	ID uint32
	// Owner is the ship that fired it.
	Owner game.ShipID
	// Pos is its centre, in sub-units, exact.
	Pos game.Vec
	// Vel is its velocity, in sub-units per tick.
	Vel game.Vec
	// TicksLeft is the number of moves it has left.
	TicksLeft uint32
}

// Decoder rebuilds a client's view of a match from the snapshots of its
// Encoder, full or delta, applied in the order they were sent. It is not
// safe for concurrent use. Pure Go: it runs in the browser client.
type Decoder struct {
	ship uint32
	ok   bool  // cur holds the last applied snapshot
	cur  frame // the state after the last applied snapshot
	next frame // scratch for the snapshot being applied

	upd  []shipState // baseline ships, predicted and updated
	gone []bool      // baseline entities removed by the snapshot
	adds []shipState
	padd []projState
}

// NewDecoder returns a decoder for the client playing ship (0 for a
// spectator), which waits for a full snapshot.
func NewDecoder(ship uint32) *Decoder { return &Decoder{ship: ship} }

// Reset forgets the state: the next snapshot applied must be full. Use it
// when the connection was replaced.
func (d *Decoder) Reset() { d.ok = false }

// Apply applies one snapshot, full or a delta against the last one applied,
// and returns the state it describes. The View is the caller's: the Decoder
// keeps no reference to it. A delta whose baseline_tick is not the tick of
// the last snapshot applied fails with ErrBaselineMismatch, and a snapshot
// that breaks the encoding with ErrMalformedSnapshot; either way the state
// is unchanged. Apply never panics, whatever the snapshot.
func (d *Decoder) Apply(s *arenav1.Snapshot) (*View, error) {
	if err := d.apply(s); err != nil {
		return nil, err
	}
	d.cur, d.next = d.next, d.cur
	d.ok = true
	return d.view(s), nil
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformedSnapshot}, args...)...)
}

// apply decodes s into d.next.
func (d *Decoder) apply(s *arenav1.Snapshot) error {
	if s == nil {
		return malformed("no snapshot")
	}
	n := &d.next
	n.tick = s.GetTick()
	var base *frame
	var age uint32
	if bt := s.GetBaselineTick(); bt != 0 {
		if !d.ok || bt != d.cur.tick {
			return fmt.Errorf("%w: baseline tick %d, last applied %d", ErrBaselineMismatch, bt, d.lastTick())
		}
		if n.tick <= bt {
			return malformed("tick %d not after its baseline %d", n.tick, bt)
		}
		base, age = &d.cur, n.tick-bt
	}

	switch {
	case s.GetPhase() != arenav1.MatchPhase_MATCH_PHASE_UNSPECIFIED:
		p, ok := phaseFromWire(s.GetPhase())
		if !ok {
			return malformed("phase %v", s.GetPhase())
		}
		n.phase, n.ticksLeft = p, s.GetTicksLeft()
	case base == nil:
		return malformed("full snapshot without a phase")
	case s.GetTicksLeft() != 0:
		return malformed("ticks left without a phase")
	default:
		n.phase, n.ticksLeft = base.phase, predictedTicksLeft(base.ticksLeft, age)
	}
	switch tk := s.GetTeamKills(); {
	case len(tk) > 0:
		n.teamKills = append(n.teamKills[:0], tk...)
	case base != nil && base.teamKills != nil:
		n.teamKills = append(n.teamKills[:0], base.teamKills...)
	default:
		n.teamKills = nil
	}
	if err := d.applyShips(s, base, age); err != nil {
		return err
	}
	if err := d.applyProjectiles(s, base, age); err != nil {
		return err
	}

	_, ownNow := n.ship(d.ship)
	_, ownBefore := findShip(base, d.ship)
	switch {
	case s.SelfAim != nil:
		if s.GetSelfAim() > 0xFFFF {
			return malformed("self aim %d", s.GetSelfAim())
		}
		n.selfAim = game.Angle(s.GetSelfAim())
	case ownNow && ownBefore:
		n.selfAim = base.selfAim
	case ownNow:
		return malformed("own ship %d without its aim", d.ship)
	}
	return checkEvents(s.GetEventRecords(), n.tick)
}

// lastTick is the tick of the last snapshot applied, for errors.
func (d *Decoder) lastTick() uint32 {
	if !d.ok {
		return 0
	}
	return d.cur.tick
}

// index turns the skips of a column's records into baseline indices.
type index struct{ last, n int }

// next returns the baseline index of a record with skip k.
func (x *index) next(k uint64) (int, error) {
	if k >= uint64(x.n-x.last-1) {
		return 0, malformed("skip %d past the %d baseline entities", k, x.n)
	}
	x.last += int(k) + 1
	return x.last, nil
}

func newIndex(n int) index { return index{last: -1, n: n} }

// records checks that col holds whole records of size values.
func records[T int32 | uint32](col []T, size int, name string) error {
	if len(col)%size != 0 {
		return malformed("%s has %d values, not records of %d", name, len(col), size)
	}
	return nil
}

// skipS is the skip of a sint32 record.
func skipS(v int32) (uint64, error) {
	if v < 0 {
		return 0, malformed("negative skip %d", v)
	}
	return uint64(v), nil
}

// applyShips decodes the ships of s into d.next: base's ships moved by
// their velocity, updated, less the removed, plus the added.
func (d *Decoder) applyShips(s *arenav1.Snapshot, base *frame, age uint32) error {
	var old []shipState
	if base != nil {
		old = base.ships
	}
	if err := errors.Join(
		records(s.GetShipAdded(), shipAddedLen, "ship_added"),
		records(s.GetShipMoved(), shipMovedLen, "ship_moved"),
		records(s.GetShipVelocity(), shipVelLen, "ship_velocity"),
		records(s.GetShipAim(), shipAimLen, "ship_aim"),
		records(s.GetShipStatus(), shipStatLen, "ship_status"),
		records(s.GetShipScore(), shipScoreLen, "ship_score"),
	); err != nil {
		return err
	}
	d.upd = append(d.upd[:0], old...)
	d.gone = falses(d.gone, len(old))
	for i := range d.upd {
		d.upd[i].pos = advance(d.upd[i].pos, d.upd[i].vel, age)
	}
	ix := newIndex(len(old))
	for _, k := range s.GetShipRemoved() {
		i, err := ix.next(uint64(k))
		if err != nil {
			return err
		}
		d.gone[i] = true
	}
	// each calls f with the baseline ship of every record of col.
	each := func(col []int32, size int, f func(sh *shipState, r []int32) error) error {
		ix := newIndex(len(old))
		for r := 0; r < len(col); r += size {
			k, err := skipS(col[r])
			if err != nil {
				return err
			}
			i, err := ix.next(k)
			if err != nil {
				return err
			}
			if d.gone[i] {
				return malformed("record for removed ship %d", old[i].id)
			}
			if err := f(&d.upd[i], col[r+1:r+size]); err != nil {
				return err
			}
		}
		return nil
	}
	if err := each(s.GetShipMoved(), shipMovedLen, func(sh *shipState, r []int32) error {
		dp := game.Vec{X: r[0], Y: r[1]}
		sh.pos, sh.vel = sh.pos.Add(dp), sh.vel.Add(dp)
		return nil
	}); err != nil {
		return err
	}
	if err := each(s.GetShipVelocity(), shipVelLen, func(sh *shipState, r []int32) error {
		sh.vel = sh.vel.Add(game.Vec{X: r[0], Y: r[1]})
		return nil
	}); err != nil {
		return err
	}
	if err := each(s.GetShipAim(), shipAimLen, func(sh *shipState, r []int32) error {
		if r[0] < -128 || r[0] > 127 {
			return malformed("aim change %d", r[0])
		}
		sh.aim = aimFrom8(aim8(sh.aim) + uint8(int8(r[0])))
		return nil
	}); err != nil {
		return err
	}
	if err := eachU(s.GetShipStatus(), shipStatLen, old, d.gone, func(i int, r []uint32) error {
		if r[0] > maxStatus {
			return malformed("ship status %d", r[0])
		}
		d.upd[i].status = r[0]
		return nil
	}); err != nil {
		return err
	}
	if err := eachU(s.GetShipScore(), shipScoreLen, old, d.gone, func(i int, r []uint32) error {
		d.upd[i].kills, d.upd[i].deaths = r[0], r[1]
		return nil
	}); err != nil {
		return err
	}

	d.adds = d.adds[:0]
	added := s.GetShipAdded()
	if len(old)+len(added)/shipAddedLen > maxShips {
		return malformed("more than %d ships", maxShips)
	}
	var last uint32
	for r := 0; r < len(added); r += shipAddedLen {
		v := added[r : r+shipAddedLen]
		id := last + uint32(v[0])
		if id <= last {
			return malformed("added ship ids not increasing: %d after %d", id, last)
		}
		last = id
		if v[1] < 1 || v[6] < 0 || v[6] > 255 || v[7] < 0 || v[7] > maxStatus || v[8] < 0 || v[9] < 0 {
			return malformed("added ship %d: %v", id, v)
		}
		d.adds = append(d.adds, shipState{
			id: id, team: uint32(v[1]), pos: game.Vec{X: v[2], Y: v[3]}, vel: game.Vec{X: v[4], Y: v[5]},
			aim: aimFrom8(uint8(v[6])), status: uint32(v[7]), kills: uint32(v[8]), deaths: uint32(v[9]),
		})
	}
	n := &d.next
	n.ships = n.ships[:0]
	i, j := 0, 0
	for i < len(d.upd) || j < len(d.adds) {
		if i < len(d.upd) && d.gone[i] {
			i++
			continue
		}
		switch {
		case j == len(d.adds) || i < len(d.upd) && d.upd[i].id < d.adds[j].id:
			n.ships = append(n.ships, d.upd[i])
			i++
		case i == len(d.upd) || d.adds[j].id < d.upd[i].id:
			n.ships = append(n.ships, d.adds[j])
			j++
		default:
			return malformed("added ship %d is already there", d.adds[j].id)
		}
	}
	return nil
}

// eachU calls f with the baseline index of every record of the uint32
// column col, and the record's values after the skip.
func eachU(col []uint32, size int, old []shipState, gone []bool, f func(i int, r []uint32) error) error {
	ix := newIndex(len(old))
	for r := 0; r < len(col); r += size {
		i, err := ix.next(uint64(col[r]))
		if err != nil {
			return err
		}
		if gone[i] {
			return malformed("record for removed ship %d", old[i].id)
		}
		if err := f(i, col[r+1:r+size]); err != nil {
			return err
		}
	}
	return nil
}

// applyProjectiles decodes the projectiles of s into d.next: base's
// projectiles that are still in flight, moved, plus the added. The ships
// must be decoded already.
func (d *Decoder) applyProjectiles(s *arenav1.Snapshot, base *frame, age uint32) error {
	var old []projState
	var last uint32
	if base != nil {
		old = base.projs
		if len(old) > 0 {
			last = old[len(old)-1].id
		}
	}
	added := s.GetProjectileAdded()
	if err := records(added, projAddedLen, "projectile_added"); err != nil {
		return err
	}
	if len(old)+len(added)/projAddedLen > maxProjectiles {
		return malformed("more than %d projectiles", maxProjectiles)
	}
	d.gone = falses(d.gone, len(old))
	ix := newIndex(len(old))
	for _, k := range s.GetProjectileRemoved() {
		i, err := ix.next(uint64(k))
		if err != nil {
			return err
		}
		if old[i].ticksLeft <= age {
			return malformed("removed projectile %d had run out", old[i].id)
		}
		d.gone[i] = true
	}
	n := &d.next
	d.padd = d.padd[:0]
	for r := 0; r < len(added); r += projAddedLen {
		v := added[r : r+projAddedLen]
		id := last + uint32(v[0])
		if r > 0 && id <= last {
			return malformed("added projectile ids not increasing: %d after %d", id, last)
		}
		last = id
		if v[6] <= 0 {
			return malformed("added projectile %d with %d ticks left", id, v[6])
		}
		p := projState{id: id, owner: uint32(v[1]), pos: game.Vec{X: v[2], Y: v[3]}, vel: game.Vec{X: v[4], Y: v[5]}, ticksLeft: uint32(v[6])}
		if o, ok := n.ship(p.owner); ok {
			p.pos = p.pos.Add(o.pos)
		}
		d.padd = append(d.padd, p)
	}
	n.projs = n.projs[:0]
	i, j := 0, 0
	for i < len(old) || j < len(d.padd) {
		if i < len(old) && (d.gone[i] || old[i].ticksLeft <= age) {
			i++
			continue
		}
		switch {
		case j == len(d.padd) || i < len(old) && old[i].id < d.padd[j].id:
			p := old[i]
			p.pos, p.ticksLeft = advance(p.pos, p.vel, age), p.ticksLeft-age
			n.projs = append(n.projs, p)
			i++
		case i == len(old) || d.padd[j].id < old[i].id:
			n.projs = append(n.projs, d.padd[j])
			j++
		default:
			return malformed("added projectile %d is already there", d.padd[j].id)
		}
	}
	return nil
}

// checkEvents checks the event records of a snapshot at tick.
func checkEvents(rec []uint32, tick uint32) error {
	for k := 0; k < len(rec); {
		head := rec[k]
		n := 2
		if head&eventHasTarget != 0 {
			n = 3
		}
		switch {
		case head&eventKindMask == 0:
			return malformed("event of kind 0")
		case head>>eventAgeShift > tick:
			return malformed("event %d ticks before tick %d", head>>eventAgeShift, tick)
		case len(rec)-k < n:
			return malformed("event record cut short")
		}
		k += n
	}
	return nil
}

// appendEventViews appends the events of checked records at tick.
func appendEventViews(dst []game.Event, rec []uint32, tick uint32) []game.Event {
	for k := 0; k < len(rec); {
		head := rec[k]
		e := game.Event{Kind: game.EventKind(head & eventKindMask), Tick: tick - head>>eventAgeShift, Actor: game.ShipID(rec[k+1])}
		k += 2
		if head&eventHasTarget != 0 {
			e.Target = game.ShipID(rec[k])
			k++
		}
		dst = append(dst, e)
	}
	return dst
}

// view returns the View of the current state, with the events of s.
func (d *Decoder) view(s *arenav1.Snapshot) *View {
	c := &d.cur
	v := &View{
		Tick: c.tick, Baseline: s.GetBaselineTick(), Ack: s.GetAckSeq(), Input: InputReportFromWire(s),
		Phase: c.phase, TicksLeft: c.ticksLeft, Self: -1,
		Ships:       make([]ShipState, len(c.ships)),
		Projectiles: make([]ProjectileState, len(c.projs)),
	}
	for i, sh := range c.ships {
		health := int32(sh.status >> 1)
		v.Ships[i] = ShipState{
			ID: game.ShipID(sh.id), Team: int(sh.team), Pos: sh.pos, Vel: sh.vel, Aim: sh.aim,
			Health: health, Alive: health > 0, Protected: sh.status&1 != 0,
			Kills: int(sh.kills), Deaths: int(sh.deaths),
		}
		if sh.id == d.ship && d.ship != 0 {
			v.Self, v.Ships[i].Aim = i, c.selfAim
		}
	}
	for i, p := range c.projs {
		v.Projectiles[i] = ProjectileState{ID: p.id, Owner: game.ShipID(p.owner), Pos: p.pos, Vel: p.vel, TicksLeft: p.ticksLeft}
	}
	if rec := s.GetEventRecords(); len(rec) > 0 {
		v.Events = appendEventViews(nil, rec, c.tick)
	}
	if c.teamKills != nil {
		v.TeamKills = make([]int, len(c.teamKills))
		for i, k := range c.teamKills {
			v.TeamKills[i] = int(k)
		}
	}
	return v
}

// falses returns b resized to n, all false.
func falses(b []bool, n int) []bool {
	if cap(b) < n {
		return make([]bool, n)
	}
	b = b[:n]
	clear(b)
	return b
}

func phaseFromWire(p arenav1.MatchPhase) (game.Phase, bool) {
	switch p {
	case arenav1.MatchPhase_MATCH_PHASE_COUNTDOWN:
		return game.PhaseCountdown, true
	case arenav1.MatchPhase_MATCH_PHASE_PLAYING:
		return game.PhasePlaying, true
	case arenav1.MatchPhase_MATCH_PHASE_ENDED:
		return game.PhaseEnded, true
	}
	return 0, false
}
