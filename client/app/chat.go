package app

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

// Chat limits.
const (
	// ChatLogSize is how many chat lines a log keeps.
	ChatLogSize = 50
	// ChatMaxRunes is the longest line the client lets a player type; the
	// server accepts at most 200 characters.
	ChatMaxRunes = 200
	// NameMaxRunes is the longest name the client lets a player type; the
	// server decides what it accepts (1–16 letters, digits, space, _ and -).
	NameMaxRunes = 16
)

// How chat lines fade during play: fully visible for ChatShowTime after they
// arrive, then fading out over ChatFadeTime. While the chat line is open,
// and outside matches, every line shows.
const (
	ChatShowTime = 8 * time.Second
	ChatFadeTime = 2 * time.Second
)

// teamCommand switches match chat to team chat and back; "/team text" sends
// one line to the team.
const teamCommand = "/team"

// ChatLine is one chat line.
type ChatLine struct {
	// Channel is "match", "team", "spectators" or "lobby"; "" for a line the client wrote
	// itself (an error).
	Channel string `json:"channel,omitempty"`
	// Seq is the line's sequence number in its channel (0: not numbered,
	// like the answers to commands).
	Seq uint64 `json:"seq,omitempty"`
	// Time is the server's clock when posted, Unix milliseconds (0: unknown).
	Time int64 `json:"time,omitempty"`
	// From is the sender's name as the server set it; empty for system lines.
	From string `json:"from"`
	// Text is the line.
	Text string `json:"text"`
	// Team is the sender's team in the match, 0 when none.
	Team uint32 `json:"team,omitempty"`
	// System is true for lines the server wrote.
	System bool `json:"system,omitempty"`
	// Error is true for the client's own lines about a refused message
	// ("slow down").
	Error bool `json:"error,omitempty"`
	// At is when the client received the line.
	At time.Time `json:"-"`
}

// channelName is the short name of a channel in ChatLine.Channel.
func channelName(c arenav1.ChatChannel) string {
	switch c {
	case arenav1.ChatChannel_CHAT_CHANNEL_MATCH:
		return "match"
	case arenav1.ChatChannel_CHAT_CHANNEL_TEAM:
		return "team"
	case arenav1.ChatChannel_CHAT_CHANNEL_LOBBY:
		return "lobby"
	case arenav1.ChatChannel_CHAT_CHANNEL_SPECTATORS:
		return "spectators"
	}
	return ""
}

// ChatLog keeps the last ChatLogSize lines in the order the server posted
// them. A line delivered twice (history after a reconnect) is kept once.
type ChatLog struct {
	lines []ChatLine
}

// Add inserts a line and reports whether it was new. Numbered lines
// (Seq > 0) equal in channel, seq and time to one kept are duplicates.
// A line with a server time goes after every line not later than it, so
// history that arrives late falls into place; one without goes last. The
// oldest lines beyond ChatLogSize are dropped.
func (c *ChatLog) Add(l ChatLine) bool {
	if l.Seq != 0 {
		for _, o := range c.lines {
			if o.Seq == l.Seq && o.Channel == l.Channel && o.Time == l.Time {
				return false
			}
		}
	}
	i := len(c.lines)
	if l.Time != 0 {
		for i > 0 && c.lines[i-1].Time > l.Time {
			i--
		}
	}
	c.lines = slices.Insert(c.lines, i, l)
	if n := len(c.lines) - ChatLogSize; n > 0 {
		c.lines = append(c.lines[:0], c.lines[n:]...)
	}
	return true
}

// Last returns up to n of the newest lines, oldest first. The slice is shared;
// callers must not modify it.
func (c *ChatLog) Last(n int) []ChatLine {
	if n >= len(c.lines) {
		return c.lines
	}
	return c.lines[len(c.lines)-n:]
}

// Len is the number of lines kept.
func (c *ChatLog) Len() int { return len(c.lines) }

// Clear removes every line.
func (c *ChatLog) Clear() { c.lines = c.lines[:0] }

