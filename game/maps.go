package game

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
)

//go:embed maps/*.json
var mapFiles embed.FS

// DefaultMapName is the name of the map [DefaultMap] returns.
const DefaultMapName = "arena"

// Limits of Map values.
const (
	minMapSize = 100   // world units
	maxMapSize = 65536 // world units; positions stay far inside int32
	maxWalls   = 1024
	maxSpawns  = 1024
)

// Rect is an axis-aligned rectangle from Min (top-left) to Max
// (bottom-right), in sub-units inside the simulation.
type Rect struct {
	Min Vec // top-left corner
	Max Vec // bottom-right corner
}

// Map is an arena: its size, its solid wall blocks and its spawn points.
// Maps are data: JSON files embedded from game/maps/ (see [LoadMap]), in
// world units, converted to sub-units when loaded.
//
// The JSON format is an object with "name", "width", "height" (world units),
// "walls": an array of {"min_x", "min_y", "max_x", "max_y"} and "spawns": an
// array of {"x", "y"}, all in world units.
type Map struct {
	// Name identifies the map: 1 to 32 characters of a-z, 0-9, '-', '_'.
	Name string
	// Width and Height are the arena's size in world units; the arena
	// spans sub-unit coordinates 0..Width·Unit by 0..Height·Unit.
	Width, Height int32
	// Walls are the solid blocks, in sub-units.
	Walls []Rect
	// Spawns are the points ships spawn at, in sub-units.
	Spawns []Vec
}

// mapJSON is a map file, in world units.
type mapJSON struct {
	Name   string `json:"name"`
	Width  int32  `json:"width"`
	Height int32  `json:"height"`
	Walls  []struct {
		MinX int32 `json:"min_x"`
		MinY int32 `json:"min_y"`
		MaxX int32 `json:"max_x"`
		MaxY int32 `json:"max_y"`
	} `json:"walls"`
	Spawns []struct {
		X int32 `json:"x"`
		Y int32 `json:"y"`
	} `json:"spawns"`
}

// ParseMap reads a map file (world units, see [Map]), converts it to
// sub-units and validates it. Unknown fields and trailing data are errors.
func ParseMap(data []byte) (Map, error) {
	var j mapJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return Map{}, fmt.Errorf("parse map: %w", err)
	}
	if dec.More() {
		return Map{}, errors.New("parse map: data after the object")
	}
	if len(j.Walls) > maxWalls || len(j.Spawns) > maxSpawns {
		return Map{}, fmt.Errorf("parse map %q: more than %d walls or %d spawns", j.Name, maxWalls, maxSpawns)
	}
	// Coordinates are checked against the map size before scaling, so the
	// conversion to sub-units cannot overflow.
	var errs []error
	inRange := func(what string, v, hi int32) {
		if v < 0 || v > hi {
			errs = append(errs, fmt.Errorf("%s %d out of range 0..%d", what, v, hi))
		}
	}
	inRange("width", j.Width, maxMapSize)
	inRange("height", j.Height, maxMapSize)
	m := Map{Name: j.Name, Width: j.Width, Height: j.Height}
	for i, w := range j.Walls {
		inRange(fmt.Sprintf("wall %d min_x", i), w.MinX, maxMapSize)
		inRange(fmt.Sprintf("wall %d min_y", i), w.MinY, maxMapSize)
		inRange(fmt.Sprintf("wall %d max_x", i), w.MaxX, maxMapSize)
		inRange(fmt.Sprintf("wall %d max_y", i), w.MaxY, maxMapSize)
		m.Walls = append(m.Walls, Rect{
			Min: Vec{w.MinX * Unit, w.MinY * Unit},
			Max: Vec{w.MaxX * Unit, w.MaxY * Unit},
		})
	}
	for i, s := range j.Spawns {
		inRange(fmt.Sprintf("spawn %d x", i), s.X, maxMapSize)
		inRange(fmt.Sprintf("spawn %d y", i), s.Y, maxMapSize)
		m.Spawns = append(m.Spawns, Vec{s.X * Unit, s.Y * Unit})
	}
	if err := errors.Join(errs...); err != nil {
		return Map{}, fmt.Errorf("parse map %q: %w", j.Name, err)
	}
	if err := m.Validate(); err != nil {
		return Map{}, fmt.Errorf("parse map: %w", err)
	}
	return m, nil
}

