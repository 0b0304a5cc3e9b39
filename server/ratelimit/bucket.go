// Package ratelimit is a token bucket, the one rate limiter of the server's
// connection and chat limits. Times are arguments; a Bucket belongs to one
// goroutine.
package ratelimit

import "time"

// Bucket allows Burst events at once, then one per Every. A zero Burst
// means 5 and a zero Every means 2s (5 events per 10 s).
type Bucket struct {
	// Burst is how many messages may be sent at once. Default 5.
	Burst int
	// Every is how long one message's allowance takes to come back. Default 2s.
	Every time.Duration

	tokens float64
	last   time.Time
}

// Allow reports whether an event may happen at now, and spends the
// allowance if so.
func (l *Bucket) Allow(now time.Time) bool {
	if l.Burst <= 0 {
		l.Burst = 5
	}
	if l.Every <= 0 {
		l.Every = 2 * time.Second
	}
	if l.last.IsZero() {
		l.tokens = float64(l.Burst)
	} else if elapsed := now.Sub(l.last); elapsed > 0 {
		l.tokens = min(float64(l.Burst), l.tokens+float64(elapsed)/float64(l.Every))
	}
	l.last = now
	if l.tokens < 1 {
		return false
	}
	l.tokens--
	return true
}
