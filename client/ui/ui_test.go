package ui

import (
	"testing"
	"time"

	"github.com/arena-server/arena/client/app"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

func TestNewHasEveryScreen(t *testing.T) {
	g, err := New(app.New(app.Config{}))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	for s := app.ScreenName; s <= app.ScreenReplay; s++ {
		if g.screens[s] == nil {
			t.Errorf("no screen for %v", s)
		}
	}
	if w, h := g.Layout(3000, 100); w != ScreenWidth || h != ScreenHeight {
		t.Errorf("Layout = %dx%d, want the fixed %dx%d", w, h, ScreenWidth, ScreenHeight)
	}
}

func TestClock(t *testing.T) {
	tests := map[time.Duration]string{
		0:                       "0:00",
		-time.Second:            "0:00",
		999 * time.Millisecond:  "0:00",
		7 * time.Second:         "0:07",
		5 * time.Minute:         "5:00",
		61*time.Second + 1:      "1:01",
		secondsToDuration(89.5): "1:29",
	}
	for d, want := range tests {
		if got := clock(d); got != want {
			t.Errorf("clock(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestTeamColor(t *testing.T) {
	if teamColor(1) == teamColor(2) {
		t.Error("teams 1 and 2 share a colour")
	}
	if teamColor(1) != teamColor(uint32(len(teamColors))+1) {
		t.Error("team colours do not wrap around")
	}
	if teamColor(0) != colDim {
		t.Error("no team is not dim")
	}
}

func TestReasonText(t *testing.T) {
	for r := range arenav1.MatchEndReason_name {
		if reasonText(arenav1.MatchEndReason(r)) == "" {
			t.Errorf("no text for reason %v", arenav1.MatchEndReason(r))
		}
	}
}

func TestModeGrid(t *testing.T) {
	for n := 1; n <= 20; n++ {
		buttons, cols, bottom := modeGrid(n)
		if len(buttons) != n {
			t.Fatalf("%d modes: %d buttons", n, len(buttons))
		}
		if n <= modeColumns*modeMaxRows && cols != min(n, modeColumns) {
			t.Errorf("%d modes: %d columns", n, cols)
		}
		for i, b := range buttons {
			if b.x < 0 || b.x+b.w > ScreenWidth || b.y < modeTop || b.y+b.h > bottom {
				t.Errorf("%d modes: button %d at %+v is off the grid (bottom %v)", n, i, b, bottom)
			}
			for _, o := range buttons[:i] {
				if b.x < o.x+o.w && o.x < b.x+b.w && b.y < o.y+o.h && o.y < b.y+b.h {
					t.Errorf("%d modes: buttons %+v and %+v overlap", n, b, o)
				}
			}
		}
		// The queue button and its hints stay above the lobby chat.
		if q := queueButton("", bottom); q.y+q.h+50 > lobbyChat.y-10 {
			t.Errorf("%d modes: the queue button (%v..%v) runs into the lobby chat", n, q.y, q.y+q.h)
		}
	}
}
