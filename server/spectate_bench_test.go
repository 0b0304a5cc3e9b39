package server

import (
	"fmt"
	"io"
	"log/slog"
	"testing"

	"github.com/arena-server/arena/game"
	"github.com/arena-server/arena/netcode"
)

// BenchmarkTickSpectators is one tick of a full ffa16 match (16 players
// moving and firing, their snapshots queued) with 0, 10 and 100
// spectators: the spectators' stream is encoded once per tick, so each
// spectator costs a queue operation, not an encoding. Queues are drained
// every tick, as connections' writers would.
func BenchmarkTickSpectators(b *testing.B) {
	for _, n := range []int{0, 10, 100} {
		b.Run(fmt.Sprintf("spectators=%d", n), func(b *testing.B) {
			cfg := Config{}.WithDefaults()
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			cl, err := newSoloCluster(&cfg)
			if err != nil {
				b.Fatal(err)
			}
			l := newLobby(&cfg, log, newMetrics(), newLadder(&cfg, log), cl)
			mode, _ := game.FindMode(cfg.Modes, "ffa16")
			var seats []*seat
			var conns []*fakeSocket
			for i := range mode.Players() {
				c, sock := fakeConn(b, &cfg, log, l.met, false)
				p := &player{id: fmt.Sprint("p", i), name: "p"}
				p.conn.Store(c)
				seats = append(seats, &seat{player: p, ship: uint32(i + 1), team: i + 1})
				conns = append(conns, sock)
			}
			m, err := newMatch("bench", mode, seats, l)
			if err != nil {
				b.Fatal(err)
			}
			for _, s := range seats {
				s.m = m
			}
			for i := range n {
				c, sock := fakeConn(b, &cfg, log, l.met, false)
				p := &player{id: fmt.Sprint("w", i), name: "w"}
				p.conn.Store(c)
				m.spec.add(m, p)
				conns = append(conns, sock)
			}
			var in [16]netcode.Input
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if m.sim.Ended() {
					b.StopTimer()
					m.sim, _ = freshSim(l, mode, seats)
					b.StartTimer()
				}
				for s := range seats {
					in[s].Seq = uint32(i + 1)
					in[s].Input.Buttons = game.Buttons(1 << (i / 30 % 4))
					if i%10 == s%10 {
						in[s].Input.Buttons |= game.ButtonFire
					}
					in[s].Input.Aim += game.Angle(s * 97)
					seats[s].inputs.Push(in[s], m.sim.Tick()+1, 0)
				}
				if err := m.safeTick(); err != nil {
					b.Fatal(err)
				}
				for _, c := range conns {
					c.mu.Lock()
					c.written.Reset()
					c.mu.Unlock()
				}
			}
		})
	}
}

// freshSim is a new simulation for a benchmark's match whose time ran out.
func freshSim(l *lobby, mode game.Mode, seats []*seat) (Sim, error) {
	sim, err := netcode.NewMatch(game.Config{Rules: *l.cfg.Rules, Mode: mode, Map: *l.cfg.Map, TickRate: l.cfg.TickRate})
	if err != nil {
		return nil, err
	}
	for _, s := range seats {
		if err := sim.AddPlayer(s.ship, s.team); err != nil {
			return nil, err
		}
		s.snapshots = sim.NewEncoder(s.ship)
	}
	return worldSim{sim}, nil
}
