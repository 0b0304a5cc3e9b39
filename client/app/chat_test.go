package app

import (
	"strings"
	"testing"
	"testing/synctest"
	"time"

	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

func TestChatLogOrderAndDuplicates(t *testing.T) {
	var c ChatLog
	add := func(channel string, seq uint64, ms int64, text string) bool {
		return c.Add(ChatLine{Channel: channel, Seq: seq, Time: ms, Text: text})
	}
	add("match", 2, 2000, "b")
	add("team", 1, 2500, "t")
	add("match", 3, 3000, "c")
	// History after a reconnect: old lines again, one missed while away.
	if add("match", 2, 2000, "b") || add("team", 1, 2500, "t") {
		t.Fatal("a line delivered twice was added twice")
	}
	if !add("match", 1, 1000, "a") {
		t.Fatal("an older line missing from the log was refused")
	}
	// Unnumbered lines (answers to commands) always go last.
	add("match", 0, 0, "notice")
	add("match", 0, 0, "notice")
	// A channel numbered anew (a restarted server) is not a duplicate.
	if !add("match", 2, 9000, "b again") {
		t.Fatal("a new line with an old seq was refused")
	}
	var texts []string
	for _, l := range c.Last(ChatLogSize) {
		texts = append(texts, l.Text)
	}
	if got := strings.Join(texts, "|"); got != "a|b|t|c|notice|notice|b again" {
		t.Fatalf("log = %q", got)
	}
}

// startTeamMatch takes the App from the menu into a 2v2 (ship 1 with 3).
func (h *harness) startTeamMatch() {
	h.t.Helper()
	h.a.JoinQueue()
	h.serve(msg(&arenav1.ServerMessage_MatchStart{MatchStart: &arenav1.MatchStart{
		MatchId: "t1", Mode: "teams", YourShipId: 1, TickRate: 30, Teams: 2,
		Players: []*arenav1.PlayerInfo{
			{ShipId: 1, Name: "alice", Team: 1}, {ShipId: 2, Name: "bob", Team: 2},
			{ShipId: 3, Name: "carol", Team: 1}, {ShipId: 4, Name: "dave", Team: 2},
		},
	}}))
	h.wantScreen(ScreenMatch)
	h.sent()
}

// chatSent returns the chat lines the client sent since the last call.
func (h *harness) chatSent() []*arenav1.ChatSend {
	var out []*arenav1.ChatSend
	for _, m := range h.sent() {
		if c := m.GetChatSend(); c != nil {
			out = append(out, c)
		}
	}
	return out
}

func TestTeamChat(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.signIn("alice")
		h.startTeamMatch()
		if !h.a.TeamChat() || h.a.ChatChannel() != arenav1.ChatChannel_CHAT_CHANNEL_MATCH {
			t.Fatalf("team chat %v, channel %v", h.a.TeamChat(), h.a.ChatChannel())
		}
		// Tab toggles.
		h.a.ToggleTeamChat()
		if h.a.Probe(0).ChatChannel != "team" {
			t.Fatal("Tab did not switch to team chat")
		}
		h.a.SendChat("push left")
		h.a.ToggleTeamChat()
		h.a.SendChat("gl hf")
		// Typing "/team " toggles and clears the draft.
		h.a.OpenChat()
		h.a.ChatDraft().Type([]rune("/team ")...)
		h.a.ChatEdited()
		if h.a.ChatDraft().Text() != "" || h.a.ChatChannel() != arenav1.ChatChannel_CHAT_CHANNEL_TEAM {
			t.Fatalf("after typing /team: draft %q channel %v", h.a.ChatDraft().Text(), h.a.ChatChannel())
		}
		h.a.CancelChat()
		h.a.ToggleTeamChat() // back to match chat
		// "/team text" sends one line to the team; "/team" alone toggles.
		h.a.SendChat("/team  on my way ")
		h.a.SendChat("/team")
		if h.a.ChatChannel() != arenav1.ChatChannel_CHAT_CHANNEL_TEAM {
			t.Fatal("/team did not toggle")
		}
		// Other commands go to the server as they are.
		h.a.SendChat("/mute bob")
		var got []string
		for _, c := range h.chatSent() {
			got = append(got, strings.ToLower(strings.TrimPrefix(c.GetChannel().String(), "CHAT_CHANNEL_"))+":"+c.GetText())
		}
		want := "team:push left|match:gl hf|team:on my way|team:/mute bob"
		if strings.Join(got, "|") != want {
			t.Fatalf("sent %q, want %q", strings.Join(got, "|"), want)
		}
		// Team lines land in the match log with their channel.
		h.serve(msg(&arenav1.ServerMessage_ChatMessage{ChatMessage: &arenav1.ChatMessage{
			Channel: arenav1.ChatChannel_CHAT_CHANNEL_TEAM, Seq: 1, ServerTimeMs: 5, SenderName: "carol", SenderTeam: 1, Text: "ok",
		}}))
		if l := h.a.Chat().Last(1)[0]; l.Channel != "team" || l.Team != 1 {
			t.Fatalf("team line = %+v", l)
		}
		h.a.Close()
	})
}

