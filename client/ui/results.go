package ui

import (
	"fmt"
	"strings"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/inpututil"
	"github.com/hajimehoshi/ebiten/v2/text/v2"
	"github.com/hajimehoshi/ebiten/v2/vector"

	"github.com/arena-server/arena/client/app"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

// resultsScreen shows the table of the match that ended, with back to menu
// (Enter) and its replay (R).
type resultsScreen struct {
	g *Game
}

var (
	backButton  = button{label: "Back to menu", x: ScreenWidth/2 - 250, y: 600, w: 240, h: 50}
	watchButton = button{label: "Watch replay", x: ScreenWidth/2 + 10, y: 600, w: 240, h: 50}
)

func (s *resultsScreen) Update() {
	switch {
	case enterPressed() || backButton.clicked():
		s.g.app.BackToMenu()
	case inpututil.IsKeyJustPressed(ebiten.KeyR) || watchButton.clicked():
		s.g.app.WatchReplay()
	}
}

// Column positions of the results table.
const (
	colPlace  = 300
	colName   = 360
	colKills  = 700
	colDeaths = 790
	colRating = 900
	colDelta  = 1000
)

func (s *resultsScreen) Draw(dst *ebiten.Image) {
	f := s.g.fonts
	r := s.g.app.Results()
	drawText(dst, "Match over", f.large, ScreenWidth/2, 60, colAccent, text.AlignCenter)
	if r == nil {
		backButton.draw(dst, f.normal)
		return
	}
	drawText(dst, reasonText(r.Reason), f.normal, ScreenWidth/2, 110, colDim, text.AlignCenter)
	y := 170.0
	header := []struct {
		s string
		x float64
	}{{"#", colPlace}, {"Name", colName}, {"Kills", colKills}, {"Deaths", colDeaths}, {"Rating", colRating}, {"Change", colDelta}}
	for _, h := range header {
		drawText(dst, h.s, f.normal, h.x, y, colDim, text.AlignStart)
	}
	y += 40
	for _, row := range r.Rows {
		s.drawRow(dst, r, row, y)
		y += 40
	}
	backButton.draw(dst, f.normal)
	watchButton.draw(dst, f.normal)
	drawText(dst, "Enter: menu   ·   R: watch the replay", f.small, ScreenWidth/2, 660, colDim, text.AlignCenter)
}

func (s *resultsScreen) drawRow(dst *ebiten.Image, r *app.Results, row *arenav1.PlayerResult, y float64) {
	f := s.g.fonts
	if row.GetPlayerId() == r.You {
		vector.FillRect(dst, colPlace-16, float32(y-6), colDelta+120-colPlace+16, 36, colPanel, false)
	}
	name := row.GetName()
	if row.GetLeft() {
		name += " (left)"
	}
	drawText(dst, fmt.Sprint(row.GetPlacement()), f.normal, colPlace, y, colText, text.AlignStart)
	drawText(dst, name, f.normal, colName, y, teamColor(row.GetTeam()), text.AlignStart)
	drawText(dst, fmt.Sprint(row.GetKills()), f.normal, colKills, y, colText, text.AlignStart)
	drawText(dst, fmt.Sprint(row.GetDeaths()), f.normal, colDeaths, y, colText, text.AlignStart)
	if left := row.GetPlacementMatchesLeft(); left > 0 {
		// No rating yet: the placement matches played, across both columns.
		drawText(dst, s.g.app.PlacementProgress(left), f.normal, colRating, y, colDim, text.AlignStart)
		return
	}
	drawText(dst, fmt.Sprint(row.GetRating()), f.normal, colRating, y, colText, text.AlignStart)
	d := row.GetRatingChange()
	clr := colDim
	switch {
	case d > 0:
		clr = colGood
	case d < 0:
		clr = colError
	}
	drawText(dst, fmt.Sprintf("%+d", d), f.normal, colDelta, y, clr, text.AlignStart)
}

// reasonText says why a match ended, for people.
func reasonText(r arenav1.MatchEndReason) string {
	switch r {
	case arenav1.MatchEndReason_MATCH_END_REASON_SCORE_LIMIT:
		return "Score limit reached"
	case arenav1.MatchEndReason_MATCH_END_REASON_TIME_LIMIT:
		return "Time is up"
	case arenav1.MatchEndReason_MATCH_END_REASON_ABANDONED:
		return "The other side left"
	case arenav1.MatchEndReason_MATCH_END_REASON_ABORTED:
		return "The match was stopped"
	default:
		return strings.ToLower(r.String())
	}
}