// Validate reports every problem of m, joined: a bad name or size, a wall
// that is empty or not inside the arena, no spawn points, a spawn point
// outside the arena or inside a wall. Clearance for a ship's radius is
// checked by [NewWorld], which knows the rules.
func (m Map) Validate() error {
	var errs []error
	if err := validName(m.Name); err != nil {
		errs = append(errs, fmt.Errorf("map name: %w", err))
	}
	if m.Width < minMapSize || m.Width > maxMapSize || m.Height < minMapSize || m.Height > maxMapSize {
		errs = append(errs, fmt.Errorf("map %q: size %dx%d out of range %d..%d", m.Name, m.Width, m.Height, minMapSize, maxMapSize))
	}
	if len(m.Walls) > maxWalls {
		errs = append(errs, fmt.Errorf("map %q: %d walls, more than %d", m.Name, len(m.Walls), maxWalls))
	}
	bounds := m.Bounds()
	for i, w := range m.Walls {
		if w.Min.X >= w.Max.X || w.Min.Y >= w.Max.Y {
			errs = append(errs, fmt.Errorf("map %q: wall %d is empty", m.Name, i))
		} else if w.Min.X < 0 || w.Min.Y < 0 || w.Max.X > bounds.Max.X || w.Max.Y > bounds.Max.Y {
			errs = append(errs, fmt.Errorf("map %q: wall %d outside the arena", m.Name, i))
		}
	}
	if len(m.Spawns) == 0 {
		errs = append(errs, fmt.Errorf("map %q: no spawn points", m.Name))
	}
	if len(m.Spawns) > maxSpawns {
		errs = append(errs, fmt.Errorf("map %q: %d spawn points, more than %d", m.Name, len(m.Spawns), maxSpawns))
	}
	for i, s := range m.Spawns {
		if s.X <= 0 || s.Y <= 0 || s.X >= bounds.Max.X || s.Y >= bounds.Max.Y {
			errs = append(errs, fmt.Errorf("map %q: spawn %d outside the arena", m.Name, i))
			continue
		}
		for k, w := range m.Walls {
			if s.X >= w.Min.X && s.X <= w.Max.X && s.Y >= w.Min.Y && s.Y <= w.Max.Y {
				errs = append(errs, fmt.Errorf("map %q: spawn %d inside wall %d", m.Name, i, k))
				break
			}
		}
	}
	return errors.Join(errs...)
}

// checkClearance reports spawn points closer than radius (sub-units) to a
// wall or the arena's edge.
func (m Map) checkClearance(radius int32) error {
	var errs []error
	bounds := m.Bounds()
	r2 := int64(radius) * int64(radius)
	for i, s := range m.Spawns {
		if s.X < radius || s.Y < radius || s.X > bounds.Max.X-radius || s.Y > bounds.Max.Y-radius {
			errs = append(errs, fmt.Errorf("map %q: spawn %d closer than the ship radius to the edge", m.Name, i))
		}
		for k, w := range m.Walls {
			if distSqToRect(s, w) < r2 {
				errs = append(errs, fmt.Errorf("map %q: spawn %d closer than the ship radius to wall %d", m.Name, i, k))
			}
		}
	}
	return errors.Join(errs...)
}

// Bounds returns the arena's rectangle in sub-units, from (0, 0).
func (m Map) Bounds() Rect {
	return Rect{Max: Vec{m.Width * Unit, m.Height * Unit}}
}

// Clone returns a copy of m that shares no memory with it.
func (m Map) Clone() Map {
	m.Walls = slices.Clone(m.Walls)
	m.Spawns = slices.Clone(m.Spawns)
	return m
}

// LoadMap returns the embedded map called name, or an error wrapping
// [ErrUnknownMap].
func LoadMap(name string) (Map, error) {
	if validName(name) != nil {
		return Map{}, fmt.Errorf("map %q: %w", name, ErrUnknownMap)
	}
	data, err := mapFiles.ReadFile(path.Join("maps", name+".json"))
	if errors.Is(err, fs.ErrNotExist) {
		return Map{}, fmt.Errorf("map %q: %w", name, ErrUnknownMap)
	}
	if err != nil {
		return Map{}, fmt.Errorf("map %q: %w", name, err)
	}
	m, err := ParseMap(data)
	if err != nil {
		return Map{}, err
	}
	if m.Name != name {
		return Map{}, fmt.Errorf("map file %s.json is named %q", name, m.Name)
	}
	return m, nil
}

// MapNames returns the names of the embedded maps, sorted.
func MapNames() []string {
	entries, err := mapFiles.ReadDir("maps")
	if err != nil {
		return nil
	}
	var names []string
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), ".json"); ok {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// DefaultMap returns the embedded map "arena": 2000 × 2000 units with a
// symmetric layout of wall blocks and 20 symmetric spawn points. It panics
// only if the embedded file is invalid, which the tests rule out.
func DefaultMap() Map {
	m, err := LoadMap(DefaultMapName)
	if err != nil {
		panic("game: embedded map: " + err.Error())
	}
	return m
}

// distSqToRect returns the squared distance from p to the closest point of r
// (0 inside).
func distSqToRect(p Vec, r Rect) int64 {
	dx := max(int64(r.Min.X)-int64(p.X), 0, int64(p.X)-int64(r.Max.X))
	dy := max(int64(r.Min.Y)-int64(p.Y), 0, int64(p.Y)-int64(r.Max.Y))
	return dx*dx + dy*dy
}
