package ui

import (
	"image"
	"image/color"
	"math"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/text/v2"
	"github.com/hajimehoshi/ebiten/v2/vector"

	"github.com/arena-server/arena/client/app"
	"github.com/arena-server/arena/game"
)

// Sizes of things in world units. MatchStart does not carry the radii; the
// rules' defaults serve, since they only affect drawing.
var (
	shipRadius       = float64(game.DefaultRules().ShipRadius)
	projectileRadius = float64(game.DefaultRules().ProjectileRadius)
)

// Drawing sizes in world units.
const (
	gridStep         = 250
	defaultArenaSize = 2000
)

// arenaSize is mp's size in world units; a map without one (not known yet)
// is drawn as a defaultArenaSize square.
func arenaSize(mp game.Map) (w, h float64) {
	if mp.Width == 0 || mp.Height == 0 {
		return defaultArenaSize, defaultArenaSize
	}
	return float64(mp.Width), float64(mp.Height)
}

// fitArena fits mp into the arena rectangle of the screen.
func fitArena(mp game.Map) app.Viewport {
	w, h := arenaSize(mp)
	return app.FitViewport(w, h, arenaX, arenaY, arenaW, arenaH)
}

// followZoom is how much closer the camera is while it follows a ship.
const followZoom = 2

// cameraView is the arena's viewport: mp fitted into the arena rectangle,
// or, when follow is set, zoomed by followZoom about the followed ship at
// (x, y). The replay screen and a watched match use it.
func cameraView(mp game.Map, x, y float64, follow bool) app.Viewport {
	v := fitArena(mp)
	if follow {
		v = v.Centred(followZoom, x, y, arenaX, arenaY, arenaW, arenaH)
	}
	return v
}

// drawArena draws mp through v: its floor with a grid, its walls and its
// border. The match and the replay screens draw with it.
func (g *Game) drawArena(dst *ebiten.Image, v app.Viewport, mp game.Map) {
	w, h := arenaSize(mp)
	x0, y0 := v.ToScreen(0, 0)
	x1, y1 := v.ToScreen(w, h)
	if b := dst.Bounds(); float64(b.Min.X) < x0 || float64(b.Min.Y) < y0 || float64(b.Max.X) > x1 || float64(b.Max.Y) > y1 {
		dst.Fill(colBackground) // the floor leaves some of dst bare (the screen may not have been filled)
	}
	vector.FillRect(dst, float32(x0), float32(y0), float32(x1-x0), float32(y1-y0), colArena, false)
	for gx := float64(gridStep); gx < w; gx += gridStep {
		sx, _ := v.ToScreen(gx, 0)
		vector.StrokeLine(dst, float32(sx), float32(y0), float32(sx), float32(y1), 1, colGrid, false)
	}
	for gy := float64(gridStep); gy < h; gy += gridStep {
		_, sy := v.ToScreen(0, gy)
		vector.StrokeLine(dst, float32(x0), float32(sy), float32(x1), float32(sy), 1, colGrid, false)
	}
	for _, r := range mp.Walls {
		ax, ay := v.ToScreen(float64(r.Min.X)/game.Unit, float64(r.Min.Y)/game.Unit)
		bx, by := v.ToScreen(float64(r.Max.X)/game.Unit, float64(r.Max.Y)/game.Unit)
		vector.FillRect(dst, float32(ax), float32(ay), float32(bx-ax), float32(by-ay), colWall, false)
	}
	vector.StrokeRect(dst, float32(x0), float32(y0), float32(x1-x0), float32(y1-y0), 2, colWall, false)
}

// drawProjectiles draws projectiles through v, in their shooters' team
// colours.
func (g *Game) drawProjectiles(dst *ebiten.Image, v app.Viewport, projectiles []app.DrawProjectile) {
	r := float32(max(projectileRadius*v.Scale, 2))
	for _, p := range projectiles {
		sx, sy := v.ToScreen(p.X, p.Y)
		clr := colText
		if p.Team != 0 {
			clr = lighten(teamColor(p.Team))
		}
		drawCircle(dst, g.sprites.disc, float32(sx), float32(sy), r, clr)
	}
}

