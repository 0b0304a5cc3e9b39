package ui

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"slices"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/inpututil"
	"github.com/hajimehoshi/ebiten/v2/text/v2"
	"github.com/hajimehoshi/ebiten/v2/vector"

	"github.com/arena-server/arena/client/app"
	"github.com/arena-server/arena/game"
	"github.com/arena-server/arena/netcode"
)

// The arena's rectangle on the logical screen, and the side panel's.
const (
	arenaX, arenaY, arenaW, arenaH = 10, 10, 700, 700
	panelX, panelW                 = 730, ScreenWidth - 730 - 10
)

// matchScreen draws the arena and HUD, and turns keys and mouse into
// controls; Enter opens the chat line, Enter sends it, Escape cancels it.
// A spectator has no controls: the number keys (or Tab) follow a player
// with the camera, 0 frees it, and Escape stops watching.
type matchScreen struct {
	g   *Game
	aim uint32 // the last aim, kept while the cursor sits on the ship
}

func (s *matchScreen) Update() {
	a := s.g.app
	if a.Spectating() {
		s.spectatorKeys()
		return
	}
	chatKeys(a, enterPressed())
	a.SetControls(s.controls())
}

// spectatorKeys reads a spectator's keys: chat, follow, stop watching.
func (s *matchScreen) spectatorKeys() {
	a := s.g.app
	if chatKeys(a, enterPressed()) {
		return
	}
	switch {
	case inpututil.IsKeyJustPressed(ebiten.KeyEscape):
		a.StopSpectating()
		return
	case inpututil.IsKeyJustPressed(ebiten.KeyTab):
		a.FollowNextPlayer()
	}
	for n, k := range followKeys {
		if inpututil.IsKeyJustPressed(k) {
			a.FollowPlayer(n)
		}
	}
}

// controls reads movement, fire and aim; movement and fire are off while
// the chat line is open.
func (s *matchScreen) controls() app.Controls {
	m := s.g.app.Match()
	if _, ok := m.Own(); ok {
		cx, cy := ebiten.CursorPosition()
		v, _ := matchView(m)
		wx, wy := v.ToWorld(float64(cx), float64(cy))
		sx, sy := m.OwnPos()
		if wx != sx || wy != sy {
			s.aim = app.AimAt(wx-sx, wy-sy)
		}
	}
	c := app.Controls{Aim: s.aim}
	if s.g.app.ChatOpen() {
		return c
	}
	held := func(keys ...ebiten.Key) bool {
		for _, k := range keys {
			if ebiten.IsKeyPressed(k) {
				return true
			}
		}
		return false
	}
	if held(ebiten.KeyW, ebiten.KeyArrowUp) {
		c.Buttons |= app.ButtonUp
	}
	if held(ebiten.KeyS, ebiten.KeyArrowDown) {
		c.Buttons |= app.ButtonDown
	}
	if held(ebiten.KeyA, ebiten.KeyArrowLeft) {
		c.Buttons |= app.ButtonLeft
	}
	if held(ebiten.KeyD, ebiten.KeyArrowRight) {
		c.Buttons |= app.ButtonRight
	}
	if held(ebiten.KeySpace) || ebiten.IsMouseButtonPressed(ebiten.MouseButtonLeft) {
		c.Buttons |= app.ButtonFire
	}
	return c
}

func (s *matchScreen) drawBackdrop(dst *ebiten.Image) { drawArenaBackdrop(dst) }

// drawArenaBackdrop fills the screen round the arena's rectangle and the
// side panel's: the match and the replay screens fill those themselves.
func drawArenaBackdrop(dst *ebiten.Image) {
	for _, r := range backdropRects() {
		vector.FillRect(dst, float32(r.Min.X), float32(r.Min.Y), float32(r.Dx()), float32(r.Dy()), colBackground, false)
	}
}