// chatState is the App's chat: a log for the lobby and one for the match,
// and the line being typed.
type chatState struct {
	lobby, match ChatLog
	open         bool
	draft        LineEditor
	team         bool // match chat goes to the team channel
}

func newChatState() chatState { return chatState{draft: LineEditor{Max: ChatMaxRunes}} }

// log is the log shown on screen s.
func (c *chatState) log(s Screen) *ChatLog {
	if s == ScreenMatch || s == ScreenResults {
		return &c.match
	}
	return &c.lobby
}

// cancel closes the chat line, empty.
func (c *chatState) cancel() {
	c.open = false
	c.draft.Clear()
}

// local adds a line of the client's own (an error) to the log of screen s.
func (c *chatState) local(s Screen, text string) {
	c.log(s).Add(ChatLine{Text: text, Error: true})
}

// chatScreen reports whether screen s has a chat line.
func chatScreen(s Screen) bool {
	return s == ScreenMenu || s == ScreenQueue || s == ScreenMatch
}

// OpenChat opens the chat line, empty: in a match (match or team chat) and
// on the menu and queue screens (lobby chat).
func (a *App) OpenChat() {
	if !chatScreen(a.screen) {
		return
	}
	a.chat.open = true
	a.chat.draft.Clear()
}

// CancelChat closes the chat line without sending it.
func (a *App) CancelChat() { a.chat.cancel() }

// SubmitChat sends the chat line, if it is not blank, and closes it.
func (a *App) SubmitChat() {
	if !a.chat.open {
		return
	}
	a.SendChat(a.chat.draft.Text())
	a.chat.cancel()
}

// ChatOpen reports whether the chat line is open; while it is, the UI types
// into ChatDraft (then calls ChatEdited) and the controls hold still.
func (a *App) ChatOpen() bool { return a.chat.open }

// ChatDraft is the chat line being typed.
func (a *App) ChatDraft() *LineEditor { return &a.chat.draft }

// ChatEdited checks the draft after typing: "/team " at its start toggles
// team chat and is removed.
func (a *App) ChatEdited() {
	if t := a.chat.draft.Text(); t == teamCommand+" " {
		a.chat.draft.Clear()
		a.ToggleTeamChat()
	}
}

// TeamChat reports whether the current match has a team channel for the
// player (a spectator has none).
func (a *App) TeamChat() bool {
	return a.screen == ScreenMatch && a.match.TeamPlay() && !a.match.Spectator()
}

// ToggleTeamChat switches the chat line between match and team chat, in a
// match that has teams.
func (a *App) ToggleTeamChat() {
	if !a.TeamChat() {
		if a.screen == ScreenMatch && !a.match.Spectator() {
			a.fail("no team chat in this mode")
		}
		return
	}
	a.chat.team = !a.chat.team
}

// ChatChannel is where a line typed now goes: the lobby outside matches, the
// match or the team during one, the spectators while watching one.
func (a *App) ChatChannel() arenav1.ChatChannel {
	switch {
	case a.screen != ScreenMatch:
		return arenav1.ChatChannel_CHAT_CHANNEL_LOBBY
	case a.match.Spectator():
		return arenav1.ChatChannel_CHAT_CHANNEL_SPECTATORS
	case a.chat.team && a.TeamChat():
		return arenav1.ChatChannel_CHAT_CHANNEL_TEAM
	default:
		return arenav1.ChatChannel_CHAT_CHANNEL_MATCH
	}
}

// Chat is the chat log the current screen shows: the match's during and
// right after a match, the lobby's otherwise.
func (a *App) Chat() *ChatLog { return a.chat.log(a.screen) }

// ChatAlpha is how visible a chat line is now, 0..1: during play lines fade
// out ChatShowTime after they arrived, unless the chat line is open.
func (a *App) ChatAlpha(l ChatLine) float64 {
	if a.chat.open || a.screen != ScreenMatch {
		return 1
	}
	age := a.now.Sub(l.At)
	switch {
	case age <= ChatShowTime:
		return 1
	case age >= ChatShowTime+ChatFadeTime:
		return 0
	}
	return 1 - float64(age-ChatShowTime)/float64(ChatFadeTime)
}

