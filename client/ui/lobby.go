package ui

import (
	"fmt"
	"time"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/inpututil"
	"github.com/hajimehoshi/ebiten/v2/text/v2"

	"github.com/arena-server/arena/client/app"
)

// nameScreen asks for a name: type it, then Enter (or click Play).
type nameScreen struct {
	g     *Game
	field app.LineEditor
	play  button
}

func newNameScreen(g *Game) *nameScreen {
	return &nameScreen{
		g:     g,
		field: app.LineEditor{Max: app.NameMaxRunes},
		play:  button{label: "Play", x: ScreenWidth/2 - 100, y: 420, w: 200, h: 50},
	}
}

func (s *nameScreen) Update() {
	if s.g.app.Connecting() {
		return
	}
	typeInto(&s.field)
	if enterPressed() || s.play.clicked() {
		s.g.app.SubmitName(s.field.Text())
	}
}

func (s *nameScreen) Draw(dst *ebiten.Image) {
	f := s.g.fonts
	drawText(dst, "ARENA", f.title, ScreenWidth/2, 120, colAccent, text.AlignCenter)
	drawText(dst, "Enter your name", f.normal, ScreenWidth/2, 280, colText, text.AlignCenter)
	s.g.drawField(dst, s.field.Text(), ScreenWidth/2-200, 320, 400, 56, f.large, !s.g.app.Connecting())
	if st := s.g.app.Status(); st != "" {
		drawText(dst, st, f.normal, ScreenWidth/2, 430, colDim, text.AlignCenter)
		return
	}
	s.play.draw(dst, f.normal)
	drawText(dst, "1–16 letters, digits, space, _ or -   ·   Enter to play", f.small, ScreenWidth/2, 490, colDim, text.AlignCenter)
}

// menuScreen offers to queue for a duel.
type menuScreen struct {
	g *Game
}

var queueButton = button{label: "Queue for duel", x: ScreenWidth/2 - 150, y: 320, w: 300, h: 60}

func (s *menuScreen) Update() {
	if enterPressed() || queueButton.clicked() {
		s.g.app.QueueDuel()
	}
}

func (s *menuScreen) Draw(dst *ebiten.Image) {
	f := s.g.fonts
	drawText(dst, "ARENA", f.title, ScreenWidth/2, 120, colAccent, text.AlignCenter)
	drawText(dst, "Signed in as "+s.g.app.Name(), f.normal, ScreenWidth/2, 250, colText, text.AlignCenter)
	queueButton.draw(dst, f.large)
	drawText(dst, "Enter or click to queue", f.small, ScreenWidth/2, 395, colDim, text.AlignCenter)
	drawText(dst, "In a match: WASD or arrows move · mouse aims · left click or Space fires · Enter chats",
		f.small, ScreenWidth/2, 600, colDim, text.AlignCenter)
}

// queueScreen shows the wait for a match, with cancel.
type queueScreen struct {
	g *Game
}

var cancelButton = button{label: "Cancel", x: ScreenWidth/2 - 100, y: 420, w: 200, h: 50}

func (s *queueScreen) Update() {
	if inpututil.IsKeyJustPressed(ebiten.KeyEscape) || cancelButton.clicked() {
		s.g.app.CancelQueue()
	}
}

func (s *queueScreen) Draw(dst *ebiten.Image) {
	f := s.g.fonts
	q := s.g.app.Queue()
	dots := "..."[:1+(s.g.ticks/20)%3]
	drawText(dst, "Looking for a "+q.Mode+dots, f.large, ScreenWidth/2, 200, colText, text.AlignCenter)
	drawText(dst, "Waited "+clock(q.Waited), f.large, ScreenWidth/2, 270, colAccent, text.AlignCenter)
	if q.Confirmed && q.Players > 0 {
		drawText(dst, fmt.Sprintf("%d in queue", q.Players), f.normal, ScreenWidth/2, 330, colDim, text.AlignCenter)
	}
	cancelButton.draw(dst, f.normal)
	drawText(dst, "Escape or click to cancel", f.small, ScreenWidth/2, 485, colDim, text.AlignCenter)
}

// clock formats a duration as m:ss.
func clock(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int(d / time.Second)
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// secondsToDuration converts seconds to a Duration.
func secondsToDuration(s float64) time.Duration {
	return time.Duration(s * float64(time.Second))
}
