package app

import (
	"image"
	"testing"
)

func TestCameraFitsTheDefaultArena(t *testing.T) {
	v, fits := Camera(2000, 2000, 100, 1900, 10, 10, 700, 700)
	if !fits || !near(v.Scale, 0.35) || !near(v.X0, 10) || !near(v.Y0, 10) {
		t.Fatalf("2000x2000 in 700x700: %+v fits %v; want the whole arena at 0.35", v, fits)
	}
}

func TestCameraFollowsInALargeArena(t *testing.T) {
	rect := image.Rect(10, 10, 710, 710)
	for _, tc := range []struct {
		name       string
		fx, fy     float64
		wantX, wSY float64 // where the ship lands on the screen
	}{
		{"middle: centred", 4000, 3000, 360, 360},
		{"top-left corner: the view stops at the edges", 100, 50, 10 + 100*MinArenaScale, 10 + 50*MinArenaScale},
		{"bottom-right corner", 7950, 5990, 710 - 50*MinArenaScale, 710 - 10*MinArenaScale},
	} {
		v, fits := Camera(8000, 6000, tc.fx, tc.fy, 10, 10, 700, 700)
		if fits || v.Scale != MinArenaScale {
			t.Fatalf("%s: %+v fits %v; want a camera at MinArenaScale", tc.name, v, fits)
		}
		if x, y := v.ToScreen(tc.fx, tc.fy); !near(x, tc.wantX) || !near(y, tc.wSY) {
			t.Errorf("%s: the ship is drawn at %.1f,%.1f; want %.1f,%.1f", tc.name, x, y, tc.wantX, tc.wSY)
		}
		// The view never shows past the arena's edges.
		if clip := ArenaClip(v, 8000, 6000, rect); clip != rect {
			t.Errorf("%s: the arena covers %v of the rectangle %v", tc.name, clip, rect)
		}
		x0, y0, x1, y1 := VisibleWorld(v, rect)
		if x0 < -1e-9 || y0 < -1e-9 || x1 > 8000+1e-9 || y1 > 6000+1e-9 {
			t.Errorf("%s: shows world %.0f,%.0f–%.0f,%.0f, past the arena", tc.name, x0, y0, x1, y1)
		}
	}
	// A long thin arena: followed along its length, centred across it.
	v, fits := Camera(20000, 1500, 10000, 700, 10, 10, 700, 700)
	if fits {
		t.Fatal("20000x1500 fits 700x700?")
	}
	if _, y0 := v.ToScreen(0, 0); !near(y0, 10+(700-1500*MinArenaScale)/2) {
		t.Errorf("thin arena's top at %v: want it centred", y0)
	}
	if clip := ArenaClip(v, 20000, 1500, image.Rect(10, 10, 710, 710)); clip.Dy() != 450 || clip.Dx() != 700 {
		t.Errorf("thin arena clip %v: want 700x450", clip)
	}
}