// drawShips draws ships through v: each in its team's colour with its aim,
// health bar and label (a dead one as a faint ring), a ring round a
// highlighted one, a blinking ring while protected.
func (g *Game) drawShips(dst *ebiten.Image, v app.Viewport, ships []app.DrawShip, label func(app.DrawShip) string) {
	r := float32(max(shipRadius*v.Scale, 6))
	for _, sh := range ships {
		x, y := v.ToScreen(sh.X, sh.Y)
		cx, cy := float32(x), float32(y)
		team := teamColor(sh.Team)
		if !sh.Alive {
			drawCircle(dst, g.sprites.ring, cx, cy, r, fade(team))
			continue
		}
		dx, dy := app.AimVector(sh.Aim)
		aimLen := r + 14
		vector.StrokeLine(dst, cx, cy, cx+float32(dx)*aimLen, cy+float32(dy)*aimLen, 2, lighten(team), false)
		drawCircle(dst, g.sprites.disc, cx, cy, r, team)
		if sh.Highlight {
			drawCircle(dst, g.sprites.ring, cx, cy, r+3, colOwn)
		}
		if sh.Protected && (g.ticks/8)%2 == 0 {
			drawCircle(dst, g.sprites.ring, cx, cy, r+7, colAccent)
		}
		b := dst.Bounds()
		hx, hy := keepInside(float64(cx)-healthW/2, float64(cy-r-10), healthW, healthH, b)
		drawHealth(dst, float32(hx+healthW/2), float32(hy), sh.Health)
		name := label(sh)
		lx, ly := x, y+float64(r)+4
		if lx-labelRoom < float64(b.Min.X) || lx+labelRoom > float64(b.Max.X) || ly+labelH > float64(b.Max.Y) {
			// Near the arena's edge: keep the whole label inside.
			w := text.Advance(name, g.fonts.small)
			left, top := keepInside(lx-w/2, ly, w, labelH, b)
			lx, ly = left+w/2, top
		}
		drawText(dst, name, g.fonts.small, lx, ly, colText, text.AlignCenter)
	}
}

// Label and health bar sizes, in screen pixels: labelRoom is half the width
// of a label that needs no measuring away from the edges.
const (
	labelH, labelRoom = 18, 80
	healthW, healthH  = 30, 4
)

// keepInside moves the box (x, y, w, h) into b, the least it can: a box
// wider or taller than b is aligned with b's left or top.
func keepInside(x, y, w, h float64, b image.Rectangle) (float64, float64) {
	x = max(min(x, float64(b.Max.X)-w), float64(b.Min.X))
	y = max(min(y, float64(b.Max.Y)-h), float64(b.Min.Y))
	return x, y
}

// Minimap size and place: the bottom-right corner of the arena rectangle.
const (
	minimapSize, minimapMargin = 150, 10
)

// minimapRect is where the minimap of an arena w × h world units goes:
// fitted into a minimapSize square in the arena rectangle's corner.
func minimapRect(w, h float64) (image.Rectangle, app.Viewport) {
	x := float64(arenaX + arenaW - minimapMargin - minimapSize)
	y := float64(arenaY + arenaH - minimapMargin - minimapSize)
	v := app.FitViewport(w, h, x, y, minimapSize, minimapSize)
	x0, y0 := v.ToScreen(0, 0)
	x1, y1 := v.ToScreen(w, h)
	return image.Rect(int(x0), int(y0), int(math.Ceil(x1)), int(math.Ceil(y1))), v
}

// drawMinimap draws the whole arena small in a corner of the arena
// rectangle, its walls, the ships as dots and the frame of what the camera
// view shows.
func (g *Game) drawMinimap(dst *ebiten.Image, view app.Viewport, mp game.Map, ships []app.DrawShip) {
	w, h := arenaSize(mp)
	r, v := minimapRect(w, h)
	vector.FillRect(dst, float32(r.Min.X), float32(r.Min.Y), float32(r.Dx()), float32(r.Dy()), color.RGBA{0x0c, 0x10, 0x16, 0xe0}, false)
	for _, wall := range mp.Walls {
		ax, ay := v.ToScreen(float64(wall.Min.X)/game.Unit, float64(wall.Min.Y)/game.Unit)
		bx, by := v.ToScreen(float64(wall.Max.X)/game.Unit, float64(wall.Max.Y)/game.Unit)
		vector.FillRect(dst, float32(ax), float32(ay), float32(max(bx-ax, 1)), float32(max(by-ay, 1)), colWall, false)
	}
	for _, sh := range ships {
		if !sh.Alive {
			continue
		}
		x, y := v.ToScreen(sh.X, sh.Y)
		clr := teamColor(sh.Team)
		if sh.Highlight {
			clr = colOwn
		}
		vector.FillRect(dst, float32(x)-1.5, float32(y)-1.5, 3, 3, clr, false)
	}
	x0, y0, x1, y1 := app.VisibleWorld(view, image.Rect(arenaX, arenaY, arenaX+arenaW, arenaY+arenaH))
	fx0, fy0 := v.ToScreen(max(x0, 0), max(y0, 0))
	fx1, fy1 := v.ToScreen(min(x1, w), min(y1, h))
	vector.StrokeRect(dst, float32(fx0), float32(fy0), float32(fx1-fx0), float32(fy1-fy0), 1, colDim, false)
	vector.StrokeRect(dst, float32(r.Min.X), float32(r.Min.Y), float32(r.Dx()), float32(r.Dy()), 1, colWall, false)
}

// drawHealth draws a health bar centred on (cx, top), full at 100.
func drawHealth(dst *ebiten.Image, cx, top float32, health uint32) {
	const w, h = healthW, healthH
	frac := float32(min(health, 100)) / 100
	clr := colGood
	if frac < 0.35 {
		clr = colError
	} else if frac < 0.7 {
		clr = colAccent
	}
	vector.FillRect(dst, cx-w/2, top, w, h, colGrid, false)
	vector.FillRect(dst, cx-w/2, top, w*frac, h, clr, false)
}
