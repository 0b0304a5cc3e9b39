package ui

import (
	"image"
	"image/color"
	"math"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/inpututil"
	"github.com/hajimehoshi/ebiten/v2/text/v2"
	"github.com/hajimehoshi/ebiten/v2/vector"

	"github.com/arena-server/arena/client/app"
)

// The palette.
var (
	colBackground = color.RGBA{0x10, 0x14, 0x1c, 0xff}
	colPanel      = color.RGBA{0x1a, 0x20, 0x2c, 0xff}
	colArena      = color.RGBA{0x16, 0x1c, 0x26, 0xff}
	colGrid       = color.RGBA{0x22, 0x2a, 0x38, 0xff}
	colWall       = color.RGBA{0x5a, 0x64, 0x78, 0xff}
	colText       = color.RGBA{0xe8, 0xec, 0xf2, 0xff}
	colDim        = color.RGBA{0x8a, 0x94, 0xa6, 0xff}
	colAccent     = color.RGBA{0xff, 0xd2, 0x3f, 0xff}
	colError      = color.RGBA{0xff, 0x5a, 0x5a, 0xff}
	colGood       = color.RGBA{0x5a, 0xe0, 0x7a, 0xff}
	colButton     = color.RGBA{0x2c, 0x3a, 0x52, 0xff}
	colButtonHot  = color.RGBA{0x3d, 0x52, 0x74, 0xff}
	colOwn        = color.RGBA{0xff, 0xff, 0xff, 0xff}
	colSystem     = color.RGBA{0xc8, 0xb4, 0x82, 0xff}
)

// teamColors colour ships by team (team 1 first); more teams wrap around.
var teamColors = []color.RGBA{
	{0x4a, 0x9e, 0xff, 0xff}, // blue
	{0xff, 0x6a, 0x4a, 0xff}, // red
	{0x5a, 0xe0, 0x7a, 0xff}, // green
	{0xd0, 0x7a, 0xff, 0xff}, // violet
	{0xff, 0xc0, 0x3a, 0xff}, // amber
	{0x3a, 0xe0, 0xe0, 0xff}, // cyan
	{0xff, 0x7a, 0xc8, 0xff}, // pink
	{0xb0, 0xb8, 0xc8, 0xff}, // grey
}

// teamColor is the colour of a team (numbered from 1).
func teamColor(team uint32) color.RGBA {
	if team == 0 {
		return colDim
	}
	return teamColors[(team-1)%uint32(len(teamColors))]
}

// drawText draws s with its top at y; align says whether x is its left,
// centre or right.
func drawText(dst *ebiten.Image, s string, face text.Face, x, y float64, clr color.Color, align text.Align) {
	op := &text.DrawOptions{}
	op.PrimaryAlign = align
	op.GeoM.Translate(x, y)
	op.ColorScale.ScaleWithColor(clr)
	text.Draw(dst, s, face, op)
}

// button is a clickable labelled rectangle in logical coordinates.
type button struct {
	label      string
	x, y, w, h float64
}

// hovered reports whether the cursor is over the button.
func (b button) hovered() bool {
	cx, cy := ebiten.CursorPosition()
	x, y := float64(cx), float64(cy)
	return x >= b.x && x < b.x+b.w && y >= b.y && y < b.y+b.h
}

// clicked reports whether the left mouse button was pressed on it this tick.
func (b button) clicked() bool {
	return inpututil.IsMouseButtonJustPressed(ebiten.MouseButtonLeft) && b.hovered()
}

func (b button) draw(dst *ebiten.Image, face text.Face) {
	bg := colButton
	if b.hovered() {
		bg = colButtonHot
	}
	vector.FillRect(dst, float32(b.x), float32(b.y), float32(b.w), float32(b.h), bg, false)
	vector.StrokeRect(dst, float32(b.x), float32(b.y), float32(b.w), float32(b.h), 2, colAccent, false)
	_, th := text.Measure(b.label, face, 0)
	drawText(dst, b.label, face, b.x+b.w/2, b.y+(b.h-th)/2, colText, text.AlignCenter)
}

// enterPressed reports whether Enter was pressed this tick.
func enterPressed() bool {
	return inpututil.IsKeyJustPressed(ebiten.KeyEnter) || inpututil.IsKeyJustPressed(ebiten.KeyNumpadEnter)
}

// repeating reports whether a held key fires this tick: on press, then
// after half a second every 50 ms (at 60 ticks per second).
func repeating(k ebiten.Key) bool {
	d := inpututil.KeyPressDuration(k)
	return d == 1 || (d >= 30 && d%3 == 0)
}

// typeInto feeds this tick's typed characters and Backspace to e.
func typeInto(e *app.LineEditor) {
	e.Type(ebiten.AppendInputChars(nil)...)
	if repeating(ebiten.KeyBackspace) {
		e.Backspace()
	}
}