// backdropRects are the parts of the screen outside the arena's rectangle
// and the panel's.
func backdropRects() []image.Rectangle {
	return []image.Rectangle{
		image.Rect(0, 0, ScreenWidth, arenaY),                         // above
		image.Rect(0, arenaY+arenaH, ScreenWidth, ScreenHeight),       // below
		image.Rect(0, arenaY, arenaX, arenaY+arenaH),                  // left
		image.Rect(arenaX+arenaW, arenaY, panelX, arenaY+arenaH),      // between
		image.Rect(panelX+panelW, arenaY, ScreenWidth, arenaY+arenaH), // right
	}
}

func (s *matchScreen) Draw(dst *ebiten.Image) {
	m := s.g.app.Match()
	f := s.g.fonts
	vector.FillRect(dst, panelX, arenaY, panelW, arenaH, colPanel, false)
	if !m.Started() {
		vector.FillRect(dst, arenaX, arenaY, arenaW, arenaH, colBackground, false)
		drawText(dst, "Match found — joining…", f.large, arenaX+arenaW/2, arenaY+arenaH/2-20, colText, text.AlignCenter)
		return
	}
	v, fits := matchView(m)
	rect := image.Rect(arenaX, arenaY, arenaX+arenaW, arenaY+arenaH)
	clip := dst.SubImage(rect).(*ebiten.Image)
	s.g.drawArena(clip, v, m.Map())
	w, h := arenaSize(m.Map())
	// Ships, shots, labels and health bars are drawn clipped to the arena's
	// floor: nothing shows outside the arena.
	clip = dst.SubImage(app.ArenaClip(v, w, h, rect)).(*ebiten.Image)
	s.g.drawProjectiles(clip, v, m.Projectiles())
	s.g.drawShips(clip, v, m.Ships(), func(sh app.DrawShip) string {
		if sh.ID == m.OwnID() {
			return "you"
		}
		return m.Name(sh.ID)
	})
	if !fits {
		s.g.drawMinimap(dst, v, m.Map(), m.Ships())
	}
	s.drawPhase(dst, m)
	s.drawHUD(dst, m)
}

// matchView is the match's viewport: a spectator's camera (the whole arena,
// or zoomed on the followed ship), or the player's (see app.Camera); fits
// is false when the player's arena is too large for the screen and the
// camera follows their ship.
func matchView(m *app.Match) (v app.Viewport, fits bool) {
	if m.Spectator() {
		x, y, follow := m.FollowedPos()
		return cameraView(m.Map(), x, y, follow), true
	}
	w, h := arenaSize(m.Map())
	x, y := m.OwnPos()
	return app.Camera(w, h, x, y, arenaX, arenaY, arenaW, arenaH)
}

// drawPhase overlays the countdown or the waiting message.
func (s *matchScreen) drawPhase(dst *ebiten.Image, m *app.Match) {
	f := s.g.fonts
	cx, cy := float64(arenaX+arenaW/2), float64(arenaY+arenaH/2)
	switch m.Phase() {
	case 0:
		drawText(dst, "Waiting for players…", f.large, cx, cy-20, colText, text.AlignCenter)
	case game.PhaseCountdown:
		n := int(math.Ceil(m.SecondsLeft()))
		drawText(dst, fmt.Sprint(max(n, 1)), f.title, cx, cy-50, colAccent, text.AlignCenter)
		drawText(dst, "Get ready", f.normal, cx, cy+40, colText, text.AlignCenter)
	case game.PhaseEnded:
		drawText(dst, "Match over", f.large, cx, cy-20, colAccent, text.AlignCenter)
	}
}

