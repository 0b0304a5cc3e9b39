package netcode

import (
	"bytes"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

var update = flag.Bool("update", false, "rewrite the golden snapshots and the fuzz seed corpus")

// goldenFrames returns the frames of ship 1 in the ffa16 match of
// newPlayingMatch, driven on to tick 154: the full snapshot of tick 154 and
// the delta of tick 155, when every ship fires.
func goldenFrames(t testing.TB) (full, delta []byte) {
	m := newPlayingMatch(t, "ffa16")
	for tick := 150; tick < 154; tick++ {
		driveShips(m, 16, tick)
		step(t, m)
	}
	e := m.NewEncoder(1)
	full = e.Append(nil, 153)
	e.Handed(true)
	driveShips(m, 16, 154)
	step(t, m)
	delta = e.Append(nil, 154)
	e.Handed(true)
	return full, delta
}

// body returns the Snapshot bytes of a frame.
func body(t testing.TB, frame []byte) []byte {
	t.Helper()
	b, err := proto.Marshal(unframe(t, frame))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// describe renders a frame for review: its bytes in hex, then every field
// of its Snapshot that is set, in field order.
func describe(t testing.TB, name string, frame []byte) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s: %d bytes\n", name, len(frame))
	for b := frame; len(b) > 0; b = b[min(len(b), 32):] {
		fmt.Fprintf(&sb, "  %s\n", hex.EncodeToString(b[:min(len(b), 32)]))
	}
	s := unframe(t, frame).ProtoReflect()
	fields := s.Descriptor().Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		if !s.Has(fd) {
			continue
		}
		v := s.Get(fd)
		if fd.IsList() {
			l := v.List()
			vals := make([]string, l.Len())
			for k := range l.Len() {
				vals[k] = fmt.Sprint(l.Get(k).Interface())
			}
			fmt.Fprintf(&sb, "  %d %s: [%s]\n", fd.Number(), fd.Name(), strings.Join(vals, " "))
			continue
		}
		if fd.Kind() == protoreflect.EnumKind {
			fmt.Fprintf(&sb, "  %d %s: %s\n", fd.Number(), fd.Name(), fd.Enum().Values().ByNumber(v.Enum()).Name())
			continue
		}
		fmt.Fprintf(&sb, "  %d %s: %v\n", fd.Number(), fd.Name(), v.Interface())
	}
	return sb.String()
}

// TestGolden keeps the bytes of a full and a delta snapshot in
// testdata/snapshots.golden, so that any change to the encoding shows as a
// diff to review. go test -run TestGolden -update rewrites it, and the seed
// corpus of FuzzDecoder.
func TestGolden(t *testing.T) {
	full, delta := goldenFrames(t)
	got := "# Frames of netcode.Encoder for ship 1 of the ffa16 match of newPlayingMatch\n" +
		"# (snapshot_test.go) driven on to tick 154: its full snapshot, then the delta of\n" +
		"# tick 155, when every ship fires.\n" +
		"# Regenerate with: go test ./netcode/ -run TestGolden -update\n\n" +
		describe(t, "full", full) + "\n" + describe(t, "delta", delta)
	path := filepath.Join("testdata", "snapshots.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		writeSeeds(t, full, delta)
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("snapshot encoding changed; if that is intended, run go test ./netcode/ -run TestGolden -update and review the diff\ngot:\n%s", got)
	}
}

