package server_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/arena-server/arena/game"
	"github.com/arena-server/arena/netcode"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
	"github.com/arena-server/arena/server"
)

const (
	matchChannel = arenav1.ChatChannel_CHAT_CHANNEL_MATCH
	teamChannel  = arenav1.ChatChannel_CHAT_CHANNEL_TEAM
	lobbyChannel = arenav1.ChatChannel_CHAT_CHANNEL_LOBBY
)

// startMatch queues clients for mode and waits until each has its MatchStart.
func startMatch(t *testing.T, mode string, clients ...*client) map[*client]*arenav1.MatchStart {
	t.Helper()
	for _, c := range clients {
		c.send(queueJoin(mode))
	}
	starts := make(map[*client]*arenav1.MatchStart)
	for _, c := range clients {
		starts[c] = c.waitFor("match start", func(m *arenav1.ServerMessage) bool { return m.GetMatchStart() != nil }).GetMatchStart()
	}
	return starts
}

func teamOf(start *arenav1.MatchStart) uint32 {
	for _, p := range start.GetPlayers() {
		if p.GetShipId() == start.GetYourShipId() {
			return p.GetTeam()
		}
	}
	return 0
}

func TestTeamChatStaysInTheTeam(t *testing.T) {
	cfg := quickDuel(t)
	teams := cfg.Modes[0]
	teams.Name, teams.PlayersPerTeam, teams.TimeLimit = "teams", 2, time.Minute
	cfg.Modes = []game.Mode{teams}
	ts := startServer(t, cfg)
	var players []*client
	for i := range 4 {
		players = append(players, connect(t, ts, fmt.Sprintf("p%d", i)))
	}
	starts := startMatch(t, "teams", players...)
	speaker := players[0]
	var mates, rivals []*client
	for _, c := range players[1:] {
		if teamOf(starts[c]) == teamOf(starts[speaker]) {
			mates = append(mates, c)
		} else {
			rivals = append(rivals, c)
		}
	}
	if len(mates) != 1 || len(rivals) != 2 {
		t.Fatalf("teams of %d and %d, want 2v2", len(mates)+1, len(rivals))
	}

	speaker.send(chatOn(teamChannel, "rush left"))
	speaker.send(chatOn(matchChannel, "gl hf"))
	got := mates[0].waitFor("team line", chatLine("rush left")).GetChatMessage()
	if got.GetChannel() != teamChannel || got.GetSenderName() != "p0" || got.GetSenderTeam() != teamOf(starts[speaker]) {
		t.Fatalf("teammate got %v", got)
	}
	for _, r := range rivals {
		// The match line was posted after the team line, by the same match goroutine.
		if lines := r.linesUntil("gl hf"); slices.Contains(lines, "rush left") {
			t.Fatalf("team line leaked to the other team: %v", lines)
		}
	}
}

func TestLobbyChatNeverReachesAMatch(t *testing.T) {
	ts := startServer(t, quickDuel(t))
	alice, bob := connect(t, ts, "alice"), connect(t, ts, "bob")
	startMatch(t, "duel", alice, bob)
	carol := connect(t, ts, "carol")

	carol.send(chatOn(lobbyChannel, "anyone here?"))
	carol.waitFor("own lobby line", chatLine("anyone here?"))
	carol.sync()
	alice.send(chat("marker"))
	for _, c := range []*client{alice, bob} {
		if lines := c.linesUntil("marker"); slices.Contains(lines, "anyone here?") {
			t.Fatalf("lobby line reached the match: %v", lines)
		}
	}
	// In the match, the lobby is closed; out of it, the match channel is.
	alice.send(chatOn(lobbyChannel, "hi lobby"))
	if code := alice.waitError().GetCode(); code != arenav1.ErrorCode_ERROR_CODE_WRONG_PHASE {
		t.Fatalf("lobby chat from a match: %v", code)
	}
	carol.send(chatOn(matchChannel, "let me in"))
	if code := carol.waitError().GetCode(); code != arenav1.ErrorCode_ERROR_CODE_NOT_IN_MATCH {
		t.Fatalf("match chat from the lobby: %v", code)
	}
	// A newcomer to the lobby gets its history.
	dave := connect(t, ts, "dave")
	dave.waitFor("lobby history", chatLine("anyone here?"))
}

func TestChatHistoryAndSeatSurviveAReconnect(t *testing.T) {
	cfg := quickDuel(t)
	cfg.Modes[0].TimeLimit = time.Minute
	ts := startServer(t, cfg)
	alice, bob := connect(t, ts, "alice"), connect(t, ts, "bob")
	starts := startMatch(t, "duel", alice, bob)

	alice.send(chat("one"))
	bob.waitFor("one", chatLine("one"))
	bob.ws.Close() // the connection drops without a goodbye
	alice.waitFor("bob dropped", chatLine("bob lost connection"))
	alice.send(chat("said while you were away"))
	alice.waitFor("own line", chatLine("said while you were away"))

	bob = resume(t, ts, bob.token, "bob")
	start := bob.waitFor("match start again", func(m *arenav1.ServerMessage) bool { return m.GetMatchStart() != nil }).GetMatchStart()
	if start.GetMatchId() != starts[alice].GetMatchId() {
		t.Fatalf("resumed into match %s, want %s", start.GetMatchId(), starts[alice].GetMatchId())
	}
	lines := bob.linesUntil("said while you were away")
	if !slices.Contains(lines, "one") {
		t.Fatalf("history after reconnect %v lacks the line before the drop", lines)
	}
	view := bob.waitView("snapshot", func(*netcode.View) bool { return true })
	if len(view.Ships) != 2 || view.Baseline != 0 {
		t.Fatalf("first snapshot after reconnect: %d ships, baseline %d; want a full one of 2", len(view.Ships), view.Baseline)
	}
	alice.waitFor("bob is back", chatLine("bob is back"))
}

