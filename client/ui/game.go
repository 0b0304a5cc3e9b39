package ui

import (
	"fmt"
	"time"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/inpututil"
	"github.com/hajimehoshi/ebiten/v2/text/v2"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goitalic"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"

	"github.com/arena-server/arena/client/app"
	"github.com/arena-server/arena/client/hook"
)

// The logical screen size; Ebiten scales it to the window.
const (
	ScreenWidth  = 1280
	ScreenHeight = 720
)

// screen is one of the client's screens.
type screen interface {
	// Update reads input and calls the App's actions.
	Update()
	// Draw renders the screen; it changes no state.
	Draw(dst *ebiten.Image)
}

// covering is a screen that paints the whole screen itself (the backdrop
// round its panels, then the panels): Game.Draw does not fill the screen
// first. With software WebGL every pixel filled costs, and a full-screen
// fill under the arena and the panel is a third of a frame's pixels.
type covering interface {
	drawBackdrop(dst *ebiten.Image)
}

// entered is a screen that prepares itself each time the App switches to it.
type entered interface {
	enter()
}

// Game is the client as an ebiten.Game: it routes Update and Draw to the
// screen the App is on, and draws what every screen shares: the error
// notice, the reconnect banner and the net graph (F3).
type Game struct {
	app      *app.App
	fonts    fonts
	sprites  sprites
	ticks    int64 // Updates so far, for blinking carets
	drawn    int64 // frames drawn, for the test hook
	netGraph bool  // F3 shows the net graph

	frames     app.FrameMeter // the client's cost per frame
	frameStats app.FrameStats // frames.Stats() as of statsAt, for the net graph
	statsAt    int64          // g.drawn when frameStats was computed
	drawnScr   []string       // the screens drawn, once per stretch, for the test hook

	screens map[app.Screen]screen
	current app.Screen
}

// fonts are the text faces the screens use.
type fonts struct {
	small, italic, normal, large, title text.Face
}

// loadFonts makes the faces from the Go fonts. They are x/image faces (GoXFace)
// rather than GoTextFace: the scripts the client draws need no shaping, and
// GoTextFace's shaper (go-text/typesetting, HarfBuzz) was a seventh of the
// WebAssembly module.
func loadFonts() (fonts, error) {
	var f fonts
	for _, face := range []struct {
		dst  *text.Face
		ttf  []byte
		size float64
	}{
		{&f.small, goregular.TTF, 15},
		{&f.italic, goitalic.TTF, 15},
		{&f.normal, goregular.TTF, 20},
		{&f.large, gobold.TTF, 32},
		{&f.title, gobold.TTF, 72},
	} {
		parsed, err := opentype.Parse(face.ttf)
		if err != nil {
			return fonts{}, fmt.Errorf("load font: %w", err)
		}
		xf, err := opentype.NewFace(parsed, &opentype.FaceOptions{Size: face.size, DPI: 72, Hinting: font.HintingNone})
		if err != nil {
			return fonts{}, fmt.Errorf("load font: %w", err)
		}
		*face.dst = text.NewGoXFace(xf)
	}
	return f, nil
}

// New returns the client's Ebiten game over a.
func New(a *app.App) (*Game, error) {
	f, err := loadFonts()
	if err != nil {
		return nil, err
	}
	g := &Game{app: a, fonts: f}
	g.sprites = newSprites()
	g.screens = map[app.Screen]screen{
		app.ScreenName:        newNameScreen(g),
		app.ScreenMenu:        &menuScreen{g: g},
		app.ScreenQueue:       &queueScreen{g: g},
		app.ScreenMatch:       &matchScreen{g: g},
		app.ScreenResults:     &resultsScreen{g: g},
		app.ScreenLeaderboard: &leaderboardScreen{g: g},
		app.ScreenReplay:      &replayScreen{g: g},
		app.ScreenWatch:       &watchScreen{g: g},
	}
	g.current = -1
	return g, nil
}

// Update handles the input of the screen on show, then lets the App drain
// the network and send what is due.
func (g *Game) Update() error {
	start := time.Now()
	g.ticks++
	if inpututil.IsKeyJustPressed(ebiten.KeyF3) {
		g.netGraph = !g.netGraph
	}
	if g.app.Reconnecting() && !g.app.ChatOpen() && inpututil.IsKeyJustPressed(ebiten.KeyEscape) {
		g.app.StopReconnecting()
	}
	g.enterScreen()
	g.screens[g.app.Screen()].Update()
	g.app.Update()
	g.enterScreen()
	g.frames.Updated(time.Since(start))
	if hook.Enabled && hook.Wanted() {
		p := g.app.Probe(g.drawn)
		p.FrameStats = g.frames.Stats().Probe()
		p.DrawnScreens = g.drawnScr
		hook.Publish(p)
	}
	return nil
}

// Draw renders the current screen and the error notice, if any. It counts
// the frame for the test hook and changes nothing else.
func (g *Game) Draw(dst *ebiten.Image) {
	start := time.Now()
	scr := g.app.Screen()
	if c, ok := g.screens[scr].(covering); ok {
		c.drawBackdrop(dst)
	} else {
		dst.Fill(colBackground)
	}
	g.screens[scr].Draw(dst)
	if name := scr.String(); len(g.drawnScr) == 0 || g.drawnScr[len(g.drawnScr)-1] != name {
		if len(g.drawnScr) == app.DrawnScreensKept {
			g.drawnScr = append(g.drawnScr[:0], g.drawnScr[1:]...)
		}
		g.drawnScr = append(g.drawnScr, name)
	}
	if g.app.Reconnecting() || g.app.Resuming() {
		g.drawReconnecting(dst)
	}
	if n := g.app.Notice(); n != "" {
		g.drawNotice(dst, n)
	}
	if g.netGraph {
		g.drawNetGraph(dst)
	}
	g.drawn++
	end := time.Now()
	g.frames.Drawn(end.Sub(start), end)
	hook.Ready()
}

// frameFigures are the client's frame costs for the net graph, computed
// again at most every 15 frames.
func (g *Game) frameFigures() app.FrameStats {
	if g.drawn-g.statsAt >= 15 || g.frameStats.Frames == 0 {
		g.frameStats, g.statsAt = g.frames.Stats(), g.drawn
	}
	return g.frameStats
}

// Layout returns the fixed logical size; Ebiten scales it to the window.
func (g *Game) Layout(outsideWidth, outsideHeight int) (int, int) {
	return ScreenWidth, ScreenHeight
}

// enterScreen tells the App's screen that it is on show, when it changed.
func (g *Game) enterScreen() {
	if s := g.app.Screen(); s != g.current {
		g.current = s
		if e, ok := g.screens[s].(entered); ok {
			e.enter()
		}
	}
}