// writeSeeds writes the seed corpus of FuzzDecoder: the golden pair, a full
// snapshot alone, and pairs from a random match with drops.
func writeSeeds(t *testing.T, full, delta []byte) {
	dir := filepath.Join("testdata", "fuzz", "FuzzDecoder")
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	seed := func(name string, a, b []byte) {
		text := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n[]byte(%q)\n", a, b)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	seed("golden", body(t, full), body(t, delta))
	seed("full-only", body(t, full), nil)
	m := newPlayingMatch(t, "teams")
	e := m.NewEncoder(2)
	e.SetViewRadius(600)
	prev := body(t, e.Append(nil, 1))
	e.Handed(true)
	for i := range 6 {
		driveShips(m, 4, 150+i)
		step(t, m)
		next := body(t, e.Append(nil, uint32(i)))
		e.Handed(true)
		seed(fmt.Sprintf("teams-radius-%d", i), prev, next)
		prev = next
	}
}

// FuzzDecoder applies two arbitrary Snapshots in a row (a full one and a
// delta, as the seeds have it): Apply never panics, fails only with its
// errors and without changing the state, and what it accepts is consistent.
func FuzzDecoder(f *testing.F) {
	full, delta := goldenFrames(f)
	f.Add(body(f, full), body(f, delta))
	f.Fuzz(func(t *testing.T, first, second []byte) {
		d := NewDecoder(1)
		for _, b := range [][]byte{first, second} {
			var s arenav1.Snapshot
			if proto.Unmarshal(b, &s) != nil {
				continue
			}
			ok, tick := d.ok, d.cur.tick
			v, err := d.Apply(&s)
			if err != nil {
				if !errors.Is(err, ErrMalformedSnapshot) && !errors.Is(err, ErrBaselineMismatch) {
					t.Fatalf("unexpected error %v", err)
				}
				if d.ok != ok || d.cur.tick != tick {
					t.Fatalf("failed Apply changed the state")
				}
				continue
			}
			checkView(t, v)
		}
	})
}

// checkView checks what must hold of any View Apply returns.
func checkView(t *testing.T, v *View) {
	t.Helper()
	for i, s := range v.Ships {
		if i > 0 && s.ID <= v.Ships[i-1].ID || s.ID == 0 || s.Health < 0 || s.Health > 100 || s.Alive != (s.Health > 0) {
			t.Fatalf("bad ship %d: %+v", i, s)
		}
	}
	for i, p := range v.Projectiles {
		if i > 0 && p.ID <= v.Projectiles[i-1].ID {
			t.Fatalf("bad projectile %d: %+v", i, p)
		}
	}
	if v.Self >= len(v.Ships) || v.Self >= 0 && v.Ships[v.Self].ID != 1 {
		t.Fatalf("self %d of %d ships", v.Self, len(v.Ships))
	}
}

func TestMalformedSnapshots(t *testing.T) {
	fullFrame, deltaFrame := goldenFrames(t)
	full, delta := unframe(t, fullFrame), unframe(t, deltaFrame)
	if len(full.GetShipAdded()) != 16*shipAddedLen || len(full.GetProjectileAdded()) < 2*projAddedLen {
		t.Fatalf("the golden full snapshot lacks what the cases break: %v", full)
	}
	for _, tc := range []struct {
		name  string
		full  bool // break the full snapshot rather than the delta
		spoil func(s *arenav1.Snapshot)
	}{
		{"full without a phase", true, func(s *arenav1.Snapshot) { s.Phase = 0 }},
		{"unknown phase", true, func(s *arenav1.Snapshot) { s.Phase = 99 }},
		{"ship record cut short", true, func(s *arenav1.Snapshot) { s.ShipAdded = s.ShipAdded[:len(s.ShipAdded)-1] }},
		{"ship ids not increasing", true, func(s *arenav1.Snapshot) { s.ShipAdded[shipAddedLen] = 0 }},
		{"ship of team 0", true, func(s *arenav1.Snapshot) { s.ShipAdded[1] = 0 }},
		{"ship aim past 8 bits", true, func(s *arenav1.Snapshot) { s.ShipAdded[6] = 256 }},
		{"ship status past 100%", true, func(s *arenav1.Snapshot) { s.ShipAdded[7] = maxStatus + 1 }},
		{"own ship without its aim", true, func(s *arenav1.Snapshot) { s.SelfAim = nil }},
		{"aim past 16 bits", true, func(s *arenav1.Snapshot) { s.SelfAim = proto.Uint32(1 << 16) }},
		{"projectile without ticks", true, func(s *arenav1.Snapshot) { s.ProjectileAdded[6] = 0 }},
		{"projectile ids not increasing", true, func(s *arenav1.Snapshot) { s.ProjectileAdded[projAddedLen] = 0 }},
		{"tick not after the baseline", false, func(s *arenav1.Snapshot) { s.Tick = s.BaselineTick }},
		{"ticks left without a phase", false, func(s *arenav1.Snapshot) { s.TicksLeft = 5 }},
		{"move record cut short", false, func(s *arenav1.Snapshot) { s.ShipMoved = []int32{0, 5} }},
		{"move of no ship", false, func(s *arenav1.Snapshot) { s.ShipMoved = []int32{0, 5, 5, 15, 5, 5} }},
		{"negative skip", false, func(s *arenav1.Snapshot) { s.ShipVelocity = []int32{-1, 5, 5} }},
		{"aim change past 8 bits", false, func(s *arenav1.Snapshot) { s.ShipAim = []int32{0, 128} }},
		{"status past 100%", false, func(s *arenav1.Snapshot) { s.ShipStatus = []uint32{0, maxStatus + 1} }},
		{"score of a removed ship", false, func(s *arenav1.Snapshot) { s.ShipRemoved, s.ShipScore = []uint32{3}, []uint32{3, 1, 1} }},
		{"removal of no ship", false, func(s *arenav1.Snapshot) { s.ShipRemoved = []uint32{0, 15} }},
		{"added ship already there", false, func(s *arenav1.Snapshot) { s.ShipAdded = []int32{5, 5, 0, 0, 0, 0, 0, 200, 0, 0} }},
		{"added projectile already there", false, func(s *arenav1.Snapshot) { s.ProjectileAdded = []int32{0, 1, 0, 0, 0, 0, 10} }},
		{"removal of no projectile", false, func(s *arenav1.Snapshot) { s.ProjectileRemoved = []uint32{1000} }},
		{"event of kind 0", false, func(s *arenav1.Snapshot) { s.EventRecords = []uint32{0, 1} }},
		{"event record cut short", false, func(s *arenav1.Snapshot) { s.EventRecords = []uint32{2 | eventHasTarget, 1} }},
		{"event before tick 0", false, func(s *arenav1.Snapshot) { s.EventRecords = []uint32{1 | 1000<<eventAgeShift, 1} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDecoder(1)
			bad := proto.Clone(delta).(*arenav1.Snapshot)
			if tc.full {
				bad = proto.Clone(full).(*arenav1.Snapshot)
			} else if _, err := d.Apply(full); err != nil {
				t.Fatal(err)
			}
			tc.spoil(bad)
			if _, err := d.Apply(bad); !errors.Is(err, ErrMalformedSnapshot) {
				t.Fatalf("Apply: %v, want ErrMalformedSnapshot", err)
			}
			if tc.full {
				return
			}
			if _, err := d.Apply(delta); err != nil {
				t.Fatalf("the good delta after the bad one: %v", err)
			}
		})
	}
}

func TestGoldenFramesAreSmall(t *testing.T) {
	full, delta := goldenFrames(t)
	if !bytes.Equal(full[:1], []byte{0x72}) {
		t.Fatalf("frame does not start with ServerMessage.snapshot: %x", full[:1])
	}
	t.Logf("ffa16: full %d bytes, delta %d bytes", len(full), len(delta))
}

// BenchmarkDecoderApply applies the golden full ffa16 snapshot (already
// unmarshalled), then unmarshals and applies the golden delta after it, as a
// client does with every snapshot.
func BenchmarkDecoderApply(b *testing.B) {
	fullFrame, deltaFrame := goldenFrames(b)
	full := unframe(b, fullFrame)
	d := NewDecoder(1)
	b.ReportAllocs()
	for b.Loop() {
		d.Reset()
		if _, err := d.Apply(full); err != nil {
			b.Fatal(err)
		}
		var msg arenav1.ServerMessage
		if err := proto.Unmarshal(deltaFrame, &msg); err != nil {
			b.Fatal(err)
		}
		if _, err := d.Apply(msg.GetSnapshot()); err != nil {
			b.Fatal(err)
		}
	}
}
