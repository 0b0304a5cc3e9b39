package netcode

import (
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

// Field numbers of what the encoders write by hand, read from the schema so
// they cannot drift from it.
var (
	snapshotField = fieldNumber(&arenav1.ServerMessage{}, "snapshot")

	fTick              = snapField("tick")
	fAckSeq            = snapField("ack_seq")
	fPhase             = snapField("phase")
	fTicksLeft         = snapField("ticks_left")
	fBaselineTick      = snapField("baseline_tick")
	fShipMoved         = snapField("ship_moved")
	fShipAim           = snapField("ship_aim")
	fProjectileAdded   = snapField("projectile_added")
	fProjectileRemoved = snapField("projectile_removed")
	fEventRecords      = snapField("event_records")
	fShipStatus        = snapField("ship_status")
	fSelfAim           = snapField("self_aim")
	fShipVelocity      = snapField("ship_velocity")
	fShipScore         = snapField("ship_score")
	fShipAdded         = snapField("ship_added")
	fShipRemoved       = snapField("ship_removed")
	fTeamKills         = snapField("team_kills")
	fInputTick         = snapField("input_tick")
	fInputLead         = snapField("input_lead_ms")
	fInputsLate        = snapField("inputs_late")
	fInputMissing      = snapField("input_ticks_missing")
)

// Record sizes of the columns, in values.
const (
	shipAddedLen = 10 // id, team, x, y, vx, vy, aim, status, kills, deaths
	shipMovedLen = 3  // skip, dx, dy
	shipVelLen   = 3  // skip, dvx, dvy
	shipAimLen   = 2  // skip, change
	shipStatLen  = 2  // skip, status
	shipScoreLen = 3  // skip, kills, deaths
	projAddedLen = 7  // id, owner, x, y, vx, vy, ticks_left
)

// Bits of an event record's head.
const (
	eventKindMask  = 0x0f
	eventHasTarget = 0x10
	eventAgeShift  = 5
)

func fieldNumber(m proto.Message, name string) protowire.Number {
	return m.ProtoReflect().Descriptor().Fields().ByName(protoreflect.Name(name)).Number()
}

func snapField(name string) protowire.Number { return fieldNumber(&arenav1.Snapshot{}, name) }

// appendUint appends a varint field, or nothing for 0.
func appendUint(dst []byte, num protowire.Number, v uint32) []byte {
	if v == 0 {
		return dst
	}
	dst = protowire.AppendTag(dst, num, protowire.VarintType)
	return protowire.AppendVarint(dst, uint64(v))
}

// appendPacked appends col, already encoded values, as the packed field num,
// or nothing when col is empty.
func appendPacked(dst []byte, num protowire.Number, col []byte) []byte {
	if len(col) == 0 {
		return dst
	}
	dst = protowire.AppendTag(dst, num, protowire.BytesType)
	dst = protowire.AppendVarint(dst, uint64(len(col)))
	return append(dst, col...)
}

// putU appends an element of a packed uint32 column.
func putU(col []byte, v uint32) []byte { return protowire.AppendVarint(col, uint64(v)) }

// putS appends an element of a packed sint32 column.
func putS(col []byte, v int32) []byte {
	return protowire.AppendVarint(col, uint64(uint32(v<<1)^uint32(v>>31)))
}

// appendFrame appends one ServerMessage{snapshot} frame whose Snapshot body
// is body.
func appendFrame(dst, body []byte) []byte {
	dst = protowire.AppendTag(dst, snapshotField, protowire.BytesType)
	dst = protowire.AppendVarint(dst, uint64(len(body)))
	return append(dst, body...)
}
