package ui

import (
	"fmt"
	"strings"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/inpututil"
	"github.com/hajimehoshi/ebiten/v2/text/v2"
	"github.com/hajimehoshi/ebiten/v2/vector"

	"github.com/arena-server/arena/client/app"
	"github.com/arena-server/arena/netcode/transport"
)

// watchScreen lists the running matches and the player's own finished
// ones, read again every few seconds. Up and Down (or a click) select a
// row; Enter (or a click on the selected row) watches the selected live
// match or replays the selected finished one, R replays it; Escape or Back
// returns to the menu.
type watchScreen struct {
	g *Game
}

// The Watch screen's layout: one row per match from watchTop.
const (
	watchLeft = 140
	watchW    = ScreenWidth - 2*watchLeft
	watchTop  = 130
	watchRowH = 34
	watchGap  = 50 // between the live list and the finished one, for its heading
)

var watchBackButton = button{label: "Back", x: 20, y: 20, w: 120, h: 36}

// watchRows lays out a row for each match of w: the live ones, then under
// a heading the finished ones; finishedTop is that heading's y.
func watchRows(w app.WatchList) (rows []button, finishedTop float64) {
	y := float64(watchTop)
	for range w.Live {
		rows = append(rows, button{x: watchLeft, y: y, w: watchW, h: watchRowH - 4})
		y += watchRowH
	}
	if len(w.Live) == 0 {
		y += watchRowH // room for "no match running"
	}
	finishedTop = y + watchGap/2
	y += watchGap
	for range w.Finished {
		if y > ScreenHeight-60 {
			break
		}
		rows = append(rows, button{x: watchLeft, y: y, w: watchW, h: watchRowH - 4})
		y += watchRowH
	}
	return rows, finishedTop
}

func (s *watchScreen) Update() {
	a := s.g.app
	switch {
	case inpututil.IsKeyJustPressed(ebiten.KeyEscape) || watchBackButton.clicked():
		a.CloseWatch()
		return
	case inpututil.IsKeyJustPressed(ebiten.KeyArrowUp):
		a.MoveWatchSelection(-1)
	case inpututil.IsKeyJustPressed(ebiten.KeyArrowDown):
		a.MoveWatchSelection(+1)
	case enterPressed():
		a.WatchSelected()
	case inpututil.IsKeyJustPressed(ebiten.KeyR):
		a.ReplaySelected()
	}
	rows, _ := watchRows(a.WatchList())
	for i, b := range rows {
		if b.clicked() {
			if a.WatchList().Selected == i {
				a.WatchSelected()
			} else {
				a.SelectWatch(i)
			}
		}
	}
}

func (s *watchScreen) Draw(dst *ebiten.Image) {
	a := s.g.app
	f := s.g.fonts
	w := a.WatchList()
	drawText(dst, "Watch", f.large, ScreenWidth/2, 30, colAccent, text.AlignCenter)
	watchBackButton.draw(dst, f.small)
	status := "Live matches"
	switch {
	case w.Error != "":
		status = "Live matches — could not read them: " + w.Error
	case w.Joining != "":
		status = "Live matches — joining as a spectator…"
	case !w.Loaded:
		status = "Live matches — loading…"
	}
	drawText(dst, status, f.normal, watchLeft, watchTop-36, colDim, text.AlignStart)
	rows, finishedTop := watchRows(w)
	if w.Loaded && len(w.Live) == 0 {
		drawText(dst, "No match is running.", f.normal, watchLeft, watchTop, colDim, text.AlignStart)
	}
	drawText(dst, "Your recent matches", f.normal, watchLeft, finishedTop, colDim, text.AlignStart)
	for i, b := range rows {
		var line, right string
		if i < len(w.Live) {
			m := w.Live[i]
			names := make([]string, 0, len(m.Players))
			for _, p := range m.Players {
				names = append(names, p.Name)
			}
			line = a.ModeLabel(m.Mode) + " · " + strings.Join(names, ", ")
			right = clock(secondsToDuration(m.ElapsedS))
		} else {
			m := w.Finished[i-len(w.Live)]
			line = a.ModeLabel(m.Mode) + " · " + finishedLine(m.Players, a.PlayerID())
			right = m.End.Local().Format("Jan 2 15:04")
		}
		bg := colPanel
		if i == w.Selected {
			bg = colButtonHot
		} else if b.hovered() {
			bg = colButton
		}
		vector.FillRect(dst, float32(b.x), float32(b.y), float32(b.w), float32(b.h), bg, false)
		drawText(dst, line, f.normal, b.x+12, b.y+4, colText, text.AlignStart)
		drawText(dst, right, f.normal, b.x+b.w-12, b.y+4, colDim, text.AlignEnd)
	}
	drawText(dst, "Up/Down or click select · Enter or click again: watch live / replay · R replay · Escape back",
		f.small, ScreenWidth/2, ScreenHeight-34, colDim, text.AlignCenter)
}

// finishedLine names a finished match's players with their kills, the
// player's own placement first.
func finishedLine(players []transport.MatchPlayer, you string) string {
	var own string
	names := make([]string, 0, len(players))
	for _, p := range players {
		names = append(names, fmt.Sprintf("%s %d/%d", p.Name, p.Kills, p.Deaths))
		if p.PlayerID == you {
			own = fmt.Sprintf("#%d · ", p.Placement)
		}
	}
	return own + strings.Join(names, ", ")
}
