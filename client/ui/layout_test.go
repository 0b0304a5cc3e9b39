package ui

import (
	"image"
	"strings"
	"testing"

	"github.com/arena-server/arena/client/app"
)

// The banners (error notice, reconnecting) never hide the match's clock or
// scores, nor each other, whatever the length of their text, and stay on
// the screen.
func TestBannersKeepOffTheHUD(t *testing.T) {
	screen := image.Rect(0, 0, ScreenWidth, ScreenHeight)
	for _, scr := range []app.Screen{app.ScreenMatch, app.ScreenReplay, app.ScreenMenu} {
		for _, w := range []float64{0, 50, 300, 660, 700, 1240, 5000} {
			notice, reconnect := bannerRect(scr, 0, w), bannerRect(scr, 1, w)
			if notice.Overlaps(reconnect) {
				t.Errorf("%v, text %v wide: notice %v overlaps the reconnect banner %v", scr, w, notice, reconnect)
			}
			for _, b := range []image.Rectangle{notice, reconnect} {
				if !b.In(screen) || b.Dx() < 2*bannerPad {
					t.Errorf("%v, text %v wide: banner %v off the screen or too narrow", scr, w, b)
				}
				if scr == app.ScreenMenu {
					continue
				}
				for _, h := range hudRects {
					if b.Overlaps(h) {
						t.Errorf("%v, text %v wide: banner %v hides the HUD's %v", scr, w, b, h)
					}
				}
			}
		}
	}
}

func TestHeadFit(t *testing.T) {
	measure := func(s string) float64 { return float64(len([]rune(s))) * 10 }
	if got := headFit("short", 100, measure); got != "short" {
		t.Errorf("headFit kept %q", got)
	}
	long := strings.Repeat("x", 50)
	if got := headFit(long, 100, measure); measure(got) > 100 || !strings.HasSuffix(got, "…") || !strings.HasPrefix(got, "xxx") {
		t.Errorf("headFit(50 runes, 10 wide) = %q", got)
	}
}

// The backdrop round the arena and the panel, with them, covers the whole
// screen once.
func TestBackdropTilesTheScreen(t *testing.T) {
	rects := append(backdropRects(),
		image.Rect(arenaX, arenaY, arenaX+arenaW, arenaY+arenaH),
		image.Rect(panelX, arenaY, panelX+panelW, arenaY+arenaH))
	area := 0
	for i, r := range rects {
		area += r.Dx() * r.Dy()
		for _, o := range rects[i+1:] {
			if r.Overlaps(o) {
				t.Errorf("%v overlaps %v", r, o)
			}
		}
	}
	if area != ScreenWidth*ScreenHeight {
		t.Errorf("the rectangles cover %d pixels, want the screen's %d", area, ScreenWidth*ScreenHeight)
	}
}

// Labels and health bars near the arena's edge are moved inside it.
func TestKeepInside(t *testing.T) {
	b := image.Rect(10, 10, 710, 710)
	for _, tc := range []struct{ x, y, w, h, wantX, wantY float64 }{
		{100, 100, 40, 18, 100, 100}, // inside: unmoved
		{-5, 100, 40, 18, 10, 100},   // past the left edge
		{690, 700, 40, 18, 670, 692}, // past the right and the bottom edges
		{300, 0, 30, 4, 300, 10},     // a health bar above the top
		{0, 0, 900, 18, 10, 10},      // wider than the arena: its left edge
	} {
		x, y := keepInside(tc.x, tc.y, tc.w, tc.h, b)
		if x != tc.wantX || y != tc.wantY {
			t.Errorf("keepInside(%v,%v,%v,%v) = %v,%v; want %v,%v", tc.x, tc.y, tc.w, tc.h, x, y, tc.wantX, tc.wantY)
		}
	}
}

// The minimap lies inside the arena rectangle, off the HUD.
func TestMinimapInsideTheArena(t *testing.T) {
	arena := image.Rect(arenaX, arenaY, arenaX+arenaW, arenaY+arenaH)
	for _, size := range [][2]float64{{8000, 8000}, {20000, 1500}, {1500, 20000}} {
		r, _ := minimapRect(size[0], size[1])
		if !r.In(arena) || r.Empty() {
			t.Errorf("minimap of %v: %v, not inside the arena %v", size, r, arena)
		}
		for _, n := range []int{0, 1} {
			if r.Overlaps(bannerRect(app.ScreenMatch, n, 2000)) {
				t.Errorf("minimap %v under banner %d", r, n)
			}
		}
	}
}