func TestNoTeamChatInDuel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.signIn("alice")
		h.startMatch()
		h.a.ToggleTeamChat()
		if h.a.TeamChat() || h.a.ChatChannel() != arenav1.ChatChannel_CHAT_CHANNEL_MATCH {
			t.Fatal("team chat in a duel")
		}
		if !strings.Contains(h.a.Notice(), "no team chat") {
			t.Fatalf("notice = %q", h.a.Notice())
		}
		if h.a.SendChat("/team hi") || len(h.chatSent()) != 0 {
			t.Fatal("/team sent in a duel")
		}
		h.a.Close()
	})
}

func TestLobbyAndMatchLogs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.signIn("alice")
		lobby := arenav1.ChatChannel_CHAT_CHANNEL_LOBBY
		h.serve(chatLine(lobby, 1, 100, "bob", "anyone for a duel?"))
		if p := h.a.Probe(0); len(p.Chat) != 1 || p.Chat[0].Channel != "lobby" || p.ChatChannel != "lobby" {
			t.Fatalf("menu probe chat = %+v (%s)", p.Chat, p.ChatChannel)
		}
		h.startMatch()
		if h.a.Chat().Len() != 0 {
			t.Fatal("the match shows lobby lines")
		}
		h.serve(chatLine(arenav1.ChatChannel_CHAT_CHANNEL_MATCH, 1, 200, "", "Match started"))
		h.serve(msg(&arenav1.ServerMessage_MatchEnd{MatchEnd: &arenav1.MatchEnd{MatchId: "m1"}}))
		if h.a.Chat().Len() != 1 {
			t.Fatal("the results screen lost the match chat")
		}
		h.a.BackToMenu()
		if l := h.a.Chat().Last(1); len(l) != 1 || l[0].Text != "anyone for a duel?" {
			t.Fatalf("menu chat after the match = %+v", l)
		}
		h.a.Close()
	})
}

func TestChatFades(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.signIn("alice")
		h.startMatch()
		h.serve(chatLine(arenav1.ChatChannel_CHAT_CHANNEL_MATCH, 1, 200, "bob", "hi"))
		l := h.a.Chat().Last(1)[0]
		steps := []struct {
			after time.Duration
			open  bool
			want  float64
		}{
			{0, false, 1},
			{ChatShowTime, false, 1},
			{ChatShowTime + ChatFadeTime/2, false, 0.5},
			{ChatShowTime + ChatFadeTime, false, 0},
			{ChatShowTime + ChatFadeTime, true, 1}, // typing brings lines back
		}
		start := time.Now()
		for _, s := range steps {
			time.Sleep(start.Add(s.after).Sub(time.Now()))
			h.step()
			if s.open {
				h.a.OpenChat()
			}
			if got := h.a.ChatAlpha(l); got != s.want {
				t.Fatalf("alpha after %v (open %v) = %v, want %v", s.after, s.open, got, s.want)
			}
		}
		h.a.Close()
	})
}

func TestRateLimitedChatShown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.signIn("alice")
		h.startMatch()
		h.serve(msg(&arenav1.ServerMessage_Error{Error: &arenav1.Error{Code: arenav1.ErrorCode_ERROR_CODE_RATE_LIMITED, Message: "slow down: too many chat messages"}}))
		if n := h.a.Notice(); !strings.Contains(n, "slow down") {
			t.Fatalf("notice = %q", n)
		}
		l := h.a.Chat().Last(1)
		if len(l) != 1 || !l[0].Error || !strings.Contains(l[0].Text, "slow down") {
			t.Fatalf("chat = %+v", l)
		}
		h.a.Close()
	})
}

func TestQueueStatusDetails(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.signIn("alice")
		h.a.JoinQueue()
		h.serve(msg(&arenav1.ServerMessage_QueueStatus{QueueStatus: &arenav1.QueueStatus{
			State: arenav1.QueueState_QUEUE_STATE_QUEUED, Mode: "duel", WaitedMs: 4000, PlayersQueued: 3,
			SearchRange: 150, EstimatedWaitMs: 10000,
		}}))
		time.Sleep(3 * time.Second)
		h.step()
		q := h.a.Queue()
		if q.Waited != 7*time.Second || q.Players != 3 || q.SearchRange != 150 || !q.Estimated || q.Estimate != 7*time.Second {
			t.Fatalf("queue = %+v", q)
		}
		time.Sleep(20 * time.Second)
		h.step()
		if q := h.a.Queue(); q.Estimate != 0 || !q.Estimated {
			t.Fatalf("estimate after it passed = %+v", q)
		}
		h.a.Close()
	})
}
