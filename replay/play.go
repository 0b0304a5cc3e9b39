package replay

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/arena-server/arena/game"
)

var (
	// ErrFormat means the bytes are not a replay file, or are cut short.
	ErrFormat = errors.New("replay: not a valid replay file")
	// ErrVersion means the file is of a format version this build cannot
	// play; the error's text names both versions.
	ErrVersion = errors.New("replay: unsupported version")
	// ErrCorrupt means playing the replay did not reproduce a recorded
	// state hash: the file (or the simulation) changed since it was
	// recorded. The error's text names the tick.
	ErrCorrupt = errors.New("replay: state hash mismatch")
)

// maxReplay bounds a decompressed replay (a day of a 64-player match at
// 128 Hz is far below it).
const maxReplay = 256 << 20

// Replay is a decoded replay file.
type Replay struct {
	Header
	records []byte
}

// Decode reads a replay file. It checks the format and version; the
// records are checked as they are played.
func Decode(b []byte) (*Replay, error) {
	rest, ok := bytes.CutPrefix(b, []byte(magic))
	if !ok {
		return nil, fmt.Errorf("%w: no %q signature", ErrFormat, magic)
	}
	v, n := binary.Uvarint(rest)
	if n <= 0 {
		return nil, fmt.Errorf("%w: no version", ErrFormat)
	}
	if v != Version {
		return nil, fmt.Errorf("%w: the file is version %d, this build plays version %d", ErrVersion, v, Version)
	}
	raw, err := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(rest[n:])), maxReplay+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	if len(raw) > maxReplay {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrFormat, maxReplay)
	}
	hl, n := binary.Uvarint(raw)
	if n <= 0 || hl > uint64(len(raw)-n) {
		return nil, fmt.Errorf("%w: header cut short", ErrFormat)
	}
	r := &Replay{records: raw[n+int(hl):]}
	if err := json.Unmarshal(raw[n:n+int(hl)], &r.Header); err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrFormat, err)
	}
	if r.HashEvery <= 0 {
		return nil, fmt.Errorf("%w: hash interval %d", ErrFormat, r.HashEvery)
	}
	return r, nil
}

// Playback steps a replay's world one recorded Step at a time. It is owned
// by one goroutine.
type Playback struct {
	world  *game.World
	ships  []uint32     // by position in Header.Players
	inputs []game.Input // each ship's current input, by position
	rest   []byte       // the records not played yet
	ended  bool
}

// Start builds the replay's world at tick 0, its ships added.
func (r *Replay) Start() (*Playback, error) {
	if _, err := shipIndex(r.Players); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	w, err := game.NewWorld(r.config())
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	p := &Playback{world: w, rest: r.records}
	for _, pl := range r.Players {
		if err := w.AddPlayer(game.ShipID(pl.Ship), pl.Team); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrFormat, err)
		}
		p.ships = append(p.ships, pl.Ship)
	}
	p.inputs = initialInputs(r.Players, w)
	return p, nil
}

// World is the replay's world after the Steps played so far. Callers only
// read it.
func (p *Playback) World() *game.World { return p.world }

// Ended reports whether the whole replay has been played and verified.
func (p *Playback) Ended() bool { return p.ended }

// Step plays the next recorded Step. It returns io.EOF once the replay has
// ended (its final hash verified), ErrCorrupt when a hash does not match,
// and ErrFormat when the records are malformed.
func (p *Playback) Step() error {
	if p.ended {
		return io.EOF
	}
	flags, err := p.uvarint()
	if err != nil {
		return err
	}
	if flags&flagLeft != 0 {
		n, err := p.uvarint()
		if err != nil {
			return err
		}
		if n > uint64(len(p.ships)) {
			return fmt.Errorf("%w: %d ships left at once", ErrFormat, n)
		}
		for range n {
			s, err := p.uvarint()
			if err != nil {
				return err
			}
			p.world.RemovePlayer(game.ShipID(s))
			for i, id := range p.ships {
				if uint64(id) == s {
					p.inputs[i] = game.Input{}
				}
			}
		}
	}
	changed, err := p.uvarint()
	if err != nil {
		return err
	}
	if changed>>len(p.ships) != 0 {
		return fmt.Errorf("%w: input of a ship the match does not have", ErrFormat)
	}
	for i, ship := range p.ships {
		if changed&(1<<i) == 0 {
			continue
		}
		if len(p.rest) == 0 {
			return fmt.Errorf("%w: cut short", ErrFormat)
		}
		buttons := game.Buttons(p.rest[0])
		p.rest = p.rest[1:]
		d, n := binary.Varint(p.rest)
		if n <= 0 {
			return fmt.Errorf("%w: cut short", ErrFormat)
		}
		p.rest = p.rest[n:]
		p.inputs[i] = game.Input{Buttons: buttons, Aim: p.inputs[i].Aim + game.Angle(d)}
		p.world.SetInput(game.ShipID(ship), p.inputs[i])
	}
	if flags&flagEnd == 0 {
		p.world.Step()
	}
	if flags&(flagHash|flagEnd) != 0 {
		if len(p.rest) < 8 {
			return fmt.Errorf("%w: cut short", ErrFormat)
		}
		want := binary.LittleEndian.Uint64(p.rest)
		p.rest = p.rest[8:]
		if got := p.world.Hash(); got != want {
			return fmt.Errorf("%w at tick %d: recorded %016x, replayed %016x", ErrCorrupt, p.world.Tick(), want, got)
		}
	}
	if flags&flagEnd != 0 {
		if len(p.rest) != 0 {
			return fmt.Errorf("%w: %d bytes after the end", ErrFormat, len(p.rest))
		}
		p.ended = true
		return io.EOF
	}
	return nil
}

func (p *Playback) uvarint() (uint64, error) {
	v, n := binary.Uvarint(p.rest)
	if n <= 0 {
		return 0, fmt.Errorf("%w: cut short", ErrFormat)
	}
	p.rest = p.rest[n:]
	return v, nil
}

// Verify plays the whole replay and checks every recorded hash. It returns
// the final world.
func (r *Replay) Verify() (*game.World, error) {
	p, err := r.Start()
	if err != nil {
		return nil, err
	}
	for {
		switch err := p.Step(); {
		case errors.Is(err, io.EOF):
			return p.world, nil
		case err != nil:
			return nil, err
		}
	}
}
