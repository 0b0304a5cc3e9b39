package replay

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/arena-server/arena/game"
)

// Version is the replay format this package writes and reads.
const Version = 1

// magic starts every replay file.
const magic = "ARNR"

// Record flags.
const (
	flagLeft = 1 << iota
	flagHash
	flagEnd
)

// DefaultHashEvery is how often (in ticks) a Recorder writes a state hash
// when Header.HashEvery is 0: once a second at 30 Hz.
const DefaultHashEvery = 30

// Header describes a match's start: everything needed to build its world.
type Header struct {
	// MatchID identifies the match.
	MatchID string `json:"match_id"`
	// Start is when the match began.
	Start time.Time `json:"start"`
	// Mode, Map, Rules and TickRate are the game.Config of the match.
	Mode     game.Mode  `json:"mode"`
	Map      game.Map   `json:"map"`
	Rules    game.Rules `json:"rules"`
	TickRate int        `json:"tick_rate"`
	// Players are the ships, in the order they were added to the world.
	Players []Player `json:"players"`
	// HashEvery is the number of ticks between state hashes.
	HashEvery int `json:"hash_every"`
}

// Player is one ship of a match.
type Player struct {
	Ship     uint32 `json:"ship"`
	Team     int    `json:"team"`
	PlayerID string `json:"player_id"`
	Name     string `json:"name"`
}

// config is the world configuration the header describes.
func (h *Header) config() game.Config {
	return game.Config{Rules: h.Rules, Mode: h.Mode, Map: h.Map, TickRate: h.TickRate}
}

// Recorder writes a replay as its match runs. It is owned by the match's
// goroutine, like the world it records.
//
// Per Step: Left for each ship that leaves, Input for each input applied,
// then Stepped after the world's Step. Finish ends the replay.
type Recorder struct {
	hashEvery uint32
	index     []int8       // ship id → position in Header.Players, -1 for none
	last      []game.Input // the input each ship last had, by position
	cur       []game.Input // this step's inputs so far
	left      []uint32     // ships that left before this step
	buf       []byte       // the records so far, uncompressed
	head      []byte       // the header's JSON
	finished  bool
}

// ErrFinished is returned when a Recorder is used after Finish.
var ErrFinished = errors.New("replay: recorder finished")

// NewRecorder starts recording the match h describes in w, whose ships have
// just been added (in h.Players order) and which has not stepped yet.
func NewRecorder(h Header, w *game.World) (*Recorder, error) {
	if h.HashEvery <= 0 {
		h.HashEvery = DefaultHashEvery
	}
	if len(h.Players) > 64 {
		return nil, fmt.Errorf("replay: %d players, at most 64", len(h.Players))
	}
	head, err := json.Marshal(&h)
	if err != nil {
		return nil, fmt.Errorf("replay: header: %w", err)
	}
	index, err := shipIndex(h.Players)
	if err != nil {
		return nil, err
	}
	r := &Recorder{
		hashEvery: uint32(h.HashEvery),
		index:     index,
		last:      initialInputs(h.Players, w),
		cur:       make([]game.Input, len(h.Players)),
		head:      head,
		// Ten seconds of about 3 bytes a ship a tick; append grows it after
		// (a minute's worth per match was 5 KiB a player of a server's
		// live heap).
		buf: make([]byte, 0, 3*len(h.Players)*h.TickRate*10),
	}
	copy(r.cur, r.last)
	return r, nil
}

// maxShip bounds the ship ids a replay may hold.
const maxShip = 255

// shipIndex maps ship ids to positions in players.
func shipIndex(players []Player) ([]int8, error) {
	index := make([]int8, maxShip+1)
	for i := range index {
		index[i] = -1
	}
	for i, p := range players {
		if p.Ship == 0 || p.Ship > maxShip || index[p.Ship] >= 0 {
			return nil, fmt.Errorf("replay: ship id %d: must be 1..%d and unique", p.Ship, maxShip)
		}
		index[p.Ship] = int8(i)
	}
	return index, nil
}

