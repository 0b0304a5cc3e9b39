package ui

import (
	"image/color"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/vector"
)

// Circles are drawn from two pre-rendered white sprites, tinted and scaled,
// rather than as antialiased vector paths: sprites batch into one draw call,
// where every vector path costs its own passes (which software WebGL, as in
// headless browsers, feels most).
const (
	spriteSize   = 64
	spriteRadius = 30 // the circle's radius inside its sprite, in pixels
)

// sprites holds the white disc and ring.
type sprites struct {
	disc, ring *ebiten.Image
}

func newSprites() sprites {
	disc := ebiten.NewImage(spriteSize, spriteSize)
	vector.FillCircle(disc, spriteSize/2, spriteSize/2, spriteRadius, color.White, true)
	ring := ebiten.NewImage(spriteSize, spriteSize)
	vector.StrokeCircle(ring, spriteSize/2, spriteSize/2, spriteRadius-2, 4, color.White, true)
	return sprites{disc: disc, ring: ring}
}

// drawCircle draws img (a disc or ring sprite) centred on (cx, cy) with
// radius r, tinted clr.
func drawCircle(dst, img *ebiten.Image, cx, cy, r float32, clr color.Color) {
	op := &ebiten.DrawImageOptions{Filter: ebiten.FilterLinear}
	s := float64(r) / spriteRadius
	op.GeoM.Translate(-spriteSize/2, -spriteSize/2)
	op.GeoM.Scale(s, s)
	op.GeoM.Translate(float64(cx), float64(cy))
	op.ColorScale.ScaleWithColor(clr)
	dst.DrawImage(img, op)
}
