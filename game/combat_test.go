package game

import (
	"testing"
)

type shipSetup struct {
	id      ShipID
	team    int
	pos     Vec // world units via at()
	aim     Angle
	fire    bool   // fire once, on the first tick
	protect uint32 // spawn protection ticks
	health  int32  // 0: full
}

func TestCombat(t *testing.T) {
	open := openMap(2000, 2000)
	walled := openMap(2000, 2000)
	walled.Name = "walled"
	walled.Walls = []Rect{{at(300, 900), at(320, 1100)}}
	ffa, teams := mode(t, "ffa"), mode(t, "teams")
	teamsFF := mode(t, "teams", func(m *Mode) { m.FriendlyFire = true })

	tests := []struct {
		name       string
		mode       Mode
		m          Map
		rate       int
		ships      []shipSetup
		ticks      int
		wantHealth []int32 // per ship, in setup order
		wantHits   int
		wantFlying int // projectiles in flight at the end
	}{
		{"hit", ffa, open, 30, []shipSetup{
			{id: 1, team: 1, pos: at(200, 1000), fire: true},
			{id: 2, team: 2, pos: at(400, 1000)},
		}, 20, []int32{100, 80}, 1, 0},
		{"miss passes by", ffa, open, 30, []shipSetup{
			{id: 1, team: 1, pos: at(200, 1000), fire: true},
			{id: 2, team: 2, pos: at(400, 1100)},
		}, 20, []int32{100, 100}, 0, 1},
		{"graze within ship+projectile radius", ffa, open, 30, []shipSetup{
			{id: 1, team: 1, pos: at(200, 1000), fire: true},
			{id: 2, team: 2, pos: at(400, 1023)},
		}, 20, []int32{100, 80}, 1, 0},
		{"graze just outside", ffa, open, 30, []shipSetup{
			{id: 1, team: 1, pos: at(200, 1000), fire: true},
			{id: 2, team: 2, pos: at(400, 1025)},
		}, 20, []int32{100, 100}, 0, 1},
		{"aim up hits a ship above (-y)", ffa, open, 30, []shipSetup{
			{id: 1, team: 1, pos: at(1000, 1000), aim: AngleUp, fire: true},
			{id: 2, team: 2, pos: at(1000, 800)},
			{id: 3, team: 3, pos: at(1000, 1200)},
		}, 20, []int32{100, 80, 100}, 1, 0},
		{"diagonal aim", ffa, open, 30, []shipSetup{
			{id: 1, team: 1, pos: at(1000, 1000), aim: AngleDown + 8192, fire: true},
			{id: 2, team: 2, pos: at(1200, 1200)},
		}, 20, []int32{100, 80}, 1, 0},
		{"friendly fire off", teams, open, 30, []shipSetup{
			{id: 1, team: 1, pos: at(200, 1000), fire: true},
			{id: 2, team: 1, pos: at(400, 1000)},
			{id: 3, team: 2, pos: at(600, 1000)},
		}, 30, []int32{100, 100, 80}, 1, 0},
		{"friendly fire on", teamsFF, open, 30, []shipSetup{
			{id: 1, team: 1, pos: at(200, 1000), fire: true},
			{id: 2, team: 1, pos: at(400, 1000)},
			{id: 3, team: 2, pos: at(600, 1000)},
		}, 30, []int32{100, 80, 100}, 1, 0},
		{"spawn protection lets it pass", ffa, open, 30, []shipSetup{
			{id: 1, team: 1, pos: at(200, 1000), fire: true},
			{id: 2, team: 2, pos: at(400, 1000), protect: 1000},
			{id: 3, team: 3, pos: at(600, 1000)},
		}, 30, []int32{100, 100, 80}, 1, 0},
		{"first ship along the path, whatever its id", ffa, open, 30, []shipSetup{
			{id: 1, team: 1, pos: at(200, 1000), fire: true},
			{id: 2, team: 2, pos: at(600, 1000)},
			{id: 3, team: 3, pos: at(400, 1000)},
		}, 30, []int32{100, 100, 80}, 1, 0},
		{"stops at a wall", ffa, walled, 30, []shipSetup{
			{id: 1, team: 1, pos: at(200, 1000), fire: true},
			{id: 2, team: 2, pos: at(400, 1000)},
		}, 30, []int32{100, 100}, 0, 0},
		{"stops at the arena edge", ffa, open, 30, []shipSetup{
			{id: 1, team: 1, pos: at(1900, 1000), fire: true},
		}, 10, []int32{100}, 0, 0},
		{"point blank hits at once", ffa, open, 30, []shipSetup{
			{id: 1, team: 1, pos: at(200, 1000), fire: true},
			{id: 2, team: 2, pos: at(240, 1000)},
		}, 1, []int32{100, 80}, 1, 0},
		{"point blank into a wall stops at once", ffa, walled, 30, []shipSetup{
			{id: 1, team: 1, pos: at(280, 1000), fire: true},
			{id: 2, team: 2, pos: at(400, 1000)},
		}, 1, []int32{100, 100}, 0, 0},
		{"no tunnelling at 10 Hz", ffa, open, 10, []shipSetup{
			{id: 1, team: 1, pos: at(200, 1000), fire: true},
			{id: 2, team: 2, pos: at(435, 1000)},
		}, 10, []int32{100, 80}, 1, 0},
		{"kill at zero health", ffa, open, 30, []shipSetup{
			{id: 1, team: 1, pos: at(200, 1000), fire: true},
			{id: 2, team: 2, pos: at(400, 1000), health: 20},
		}, 20, []int32{100, 0}, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ids := make([]ShipID, len(tt.ships))
			teams := make([]int, len(tt.ships))
			for i, s := range tt.ships {
				ids[i], teams[i] = s.id, s.team
			}
			w := newWorld(t, Config{Mode: tt.mode, Map: tt.m, TickRate: tt.rate}, ids, teams)
			startPlay(t, w)
			for _, s := range tt.ships {
				sh := ship(t, w, s.id)
				sh.Pos, sh.ProtectedTicks = s.pos, s.protect
				if s.health != 0 {
					sh.Health = s.health
				}
				in := Input{Aim: s.aim}
				if s.fire {
					in.Buttons = ButtonFire
				}
				w.SetInput(s.id, in)
			}
			hits := 0
			for tick := range tt.ticks {
				for _, e := range w.Step() {
					if e.Kind == EventHit {
						hits++
						if e.Actor != 1 {
							t.Errorf("hit by %d, want 1", e.Actor)
						}
					}
				}
				if tick == 0 {
					for _, s := range tt.ships {
						w.SetInput(s.id, Input{Aim: s.aim})
					}
				}
			}
			for i, s := range tt.ships {
				if got := ship(t, w, s.id).Health; got != tt.wantHealth[i] {
					t.Errorf("ship %d health %d, want %d", s.id, got, tt.wantHealth[i])
				}
			}
			if hits != tt.wantHits {
				t.Errorf("%d hits, want %d", hits, tt.wantHits)
			}
			if n := len(w.Projectiles()); n != tt.wantFlying {
				t.Errorf("%d projectiles in flight, want %d", n, tt.wantFlying)
			}
		})
	}
}

