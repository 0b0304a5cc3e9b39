package matchmaking

import (
	"math"
	"slices"
	"time"
)

// pair runs one pass over q at now (Unix nanoseconds), appends the groups it
// forms to groups and returns them. See Matchmaker.Pass for the rule.
func (q *queue) pair(now int64, cfg *Config, groups []Group) []Group {
	q.prepare()
	size := q.size
	if q.live < size {
		return groups
	}

	// Index the rating order: keys for cache-friendly spans, and a linked
	// list so that grouped tickets are skipped in O(1).
	n := len(q.byRating)
	q.keys = slices.Grow(q.keys[:0], n)[:n]
	q.prev = slices.Grow(q.prev[:0], n)[:n]
	q.next = slices.Grow(q.next[:0], n)[:n]
	for i, e := range q.byRating {
		e.pos = int32(i)
		q.keys[i] = e.Rating.Mu
		q.prev[i] = int32(i - 1)
		q.next[i] = int32(i + 1)
	}

	remaining := n
	var mem slab
	for _, e := range q.byAge {
		if remaining < size {
			break
		}
		if e.gone {
			continue // grouped earlier in this pass
		}
		window, unlimited := cfg.window(time.Duration(now - e.at))

		// Up to size-1 ungrouped neighbours on each side, in rating order;
		// e sits at cand[left].
		first, left := e.pos, 0
		for left < size-1 && q.prev[first] >= 0 {
			first = q.prev[first]
			left++
		}
		cand := q.cand[:0]
		for k := first; len(cand) < left+size && int(k) < n; k = q.next[k] {
			cand = append(cand, k)
		}
		q.cand = cand

		// The tightest run of size consecutive candidates containing e.
		best, bestSpan := -1, math.Inf(1)
		for s := 0; s <= left && s+size <= len(cand); s++ {
			if span := q.keys[cand[s+size-1]] - q.keys[cand[s]]; span < bestSpan {
				best, bestSpan = s, span
			}
		}
		if best < 0 || (!unlimited && bestSpan > window) {
			continue
		}

		members := cand[best : best+size]
		mem.room = remaining
		for _, k := range members {
			q.unlink(k)
			g := q.byRating[k]
			g.gone = true
			q.estimate.add(time.Duration(max(now-g.at, 0)))
		}
		q.live -= size
		q.goneIn += size
		remaining -= size
		groups = append(groups, q.group(members, &mem))
	}
	return groups
}

// unlink removes byRating position k from the list of ungrouped positions.
func (q *queue) unlink(k int32) {
	p, nx := q.prev[k], q.next[k]
	if p >= 0 {
		q.next[p] = nx
	}
	if int(nx) < len(q.next) {
		q.prev[nx] = p
	}
}

// group builds the balanced Group of the tickets at byRating positions
// members, taking its memory from mem.
func (q *queue) group(members []int32, mem *slab) Group {
	q.strength = q.strength[:0]
	for _, k := range members {
		q.strength = append(q.strength, q.byRating[k].Rating.Mu)
	}
	q.order = slices.Grow(q.order[:0], len(members))[:len(members)]
	balance(q.strength, q.shape.Teams, q.shape.PlayersPerTeam, q.order)
	tickets := mem.tickets(len(members))
	teams := mem.teams(q.shape.Teams)
	for i, j := range q.order {
		tickets[i] = q.byRating[members[j]].Ticket
	}
	per := q.shape.PlayersPerTeam
	for t := range teams {
		teams[t] = tickets[t*per : (t+1)*per : (t+1)*per]
	}
	return Group{Mode: q.shape.Mode, Teams: teams}
}

// slabChunk is how many tickets (or teams) one slab chunk holds.
const slabChunk = 512

// slab hands out the memory of a pass's groups from shared chunks, so that
// a pass that forms thousands of groups allocates a few dozen times rather
// than twice per group. A chunk lives as long as any group using it.
type slab struct {
	room        int // tickets that may still be grouped in this pass
	ticketChunk []Ticket
	teamChunk   [][]Ticket
}

func (s *slab) tickets(n int) []Ticket {
	if cap(s.ticketChunk)-len(s.ticketChunk) < n {
		s.ticketChunk = make([]Ticket, 0, max(n, min(s.room, slabChunk)))
	}
	start := len(s.ticketChunk)
	s.ticketChunk = s.ticketChunk[:start+n]
	return s.ticketChunk[start : start+n : start+n]
}

func (s *slab) teams(n int) [][]Ticket {
	if cap(s.teamChunk)-len(s.teamChunk) < n {
		// At most room teams of one player each may follow.
		s.teamChunk = make([][]Ticket, 0, max(n, min(s.room, slabChunk)))
	}
	start := len(s.teamChunk)
	s.teamChunk = s.teamChunk[:start+n]
	return s.teamChunk[start : start+n : start+n]
}
