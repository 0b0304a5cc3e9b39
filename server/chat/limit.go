package chat

import "time"

// Limiter is a token bucket: Burst messages at once, then one per Every.
// The default (the zero value's behaviour after Allow's first call) is
// 5 messages per 10 seconds with a burst of 5.
type Limiter struct {
	// Burst is how many messages may be sent at once. Default 5.
	Burst int
	// Every is how long one message's allowance takes to come back. Default 2s.
	Every time.Duration

	tokens float64
	last   time.Time
}

// Allow reports whether a message may be sent at now, and spends the
// allowance if so.
func (l *Limiter) Allow(now time.Time) bool {
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