func TestOwnerImmune(t *testing.T) {
	w := newWorld(t, Config{Mode: mode(t, "duel"), Map: openMap(2000, 2000)}, []ShipID{1, 2}, []int{1, 2})
	startPlay(t, w)
	ship(t, w, 1).Pos = at(1000, 1000)
	ship(t, w, 2).Pos = at(100, 100)
	// A projectile of ship 1 flying straight through ship 1.
	w.projs = append(w.projs, Projectile{ID: 99, Owner: 1, Team: 1, Pos: at(900, 1000), Vel: Vec{5120, 0}, TicksLeft: 45})
	for range 10 {
		for _, e := range w.Step() {
			if e.Kind == EventHit {
				t.Fatalf("event %+v: the owner was hit by its own projectile", e)
			}
		}
	}
	if len(w.Projectiles()) != 1 || w.Projectiles()[0].Pos.X != (900+200)*Unit {
		t.Errorf("projectile %+v, want it to fly on through its owner", w.Projectiles())
	}
}

func TestProjectileLifetimeAndSpawn(t *testing.T) {
	w := newWorld(t, Config{Mode: mode(t, "duel"), Map: openMap(2000, 2000)}, []ShipID{1, 2}, []int{1, 2})
	startPlay(t, w)
	ship(t, w, 1).Pos = at(100, 1000)
	ship(t, w, 2).Pos = at(100, 100)
	w.SetInput(1, Input{Buttons: ButtonFire})
	evs := w.Step()
	if len(evs) != 1 || evs[0] != (Event{Kind: EventShot, Tick: w.Tick(), Actor: 1}) {
		t.Fatalf("events %+v, want one shot by 1", evs)
	}
	w.SetInput(1, Input{})
	p := w.Projectiles()[0]
	// Just outside the ship: 20+4 units and one sub-unit from its centre.
	if want := (Projectile{ID: 1, Owner: 1, Team: 1, Pos: Vec{100*Unit + 24*Unit + 1, 1000 * Unit}, Vel: Vec{5120, 0}, TicksLeft: 45}); p != want {
		t.Fatalf("projectile %+v, want %+v", p, want)
	}
	// It moves 45 times (1.5 s at 30 Hz, 900 units), then it is gone.
	for i := 1; i <= 45; i++ {
		w.Step()
		if i < 45 && (len(w.Projectiles()) != 1 || w.Projectiles()[0].Pos.X != p.Pos.X+int32(i)*5120) {
			t.Fatalf("after %d moves: %+v", i, w.Projectiles())
		}
	}
	if len(w.Projectiles()) != 0 {
		t.Errorf("after 45 moves: %+v, want none", w.Projectiles())
	}
}

