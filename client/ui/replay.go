package ui

import (
	"fmt"
	"image"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/inpututil"
	"github.com/hajimehoshi/ebiten/v2/text/v2"
	"github.com/hajimehoshi/ebiten/v2/vector"

	"github.com/arena-server/arena/client/app"
)

// replayScreen plays a finished match's replay: the arena as the match
// screen draws it, and a panel with the timeline and the scoreboard. Space
// plays or pauses, + and - change the speed, Left and Right seek 5 s, the
// number keys (or Tab) follow a player, 0 frees the camera, Escape or Back
// returns to the menu.
type replayScreen struct {
	g *Game
}

// The panel's layout: the timeline bar, and the scoreboard under it.
const (
	timelineY = arenaY + 110
	timelineH = 10
	scoresTop = timelineY + 60
)

var replayBackButton = button{label: "Back", x: panelX + panelW - 136, y: arenaY + 12, w: 120, h: 36}

// followKeys are the keys that follow the n-th player, 0 the free camera.
var followKeys = [...]ebiten.Key{
	ebiten.KeyDigit0, ebiten.KeyDigit1, ebiten.KeyDigit2, ebiten.KeyDigit3, ebiten.KeyDigit4,
	ebiten.KeyDigit5, ebiten.KeyDigit6, ebiten.KeyDigit7, ebiten.KeyDigit8, ebiten.KeyDigit9,
}

func (s *replayScreen) Update() {
	a := s.g.app
	pressed := func(keys ...ebiten.Key) bool {
		for _, k := range keys {
			if inpututil.IsKeyJustPressed(k) {
				return true
			}
		}
		return false
	}
	switch {
	case pressed(ebiten.KeyEscape) || replayBackButton.clicked():
		a.CloseReplay()
		return
	case pressed(ebiten.KeySpace):
		a.ToggleReplay()
	case pressed(ebiten.KeyEqual, ebiten.KeyNumpadAdd):
		a.ChangeReplaySpeed(+1)
	case pressed(ebiten.KeyMinus, ebiten.KeyNumpadSubtract):
		a.ChangeReplaySpeed(-1)
	case pressed(ebiten.KeyArrowLeft):
		a.SeekReplay(-app.ReplaySeek)
	case pressed(ebiten.KeyArrowRight):
		a.SeekReplay(app.ReplaySeek)
	case pressed(ebiten.KeyTab):
		a.FollowNextReplay()
	}
	for n, k := range followKeys {
		if inpututil.IsKeyJustPressed(k) {
			a.FollowReplay(n)
		}
	}
}

func (s *replayScreen) Draw(dst *ebiten.Image) {
	r := s.g.app.Replay()
	f := s.g.fonts
	vector.FillRect(dst, panelX, arenaY, panelW, arenaH, colPanel, false)
	replayBackButton.draw(dst, f.small)
	if r == nil {
		return
	}
	s.drawArena(dst, r)
	s.drawPanel(dst, r)
}

// drawArena draws the replay's arena, ships and projectiles, clipped to the
// arena's rectangle: the whole map, or closer round the followed ship.
func (s *replayScreen) drawArena(dst *ebiten.Image, r *app.Replay) {
	f := s.g.fonts
	cx, cy := float64(arenaX+arenaW/2), float64(arenaY+arenaH/2)
	switch {
	case r.Loading():
		drawText(dst, "Loading the replay…", f.large, cx, cy-20, colText, text.AlignCenter)
		return
	case r.Tick() == 0 && r.Error() != "":
		drawText(dst, r.Error(), f.large, cx, cy-20, colError, text.AlignCenter)
		return
	}
	rect := image.Rect(arenaX, arenaY, arenaX+arenaW, arenaY+arenaH)
	clip := dst.SubImage(rect).(*ebiten.Image)
	x, y, follow := r.FollowedPos()
	v := cameraView(r.Map(), x, y, follow)
	s.g.drawArena(clip, v, r.Map())
	w, h := arenaSize(r.Map())
	clip = dst.SubImage(app.ArenaClip(v, w, h, rect)).(*ebiten.Image) // nothing outside the arena
	s.g.drawProjectiles(clip, v, r.Projectiles())
	s.g.drawShips(clip, v, r.Ships(), func(sh app.DrawShip) string { return r.Name(sh.ID) })
	if r.Error() != "" {
		drawText(dst, r.Error(), f.large, cx, cy-20, colError, text.AlignCenter)
	}
}

// drawPanel draws the state of play, the timeline and the scoreboard.
func (s *replayScreen) drawPanel(dst *ebiten.Image, r *app.Replay) {
	f := s.g.fonts
	a := s.g.app
	x := float64(panelX + 16)
	right := float64(panelX + panelW - 16)
	y := float64(arenaY + 12)
	drawText(dst, "Replay", f.large, x, y, colAccent, text.AlignStart)
	if r.Mode() != "" {
		drawText(dst, a.ModeLabel(r.Mode()), f.normal, x+130, y+8, colDim, text.AlignStart)
	}
	y += 56
	state := "Paused"
	switch {
	case r.Loading():
		state = "Loading…"
	case r.Error() != "":
		state = "Stopped"
	case r.Seeking():
		state = "Seeking…"
	case r.Ended():
		state = "The end"
	case r.Playing():
		state = "Playing"
	}
	drawText(dst, fmt.Sprintf("%s   ×%g", state, r.Speed()), f.normal, x, y, colText, text.AlignStart)
	total := "–:––"
	if r.TotalTicks() > 0 {
		total = clock(r.Total())
	}
	drawText(dst, clock(r.Elapsed())+" / "+total, f.normal, right, y, colText, text.AlignEnd)

	// The timeline: played so far, of the whole once measured.
	w := float32(right - x)
	vector.FillRect(dst, float32(x), timelineY, w, timelineH, colGrid, false)
	if n := r.TotalTicks(); n > 0 {
		vector.FillRect(dst, float32(x), timelineY, w*float32(min(r.Tick(), n))/float32(n), timelineH, colAccent, false)
	}

	y = scoresTop
	drawText(dst, "Player", f.small, x, y, colDim, text.AlignStart)
	drawText(dst, "K", f.small, right-60, y, colDim, text.AlignEnd)
	drawText(dst, "D", f.small, right, y, colDim, text.AlignEnd)
	y += 24
	for _, sc := range r.Scores() {
		if y > ScreenHeight-150 {
			break
		}
		if sc.Ship == r.Follow() {
			vector.FillRect(dst, float32(x-6), float32(y-3), float32(right-x+12), 26, colButton, false)
		}
		name := fmt.Sprintf("%d  %s", sc.N, sc.Name)
		if sc.Left {
			name += " (left)"
		}
		drawText(dst, name, f.normal, x, y, teamColor(uint32(sc.Team)), text.AlignStart)
		drawText(dst, fmt.Sprint(sc.Kills), f.normal, right-60, y, colText, text.AlignEnd)
		drawText(dst, fmt.Sprint(sc.Deaths), f.normal, right, y, colText, text.AlignEnd)
		y += 28
	}

	help := []string{
		"Space: play / pause   ·   + −: speed",
		"← →: 5 s back / on",
		"1–9: follow a player   ·   Tab: next   ·   0: free camera",
		"Escape: menu",
	}
	hy := float64(arenaY + arenaH - 24*len(help))
	for _, l := range help {
		drawText(dst, l, f.small, x, hy, colDim, text.AlignStart)
		hy += 24
	}
}
