package netcode

import "time"

// MaxInputBurst is how many inputs one wake-up may send to catch up after a
// stall; beyond it the schedule restarts from now, so a frozen client does
// not flood the server's input buffer.
const MaxInputBurst = 4

// Pacer schedules one input per tick period on its caller's clock: the game
// client on its frame clock, the load bots on a timer. The zero Pacer sends
// nothing until Start.
type Pacer struct {
	period time.Duration
	next   time.Time // when the next input is due
}

// Start schedules the first input at first, then one every period.
func (p *Pacer) Start(first time.Time, period time.Duration) {
	p.period, p.next = period, first
}

// Next is when the next input is due, for a caller that sleeps until then.
func (p *Pacer) Next() time.Time { return p.next }

// Due returns how many inputs to send at now and advances the schedule:
// every input whose time has come, at most MaxInputBurst, after which the
// schedule restarts from now.
func (p *Pacer) Due(now time.Time) int {
	if p.period <= 0 || now.Before(p.next) {
		return 0
	}
	n := int(now.Sub(p.next)/p.period) + 1
	if n > MaxInputBurst {
		p.next = now.Add(p.period)
		return MaxInputBurst
	}
	p.next = p.next.Add(time.Duration(n) * p.period)
	return n
}