func TestFireInterval(t *testing.T) {
	for _, rate := range []int{10, 30, 128} {
		w := newWorld(t, Config{Mode: mode(t, "duel"), Map: openMap(2000, 2000), TickRate: rate}, []ShipID{1, 2}, []int{1, 2})
		startPlay(t, w)
		w.SetInput(1, Input{Buttons: ButtonFire, Aim: AngleDown})
		var shots []uint32
		for range 2 * rate {
			for _, e := range w.Step() {
				if e.Kind == EventShot {
					shots = append(shots, e.Tick)
				}
			}
		}
		interval := DurationTicks(DefaultRules().FireInterval, rate)
		if len(shots) != 8 && rate != 10 || rate == 10 && len(shots) != 7 {
			t.Errorf("%d Hz: %d shots in 2 s: %v", rate, len(shots), shots)
		}
		for i := 1; i < len(shots); i++ {
			if d := shots[i] - shots[i-1]; d != interval {
				t.Errorf("%d Hz: shots %d ticks apart, want %d", rate, d, interval)
			}
			// Never more than one per 250 ms.
			if ms := int(shots[i]-shots[i-1]) * 1000 / rate; ms < 250 {
				t.Errorf("%d Hz: shots %d ms apart", rate, ms)
			}
		}
	}
}

func TestCountdownFreezesShips(t *testing.T) {
	w := newWorld(t, Config{Mode: mode(t, "duel")}, []ShipID{1, 2}, []int{1, 2})
	if w.Phase() != PhaseCountdown || w.Tick() != 0 || w.TicksLeft() != 90 {
		t.Fatalf("new world: phase %v tick %d ticks left %d", w.Phase(), w.Tick(), w.TicksLeft())
	}
	before := ship(t, w, 1).Pos
	w.SetInput(1, Input{Buttons: ButtonRight | ButtonFire, Aim: 1234})
	for i := range 90 {
		if evs := w.Step(); len(evs) != 0 {
			t.Fatalf("events during the countdown: %+v", evs)
		}
		if i < 89 && (w.Phase() != PhaseCountdown || w.TicksLeft() != uint32(89-i)) {
			t.Fatalf("tick %d: phase %v, %d ticks left", w.Tick(), w.Phase(), w.TicksLeft())
		}
	}
	s := ship(t, w, 1)
	if s.Pos != before || len(w.Projectiles()) != 0 || s.Aim != 1234 {
		t.Errorf("after the countdown: pos %v (was %v), %d projectiles, aim %d", s.Pos, before, len(w.Projectiles()), s.Aim)
	}
	if w.Phase() != PhasePlaying || w.TicksLeft() != 9000 {
		t.Fatalf("after the countdown: phase %v, %d ticks left", w.Phase(), w.TicksLeft())
	}
	evs := w.Step()
	if len(evs) != 1 || evs[0].Kind != EventShot || ship(t, w, 1).Pos == before || w.TicksLeft() != 8999 {
		t.Errorf("first play tick: events %+v, pos %v, %d ticks left", evs, ship(t, w, 1).Pos, w.TicksLeft())
	}
}

