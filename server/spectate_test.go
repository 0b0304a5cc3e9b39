package server_test

import (
	"testing"
	"time"

	"github.com/arena-server/arena/game"
	"github.com/arena-server/arena/netcode"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

// TestSpectatorWatchesBehindTheMatch: a spectator of a running duel gets its
// start (no ship of its own), then the same states the players saw, tick
// for tick, but SpectateDelay later; chats in a channel the players never
// see; cannot queue while watching; and gets the results after the players.
func TestSpectatorWatchesBehindTheMatch(t *testing.T) {
	cfg := quickDuel(t)
	cfg.SpectateDelay = 500 * time.Millisecond
	ts := startServer(t, cfg)
	alice, bob, carol := connect(t, ts, "alice"), connect(t, ts, "bob"), connect(t, ts, "carol")

	carol.send(spectate("0123456789abcdef"))
	if e := carol.waitError(); e.GetCode() != arenav1.ErrorCode_ERROR_CODE_UNKNOWN_MATCH {
		t.Fatalf("spectating no match: %v", e)
	}
	alice.send(queueJoin("duel"))
	bob.send(queueJoin("duel"))
	id := alice.waitFor("match start", func(m *arenav1.ServerMessage) bool { return m.GetMatchStart() != nil }).GetMatchStart().GetMatchId()

	carol.send(spectate(id))
	start := carol.waitFor("spectator start", func(m *arenav1.ServerMessage) bool { return m.GetMatchStart() != nil }).GetMatchStart()
	delay := uint32(cfg.SpectateDelay.Seconds() * float64(cfg.TickRate))
	if !start.GetSpectator() || start.GetYourShipId() != 0 || start.GetDelayTicks() != delay || start.GetMatchId() != id || len(start.GetPlayers()) != 2 {
		t.Fatalf("spectator's start: %v", start)
	}
	carol.send(queueJoin("duel"))
	if e := carol.waitError(); e.GetCode() != arenav1.ErrorCode_ERROR_CODE_WRONG_PHASE {
		t.Fatalf("queueing while watching: %v", e)
	}
	carol.send(chat("psst, behind you")) // the match channel: players only
	if e := carol.waitError(); e.GetCode() != arenav1.ErrorCode_ERROR_CODE_WRONG_PHASE {
		t.Fatalf("a spectator posting to the match's channel: %v", e)
	}
	carol.send(&arenav1.ClientMessage{Body: &arenav1.ClientMessage_ChatSend{ChatSend: &arenav1.ChatSend{
		Channel: arenav1.ChatChannel_CHAT_CHANNEL_SPECTATORS, Text: "nice shot"}}})

	// Every tick alice saw, with when she saw it, until her results.
	type seen struct {
		at    time.Time
		ships map[game.ShipID]game.Vec
	}
	aliceSaw := make(map[uint32]seen)
	for {
		r := alice.waitReceived("alice's snapshots", func(r received) bool { return r.view != nil || r.msg.GetMatchEnd() != nil })
		if r.msg.GetMatchEnd() != nil {
			break
		}
		if r.msg.GetChatMessage().GetChannel() == arenav1.ChatChannel_CHAT_CHANNEL_SPECTATORS {
			t.Fatalf("a player got the spectators' chat: %v", r.msg)
		}
		aliceSaw[r.view.Tick] = seen{r.at, positions(r.view)}
	}
	aliceEnd := time.Now()

	var compared, lines int
	for {
		r := carol.waitReceived("carol's snapshots", func(r received) bool {
			return r.view != nil || r.msg.GetMatchEnd() != nil || r.msg.GetChatMessage() != nil
		})
		if line := r.msg.GetChatMessage(); line != nil {
			if line.GetChannel() == arenav1.ChatChannel_CHAT_CHANNEL_SPECTATORS && line.GetText() == "nice shot" {
				lines++
			}
			continue
		}
		if r.msg.GetMatchEnd() != nil {
			if r.at.Before(aliceEnd) {
				t.Errorf("the spectator got the results before the players")
			}
			break
		}
		a, ok := aliceSaw[r.view.Tick]
		if !ok {
			continue // alice may have missed a tick; compare those both saw
		}
		for ship, pos := range a.ships {
			if positions(r.view)[ship] != pos {
				t.Fatalf("tick %d: the spectator sees ship %d at %v, alice saw %v", r.view.Tick, ship, positions(r.view)[ship], pos)
			}
		}
		if lag := r.at.Sub(a.at); lag < cfg.SpectateDelay/2 {
			t.Fatalf("tick %d reached the spectator %v after alice: less than the delay (%v)", r.view.Tick, lag, cfg.SpectateDelay)
		}
		compared++
	}
	if compared < 30 || lines != 1 {
		t.Fatalf("compared %d ticks with alice's, %d spectator chat lines; want the match and the one line", compared, lines)
	}
	carol.send(queueJoin("duel"))
	carol.waitFor("queued after the match", func(m *arenav1.ServerMessage) bool {
		return m.GetQueueStatus().GetState() == arenav1.QueueState_QUEUE_STATE_QUEUED
	})
}

func spectate(id string) *arenav1.ClientMessage {
	return &arenav1.ClientMessage{Body: &arenav1.ClientMessage_Spectate{Spectate: &arenav1.Spectate{MatchId: id}}}
}

// positions maps each ship of a view to where it is.
func positions(v *netcode.View) map[game.ShipID]game.Vec {
	out := make(map[game.ShipID]game.Vec, len(v.Ships))
	for _, s := range v.Ships {
		out[s.ID] = s.Pos
	}
	return out
}