func (s *matchScreen) drawHUD(dst *ebiten.Image, m *app.Match) {
	f := s.g.fonts
	a := s.g.app
	x := float64(panelX + 16)
	right := float64(panelX + panelW - 16)
	y := float64(arenaY + 12)
	drawText(dst, fmt.Sprintf("%s · first to %d", a.ModeLabel(m.Mode), m.Start.GetScoreLimit()), f.normal, x, y, colDim, text.AlignStart)
	ping := "ping –"
	if rtt, ok := a.Ping(); ok {
		ping = fmt.Sprintf("ping %d ms", rtt.Milliseconds())
	}
	drawText(dst, ping, f.normal, right, y, colDim, text.AlignEnd)
	y += 32
	left := m.SecondsLeft()
	if m.Phase() == game.PhaseCountdown {
		left = float64(m.Start.GetTimeLimitTicks()) / float64(max(m.Start.GetTickRate(), 1))
	}
	drawText(dst, "Time "+clock(secondsToDuration(left)), f.large, x, y, colText, text.AlignStart)
	if team := m.OwnTeam(); team > 0 && m.TeamPlay() {
		drawText(dst, fmt.Sprintf("Your team: %d", team), f.normal, right, y+8, teamColor(team), text.AlignEnd)
	}
	if m.Spectator() {
		drawText(dst, fmt.Sprintf("watching, %.1f s behind", m.Delay().Seconds()), f.normal, right, y+8, colAccent, text.AlignEnd)
	}
	y += 56

	// Scoreboard: the leaders, and the player's own row if it is further down.
	drawText(dst, "Player", f.small, x, y, colDim, text.AlignStart)
	drawText(dst, "K", f.small, right-60, y, colDim, text.AlignEnd)
	drawText(dst, "D", f.small, right, y, colDim, text.AlignEnd)
	y += 24
	marked := m.OwnID()
	if m.Spectator() {
		marked = m.Follow()
	}
	for _, sh := range topRows(m.Scoreboard(), game.ShipID(marked), scoreRows) {
		if marked != 0 && uint32(sh.ID) == marked {
			vector.FillRect(dst, float32(x-6), float32(y-3), float32(right-x+12), 26, colButton, false)
		}
		drawText(dst, m.Name(uint32(sh.ID)), f.normal, x, y, teamColor(uint32(sh.Team)), text.AlignStart)
		drawText(dst, fmt.Sprint(sh.Kills), f.normal, right-60, y, colText, text.AlignEnd)
		drawText(dst, fmt.Sprint(sh.Deaths), f.normal, right, y, colText, text.AlignEnd)
		y += 28
	}
	y += 12
	for _, l := range a.Feed() {
		if y > matchChat.y-24 {
			break
		}
		drawText(dst, l.Text, f.small, x, y, colAccent, text.AlignStart)
		y += 20
	}
	hint := "Enter: chat"
	if m.Spectator() {
		hint = "Enter: spectators' chat · 1–9/Tab follow · 0 free camera · Esc stop watching"
	}
	s.g.drawChat(dst, matchChat, hint)
}

// scoreRows is how many scoreboard rows the panel has room for.
const scoreRows = 8

// topRows returns the first n rows of a scoreboard, the last of them
// replaced by the own ship's row when that is further down.
func topRows(rows []netcode.ShipState, own game.ShipID, n int) []netcode.ShipState {
	if len(rows) <= n {
		return rows
	}
	top := rows[:n]
	for _, r := range top {
		if r.ID == own {
			return top
		}
	}
	for _, r := range rows[n:] {
		if r.ID == own {
			return append(slices.Clone(rows[:n-1]), r)
		}
	}
	return top
}

// matchChat is where the match screen shows the chat: the panel's foot.
var matchChat = chatBox{x: panelX + 16, y: arenaY + arenaH - 262, w: panelW - 32, h: 250}

// lighten mixes c halfway to white.
func lighten(c color.RGBA) color.RGBA {
	return color.RGBA{c.R/2 + 0x80, c.G/2 + 0x80, c.B/2 + 0x80, c.A}
}

// fade makes c mostly transparent (premultiplied).
func fade(c color.RGBA) color.RGBA {
	return color.RGBA{c.R / 3, c.G / 3, c.B / 3, c.A / 3}
}
