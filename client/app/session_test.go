package app

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/arena-server/arena/netcode/transport"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

// drop ends the current connection as a network failure would.
func (h *harness) drop() {
	close(h.conn().toClient)
	h.step()
}

// authenticated is the server's answer to alice's token.
func authenticated() *arenav1.ServerMessage {
	return msg(&arenav1.ServerMessage_Authenticated{Authenticated: &arenav1.Authenticated{PlayerId: "id-alice", Name: "alice"}})
}

// wantAuth checks that the client's next message authenticates with token.
func (h *harness) wantAuth(token string) {
	h.t.Helper()
	if m := h.sentOnly(); m.GetAuthenticate().GetToken() != token {
		h.t.Fatalf("sent %v, want authenticate with %q", m, token)
	}
}

func chatLine(channel arenav1.ChatChannel, seq uint64, ms int64, from, text string) *arenav1.ServerMessage {
	return msg(&arenav1.ServerMessage_ChatMessage{ChatMessage: &arenav1.ChatMessage{
		Channel: channel, Seq: seq, ServerTimeMs: ms, SenderName: from, Text: text,
	}})
}

func inputsIn(ms []*arenav1.ClientMessage) []*arenav1.Input {
	var out []*arenav1.Input
	for _, m := range ms {
		if in := m.GetInput(); in != nil {
			out = append(out, in)
		}
	}
	return out
}

func TestReconnectResumesMatch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.signIn("alice")
		if s, ok := h.store.Load(); !ok || s.Token != "tok-alice" {
			t.Fatalf("stored session = %+v, %v", s, ok)
		}
		h.startMatch()
		match := arenav1.ChatChannel_CHAT_CHANNEL_MATCH
		h.serve(
			snapshot(5, arenav1.MatchPhase_MATCH_PHASE_PLAYING, ship{ID: 1, Team: 1, X: 100 * SubUnits, Y: 100 * SubUnits, Alive: true, Health: 100}),
			chatLine(match, 1, 1000, "", "Match started"),
			chatLine(match, 2, 2000, "bob", "hi"),
		)
		time.Sleep(100 * time.Millisecond)
		h.step()
		seqBefore := h.a.InputSeq()
		if seqBefore == 0 {
			t.Fatal("no inputs before the drop")
		}

		h.drop()
		h.wantScreen(ScreenMatch)
		if !h.a.Reconnecting() || h.a.Online() || !strings.Contains(h.a.Status(), "reconnecting") {
			t.Fatalf("after the drop: reconnecting %v online %v status %q", h.a.Reconnecting(), h.a.Online(), h.a.Status())
		}
		if h.a.Notice() != "" {
			t.Fatalf("a drop that reconnects shows notice %q", h.a.Notice())
		}
		// The first attempt waits ReconnectMin (250ms with Rand 0.5).
		time.Sleep(200 * time.Millisecond)
		h.step()
		if n := h.d.dialed(); n != 1 {
			t.Fatalf("reconnected after 200ms (%d connections)", n)
		}
		time.Sleep(50 * time.Millisecond)
		h.step()
		if n := h.d.dialed(); n != 2 {
			t.Fatalf("%d connections after 250ms, want a reconnect", n)
		}
		h.wantAuth("tok-alice")
		if len(h.d.names) != 1 {
			t.Fatalf("signed in again: %v", h.d.names)
		}

		// Authenticated: waiting for the match; no inputs meanwhile.
		h.serve(authenticated())
		if !h.a.Resuming() || h.a.Reconnecting() {
			t.Fatalf("resuming %v reconnecting %v", h.a.Resuming(), h.a.Reconnecting())
		}
		time.Sleep(200 * time.Millisecond)
		h.step()
		if in := inputsIn(h.sent()); len(in) != 0 {
			t.Fatalf("sent %d inputs while resuming", len(in))
		}

		// MatchStart again, the history (with a line said while away), snapshots.
		h.serve(
			msg(&arenav1.ServerMessage_MatchStart{MatchStart: &arenav1.MatchStart{
				MatchId: "m1", Mode: "duel", YourShipId: 1, TickRate: 30, Teams: 2,
				Players: []*arenav1.PlayerInfo{{ShipId: 1, Name: "alice", Team: 1}, {ShipId: 2, Name: "bob", Team: 2}},
			}}),
			chatLine(match, 1, 1000, "", "Match started"),
			chatLine(match, 2, 2000, "bob", "hi"),
			chatLine(match, 3, 3000, "bob", "where did you go?"),
			chatLine(match, 4, 4000, "", "alice is back"),
		)
		h.wantScreen(ScreenMatch)
		if h.a.Resuming() || !h.a.Online() {
			t.Fatalf("not resumed: resuming %v online %v", h.a.Resuming(), h.a.Online())
		}
		var texts []string
		for _, l := range h.a.Chat().Last(ChatLogSize) {
			texts = append(texts, l.Text)
		}
		if got := strings.Join(texts, "|"); got != "Match started|hi|where did you go?|alice is back" {
			t.Fatalf("chat after resume = %q", got)
		}
		time.Sleep(100 * time.Millisecond)
		h.step()
		in := inputsIn(h.sent())
		if len(in) == 0 || in[0].GetSeq() <= seqBefore {
			t.Fatalf("inputs after resume %v, want sequence numbers after %d", in, seqBefore)
		}
		h.a.Close()
	})
}

func TestReconnectBacksOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.signIn("alice")
		h.drop()
		h.d.mu.Lock()
		h.d.connErr = errors.New("connection refused")
		h.d.mu.Unlock()
		// Each failure waits twice as long as the last, from 250ms up to 4s.
		// (The App sees a failure at its next frame, 10ms on.)
		var fails []time.Time
		start := time.Now()
		for time.Since(start) < 16*time.Second {
			time.Sleep(10 * time.Millisecond)
			before := h.a.conn.attempt
			h.step()
			if h.a.conn.attempt != before {
				fails = append(fails, time.Now())
			}
		}
		want := []time.Duration{500, 1000, 2000, 4000, 4000, 4000}
		var gaps []time.Duration
		for i := 1; i < len(fails); i++ {
			gaps = append(gaps, fails[i].Sub(fails[i-1])-10*time.Millisecond)
		}
		if len(gaps) != len(want) {
			t.Fatalf("waits between attempts %v, want %v ms", gaps, want)
		}
		for i := range want {
			if gaps[i] != want[i]*time.Millisecond {
				t.Fatalf("waits between attempts %v, want %v ms", gaps, want)
			}
		}
		h.wantScreen(ScreenMenu)
		if !h.a.Reconnecting() {
			t.Fatal("gave up reconnecting")
		}
		h.a.StopReconnecting()
		h.wantScreen(ScreenName)
		if h.a.StoredName() != "alice" {
			t.Fatalf("stored name after giving up = %q", h.a.StoredName())
		}
		h.a.Close()
	})
}

func TestRefusedTokenBackToNameScreen(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.signIn("alice")
		h.startMatch()
		h.drop()
		time.Sleep(time.Second)
		h.step()
		h.wantAuth("tok-alice")
		// The server restarted with another secret: the token is refused.
		c := h.conn()
		c.toClient <- msg(&arenav1.ServerMessage_Error{Error: &arenav1.Error{Code: arenav1.ErrorCode_ERROR_CODE_UNAUTHENTICATED, Message: "token signature invalid"}})
		close(c.toClient)
		h.step()
		h.wantScreen(ScreenName)
		if _, ok := h.store.Load(); ok {
			t.Fatal("the refused token is still stored")
		}
		if h.a.StoredName() != "" || h.a.Reconnecting() || h.a.Match() != nil {
			t.Fatalf("after refusal: stored %q reconnecting %v match %v", h.a.StoredName(), h.a.Reconnecting(), h.a.Match())
		}
		if n := h.a.Notice(); !strings.Contains(n, "sign in again") {
			t.Fatalf("notice = %q", n)
		}
		time.Sleep(10 * time.Second)
		h.step()
		if n := h.d.dialed(); n != 2 {
			t.Fatalf("%d connections: reconnected with a refused token", n)
		}
	})
}

