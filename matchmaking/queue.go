package matchmaking

import (
	"cmp"
	"slices"
)

// entry is a queued ticket and its bookkeeping.
type entry struct {
	Ticket
	q    *queue
	at   int64  // Enqueued in Unix nanoseconds: waits and age order use it
	seq  uint64 // join order, the last tie-break so every order is total
	pos  int32  // index in queue.byRating during a pass
	gone bool   // left or grouped; dropped from the slices at the next pass
}

// queue holds one mode's tickets.
//
// Join and Leave are O(1): a join lands in pending, a leave only marks its
// entry gone. The next pass compacts the two ordered slices (dropping gone
// entries), sorts pending and merges it in, so the slices stay sorted
// without a per-join insertion.
type queue struct {
	shape Shape
	size  int

	byRating []*entry // sorted by ratingOrder; may hold gone entries
	byAge    []*entry // sorted by ageOrder; may hold gone entries
	pending  []*entry // joined since the last pass, in join order
	live     int      // queued tickets, pending included
	goneIn   int      // gone entries still in byRating and byAge

	estimate estimate // recent waits of grouped tickets

	// Scratch reused by every pass.
	keys       []float64 // Mu by byRating position
	prev, next []int32   // doubly linked list of ungrouped byRating positions
	cand       []int32   // candidate positions around a ticket
	strength   []float64 // a group's Mu, for balance
	order      []int     // a group's players team by team, from balance
}

func newQueue(s Shape) *queue {
	return &queue{shape: s, size: s.Size()}
}

// ratingOrder orders entries by Mu, then age, then join order.
func ratingOrder(a, b *entry) int {
	if c := cmp.Compare(a.Rating.Mu, b.Rating.Mu); c != 0 {
		return c
	}
	return ageOrder(a, b)
}

// ageOrder orders entries oldest first, then by join order.
func ageOrder(a, b *entry) int {
	if c := cmp.Compare(a.at, b.at); c != 0 {
		return c
	}
	return cmp.Compare(a.seq, b.seq)
}

// add queues e.
func (q *queue) add(e *entry) {
	q.pending = append(q.pending, e)
	q.live++
}

// remove takes e out of the queue (it left or was grouped).
func (q *queue) remove(e *entry) {
	e.gone = true
	q.live--
	q.goneIn++ // counted even when e is pending; prepare resets it
}

// prepare brings byRating and byAge up to date: no gone entries, every
// pending entry merged in.
func (q *queue) prepare() {
	if q.goneIn > 0 {
		q.byRating = compact(q.byRating)
		q.byAge = compact(q.byAge)
		q.pending = compact(q.pending)
		q.goneIn = 0
	}
	if len(q.pending) == 0 {
		return
	}
	slices.SortFunc(q.pending, ratingOrder)
	q.byRating = merge(q.byRating, q.pending, ratingOrder)
	slices.SortFunc(q.pending, ageOrder)
	q.byAge = merge(q.byAge, q.pending, ageOrder)
	clear(q.pending)
	q.pending = q.pending[:0]
}

// compact removes gone entries from s in place, keeping the order.
func compact(s []*entry) []*entry {
	kept := s[:0]
	for _, e := range s {
		if !e.gone {
			kept = append(kept, e)
		}
	}
	clear(s[len(kept):]) // let the garbage collector have them
	return kept
}

// merge merges sorted add into sorted s, in place from the back.
func merge(s, add []*entry, order func(a, b *entry) int) []*entry {
	i := len(s) - 1
	s = slices.Grow(s, len(add))[:len(s)+len(add)]
	for j, w := len(add)-1, len(s)-1; j >= 0; w-- {
		if i >= 0 && order(add[j], s[i]) < 0 {
			s[w] = s[i]
			i--
		} else {
			s[w] = add[j]
			j--
		}
	}
	return s
}
