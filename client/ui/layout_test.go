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