func TestReplacedConnectionStops(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.signIn("alice")
		c := h.conn()
		c.toClient <- msg(&arenav1.ServerMessage_Error{Error: &arenav1.Error{Code: arenav1.ErrorCode_ERROR_CODE_UNAUTHENTICATED, Message: "signed in from another connection"}})
		close(c.toClient)
		h.step()
		h.wantScreen(ScreenName)
		time.Sleep(10 * time.Second)
		h.step()
		if n := h.d.dialed(); n != 1 {
			t.Fatalf("%d connections: a replaced window fought back", n)
		}
		if n := h.a.LastError(); !strings.Contains(n, "another window") {
			t.Fatalf("last error = %q", n)
		}
		// Play as the stored session again: the same token, no new sign-in.
		if h.a.StoredName() != "alice" {
			t.Fatalf("stored name = %q", h.a.StoredName())
		}
		h.a.PlayAs()
		h.step()
		h.wantAuth("tok-alice")
		h.serve(authenticated())
		h.wantScreen(ScreenMenu)
		if len(h.d.names) != 1 {
			t.Fatalf("signed in %v", h.d.names)
		}
		h.a.Close()
	})
}

func TestStoredSessionSkipsNameScreen(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := &MemoryStore{}
		store.Save(transport.Session{Token: "tok-alice", PlayerID: "id-alice", Name: "alice"})
		h := newHarnessWith(t, store)
		if h.a.Name() != "alice" || h.a.StoredName() != "alice" {
			t.Fatalf("name %q stored %q", h.a.Name(), h.a.StoredName())
		}
		h.step()
		h.wantAuth("tok-alice")
		if !h.a.Connecting() || !strings.Contains(h.a.Status(), "alice") {
			t.Fatalf("connecting %v status %q", h.a.Connecting(), h.a.Status())
		}
		// The page was reloaded during a match: the server resumes it.
		h.serve(authenticated(), msg(&arenav1.ServerMessage_MatchStart{MatchStart: &arenav1.MatchStart{
			MatchId: "m7", Mode: "duel", YourShipId: 2, TickRate: 30, Teams: 2,
		}}))
		h.wantScreen(ScreenMatch)
		if len(h.d.names) != 0 {
			t.Fatalf("signed in anew: %v", h.d.names)
		}
		if m := h.a.Match(); m.ID != "m7" || m.OwnID() != 2 {
			t.Fatalf("match %q ship %d", m.ID, m.OwnID())
		}
		h.a.Close()
	})
}

func TestStoredSessionServerDown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := &MemoryStore{}
		store.Save(transport.Session{Token: "tok-alice", Name: "alice"})
		h := newHarnessWith(t, store)
		h.d.connErr = errors.New("connection refused")
		h.step()
		h.step()
		h.wantScreen(ScreenName)
		if !strings.HasPrefix(h.a.Notice(), "could not connect") || h.a.StoredName() != "alice" {
			t.Fatalf("notice %q stored %q", h.a.Notice(), h.a.StoredName())
		}
		// Change name: the stored session goes; a new name signs in anew.
		h.a.ForgetSession()
		if _, ok := store.Load(); ok || h.a.StoredName() != "" {
			t.Fatal("session kept after ForgetSession")
		}
	})
}

func TestResumeFindsMatchGone(t *testing.T) {
	for _, lobbyLine := range []bool{false, true} {
		name := "timeout"
		if lobbyLine {
			name = "lobby history"
		}
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newHarness(t)
				h.signIn("alice")
				h.startMatch()
				h.drop()
				time.Sleep(time.Second)
				h.step()
				h.wantAuth("tok-alice")
				h.serve(authenticated())
				if !h.a.Resuming() {
					t.Fatal("not resuming")
				}
				if lobbyLine {
					h.serve(chatLine(arenav1.ChatChannel_CHAT_CHANNEL_LOBBY, 9, 9000, "carol", "anyone?"))
				} else {
					time.Sleep(3 * time.Second)
					h.step()
				}
				h.wantScreen(ScreenMenu)
				if n := h.a.Notice(); !strings.Contains(n, "ended while you were away") {
					t.Fatalf("notice = %q", n)
				}
				if lobbyLine && (h.a.Chat().Len() != 1 || h.a.Chat().Last(1)[0].Text != "anyone?") {
					t.Fatalf("lobby chat = %+v", h.a.Chat().Last(5))
				}
				h.a.Close()
			})
		})
	}
}

func TestReconnectRejoinsQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.signIn("alice")
		h.a.JoinQueue()
		h.sent()
		h.drop()
		h.wantScreen(ScreenQueue)
		time.Sleep(time.Second)
		h.step()
		h.wantAuth("tok-alice")
		h.serve(authenticated())
		var joins int
		for _, m := range h.sent() {
			if m.GetQueueJoin().GetMode() == "duel" {
				joins++
			}
		}
		if joins != 1 {
			t.Fatalf("sent %d queue joins after the reconnect, want 1", joins)
		}
		h.wantScreen(ScreenQueue)
		h.a.Close()
	})
}

func TestChangeName(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.signIn("alice")
		h.a.ChangeName()
		h.wantScreen(ScreenName)
		if _, ok := h.store.Load(); ok {
			t.Fatal("session still stored")
		}
		time.Sleep(10 * time.Second)
		h.step()
		if h.d.dialed() != 1 || h.a.Reconnecting() {
			t.Fatal("a deliberate close reconnected")
		}
		h.a.SubmitName("bob")
		h.step()
		h.wantAuth("tok-bob")
		h.a.Close()
	})
}

func TestUndecodableSnapshotResyncs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.signIn("alice")
		h.startMatch()
		start := msg(&arenav1.ServerMessage_MatchStart{MatchStart: &arenav1.MatchStart{
			MatchId: "m1", Mode: "duel", YourShipId: 1, TickRate: 30, Teams: 2,
		}})
		// A delta against a snapshot the client never had.
		bad := msg(&arenav1.ServerMessage_Snapshot{Snapshot: &arenav1.Snapshot{Tick: 20, BaselineTick: 19}})
		for i := 1; i <= maxResyncs; i++ {
			h.serve(bad)
			if !h.a.Reconnecting() {
				t.Fatalf("resync %d: not reconnecting", i)
			}
			h.wantScreen(ScreenMatch)
			h.step() // reconnects at once
			h.wantAuth("tok-alice")
			h.serve(authenticated(), start)
			if h.a.Resuming() || h.a.Screen() != ScreenMatch {
				t.Fatalf("resync %d: not resumed", i)
			}
		}
		if n := h.d.dialed(); n != 1+maxResyncs {
			t.Fatalf("%d connections", n)
		}
		// Past maxResyncs the client gives the match up.
		h.serve(bad)
		h.wantScreen(ScreenMenu)
		if !strings.Contains(h.a.Notice(), "cannot follow the match") {
			t.Fatalf("notice %q", h.a.Notice())
		}
		h.a.Close()
	})
}

// A reloaded page (a stored session) shows no menu before the match the
// server resumes, even when MatchStart comes a frame after Authenticated;
// without a match, the menu follows shortly.
func TestReloadShowsNoMenuBeforeResume(t *testing.T) {
	for _, inMatch := range []bool{true, false} {
		t.Run(map[bool]string{true: "match", false: "lobby"}[inMatch], func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				store := &MemoryStore{}
				store.Save(transport.Session{Token: "tok-alice", PlayerID: "id-alice", Name: "alice"})
				h := newHarnessWith(t, store)
				h.step()
				h.serve(authenticated())
				seen := []Screen{h.a.Screen()}
				for i := range 30 { // half a second of frames
					if inMatch && i == 3 {
						h.serve(msg(&arenav1.ServerMessage_MatchStart{MatchStart: &arenav1.MatchStart{
							MatchId: "m7", Mode: "duel", YourShipId: 2, TickRate: 30, Teams: 2,
						}}))
					}
					time.Sleep(time.Second / 60)
					h.step()
					if s := h.a.Screen(); seen[len(seen)-1] != s {
						seen = append(seen, s)
					}
				}
				want := []Screen{ScreenName, ScreenMenu}
				if inMatch {
					want = []Screen{ScreenName, ScreenMatch}
				}
				if !slices.Equal(seen, want) {
					t.Fatalf("screens %v, want %v", seen, want)
				}
				h.a.Close()
			})
		})
	}
}
