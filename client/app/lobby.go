package app

import (
	"time"

	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

// QueueInfo is where the player stands in the queue.
type QueueInfo struct {
	// Mode is the mode queued for.
	Mode string
	// Waited is the time waited so far, as of the App's last Update.
	Waited time.Duration
	// Players is the number of players in the queue, when the server said.
	Players uint32
	// SearchRange is how far, in displayed rating points either side of the
	// player's, the matchmaker looks now; 0 means anyone (or not reported).
	SearchRange uint32
	// Estimate is the matchmaker's estimate of the wait still ahead, as of
	// the App's last Update; Estimated is false when it gave none.
	Estimate  time.Duration
	Estimated bool
	// Confirmed is true once the server has reported the player queued.
	Confirmed bool
}

// JoinQueue joins the queue of the selected mode (from the menu). A
// reconnect while queued joins the same mode's queue again.
func (a *App) JoinQueue() {
	if a.screen != ScreenMenu || !a.conn.signedIn {
		return
	}
	mode := a.SelectedMode().Name
	a.send(&arenav1.ClientMessage{Body: &arenav1.ClientMessage_QueueJoin{
		QueueJoin: &arenav1.QueueJoin{Mode: mode},
	}})
	a.chat.cancel()
	a.screen = ScreenQueue
	a.queue = QueueInfo{Mode: mode}
	a.queueAt = a.now
}

// CancelQueue leaves the queue and returns to the menu. If the server has
// already matched the player, its MatchFound wins and the match screen opens.
func (a *App) CancelQueue() {
	if a.screen != ScreenQueue {
		return
	}
	a.send(&arenav1.ClientMessage{Body: &arenav1.ClientMessage_QueueLeave{QueueLeave: &arenav1.QueueLeave{}}})
	a.chat.cancel()
	a.screen = ScreenMenu
}

// BackToMenu leaves the results screen.
func (a *App) BackToMenu() {
	if a.screen != ScreenResults {
		return
	}
	a.screen = ScreenMenu
}

// Queue is where the player stands in the queue.
func (a *App) Queue() QueueInfo {
	q := a.queue
	since := a.now.Sub(a.queueAt)
	q.Waited += since
	if q.Estimated {
		q.Estimate = max(q.Estimate-since, 0)
	}
	return q
}

func (a *App) handleQueueStatus(q *arenav1.QueueStatus) {
	switch q.GetState() {
	case arenav1.QueueState_QUEUE_STATE_QUEUED:
		if a.screen != ScreenMenu && a.screen != ScreenQueue {
			return
		}
		mode := q.GetMode()
		if mode == "" {
			mode = a.queue.Mode
		}
		a.screen = ScreenQueue
		a.queue = QueueInfo{
			Mode:        mode,
			Waited:      time.Duration(q.GetWaitedMs()) * time.Millisecond,
			Players:     q.GetPlayersQueued(),
			SearchRange: q.GetSearchRange(),
			Estimate:    time.Duration(q.GetEstimatedWaitMs()) * time.Millisecond,
			Estimated:   q.GetEstimatedWaitMs() > 0,
			Confirmed:   true,
		}
		a.queueAt = a.now
	case arenav1.QueueState_QUEUE_STATE_LEFT:
		if a.screen == ScreenQueue {
			a.screen = ScreenMenu
		}
	}
}
