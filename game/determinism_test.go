package game

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/hashes.golden")

// goldenTicks is the length of the scripted match of the golden file.
const goldenTicks = 600

// scriptedMatch plays a scripted ffa match of 8 bots driven by a PRNG with
// the given seed, and returns the hash after every tick and the number of
// each kind of event. Ships join in a shuffled id order; ship 25 leaves at
// tick 450.
func scriptedMatch(t testing.TB, seed uint64, ticks int) ([]uint64, map[EventKind]int) {
	t.Helper()
	w := newWorld(t, Config{Mode: mode(t, "ffa")},
		[]ShipID{11, 3, 25, 7, 42, 19, 5, 30}, []int{1, 2, 3, 4, 5, 6, 7, 8})
	b := newBots(seed)
	hashes := make([]uint64, 0, ticks)
	events := map[EventKind]int{}
	for range ticks {
		b.drive(w)
		for _, e := range w.Step() {
			events[e.Kind]++
		}
		if w.Tick() == 450 {
			w.RemovePlayer(25)
		}
		hashes = append(hashes, w.Hash())
	}
	return hashes, events
}

func TestSameInputsSameHashes(t *testing.T) {
	a, _ := scriptedMatch(t, 1, goldenTicks)
	b, _ := scriptedMatch(t, 1, goldenTicks)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("tick %d: hash %016x, then %016x", i+1, a[i], b[i])
		}
	}
	c, _ := scriptedMatch(t, 2, goldenTicks)
	if a[len(a)-1] == c[len(c)-1] {
		t.Fatalf("different inputs, same final hash %016x", a[len(a)-1])
	}
	// During the countdown only aims differ, and they are hashed too.
	if a[0] == c[0] {
		t.Errorf("different inputs, same hash after the first tick")
	}
}

func TestHashCoversState(t *testing.T) {
	w := newWorld(t, Config{Mode: mode(t, "duel")}, []ShipID{1, 2}, []int{1, 2})
	base := w.Hash()
	changes := []func(){
		func() { w.ships[0].Pos.X++ },
		func() { w.ships[1].Aim++ },
		func() { w.ships[0].Health-- },
		func() { w.ships[0].Kills++ },
		func() { w.ctl[1].in.Buttons = ButtonUp },
		func() { w.ctl[0].cooldown = 3 },
		func() { w.ticksLeft-- },
		func() { w.projs = append(w.projs, Projectile{ID: 1, Owner: 1}) },
	}
	for i, change := range changes {
		change()
		if h := w.Hash(); h == base {
			t.Errorf("change %d did not change the hash", i)
		} else {
			base = h
		}
	}
}

// TestGoldenHashes compares the hash after every tick of the scripted match
// with testdata/hashes.golden. Run it under js/wasm too (make wasm-test):
// equal hashes prove amd64 and wasm simulate identically. -update rewrites
// the file.
func TestGoldenHashes(t *testing.T) {
	hashes, events := scriptedMatch(t, 1, goldenTicks)
	// The script must exercise the rules it pins down.
	for _, k := range []EventKind{EventShot, EventHit, EventKill, EventRespawn} {
		if events[k] == 0 {
			t.Errorf("the scripted match has no %v events", k)
		}
	}
	var buf bytes.Buffer
	buf.WriteString("# tick hash: FNV-1a of the World after each tick of the scripted ffa match (TestGoldenHashes)\n")
	for i, h := range hashes {
		fmt.Fprintf(&buf, "%d %016x\n", i+1, h)
	}
	path := filepath.Join("testdata", "hashes.golden")
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%v)", path, events)
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./game/ -run TestGoldenHashes -update)", err)
	}
	got := bufio.NewScanner(&buf)
	exp := bufio.NewScanner(bytes.NewReader(want))
	for line := 1; ; line++ {
		g, e := got.Scan(), exp.Scan()
		if !g && !e {
			return
		}
		if g != e || got.Text() != exp.Text() {
			t.Fatalf("%s line %d: got %q, want %q", path, line, got.Text(), exp.Text())
		}
	}
}

func TestWireEnumValues(t *testing.T) {
	// These equal arena.v1.Button and arena.v1.GameEventKind.
	if ButtonUp != 1 || ButtonDown != 2 || ButtonLeft != 4 || ButtonRight != 8 || ButtonFire != 16 {
		t.Error("button values differ from the wire enum")
	}
	if EventShot != 1 || EventHit != 2 || EventKill != 3 || EventRespawn != 4 {
		t.Error("event kinds differ from the wire enum")
	}
	if PhaseCountdown != 1 || PhasePlaying != 2 || PhaseEnded != 3 || EndNone != 0 || EndScoreLimit != 1 || EndTimeLimit != 2 || EndAbandoned != 3 {
		t.Error("phase or end reason values changed")
	}
}

func TestHashIsFNV1a(t *testing.T) {
	h := uint64(fnvOffset64)
	h = hash32(h, 0xdeadbeef)
	h = hash16(h, 0x1234)
	h = hash8(h, 7)
	f := fnv.New64a()
	f.Write([]byte{0xef, 0xbe, 0xad, 0xde, 0x34, 0x12, 7})
	if h != f.Sum64() {
		t.Errorf("hash %016x, hash/fnv says %016x", h, f.Sum64())
	}
}
