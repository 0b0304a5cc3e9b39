package netcode

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/arena-server/arena/game"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

// Field numbers of the two fields the per-player snapshot encoding writes by
// hand, read from the schema so they cannot drift from it.
var (
	snapshotField = fieldNumber(&arenav1.ServerMessage{}, "snapshot")
	ackSeqField   = fieldNumber(&arenav1.Snapshot{}, "ack_seq")
)

func fieldNumber(m proto.Message, name string) protowire.Number {
	return m.ProtoReflect().Descriptor().Fields().ByName(protoreflect.Name(name)).Number()
}

// encodeShared encodes, once per tick, the snapshot fields every player
// receives alike: tick, phase, ships, projectiles, events, team scores.
func (m *Match) encodeShared(dst []byte) ([]byte, error) {
	w := m.world
	s := &m.snap
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
	s.Events = grow(s.Events, len(m.events))
	for i, e := range m.events {
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
// a complete ServerMessage: the shared fields encoded by Step plus this
// player's acknowledged input sequence.
func (m *Match) AppendSnapshot(dst []byte, ackSeq uint32) []byte {
	size := len(m.shared)
	if ackSeq != 0 {
		size += protowire.SizeTag(ackSeqField) + protowire.SizeVarint(uint64(ackSeq))
	}
	dst = protowire.AppendTag(dst, snapshotField, protowire.BytesType)
	dst = protowire.AppendVarint(dst, uint64(size))
	dst = append(dst, m.shared...)
	if ackSeq != 0 {
		dst = protowire.AppendTag(dst, ackSeqField, protowire.VarintType)
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
