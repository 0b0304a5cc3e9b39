package netcode

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/arena-server/arena/game"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

// legacySnapshot is the deprecated full form of a snapshot, encoded at most
// once per tick, when AppendSnapshot first asks for it.
type legacySnapshot struct {
	events []game.Event // the last step's
	ok     bool         // shared is this tick's
	shared []byte       // the fields every player receives alike
	snap   arenav1.Snapshot
}

// encodeLegacy encodes the legacy snapshot fields every player receives
// alike: tick, phase, ships, projectiles, events, team scores.
func (m *Match) encodeLegacy(dst []byte) ([]byte, error) {
	w := m.world
	s := &m.legacy.snap
	s.Tick = w.Tick()
	s.Phase = phaseToWire(w.Phase())
	s.TicksLeft = w.TicksLeft()

	ships := w.Ships()
	s.Ships = grow(s.Ships, len(ships))
	for i, sh := range ships {
		out := s.Ships[i]
		out.Id, out.Team, out.X, out.Y, out.Aim = uint32(sh.ID), uint32(sh.Team), sh.Pos.X, sh.Pos.Y, uint32(sh.Aim)
		out.Health, out.Alive, out.Protected = uint32(max(sh.Health, 0)), sh.Alive, sh.ProtectedTicks > 0
		out.Kills, out.Deaths = uint32(sh.Kills), uint32(sh.Deaths)
	}
	projectiles := w.Projectiles()
	s.Projectiles = grow(s.Projectiles, len(projectiles))
	for i, p := range projectiles {
		out := s.Projectiles[i]
		out.Id, out.Owner, out.X, out.Y, out.Vx, out.Vy = p.ID, uint32(p.Owner), p.Pos.X, p.Pos.Y, p.Vel.X, p.Vel.Y
	}
	s.Events = grow(s.Events, len(m.legacy.events))
	for i, e := range m.legacy.events {
		out := s.Events[i]
		out.Kind, out.Tick, out.Actor, out.Target = arenav1.GameEventKind(e.Kind), e.Tick, uint32(e.Actor), uint32(e.Target)
	}
	s.TeamScores = s.TeamScores[:0]
	if mode := w.Mode(); mode.PlayersPerTeam > 1 {
		s.TeamScores = grow(s.TeamScores, mode.Teams)
		for i, out := range s.TeamScores {
			out.Team, out.Kills = uint32(i+1), uint32(w.TeamKills(i+1))
		}
	}
	b, err := proto.MarshalOptions{Deterministic: true}.MarshalAppend(dst, s)
	if err != nil {
		return dst, fmt.Errorf("encode snapshot: %w", err)
	}
	return b, nil
}

// AppendSnapshot appends to dst one player's snapshot of the current tick as
// a complete ServerMessage in the legacy full form (Snapshot.ships,
// projectiles, events, team_scores, at full precision): the shared fields,
// encoded once per tick, plus this player's acknowledged input sequence.
//
// Deprecated: Use an Encoder per client (NewEncoder): its snapshots are
// quantised and delta-encoded, and carry events reliably.
func (m *Match) AppendSnapshot(dst []byte, ackSeq uint32) []byte {
	if !m.legacy.ok {
		var err error
		// Marshalling a Snapshot whose fields are all set cannot fail; if it
		// did, the players would get snapshots with only their ack.
		m.legacy.shared, err = m.encodeLegacy(m.legacy.shared[:0])
		if err != nil {
			m.legacy.shared = m.legacy.shared[:0]
		}
		m.legacy.ok = true
	}
	shared := m.legacy.shared
	size := len(shared)
	if ackSeq != 0 {
		size += protowire.SizeTag(fAckSeq) + protowire.SizeVarint(uint64(ackSeq))
	}
	dst = protowire.AppendTag(dst, snapshotField, protowire.BytesType)
	dst = protowire.AppendVarint(dst, uint64(size))
	dst = append(dst, shared...)
	if ackSeq != 0 {
		dst = protowire.AppendTag(dst, fAckSeq, protowire.VarintType)
		dst = protowire.AppendVarint(dst, uint64(ackSeq))
	}
	return dst
}

// grow returns s resized to n, reusing its messages and allocating only new ones.
func grow[T any](s []*T, n int) []*T {
	for len(s) < n {
		s = append(s, new(T))
	}
	return s[:n]
}