// SendChat posts text to the current channel (see ChatChannel). "/team"
// toggles team chat and "/team text" sends text to the team once; other
// commands (/mute, /unmute, /report) go to the server. It reports whether a
// line was sent (not when the text is blank or too long, the screen has no
// chat, or the connection is down).
func (a *App) SendChat(text string) bool {
	text = strings.TrimSpace(text)
	if !chatScreen(a.screen) || text == "" {
		return false
	}
	channel := a.ChatChannel()
	if text == teamCommand {
		a.ToggleTeamChat()
		return false
	}
	if rest, ok := strings.CutPrefix(text, teamCommand+" "); ok && a.screen == ScreenMatch {
		if !a.TeamChat() {
			a.fail("no team chat in this mode")
			return false
		}
		text, channel = strings.TrimSpace(rest), arenav1.ChatChannel_CHAT_CHANNEL_TEAM
		if text == "" {
			return false
		}
	}
	if utf8.RuneCountInString(text) > ChatMaxRunes {
		a.fail(fmt.Sprintf("chat lines are at most %d characters", ChatMaxRunes))
		return false
	}
	return a.send(&arenav1.ClientMessage{Body: &arenav1.ClientMessage_ChatSend{
		ChatSend: &arenav1.ChatSend{Channel: channel, Text: text},
	}})
}

// handleChat files a line from the server in the lobby or the match log.
func (a *App) handleChat(c *arenav1.ChatMessage) {
	l := ChatLine{
		Channel: channelName(c.GetChannel()), Seq: c.GetSeq(), Time: c.GetServerTimeMs(),
		From: c.GetSenderName(), Text: c.GetText(), Team: c.GetSenderTeam(), System: c.GetSystem(),
		At: a.now,
	}
	switch c.GetChannel() {
	case arenav1.ChatChannel_CHAT_CHANNEL_LOBBY:
		if a.conn.resuming {
			// Lobby history comes to a player the server holds no seat for.
			a.matchGone()
		}
		a.chat.lobby.Add(l)
	case arenav1.ChatChannel_CHAT_CHANNEL_MATCH, arenav1.ChatChannel_CHAT_CHANNEL_TEAM, arenav1.ChatChannel_CHAT_CHANNEL_SPECTATORS:
		a.chat.match.Add(l)
	default:
		a.chat.log(a.screen).Add(l)
	}
}

// LineEditor is a one-line text field: typed characters are appended,
// Backspace removes the last one, and the length is capped in runes.
// Its zero value is an empty field with no limit.
type LineEditor struct {
	runes []rune
	// Max is the longest the text may grow, in runes; 0 means no limit.
	Max int
}

// Type appends the printable runes of rs, up to Max.
func (e *LineEditor) Type(rs ...rune) {
	for _, r := range rs {
		if r < 0x20 || (r >= 0x7f && r < 0xa0) || r == utf8.RuneError {
			continue
		}
		if e.Max > 0 && len(e.runes) >= e.Max {
			return
		}
		e.runes = append(e.runes, r)
	}
}

// Backspace removes the last rune, if any.
func (e *LineEditor) Backspace() {
	if len(e.runes) > 0 {
		e.runes = e.runes[:len(e.runes)-1]
	}
}

// Text is the field's content.
func (e *LineEditor) Text() string { return string(e.runes) }

// Set replaces the content, trimmed to Max.
func (e *LineEditor) Set(s string) {
	e.runes = e.runes[:0]
	e.Type([]rune(s)...)
}

// Clear empties the field.
func (e *LineEditor) Clear() { e.runes = e.runes[:0] }

// Empty reports whether the field holds only spaces, or nothing.
func (e *LineEditor) Empty() bool { return strings.TrimSpace(string(e.runes)) == "" }
