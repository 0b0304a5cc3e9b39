package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/inpututil"
	"github.com/hajimehoshi/ebiten/v2/text/v2"
	"github.com/hajimehoshi/ebiten/v2/vector"

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

// menuScreen offers the server's modes to queue for, the player's rating in
// the selected one, the leaderboard, change name, and lobby chat. Arrow keys
// (or a click) choose a mode; Enter (or the queue button) queues for it; L
// (or the leaderboard button) opens the leaderboard; W (or the watch
// button) the Watch screen.
type menuScreen struct {
	g *Game
}

// The menu's layout: the mode buttons in a grid of up to modeColumns per
// row from modeTop, the queue button under them; change name in a corner.
const (
	modeTop     = 200
	modeColumns = 4
	modeMaxRows = 3
	modeW       = 250
	modeH       = 48
	modeGap     = 12
	modeArea    = ScreenWidth - 100
)

var (
	changeNameButton  = button{label: "Change name", x: ScreenWidth - 190, y: 20, w: 170, h: 36}
	leaderboardButton = button{label: "Leaderboard (L)", x: 20, y: 20, w: 170, h: 36}
	watchMenuButton   = button{label: "Watch (W)", x: 200, y: 20, w: 130, h: 36}
)

// modeGrid lays out n mode buttons: cols per row (more than modeColumns
// only when n needs more than modeMaxRows rows), centred; bottom is the y
// under the last row.
func modeGrid(n int) (buttons []button, cols int, bottom float64) {
	cols = min(max(n, 1), modeColumns)
	if n > modeColumns*modeMaxRows {
		cols = (n + modeMaxRows - 1) / modeMaxRows
	}
	w := min(modeW, (modeArea-float64(cols-1)*modeGap)/float64(cols))
	rows := (n + cols - 1) / cols
	bottom = modeTop + float64(rows)*(modeH+modeGap) - modeGap
	for i := range n {
		row, col := i/cols, i%cols
		inRow := min(cols, n-row*cols) // the last row may be short: centre it too
		left := (ScreenWidth - (float64(inRow)*w + float64(inRow-1)*modeGap)) / 2
		buttons = append(buttons, button{
			x: left + float64(col)*(w+modeGap), y: modeTop + float64(row)*(modeH+modeGap), w: w, h: modeH,
		})
	}
	return buttons, cols, bottom
}

// queueButton is the button that queues, under the mode grid's bottom.
func queueButton(label string, bottom float64) button {
	return button{label: label, x: ScreenWidth/2 - 170, y: bottom + 18, w: 340, h: 52}
}

func (s *menuScreen) Update() {
	a := s.g.app
	if chatKeys(a, inpututil.IsKeyJustPressed(ebiten.KeyT)) {
		return
	}
	modes := a.Modes()
	buttons, cols, bottom := modeGrid(len(modes))
	rowStep := cols
	if len(modes) <= cols {
		rowStep = 1 // one row: up and down step through it too
	}
	switch {
	case inpututil.IsKeyJustPressed(ebiten.KeyArrowLeft):
		a.MoveModeSelection(-1)
	case inpututil.IsKeyJustPressed(ebiten.KeyArrowRight):
		a.MoveModeSelection(+1)
	case inpututil.IsKeyJustPressed(ebiten.KeyArrowUp):
		a.MoveModeSelection(-rowStep)
	case inpututil.IsKeyJustPressed(ebiten.KeyArrowDown):
		a.MoveModeSelection(+rowStep)
	}
	for i, b := range buttons {
		if b.clicked() {
			a.SelectMode(i)
		}
	}
	switch {
	case enterPressed() || queueButton("", bottom).clicked():
		a.JoinQueue()
	case inpututil.IsKeyJustPressed(ebiten.KeyL) || leaderboardButton.clicked():
		a.OpenLeaderboard()
	case inpututil.IsKeyJustPressed(ebiten.KeyW) || watchMenuButton.clicked():
		a.OpenWatch()
	case changeNameButton.clicked():
		a.ChangeName()
	}
}

func (s *menuScreen) Draw(dst *ebiten.Image) {
	a := s.g.app
	f := s.g.fonts
	drawText(dst, "ARENA", f.title, ScreenWidth/2, 30, colAccent, text.AlignCenter)
	signedIn := "Signed in as " + a.Name()
	if r := a.RatingLine(); r != "" {
		signedIn += "   ·   " + r
	}
	drawText(dst, signedIn, f.normal, ScreenWidth/2, 124, colText, text.AlignCenter)
	changeNameButton.draw(dst, f.small)
	leaderboardButton.draw(dst, f.small)
	watchMenuButton.draw(dst, f.small)
	heading := "Choose a mode"
	switch a.ModesState() {
	case app.ModesLoading:
		heading = "Loading the modes…"
	case app.ModesFallback:
		if a.ModesError() != "" {
			heading = "Could not load the modes: " + a.SelectedMode().Name + " only for now"
		}
	}
	drawText(dst, heading, f.small, ScreenWidth/2, modeTop-30, colDim, text.AlignCenter)
	modes := a.Modes()
	buttons, _, bottom := modeGrid(len(modes))
	sel := a.SelectedIndex()
	for i, b := range buttons {
		b.label = app.ModeLabel(modes[i])
		drawModeButton(dst, b, f.normal, i == sel)
	}
	mode := a.SelectedMode()
	queue := queueButton("Queue for "+mode.Name, bottom)
	queue.draw(dst, f.large)
	hint := "Arrows or click choose · Enter or click to queue · L leaderboard · W watch"
	if r := app.ModeRules(mode); r != "" {
		hint = app.ModeLabel(mode) + ": " + r + "   ·   " + hint
	}
	y := queue.y + queue.h + 10
	drawText(dst, hint, f.small, ScreenWidth/2, y, colDim, text.AlignCenter)
	drawText(dst, "In a match: WASD or arrows move · mouse aims · left click or Space fires · Enter chats · Tab team chat · F3 net graph",
		f.small, ScreenWidth/2, y+22, colDim, text.AlignCenter)
	drawChatPanel(dst, lobbyChat)
	s.g.drawChat(dst, lobbyChat, "T: lobby chat")
}

// drawModeButton draws a mode's button, marked when it is the selected one.
func drawModeButton(dst *ebiten.Image, b button, face text.Face, selected bool) {
	bg, border, fg, width := colPanel, colDim, colDim, float32(1)
	switch {
	case selected:
		bg, border, fg, width = colButtonHot, colAccent, colText, 3
	case b.hovered():
		bg, fg = colButton, colText
	}
	vector.FillRect(dst, float32(b.x), float32(b.y), float32(b.w), float32(b.h), bg, false)
	vector.StrokeRect(dst, float32(b.x), float32(b.y), float32(b.w), float32(b.h), width, border, false)
	_, th := text.Measure(b.label, face, 0)
	drawText(dst, b.label, face, b.x+b.w/2, b.y+(b.h-th)/2, fg, text.AlignCenter)
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
	drawText(dst, "Looking for a match: "+s.g.app.ModeLabel(q.Mode)+dots, f.large, ScreenWidth/2, 110, colText, text.AlignCenter)
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