func phaseToWire(p game.Phase) arenav1.MatchPhase {
	switch p {
	case game.PhaseCountdown:
		return arenav1.MatchPhase_MATCH_PHASE_COUNTDOWN
	case game.PhasePlaying:
		return arenav1.MatchPhase_MATCH_PHASE_PLAYING
	case game.PhaseEnded:
		return arenav1.MatchPhase_MATCH_PHASE_ENDED
	}
	return arenav1.MatchPhase_MATCH_PHASE_UNSPECIFIED
}

// legacy reports whether s is in the legacy full form.
func legacy(s *arenav1.Snapshot) bool {
	return len(s.GetShips()) > 0 || len(s.GetProjectiles()) > 0 || len(s.GetEvents()) > 0 || len(s.GetTeamScores()) > 0
}

// applyLegacy decodes a snapshot in the legacy full form into d.next, so a
// Decoder also reads what the deprecated AppendSnapshot writes. Its
// projectiles have no ticks left (0), and its health is taken as a
// percentage (which it is with the default rules).
func (d *Decoder) applyLegacy(s *arenav1.Snapshot) error {
	if s.GetBaselineTick() != 0 || len(s.GetShipAdded()) > 0 || len(s.GetProjectileAdded()) > 0 || len(s.GetEventRecords()) > 0 {
		return malformed("legacy full form mixed with columns")
	}
	n := &d.next
	p, ok := phaseFromWire(s.GetPhase())
	if !ok {
		return malformed("phase %v", s.GetPhase())
	}
	n.tick, n.phase, n.ticksLeft, n.selfAim = s.GetTick(), p, s.GetTicksLeft(), 0
	if len(s.GetShips()) > maxShips || len(s.GetProjectiles()) > maxProjectiles || len(s.GetTeamScores()) > 64 {
		return malformed("too many entities")
	}
	n.ships = n.ships[:0]
	for _, sh := range s.GetShips() {
		if k := len(n.ships); sh.GetId() == 0 || k > 0 && sh.GetId() <= n.ships[k-1].id || sh.GetAim() > 0xFFFF || sh.GetTeam() == 0 {
			return malformed("legacy ship %v", sh)
		}
		health := min(sh.GetHealth(), 100)
		if !sh.GetAlive() {
			health = 0
		} else if health == 0 {
			health = 1
		}
		if sh.GetId() == d.ship {
			n.selfAim = game.Angle(sh.GetAim())
		}
		n.ships = append(n.ships, shipState{
			id: sh.GetId(), team: sh.GetTeam(), pos: game.Vec{X: sh.GetX(), Y: sh.GetY()},
			aim: aimFrom8(aim8(game.Angle(sh.GetAim()))), status: status(health, sh.GetProtected()),
			kills: sh.GetKills(), deaths: sh.GetDeaths(),
		})
	}
	n.projs = n.projs[:0]
	for _, pr := range s.GetProjectiles() {
		if k := len(n.projs); k > 0 && pr.GetId() <= n.projs[k-1].id {
			return malformed("legacy projectile ids not increasing")
		}
		n.projs = append(n.projs, projState{id: pr.GetId(), owner: pr.GetOwner(),
			pos: game.Vec{X: pr.GetX(), Y: pr.GetY()}, vel: game.Vec{X: pr.GetVx(), Y: pr.GetVy()}})
	}
	n.teamKills = nil
	for _, ts := range s.GetTeamScores() {
		if ts.GetTeam() == 0 || ts.GetTeam() > 64 {
			return malformed("legacy team %d", ts.GetTeam())
		}
		for uint32(len(n.teamKills)) < ts.GetTeam() {
			n.teamKills = append(n.teamKills, 0)
		}
		n.teamKills[ts.GetTeam()-1] = ts.GetKills()
	}
	for _, e := range s.GetEvents() {
		if e.GetKind() == arenav1.GameEventKind_GAME_EVENT_KIND_UNSPECIFIED {
			return malformed("event of kind 0")
		}
	}
	return nil
}

// legacyEvents returns the events of a snapshot in the legacy full form.
func legacyEvents(s *arenav1.Snapshot) []game.Event {
	var evs []game.Event
	for _, e := range s.GetEvents() {
		evs = append(evs, game.Event{Kind: game.EventKind(e.GetKind()), Tick: e.GetTick(), Actor: game.ShipID(e.GetActor()), Target: game.ShipID(e.GetTarget())})
	}
	return evs
}
