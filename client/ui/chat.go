package ui

import (
	"image/color"
	"strings"
	"unicode/utf8"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/inpututil"
	"github.com/hajimehoshi/ebiten/v2/text/v2"
	"github.com/hajimehoshi/ebiten/v2/vector"

	"github.com/arena-server/arena/client/app"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

// Chat text is drawn with the Go fonts (golang.org/x/image/font/gofont),
// which cover the WGL4 set: Latin (Latin-1 and Extended-A), monotonic Greek
// and the Cyrillic of Russian, Ukrainian, Belarusian, Bulgarian, Serbian and
// Macedonian, with the usual punctuation and symbols. Not covered, drawn as
// empty boxes: CJK, emoji, Arabic, Hebrew, Indic scripts, Thai, Armenian,
// Georgian, Vietnamese (Latin Extended Additional), polytonic Greek and
// extended Cyrillic. fonts_test.go checks the covered set glyph by glyph.

// chatLineHeight is the height of one chat text line, in logical pixels.
const chatLineHeight = 20

// chatBox is where a chat log and its input line are drawn: the lines
// stacked upwards from above the input row at the bottom.
type chatBox struct {
	x, y, w, h float64
}

// chatKeys handles the chat keys of a screen with a chat line: while it is
// open, typing, Enter (send), Escape (cancel) and Tab (team chat); when it
// is closed, open reports whether the screen's open key was pressed. It
// reports whether the chat line took the keys this tick.
func chatKeys(a *app.App, open bool) bool {
	if !a.ChatOpen() {
		if inpututil.IsKeyJustPressed(ebiten.KeyTab) {
			a.ToggleTeamChat()
		}
		if open {
			a.OpenChat()
			return true
		}
		return false
	}
	typeInto(a.ChatDraft())
	a.ChatEdited()
	switch {
	case enterPressed():
		a.SubmitChat()
	case inpututil.IsKeyJustPressed(ebiten.KeyEscape):
		a.CancelChat()
	case inpututil.IsKeyJustPressed(ebiten.KeyTab):
		a.ToggleTeamChat()
	}
	return true
}

// channelTag is the label and colour of the channel a typed line goes to.
func channelTag(c arenav1.ChatChannel) (string, color.RGBA) {
	switch c {
	case arenav1.ChatChannel_CHAT_CHANNEL_TEAM:
		return "[team]", colGood
	case arenav1.ChatChannel_CHAT_CHANNEL_LOBBY:
		return "[lobby]", colAccent
	case arenav1.ChatChannel_CHAT_CHANNEL_SPECTATORS:
		return "[spectators]", colSystem
	}
	return "[all]", colText
}

// drawChat draws the screen's chat log in box, with the input row (or a
// hint, openHint, while it is closed) at its foot. Lines fade as the App
// says; long lines wrap.
func (g *Game) drawChat(dst *ebiten.Image, box chatBox, openHint string) {
	a := g.app
	f := g.fonts
	inputH := 30.0
	inputY := box.y + box.h - inputH
	tag, tagColor := channelTag(a.ChatChannel())
	if a.ChatOpen() {
		drawText(dst, tag, f.small, box.x, inputY+7, tagColor, text.AlignStart)
		tx := box.x + text.Advance(tag, f.small) + 8
		g.drawField(dst, a.ChatDraft().Text(), tx, inputY, box.x+box.w-tx, inputH, f.small, true)
	} else {
		hint := openHint
		if a.TeamChat() {
			hint += "  ·  Tab: team chat (now " + tag + ")"
		}
		drawText(dst, hint, f.small, box.x, inputY+7, colDim, text.AlignStart)
	}

	// Lay the newest lines out bottom-up until the box is full.
	top := box.y
	y := inputY - 6
	lines := a.Chat().Last(app.ChatLogSize)
	for i := len(lines) - 1; i >= 0; i-- {
		l := lines[i]
		alpha := a.ChatAlpha(l)
		if alpha <= 0 {
			break // older lines have faded too
		}
		rows := g.chatRows(l, box.w)
		y -= float64(len(rows)) * chatLineHeight
		if y < top {
			break
		}
		g.drawChatRows(dst, l, rows, box.x, y, float32(alpha))
	}
}

// chatRow is one wrapped row of a chat line; the first row starts with the
// sender's name (prefix).
type chatRow struct {
	prefix, text string
}

// chatRows wraps a chat line to width.
func (g *Game) chatRows(l app.ChatLine, width float64) []chatRow {
	face := g.chatFace(l)
	prefix := ""
	if !l.System && !l.Error && l.From != "" {
		prefix = l.From + ": "
		if l.Channel == "team" {
			prefix = "[team] " + prefix
		}
	}
	measure := func(s string) float64 { return text.Advance(s, face) }
	wrapped := wrapText(prefix+l.Text, width, chatIndent, measure)
	rows := make([]chatRow, len(wrapped))
	for i, s := range wrapped {
		rows[i].text = s
	}
	if len(rows) > 0 && prefix != "" && strings.HasPrefix(rows[0].text, prefix) {
		rows[0] = chatRow{prefix: prefix, text: rows[0].text[len(prefix):]}
	}
	return rows
}

// chatIndent indents the rows after a chat line's first.
const chatIndent = 14

func (g *Game) chatFace(l app.ChatLine) text.Face {
	if l.System {
		return g.fonts.italic
	}
	return g.fonts.small
}

// drawChatRows draws the rows of one chat line from (x, y) down.
func (g *Game) drawChatRows(dst *ebiten.Image, l app.ChatLine, rows []chatRow, x, y float64, alpha float32) {
	face := g.chatFace(l)
	body := colText
	switch {
	case l.Error:
		body = colError
	case l.System:
		body = colSystem
	}
	for i, r := range rows {
		rx := x
		if i > 0 {
			rx += chatIndent
		}
		if r.prefix != "" {
			drawTextAlpha(dst, r.prefix, face, rx, y, nameColor(l), alpha)
			rx += text.Advance(r.prefix, face)
		}
		drawTextAlpha(dst, r.text, face, rx, y, body, alpha)
		y += chatLineHeight
	}
}

// nameColor is the colour of a sender's name: their team's in a match.
func nameColor(l app.ChatLine) color.RGBA {
	if l.Team == 0 {
		return colAccent
	}
	return teamColor(l.Team)
}

// wrapText breaks s into rows no wider than width (rows after the first are
// indent narrower), at spaces where it can and inside a word only when the
// word alone is too wide. measure returns a string's width.
func wrapText(s string, width, indent float64, measure func(string) float64) []string {
	var rows []string
	words := strings.Split(s, " ")
	row := ""
	limit := width
	flush := func() {
		rows = append(rows, row)
		row = ""
		limit = width - indent
	}
	for _, w := range words {
		cand := w
		if row != "" {
			cand = row + " " + w
		}
		if measure(cand) <= limit {
			row = cand
			continue
		}
		if row != "" {
			flush()
		}
		// w starts a row; split it while it is too wide alone.
		for measure(w) > limit && utf8.RuneCountInString(w) > 1 {
			cut := fitRunes(w, limit, measure)
			row = w[:cut]
			flush()
			w = w[cut:]
		}
		row = w
	}
	if row != "" || len(rows) == 0 {
		rows = append(rows, row)
	}
	return rows
}

// fitRunes returns the byte length of the longest prefix of s (at least one
// rune) no wider than width.
func fitRunes(s string, width float64, measure func(string) float64) int {
	best := 0
	for i, r := range s {
		end := i + utf8.RuneLen(r)
		if best > 0 && measure(s[:end]) > width {
			break
		}
		best = end
	}
	return best
}

// tailFit returns the longest suffix of s no wider than width, so the end
// of a long draft (where the caret is) stays in its field.
func tailFit(s string, width float64, measure func(string) float64) string {
	for measure(s) > width && s != "" {
		_, size := utf8.DecodeRuneInString(s)
		s = s[size:]
	}
	return s
}

// drawTextAlpha is drawText with the colour's opacity scaled by alpha.
func drawTextAlpha(dst *ebiten.Image, s string, face text.Face, x, y float64, clr color.RGBA, alpha float32) {
	op := &text.DrawOptions{}
	op.GeoM.Translate(x, y)
	op.ColorScale.ScaleWithColor(clr)
	op.ColorScale.ScaleAlpha(alpha)
	text.Draw(dst, s, face, op)
}

// drawChatPanel draws a panel behind a chat box.
func drawChatPanel(dst *ebiten.Image, box chatBox) {
	vector.FillRect(dst, float32(box.x-10), float32(box.y-10), float32(box.w+20), float32(box.h+20), colPanel, false)
}