func TestKillAndRespawn(t *testing.T) {
	m := openMap(2000, 2000)
	m.Spawns = []Vec{at(1000, 100), at(100, 1000), at(1900, 1900), at(1000, 1000)}
	w := newWorld(t, Config{Mode: mode(t, "ffa"), Map: m}, []ShipID{1, 2, 3}, []int{1, 2, 3})
	startPlay(t, w)
	ship(t, w, 1).Pos = at(200, 1000)
	ship(t, w, 2).Pos = at(400, 1000)
	ship(t, w, 2).Health = 20
	ship(t, w, 3).Pos = at(1800, 1800)
	w.SetInput(1, Input{Buttons: ButtonFire})
	w.Step()
	w.SetInput(1, Input{})
	evs := stepUntil(w, EventKill, 20)
	killTick := w.Tick()
	want := []Event{{EventHit, killTick, 1, 2}, {EventKill, killTick, 1, 2}}
	if len(evs) != 2 || evs[0] != want[0] || evs[1] != want[1] {
		t.Fatalf("events %+v, want %+v", evs, want)
	}
	a, b := ship(t, w, 1), ship(t, w, 2)
	if a.Kills != 1 || a.Deaths != 0 || b.Kills != 0 || b.Deaths != 1 || b.Alive || b.Health != 0 || b.RespawnTicks != 60 {
		t.Fatalf("after the kill: killer %+v, victim %+v", *a, *b)
	}
	if w.TeamKills(1) != 1 || w.TeamKills(2) != 0 || w.TeamKills(0) != 0 || w.TeamKills(9) != 0 {
		t.Errorf("team kills %d %d", w.TeamKills(1), w.TeamKills(2))
	}
	// Dead ships neither move nor fire.
	w.SetInput(2, Input{Buttons: ButtonFire | ButtonRight})
	deadAt := b.Pos
	for range 59 {
		for _, e := range w.Step() {
			t.Fatalf("tick %d: event %+v while ship 2 is dead", w.Tick(), e)
		}
	}
	if b := ship(t, w, 2); b.Alive || b.RespawnTicks != 1 || b.Pos != deadAt {
		t.Fatalf("59 ticks after death: %+v", *b)
	}
	// 2 s after death: respawn at the spawn farthest from living enemies
	// (ship 1 near the left, ship 3 near the bottom right): spawn 0, top
	// middle. With 1 s of protection and full health.
	w.SetInput(2, Input{})
	evs = w.Step()
	if len(evs) != 1 || evs[0] != (Event{EventRespawn, killTick + 60, 2, 0}) {
		t.Fatalf("events %+v, want the respawn of 2 at tick %d", evs, killTick+60)
	}
	b = ship(t, w, 2)
	if !b.Alive || b.Health != 100 || b.Pos != m.Spawns[0] || b.ProtectedTicks != 30 || !b.Protected() {
		t.Fatalf("respawned: %+v", *b)
	}
	for range 29 {
		w.Step()
	}
	if b := ship(t, w, 2); b.ProtectedTicks != 1 {
		t.Fatalf("29 ticks after respawn: %d protected ticks", b.ProtectedTicks)
	}
	w.Step()
	if b := ship(t, w, 2); b.Protected() {
		t.Fatalf("30 ticks after respawn: still protected")
	}
}