// pos returns ship's position in the header's players, or -1.
func (r *Recorder) pos(ship uint32) int {
	if ship > maxShip {
		return -1
	}
	return int(r.index[ship])
}

// initialInputs is every ship's input as AddPlayer set it: no buttons, the
// spawn aim.
func initialInputs(players []Player, w *game.World) []game.Input {
	in := make([]game.Input, len(players))
	for i, p := range players {
		if s, ok := w.Ship(game.ShipID(p.Ship)); ok {
			in[i] = game.Input{Aim: s.Aim}
		}
	}
	return in
}

// Left records that ship left before the coming Step.
func (r *Recorder) Left(ship uint32) {
	if r.pos(ship) >= 0 && !r.finished {
		r.left = append(r.left, ship)
	}
}

// Input records the input applied to ship for the coming Step.
func (r *Recorder) Input(ship uint32, in game.Input) {
	if i := r.pos(ship); i >= 0 {
		in.Buttons &= game.ButtonsAll // as the world keeps it
		r.cur[i] = in
	}
}

// Stepped writes the record of the Step w just took.
func (r *Recorder) Stepped(w *game.World) {
	if r.finished {
		return
	}
	var flags uint64
	if len(r.left) > 0 {
		flags |= flagLeft
	}
	hash := w.Tick()%r.hashEvery == 0
	if hash {
		flags |= flagHash
	}
	r.buf = binary.AppendUvarint(r.buf, flags)
	r.appendLeft()
	var changed uint64
	for i := range r.cur {
		if r.cur[i] != r.last[i] {
			changed |= 1 << i
		}
	}
	r.buf = binary.AppendUvarint(r.buf, changed)
	for i := range r.cur {
		if changed&(1<<i) == 0 {
			continue
		}
		r.buf = append(r.buf, byte(r.cur[i].Buttons))
		r.buf = binary.AppendVarint(r.buf, int64(int16(r.cur[i].Aim-r.last[i].Aim)))
		r.last[i] = r.cur[i]
	}
	if hash {
		r.buf = binary.LittleEndian.AppendUint64(r.buf, w.Hash())
	}
}

// appendLeft writes the ships that left since the last record, if any.
func (r *Recorder) appendLeft() {
	if len(r.left) == 0 {
		return
	}
	r.buf = binary.AppendUvarint(r.buf, uint64(len(r.left)))
	for _, s := range r.left {
		r.buf = binary.AppendUvarint(r.buf, uint64(s))
		i := r.pos(s)
		r.last[i], r.cur[i] = game.Input{}, game.Input{}
	}
	r.left = r.left[:0]
}

// Finish ends the replay with w's final state hash and returns the file.
func (r *Recorder) Finish(w *game.World) ([]byte, error) {
	if r.finished {
		return nil, ErrFinished
	}
	r.finished = true
	flags := uint64(flagEnd)
	if len(r.left) > 0 {
		flags |= flagLeft
	}
	r.buf = binary.AppendUvarint(r.buf, flags)
	r.appendLeft()
	r.buf = binary.AppendUvarint(r.buf, 0) // no inputs change
	r.buf = binary.LittleEndian.AppendUint64(r.buf, w.Hash())

	var out bytes.Buffer
	out.WriteString(magic)
	out.Write(binary.AppendUvarint(nil, Version))
	zw, err := flate.NewWriter(&out, flate.BestCompression)
	if err != nil {
		return nil, err
	}
	_, err = zw.Write(binary.AppendUvarint(nil, uint64(len(r.head))))
	if err == nil {
		_, err = zw.Write(r.head)
	}
	if err == nil {
		_, err = zw.Write(r.buf)
	}
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("replay: compress: %w", err)
	}
	r.buf, r.head = nil, nil
	return out.Bytes(), nil
}