// drawField draws a text field's box and content, with a blinking caret
// when focused.
func (g *Game) drawField(dst *ebiten.Image, s string, x, y, w, h float64, face text.Face, focused bool) {
	vector.FillRect(dst, float32(x), float32(y), float32(w), float32(h), colPanel, false)
	border := colDim
	if focused {
		border = colAccent
	}
	vector.StrokeRect(dst, float32(x), float32(y), float32(w), float32(h), 2, border, false)
	_, th := text.Measure("Mg", face, 0)
	ty := y + (h-th)/2
	s = tailFit(s, w-24, func(t string) float64 { return text.Advance(t, face) })
	drawText(dst, s, face, x+10, ty, colText, text.AlignStart)
	if focused && (g.ticks/30)%2 == 0 {
		cx := x + 10 + text.Advance(s, face) + 2
		vector.FillRect(dst, float32(cx), float32(ty), 2, float32(th), colText, false)
	}
}

// drawNotice shows an error banner at the top of the screen (of the arena,
// on the screens with a side panel).
func (g *Game) drawNotice(dst *ebiten.Image, msg string) {
	g.drawBanner(dst, msg, 0, color.RGBA{0x40, 0x10, 0x14, 0xf0}, colError)
}

// drawReconnecting shows that the connection dropped and is coming back.
func (g *Game) drawReconnecting(dst *ebiten.Image) {
	msg := g.app.Status()
	if g.app.Resuming() {
		msg = "Reconnected: resuming the match…"
	} else if msg == "" {
		msg = "Connection lost: reconnecting…"
	}
	if !g.app.Resuming() {
		msg += "   (Escape: stop)"
	}
	g.drawBanner(dst, msg, 1, color.RGBA{0x3a, 0x30, 0x10, 0xf0}, colAccent)
}

// Banner sizes: a banner is bannerH high, slots bannerStep apart from
// bannerTop below the top of its area, with bannerPad round its text.
const (
	bannerTop, bannerStep, bannerH, bannerPad = 12, 48, 40, 20
)

// hudRects are what a banner must never hide on the match and replay
// screens: the side panel's clock line (mode, ping, time left) and its
// scoreboard (drawHUD).
var hudRects = []image.Rectangle{
	image.Rect(panelX, arenaY, panelX+panelW, arenaY+100),                       // mode, ping, clock
	image.Rect(panelX, arenaY+100, panelX+panelW, arenaY+100+24+scoreRows*28+4), // scoreboard
}

// bannerArea is where the banners of screen go: over the arena on the
// screens with a side panel (so that they never hide its clock or its
// scores), else across the screen.
func bannerArea(screen app.Screen) image.Rectangle {
	switch screen {
	case app.ScreenMatch, app.ScreenReplay:
		return image.Rect(arenaX, arenaY, arenaX+arenaW, arenaY+arenaH)
	}
	return image.Rect(0, 0, ScreenWidth, ScreenHeight)
}

// bannerRect is the box of banner slot (0 the notice, 1 the reconnect
// banner) on screen for a text textW wide: centred in bannerArea, as wide
// as the text and its padding but no wider than the area less a margin.
func bannerRect(screen app.Screen, slot int, textW float64) image.Rectangle {
	area := bannerArea(screen)
	w := min(int(math.Ceil(textW))+2*bannerPad, area.Dx()-2*bannerPad)
	x := area.Min.X + (area.Dx()-w)/2
	y := area.Min.Y + bannerTop + slot*bannerStep
	return image.Rect(x, y, x+w, y+bannerH)
}

// headFit cuts s at its end, with an ellipsis, until it fits in width.
func headFit(s string, width float64, measure func(string) float64) string {
	if measure(s) <= width {
		return s
	}
	r := []rune(s)
	for len(r) > 0 && measure(string(r)+"…") > width {
		r = r[:len(r)-1]
	}
	return string(r) + "…"
}

// drawBanner draws msg in banner slot (see bannerRect), cut to fit.
func (g *Game) drawBanner(dst *ebiten.Image, msg string, slot int, bg, border color.RGBA) {
	measure := func(s string) float64 { return text.Advance(s, g.fonts.normal) }
	b := bannerRect(g.app.Screen(), slot, measure(msg))
	msg = headFit(msg, float64(b.Dx()-2*bannerPad), measure)
	x, y, w := float32(b.Min.X), float32(b.Min.Y), float32(b.Dx())
	vector.FillRect(dst, x, y, w, bannerH, bg, false)
	vector.StrokeRect(dst, x, y, w, bannerH, 2, border, false)
	drawText(dst, msg, g.fonts.normal, float64(b.Min.X)+float64(b.Dx())/2, float64(y)+8, colText, text.AlignCenter)
}
