package app

import (
	"testing"
	"testing/synctest"
	"time"

	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

// The link's reader decodes snapshots as they arrive, stamped with their
// arrival time: none before a MatchStart on the connection, each one
// against the last after it.
func TestLinkDecodesSnapshotsOnArrival(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &fakeDialer{}
		l := startLink(d, linkTarget{token: "tok"}, time.Now)
		defer l.close()
		synctest.Wait()
		d.mu.Lock()
		c := d.conns[len(d.conns)-1]
		d.mu.Unlock()
		playing := arenav1.MatchPhase_MATCH_PHASE_PLAYING
		next := func() event {
			t.Helper()
			synctest.Wait()
			select {
			case e := <-l.events:
				return e
			default:
				t.Fatal("no event")
				return event{}
			}
		}

		c.toClient <- snapshot(5, playing, ship{ID: 1, X: 100, Y: 100, Health: 100, Alive: true, Team: 1})
		if e := next(); e.view != nil || e.viewErr != nil || e.size == 0 {
			t.Fatalf("a snapshot before MatchStart: view %v err %v size %d", e.view, e.viewErr, e.size)
		}
		c.toClient <- msg(&arenav1.ServerMessage_MatchStart{MatchStart: &arenav1.MatchStart{MatchId: "m1", YourShipId: 1, TickRate: 30, Teams: 2}})
		if e := next(); e.msg.GetMatchStart() == nil || e.view != nil {
			t.Fatalf("MatchStart event %+v", e)
		}
		time.Sleep(25 * time.Millisecond)
		sent := time.Now()
		c.toClient <- snapshot(6, playing, ship{ID: 1, X: 300 * SubUnits, Y: 400 * SubUnits, Health: 100, Alive: true, Team: 1})
		e := next()
		if e.viewErr != nil || e.view == nil || e.view.Tick != 6 || len(e.view.Ships) != 1 || e.view.Ships[0].Pos.X != 300*SubUnits {
			t.Fatalf("snapshot 6: view %+v err %v", e.view, e.viewErr)
		}
		if !e.at.Equal(sent) {
			t.Fatalf("arrival %v, want %v", e.at, sent)
		}
	})
}