func TestFarthestSpawn(t *testing.T) {
	spawns := []Vec{at(100, 100), at(1900, 100), at(100, 1900), at(1900, 1900), at(1000, 1000)}
	tests := []struct {
		name    string
		enemies []Vec // alive, on team 2
		friends []Vec // alive, on team 1
		dead    []Vec // dead, on team 2
		want    int
	}{
		{"no enemies: lowest index", nil, nil, nil, 0},
		{"only dead enemies: lowest index", nil, nil, []Vec{at(110, 110)}, 0},
		{"one enemy in a corner", []Vec{at(150, 150)}, nil, nil, 3},
		{"teammates do not count", []Vec{at(150, 150)}, []Vec{at(1850, 1850)}, nil, 3},
		{"nearest enemy decides", []Vec{at(150, 150), at(1850, 1850)}, nil, nil, 1},
		{"tie between equal spawns: lowest index", []Vec{at(1000, 1000)}, nil, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := openMap(2000, 2000)
			m.Spawns = spawns
			w, err := NewWorld(Config{Mode: mode(t, "teams", func(m *Mode) { m.PlayersPerTeam = 4 }), Map: m})
			if err != nil {
				t.Fatal(err)
			}
			id := ShipID(1)
			add := func(team int, pos Vec, alive bool) {
				if err := w.AddPlayer(id, team); err != nil {
					t.Fatal(err)
				}
				s := ship(t, w, id)
				s.Pos, s.Alive = pos, alive
				id++
			}
			for _, p := range tt.enemies {
				add(2, p, true)
			}
			for _, p := range tt.friends {
				add(1, p, true)
			}
			for _, p := range tt.dead {
				add(2, p, false)
			}
			if got := w.farthestSpawn(1); got != tt.want {
				t.Errorf("farthestSpawn = %d (%v), want %d (%v)", got, spawns[got], tt.want, spawns[tt.want])
			}
		})
	}
}

func TestTeamKillIsNotScored(t *testing.T) {
	w := newWorld(t, Config{Mode: mode(t, "teams", func(m *Mode) { m.FriendlyFire = true }), Map: openMap(2000, 2000)},
		[]ShipID{1, 2, 3, 4}, []int{1, 1, 2, 2})
	startPlay(t, w)
	ship(t, w, 1).Pos = at(200, 1000)
	ship(t, w, 2).Pos = at(400, 1000)
	ship(t, w, 2).Health = 20
	w.SetInput(1, Input{Buttons: ButtonFire})
	w.Step()
	w.SetInput(1, Input{})
	if evs := stepUntil(w, EventKill, 20); evs == nil {
		t.Fatal("no kill")
	}
	if a, b := ship(t, w, 1), ship(t, w, 2); a.Kills != 0 || b.Deaths != 1 || w.TeamKills(1) != 0 {
		t.Errorf("team kill: killer kills %d, victim deaths %d, team kills %d", a.Kills, b.Deaths, w.TeamKills(1))
	}
}

func TestKilledShipCannotFireSameTick(t *testing.T) {
	// Ship 2 is killed by ship 1's projectile in the tick it would fire.
	w := newWorld(t, Config{Mode: mode(t, "duel"), Map: openMap(2000, 2000)}, []ShipID{1, 2}, []int{1, 2})
	startPlay(t, w)
	ship(t, w, 1).Pos = at(200, 1000)
	ship(t, w, 2).Pos = at(400, 1000)
	ship(t, w, 2).Health = 20
	w.projs = append(w.projs, Projectile{ID: 1, Owner: 1, Team: 1, Pos: at(370, 1000), Vel: Vec{5120, 0}, TicksLeft: 45})
	w.nextProjID = 1
	w.SetInput(2, Input{Buttons: ButtonFire, Aim: AngleLeft})
	for _, e := range w.Step() {
		if e.Kind == EventShot {
			t.Errorf("a ship killed this tick fired: %+v", e)
		}
	}
}
