package matchmaking

import (
	"cmp"
	"slices"
)

// entry is a queued ticket and its bookkeeping.
type entry struct {
	Ticket
	q         *queue
	at        int64  // Enqueued in Unix nanoseconds: waits and age order use it
	seq       uint64 // join order, the last tie-break so every order is total
	pos       int32  // index in queue.pending while pending, else in queue.byRating during a pass
	isPending bool   // in queue.pending and not gone
	gone      bool   // left or grouped; dropped from the ordered slices at the next pass
}

// queue holds one mode's tickets.
//
// Join and Leave are O(1): a join lands in pending, a leave marks its entry
// gone. The next pass compacts the two ordered slices (dropping gone
// entries), radix-sorts pending and merges it in, so the slices stay sorted
// without a per-join insertion.
type queue struct {
	shape Shape
	size  int

	byRating []*entry // sorted by ratingOrder; may hold gone entries
	byAge    []*entry // sorted by ageOrder; may hold gone entries
	pending  []*entry // joined since the last pass, in join order; may hold gone entries
	live     int      // queued tickets, pending included
	// pendingGone counts gone entries still in pending.
	pendingGone int
	goneIn      int // gone entries still in byRating and byAge

	estimate estimate // recent waits of grouped tickets

	// Scratch reused by every pass.
	keys       []float64 // Mu by byRating position
	prev, next []int32   // doubly linked list of ungrouped byRating positions
	cand       []int32   // candidate positions around a ticket
	strength   []float64 // a group's Mu, for balance
	order      []int     // a group's players team by team, from balance
	sortKeys   []sortKey // pending entries' keys, for sorting them
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
	e.pos, e.isPending = int32(len(q.pending)), true
	q.pending = append(q.pending, e)
	q.live++
}

// remove takes e, which left, out of the queue.
func (q *queue) remove(e *entry) {
	e.gone = true
	q.live--
	if !e.isPending {
		q.goneIn++
		return
	}
	// Keep pending in join order: drop e now if it is the last, else
	// compact once half of pending is gone, so that joins and leaves
	// without passes cost O(1) each, amortised, in bounded memory.
	e.isPending = false
	if int(e.pos) == len(q.pending)-1 {
		q.pending[e.pos] = nil
		q.pending = q.pending[:e.pos]
		return
	}
	q.pendingGone++
	if 2*q.pendingGone > len(q.pending) {
		q.compactPending()
	}
}

// prepare brings byRating and byAge up to date: no gone entries, every
// pending entry merged in.
func (q *queue) prepare() {
	if q.goneIn > 0 {
		q.byRating = compact(q.byRating)
		q.byAge = compact(q.byAge)
		q.goneIn = 0
	}
	if q.pendingGone > 0 {
		q.compactPending()
	}
	if len(q.pending) == 0 {
		return
	}
	// pending is in join order. A stable sort by age, then a stable sort of
	// that by rating, give both orders with every tie broken as ageOrder
	// and ratingOrder break it.
	n := len(q.pending)
	keys := slices.Grow(q.sortKeys[:0], 2*n)[:2*n]
	first, second := keys[:n], keys[n:]
	for i, e := range q.pending {
		e.isPending = false
		first[i] = sortKey{key: intKey(e.at), e: e}
	}
	sorted := radixSort(first, second)
	for i, k := range sorted {
		q.pending[i] = k.e
	}
	q.byAge = merge(q.byAge, q.pending, ageOrder)

	for i, e := range q.pending {
		first[i] = sortKey{key: floatKey(e.Rating.Mu), e: e}
	}
	sorted = radixSort(first, second)
	for i, k := range sorted {
		q.pending[i] = k.e
	}
	q.byRating = merge(q.byRating, q.pending, ratingOrder)

	clear(keys)
	q.sortKeys = keys[:0]
	clear(q.pending)
	q.pending = q.pending[:0]
}

// compactPending drops the gone entries of pending, keeping join order.
func (q *queue) compactPending() {
	q.pending = compact(q.pending)
	for i, e := range q.pending {
		e.pos = int32(i)
	}
	q.pendingGone = 0
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
