package server_test

import (
	"testing"
	"time"

	"github.com/arena-server/arena/game"
	"github.com/arena-server/arena/netcode"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
	"github.com/arena-server/arena/server"
)

// quickDuel is a duel short enough to play to its end in a test.
func quickDuel(t *testing.T) server.Config {
	t.Helper()
	duel := game.DefaultModes()[0]
	if duel.Name != "duel" {
		t.Fatalf("first default mode is %q, want duel", duel.Name)
	}
	duel.TimeLimit = 2 * time.Second
	rules := game.DefaultRules()
	rules.Countdown = 200 * time.Millisecond
	return server.Config{
		TickRate:          60,
		Modes:             []game.Mode{duel},
		Rules:             &rules,
		QueuePassInterval: 10 * time.Millisecond,
	}
}

// TestDuelEndToEnd plays a whole duel through the real server: sign in,
// queue, match, move, chat, results, and queue again.
func TestDuelEndToEnd(t *testing.T) {
	ts := startServer(t, quickDuel(t))
	alice, bob := connect(t, ts, "alice"), connect(t, ts, "bob")

	alice.send(queueJoin("duel"))
	bob.send(queueJoin("duel"))
	for _, c := range []*client{alice, bob} {
		found := c.waitFor("match found", func(m *arenav1.ServerMessage) bool { return m.GetMatchFound() != nil })
		if found.GetMatchFound().GetMode() != "duel" {
			t.Fatalf("match found for mode %q", found.GetMatchFound().GetMode())
		}
	}
	startA := alice.waitFor("match start", func(m *arenav1.ServerMessage) bool { return m.GetMatchStart() != nil }).GetMatchStart()
	startB := bob.waitFor("match start", func(m *arenav1.ServerMessage) bool { return m.GetMatchStart() != nil }).GetMatchStart()
	if len(startA.GetPlayers()) != 2 || startA.GetTickRate() != 60 || len(startA.GetMap().GetWalls()) == 0 {
		t.Fatalf("match start: %v", startA)
	}
	aliceShip := startA.GetYourShipId()
	if aliceShip == startB.GetYourShipId() || startA.GetMatchId() != startB.GetMatchId() {
		t.Fatalf("ships %d and %d in matches %s and %s", aliceShip, startB.GetYourShipId(), startA.GetMatchId(), startB.GetMatchId())
	}

	// Once play starts, alice holds "right" for a few ticks; bob sees her ship move.
	playing := func(v *netcode.View) bool { return v.Phase == game.PhasePlaying }
	before := shipIn(t, bob.waitView("play", playing), aliceShip)
	const moves = 6
	for seq := uint32(1); seq <= moves; seq++ {
		alice.send(input(seq, arenav1.Button_BUTTON_RIGHT))
	}
	bob.waitView("alice moving right", func(v *netcode.View) bool {
		now := shipIn(t, v, aliceShip)
		return now.Pos.X > before.Pos.X && now.Pos.Y == before.Pos.Y
	})
	alice.waitView("inputs acknowledged", func(v *netcode.View) bool { return v.Ack == moves })

	alice.send(chat("  good luck\u0007 "))
	line := bob.waitFor("chat", func(m *arenav1.ServerMessage) bool { return m.GetChatMessage() != nil }).GetChatMessage()
	if line.GetSenderName() != "alice" || line.GetText() != "good luck" || line.GetSystem() {
		t.Fatalf("bob got chat %v", line)
	}

	for _, c := range []*client{alice, bob} {
		end := c.waitFor("match end", func(m *arenav1.ServerMessage) bool { return m.GetMatchEnd() != nil }).GetMatchEnd()
		if end.GetReason() != arenav1.MatchEndReason_MATCH_END_REASON_TIME_LIMIT || len(end.GetResults()) != 2 {
			t.Fatalf("match end: %v", end)
		}
		for _, r := range end.GetResults() {
			if r.GetName() == "" || r.GetPlacement() == 0 {
				t.Fatalf("result without name or placement: %v", r)
			}
		}
	}

	// Back in the lobby, alice can queue again.
	alice.send(queueJoin("duel"))
	status := alice.waitFor("queued again", func(m *arenav1.ServerMessage) bool { return m.GetQueueStatus() != nil }).GetQueueStatus()
	if status.GetState() != arenav1.QueueState_QUEUE_STATE_QUEUED {
		t.Fatalf("queue status after the match: %v", status)
	}
}

func shipIn(t *testing.T, v *netcode.View, id uint32) netcode.ShipState {
	t.Helper()
	for _, sh := range v.Ships {
		if uint32(sh.ID) == id {
			return sh
		}
	}
	t.Fatalf("ship %d not in snapshot of tick %d", id, v.Tick)
	return netcode.ShipState{}
}
