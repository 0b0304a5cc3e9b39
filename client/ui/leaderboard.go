package ui

import (
	"fmt"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/inpututil"
	"github.com/hajimehoshi/ebiten/v2/text/v2"
	"github.com/hajimehoshi/ebiten/v2/vector"

	"github.com/arena-server/arena/client/app"
)

// leaderboardScreen shows the selected mode's top players, the player's own
// row highlighted, and their standing under the table. Left and right (or
// the arrow buttons) switch modes; Escape, L or Back returns to the menu.
type leaderboardScreen struct {
	g *Game
}

// The leaderboard's layout: the mode switch under the title, the table's
// header at boardTop and a row every boardRowH below it, the player's own
// line under the last row.
const (
	boardModeY  = 84
	boardTop    = 150
	boardRowH   = 23
	boardYouY   = boardTop + (app.LeaderboardSize+1)*boardRowH + 12
	colBoardNo  = 380
	colBoardWho = 450
	colBoardPts = 780
	colBoardMat = 900
	boardRight  = 1000
)

var (
	boardBackButton = button{label: "Back", x: 20, y: 20, w: 120, h: 36}
	prevModeButton  = button{label: "<", x: ScreenWidth/2 - 240, y: boardModeY, w: 44, h: 44}
	nextModeButton  = button{label: ">", x: ScreenWidth/2 + 196, y: boardModeY, w: 44, h: 44}
)

func (s *leaderboardScreen) Update() {
	a := s.g.app
	switch {
	case inpututil.IsKeyJustPressed(ebiten.KeyEscape) || inpututil.IsKeyJustPressed(ebiten.KeyL) || boardBackButton.clicked():
		a.CloseLeaderboard()
	case inpututil.IsKeyJustPressed(ebiten.KeyArrowLeft) || prevModeButton.clicked():
		a.MoveModeSelection(-1)
	case inpututil.IsKeyJustPressed(ebiten.KeyArrowRight) || nextModeButton.clicked():
		a.MoveModeSelection(+1)
	}
}

func (s *leaderboardScreen) Draw(dst *ebiten.Image) {
	a := s.g.app
	f := s.g.fonts
	v := a.Leaderboard()
	drawText(dst, "Leaderboard", f.large, ScreenWidth/2, 24, colAccent, text.AlignCenter)
	boardBackButton.draw(dst, f.small)
	if len(a.Modes()) > 1 {
		prevModeButton.draw(dst, f.large)
		nextModeButton.draw(dst, f.large)
	}
	drawText(dst, a.ModeLabel(v.Mode), f.large, ScreenWidth/2, boardModeY+4, colText, text.AlignCenter)

	header := []struct {
		s string
		x float64
	}{{"#", colBoardNo}, {"Name", colBoardWho}, {"Rating", colBoardPts}, {"Matches", colBoardMat}}
	for _, h := range header {
		drawText(dst, h.s, f.normal, h.x, boardTop, colDim, text.AlignStart)
	}
	y := float64(boardTop + boardRowH)
	for _, e := range v.Rows {
		clr := colText
		if e.PlayerID == a.PlayerID() {
			vector.FillRect(dst, colBoardNo-16, float32(y-2), boardRight-colBoardNo+32, boardRowH, colPanel, false)
			clr = colAccent
		}
		drawText(dst, fmt.Sprint(e.Rank), f.normal, colBoardNo, y, clr, text.AlignStart)
		drawText(dst, e.Name, f.normal, colBoardWho, y, clr, text.AlignStart)
		drawText(dst, fmt.Sprint(e.Rating), f.normal, colBoardPts, y, clr, text.AlignStart)
		drawText(dst, fmt.Sprint(e.Matches), f.normal, colBoardMat, y, clr, text.AlignStart)
		y += boardRowH
	}
	switch {
	case v.State == app.LadderFailed:
		drawText(dst, "Could not load the leaderboard: "+v.Error, f.normal, ScreenWidth/2, boardTop+boardRowH, colError, text.AlignCenter)
	case v.State == app.LadderLoading && len(v.Rows) == 0:
		drawText(dst, "Loading…", f.normal, ScreenWidth/2, boardTop+boardRowH, colDim, text.AlignCenter)
	case v.State == app.LadderLoaded && len(v.Rows) == 0:
		drawText(dst, "Nobody is ranked in this mode yet", f.normal, ScreenWidth/2, boardTop+boardRowH, colDim, text.AlignCenter)
	}
	drawText(dst, v.YouLine(), f.normal, ScreenWidth/2, boardYouY, colAccent, text.AlignCenter)
	drawText(dst, "Left/right or < > switch mode   ·   Escape, L or Back: menu", f.small, ScreenWidth/2, ScreenHeight-30, colDim, text.AlignCenter)
}
