// Package netcode is what the server and the client share about the wire:
// conversion between game state and arena.v1 messages, snapshot encoding and
// decoding, the tick buffer that feeds each of a player's inputs to the
// simulation at the tick it is meant for, and the client's side of that:
// the input clock that stamps inputs and the predictor that replays them.
//
// It never opens sockets itself (see netcode/transport for the client side)
// and never decides a game rule: that is the game package's job. It has no
// clocks, goroutines or mutable globals, and builds for js/wasm: the browser client
// decodes with it.
//
// # Snapshots
//
// The server runs a [Match]: each tick, [Match.Step] advances the world and
// builds, once for every client, the quantised view of the tick (a frame).
// Each connection has an [Encoder] ([Match.NewEncoder]) whose [Encoder.Append]
// writes that client's snapshot as one ServerMessage frame, and whose
// [Encoder.Handed] learns whether the frame was queued on the connection. The
// last snapshot handed is the client's baseline: the next one is a delta
// against it, which lists only what changed. A client without a baseline
// (new, or whose last frame was dropped because its queue was full) gets a
// full snapshot. The client applies snapshots in order with a [Decoder],
// which rebuilds the whole state as a [View].
//
// The world part of a snapshot (everything but the tick, the acknowledged
// input, the input report, the baseline tick, the own aim and the events) depends only on the
// baseline and the tick, so it is encoded once per tick for all the clients
// whose baseline is the previous tick, which in the steady state is all of
// them. An Encoder with a view radius ([Encoder.SetViewRadius]) encodes its
// own.
//
// # Inputs
//
// The client stamps every input with the server tick it is meant for
// (Input.tick: the tick of the snapshot whose step applies it). Its
// [InputClock] runs ahead of the server by about the uplink's delay plus a
// margin, so that each input arrives just before its tick; the server keeps
// each player's inputs in a [TickBuffer] and applies each at its tick. An
// input that arrives after its tick ran is late (counted and dropped); a
// tick without an input is missing (counted: the last movement repeats,
// never the last shot). Every snapshot reports to its player the least
// lead (time from arrival to its tick) of the inputs that arrived since the
// previous one, and the two counters ([InputReport]); from the leads and the
// times it sent those inputs, the clock learns when inputs must leave and
// moves its lead there smoothly, running a few percent fast or slow. The
// [Predictor] replays, on each snapshot, the inputs stamped for later ticks.
// An unstamped input (tick 0, the load bots') takes the tick after the
// newest waiting, at most [UnstampedBacklog] ahead.
//
// # Precision
//
// Positions and velocities are exact, in sub-units (1/256 of a world unit),
// for every ship: the client predicts its own ship with the same game code,
// and dead reckoning (below) makes exactness cost nothing while ships move
// steadily. Aims are quantised to 8 bits (an angle rounded to a multiple of
// 256), but the client's own aim is sent exact, in self_aim. Health is a
// percentage of the maximum, rounded up: 1..100 while alive, 0 when dead.
// Projectiles are exact.
//
// # Format
//
// A snapshot is an arena.v1.Snapshot. tick is the server tick; ack_seq the
// last input applied for the player; input_tick, input_lead_ms, inputs_late
// and input_ticks_missing the report on the player's inputs (each sent only
// when not 0; see Inputs); baseline_tick the tick of the snapshot
// it is a delta against, or 0 for a full one (so no delta is ever made
// against tick 0). In a full snapshot, phase is set and ticks_left is as
// sent. In a delta, an unset phase means the baseline's phase with its
// ticks_left counted down by age = tick - baseline_tick (and not below 0);
// when either differs from that, both phase and ticks_left are sent.
//
// Ships and projectiles are kept in id order, on both sides. A column is a
// packed repeated field holding records of a fixed number of values (those
// of event_records vary); one tag per column, however many records. A record
// about an entity of the baseline starts with a skip: the number of baseline
// entities of its kind, in id order, between the previous record's entity
// in the same column and this one, so that a record's entity has index
// previous + 1 + skip (the first one's previous is -1). Indices refer to the
// baseline as it was, before this snapshot's removals and additions. A
// record's status is health * 2, plus 1 while spawn-protected.
//
// Every ship has a velocity: its displacement over the last tick (0 if it
// was dead or absent then). The client moves each baseline ship by velocity
// * age, then applies the columns:
//
//	ship_removed   uint32  (skip)                      the ship is gone: it left, or is out of view
//	ship_moved     sint32  (skip, dx, dy)              position += (dx, dy); velocity += (dx, dy)
//	ship_velocity  sint32  (skip, dvx, dvy)            velocity += (dvx, dvy), after ship_moved
//	ship_aim       sint32  (skip, change)              8-bit aim += change, in -128..127, wrapping
//	ship_status    uint32  (skip, status)              status = status
//	ship_score     uint32  (skip, kills, deaths)       kills, deaths = kills, deaths
//	ship_added     sint32  (id, team, x, y, vx, vy, aim, status, kills, deaths)
//
// With age 1, a ship whose velocity did not change is not listed at all, and
// one that turned is listed in ship_moved only; ship_velocity is for the
// rest (a respawn, an older baseline). ship_added lists new ships (every
// ship, in a full snapshot, or one whose team changed, after its removal) in
// id order, id being the difference from the previous record's id (the
// first's from 0); positions and velocities are exact, aim has 8 bits. No
// record refers to a removed ship, and an added id is not one kept.
//
// Projectiles never change course, so they are sent once. The client moves
// each baseline projectile by its velocity * age and counts its ticks_left
// down by age; one whose ticks_left reach 0 is gone, unlisted. Then:
//
//	projectile_removed  uint32  (skip)    gone before its time: it hit, or is out of view
//	projectile_added    sint32  (id, owner, x, y, vx, vy, ticks_left)
//
// projectile_added is in id order, id being the difference from the previous
// record's id, the first one's from the highest id among the baseline's
// projectiles (0 if none). (x, y) is relative to the owner's position in
// this snapshot (after the ships are applied) when the owner is among its
// ships, else absolute. ticks_left is at least 1.
//
// team_kills lists the kills of every team, team 1 first, in team modes: in
// every full snapshot, and in a delta when one changed. self_aim is the
// client's own exact aim (0..65535), sent in a full snapshot, when the own
// ship appears, and when the aim changed since the baseline.
//
// Events travel in event_records, each once: the events that happened since
// the client's Encoder was made and that were not in a snapshot handed yet,
// oldest first. An event is (head, actor) or (head, actor, target), with head
// = kind | has_target << 4 | age << 5, kind being a GameEventKind (1..15) and
// age the snapshot's tick minus the event's. The Encoder keeps at most
// [MaxPendingEvents] for a client, dropping the oldest past that.
//
// Fields 5 to 8 of Snapshot (ships, projectiles, events, team_scores) held
// a legacy full form, now removed; their numbers and names are reserved.
//
// The bytes of one full and one delta snapshot are kept in
// testdata/snapshots.golden; a change to the encoding shows there.
package netcode
