package game

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestDefaultMap(t *testing.T) {
	m := DefaultMap()
	if m.Name != "arena" || m.Width != 2000 || m.Height != 2000 {
		t.Fatalf("DefaultMap() = %s %dx%d", m.Name, m.Width, m.Height)
	}
	if len(m.Walls) == 0 || len(m.Spawns) < 16 {
		t.Fatalf("DefaultMap(): %d walls, %d spawns", len(m.Walls), len(m.Spawns))
	}
	if m.Walls[0] != (Rect{Vec{900 * Unit, 900 * Unit}, Vec{1100 * Unit, 1100 * Unit}}) {
		t.Errorf("wall 0 = %v, want the centre block in sub-units", m.Walls[0])
	}
	if err := m.checkClearance(DefaultRules().ShipRadius * Unit); err != nil {
		t.Error(err)
	}
	// Symmetric under both mirrors and the diagonal: no spawn is favoured.
	size := m.Width * Unit
	mirrors := []func(Vec) Vec{
		func(v Vec) Vec { return Vec{size - v.X, v.Y} },
		func(v Vec) Vec { return Vec{v.X, size - v.Y} },
		func(v Vec) Vec { return Vec{v.Y, v.X} },
	}
	for k, f := range mirrors {
		for _, s := range m.Spawns {
			if !slices.Contains(m.Spawns, f(s)) {
				t.Errorf("mirror %d: spawn %v has no image %v", k, s, f(s))
			}
		}
		for _, w := range m.Walls {
			a, b := f(w.Min), f(w.Max)
			img := Rect{Vec{min(a.X, b.X), min(a.Y, b.Y)}, Vec{max(a.X, b.X), max(a.Y, b.Y)}}
			if !slices.Contains(m.Walls, img) {
				t.Errorf("mirror %d: wall %v has no image %v", k, w, img)
			}
		}
	}
}

func TestLoadMap(t *testing.T) {
	if names := MapNames(); !slices.Contains(names, "arena") {
		t.Errorf("MapNames() = %v", names)
	}
	for _, name := range MapNames() {
		if _, err := LoadMap(name); err != nil {
			t.Errorf("LoadMap(%q): %v", name, err)
		}
	}
	for _, name := range []string{"nope", "", "../modes", "maps/arena", "ARENA"} {
		if _, err := LoadMap(name); !errors.Is(err, ErrUnknownMap) {
			t.Errorf("LoadMap(%q) = %v, want ErrUnknownMap", name, err)
		}
	}
	// The map is a fresh copy each time.
	a, b := DefaultMap(), DefaultMap()
	a.Walls[0].Min.X = 1
	if b.Walls[0].Min.X == 1 {
		t.Error("DefaultMap() results share memory")
	}
}

func TestParseMap(t *testing.T) {
	const head = `{"name":"t","width":400,"height":300,`
	tests := []struct {
		name string
		data string
		want string // substring of the error; "" for none
	}{
		{"valid", head + `"walls":[{"min_x":10,"min_y":10,"max_x":20,"max_y":30}],"spawns":[{"x":100,"y":100}]}`, ""},
		{"not json", `{`, "parse map"},
		{"unknown field", head + `"walls":[],"spawns":[{"x":1,"y":1}],"theme":"ice"}`, "unknown field"},
		{"trailing", head + `"walls":[],"spawns":[{"x":1,"y":1}]} {}`, "after the object"},
		{"no spawns", head + `"walls":[],"spawns":[]}`, "no spawn points"},
		{"tiny", `{"name":"t","width":10,"height":300,"spawns":[{"x":5,"y":5}]}`, "size"},
		{"huge", `{"name":"t","width":100000,"height":300,"spawns":[{"x":5,"y":5}]}`, "width"},
		{"empty wall", head + `"walls":[{"min_x":10,"min_y":10,"max_x":10,"max_y":30}],"spawns":[{"x":100,"y":100}]}`, "wall 0 is empty"},
		{"wall outside", head + `"walls":[{"min_x":10,"min_y":10,"max_x":500,"max_y":30}],"spawns":[{"x":100,"y":100}]}`, "wall 0 outside"},
		{"negative wall", head + `"walls":[{"min_x":-10,"min_y":10,"max_x":50,"max_y":30}],"spawns":[{"x":100,"y":100}]}`, "min_x -10"},
		{"spawn outside", head + `"walls":[],"spawns":[{"x":100,"y":300}]}`, "spawn 0 outside"},
		{"spawn in wall", head + `"walls":[{"min_x":10,"min_y":10,"max_x":200,"max_y":200}],"spawns":[{"x":100,"y":100}]}`, "spawn 0 inside wall 0"},
		{"bad name", `{"name":"A map","width":400,"height":300,"spawns":[{"x":5,"y":5}]}`, "map name"},
	}
	for _, tt := range tests {
		m, err := ParseMap([]byte(tt.data))
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: ParseMap: %v", tt.name, err)
		case tt.want == "" && (m.Width != 400 || m.Walls[0].Max.Y != 30*Unit || m.Spawns[0] != Vec{100 * Unit, 100 * Unit}):
			t.Errorf("%s: ParseMap = %+v, want world units converted to sub-units", tt.name, m)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: ParseMap error %v, want one containing %q", tt.name, err, tt.want)
		}
	}
}