func TestDroppedPlayerForfeitsAfterTheGracePeriod(t *testing.T) {
	cfg := quickDuel(t)
	cfg.Modes[0].TimeLimit = time.Minute
	cfg.ReconnectGrace = 100 * time.Millisecond
	ts := startServer(t, cfg)
	alice, bob := connect(t, ts, "alice"), connect(t, ts, "bob")
	startMatch(t, "duel", alice, bob)
	bob.ws.Close()
	end := alice.waitFor("match end", func(m *arenav1.ServerMessage) bool { return m.GetMatchEnd() != nil }).GetMatchEnd()
	if end.GetReason() != arenav1.MatchEndReason_MATCH_END_REASON_ABANDONED {
		t.Fatalf("match ended %v, want abandoned", end.GetReason())
	}
	for _, r := range end.GetResults() {
		if (r.GetName() == "bob") != r.GetLeft() || (r.GetName() == "alice") != (r.GetPlacement() == 1) {
			t.Fatalf("result %v", r)
		}
	}
}

func TestChatRateLimitSaysSlowDown(t *testing.T) {
	ts := startServer(t, server.Config{ChatBurst: 3, ChatEvery: time.Hour})
	c := connect(t, ts, "chatty")
	for i := range 3 {
		c.send(chatOn(lobbyChannel, fmt.Sprint("line ", i)))
		c.waitFor("own line", chatLine(fmt.Sprint("line ", i)))
	}
	c.send(chatOn(lobbyChannel, "one too many"))
	e := c.waitError()
	if e.GetCode() != arenav1.ErrorCode_ERROR_CODE_RATE_LIMITED || e.GetMessage() == "" {
		t.Fatalf("fourth line: %v", e)
	}
}

func TestMuteHidesOnlyTheMutedPlayer(t *testing.T) {
	ts := startServer(t, server.Config{ChatWords: []string{"darn"}})
	alice, bob, carol := connect(t, ts, "alice"), connect(t, ts, "bob"), connect(t, ts, "carol")
	carol.send(chatOn(lobbyChannel, "/mute BOB"))
	carol.waitFor("mute confirmed", chatLine("You muted BOB."))
	bob.send(chatOn(lobbyChannel, "darn spam"))
	bob.waitFor("own masked line", chatLine("**** spam"))
	bob.sync()
	alice.send(chatOn(lobbyChannel, "marker"))
	if lines := carol.linesUntil("marker"); slices.Contains(lines, "**** spam") {
		t.Fatalf("muted player's line reached carol: %v", lines)
	}
	carol.send(chatOn(lobbyChannel, "/unmute bob"))
	carol.waitFor("unmute confirmed", chatLine("You unmuted bob."))
	bob.send(chatOn(lobbyChannel, "hello again"))
	carol.waitFor("unmuted line", chatLine("hello again"))

	carol.send(chatOn(lobbyChannel, "/report bob spam"))
	carol.waitFor("report confirmed", chatLine("Thanks: your report on bob was recorded."))
	carol.send(chatOn(lobbyChannel, "/dance"))
	if code := carol.waitError().GetCode(); code != arenav1.ErrorCode_ERROR_CODE_INVALID_CHAT {
		t.Fatalf("unknown command: %v", code)
	}
}

func TestChatValidation(t *testing.T) {
	ts := startServer(t, server.Config{})
	c := connect(t, ts, "val")
	// Invalid UTF-8 cannot be built with proto.Marshal: write the frame by hand.
	var body []byte
	body = protowire.AppendTag(body, 2, protowire.BytesType)
	body = protowire.AppendString(body, "bad \xff")
	var frame []byte
	frame = protowire.AppendTag(frame, 14, protowire.BytesType)
	frame = protowire.AppendBytes(frame, body)
	c.sendRaw(websocket.BinaryMessage, frame)
	if code := c.waitError().GetCode(); code != arenav1.ErrorCode_ERROR_CODE_BAD_MESSAGE {
		t.Fatalf("invalid UTF-8: %v", code)
	}
	c.send(chatOn(lobbyChannel, "\x00\x07 clean me \u200b"))
	c.waitFor("cleaned line", chatLine("clean me"))
	c.send(chatOn(arenav1.ChatChannel(42), "where?"))
	if code := c.waitError().GetCode(); code != arenav1.ErrorCode_ERROR_CODE_INVALID_ARGUMENT {
		t.Fatalf("unknown channel: %v", code)
	}
}
