package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/inpututil"
	"github.com/hajimehoshi/ebiten/v2/text/v2"

	"github.com/arena-server/arena/client/app"
)

// nameScreen asks for a name: type it, then Enter (or click Play). With a
// stored session it offers to play as that name again, or to change it.
type nameScreen struct {
	g      *Game
	field  app.LineEditor
	play   button
	playAs button
	change button
}

func newNameScreen(g *Game) *nameScreen {
	return &nameScreen{
		g:      g,
		field:  app.LineEditor{Max: app.NameMaxRunes},
		play:   button{label: "Play", x: ScreenWidth/2 - 100, y: 420, w: 200, h: 50},
		playAs: button{x: ScreenWidth/2 - 200, y: 320, w: 400, h: 60},
		change: button{label: "Change name", x: ScreenWidth/2 - 100, y: 410, w: 200, h: 44},
	}
}

// enter fills the field with the last name, so a refused session is one
// Enter away from a new one under the same name.
func (s *nameScreen) enter() {
	if s.field.Text() == "" {
		s.field.Set(s.g.app.Name())
	}
}

func (s *nameScreen) Update() {
	a := s.g.app
	if a.Connecting() {
		return
	}
	if name := a.StoredName(); name != "" {
		switch {
		case enterPressed() || s.playAs.clicked():
			a.PlayAs()
		case inpututil.IsKeyJustPressed(ebiten.KeyEscape) || s.change.clicked():
			a.ForgetSession()
			s.field.Set(name)
		}
		return
	}
	typeInto(&s.field)
	if enterPressed() || s.play.clicked() {
		a.SubmitName(s.field.Text())
	}
}

func (s *nameScreen) Draw(dst *ebiten.Image) {
	a := s.g.app
	f := s.g.fonts
	drawText(dst, "ARENA", f.title, ScreenWidth/2, 120, colAccent, text.AlignCenter)
	if st := a.Status(); a.Connecting() && st != "" {
		drawText(dst, st, f.large, ScreenWidth/2, 330, colText, text.AlignCenter)
		return
	}
	if name := a.StoredName(); name != "" {
		s.playAs.label = "Play as " + name
		s.playAs.draw(dst, f.large)
		s.change.draw(dst, f.normal)
		drawText(dst, "Enter to play   ·   Escape to change name", f.small, ScreenWidth/2, 480, colDim, text.AlignCenter)
		return
	}
	drawText(dst, "Enter your name", f.normal, ScreenWidth/2, 280, colText, text.AlignCenter)
	s.g.drawField(dst, s.field.Text(), ScreenWidth/2-200, 320, 400, 56, f.large, true)
	s.play.draw(dst, f.normal)
	drawText(dst, "1–16 letters, digits, space, _ or -   ·   Enter to play", f.small, ScreenWidth/2, 490, colDim, text.AlignCenter)
}

// lobbyChat is where the menu and queue screens show the lobby chat.
var lobbyChat = chatBox{x: 250, y: 500, w: 780, h: 200}

// menuScreen offers to queue for a duel, to change name, and lobby chat.
type menuScreen struct {
	g *Game
}

var (
	queueButton      = button{label: "Queue for duel", x: ScreenWidth/2 - 150, y: 240, w: 300, h: 60}
	changeNameButton = button{label: "Change name", x: ScreenWidth/2 - 90, y: 380, w: 180, h: 36}
)

func (s *menuScreen) Update() {
	a := s.g.app
	if chatKeys(a, inpututil.IsKeyJustPressed(ebiten.KeyT)) {
		return
	}
	switch {
	case enterPressed() || queueButton.clicked():
		a.QueueDuel()
	case changeNameButton.clicked():
		a.ChangeName()
	}
}

func (s *menuScreen) Draw(dst *ebiten.Image) {
	f := s.g.fonts
	drawText(dst, "ARENA", f.title, ScreenWidth/2, 60, colAccent, text.AlignCenter)
	drawText(dst, "Signed in as "+s.g.app.Name(), f.normal, ScreenWidth/2, 190, colText, text.AlignCenter)
	queueButton.draw(dst, f.large)
	drawText(dst, "Enter or click to queue", f.small, ScreenWidth/2, 312, colDim, text.AlignCenter)
	drawText(dst, "In a match: WASD or arrows move · mouse aims · left click or Space fires · Enter chats · F3 net graph",
		f.small, ScreenWidth/2, 340, colDim, text.AlignCenter)
	changeNameButton.draw(dst, f.small)
	drawChatPanel(dst, lobbyChat)
	s.g.drawChat(dst, lobbyChat, "T: lobby chat")
}

// queueScreen shows the wait for a match, with cancel, and lobby chat.
type queueScreen struct {
	g *Game
}

var cancelButton = button{label: "Cancel", x: ScreenWidth/2 - 100, y: 360, w: 200, h: 50}

func (s *queueScreen) Update() {
	a := s.g.app
	open := inpututil.IsKeyJustPressed(ebiten.KeyT) || enterPressed()
	if chatKeys(a, open) {
		return
	}
	if inpututil.IsKeyJustPressed(ebiten.KeyEscape) || cancelButton.clicked() {
		a.CancelQueue()
	}
}

func (s *queueScreen) Draw(dst *ebiten.Image) {
	f := s.g.fonts
	q := s.g.app.Queue()
	dots := "..."[:1+(s.g.ticks/20)%3]
	drawText(dst, "Looking for a "+q.Mode+dots, f.large, ScreenWidth/2, 110, colText, text.AlignCenter)
	drawText(dst, "Waited "+clock(q.Waited), f.large, ScreenWidth/2, 170, colAccent, text.AlignCenter)
	drawText(dst, queueDetails(q), f.normal, ScreenWidth/2, 240, colDim, text.AlignCenter)
	if q.Estimated {
		drawText(dst, "Estimated wait "+clock(q.Estimate+time.Second-1), f.normal, ScreenWidth/2, 275, colDim, text.AlignCenter)
	}
	cancelButton.draw(dst, f.normal)
	drawText(dst, "Escape or click to cancel", f.small, ScreenWidth/2, 425, colDim, text.AlignCenter)
	drawChatPanel(dst, lobbyChat)
	s.g.drawChat(dst, lobbyChat, "Enter or T: lobby chat")
}

// queueDetails says who is queued and how wide the search is.
func queueDetails(q app.QueueInfo) string {
	if !q.Confirmed {
		return "Joining the queue…"
	}
	var parts []string
	if q.Players > 0 {
		noun := "players"
		if q.Players == 1 {
			noun = "player"
		}
		parts = append(parts, fmt.Sprintf("%d %s in queue", q.Players, noun))
	}
	if q.SearchRange > 0 {
		parts = append(parts, fmt.Sprintf("searching ±%d rating", q.SearchRange))
	} else {
		parts = append(parts, "searching any rating")
	}
	return strings.Join(parts, "  ·  ")
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
