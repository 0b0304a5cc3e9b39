package netcode

import (
	"math"
	"time"
)

// Tuning of an InputClock.
const (
	// InputMargin is the least time by which a client aims for its inputs
	// to arrive before the ticks that need them, beyond the worst lateness
	// it has seen.
	InputMargin = 6 * time.Millisecond
	// inputLateBump is what a late input or missing tick the server reports
	// adds to the margin, up to inputMaxExtra; the extra margin decays by
	// inputExtraDecay per second.
	inputLateBump   = 8 * time.Millisecond
	inputMaxExtra   = 100 * time.Millisecond
	inputExtraDecay = time.Millisecond
	// inputEnvDecay is how fast the worst arrival seen is forgotten, per
	// second: the lead shrinks that slowly once the network calms down.
	inputEnvDecay = 2 * time.Millisecond
	// MaxInputSlew is how much faster or slower than the server an
	// InputClock runs while it moves its lead: 5%.
	MaxInputSlew = 0.05
	// inputSlewTime is the time constant of the approach to the lead it
	// aims for, once within MaxInputSlew's reach.
	inputSlewTime = time.Second
	// inputJump is how far (in ticks) the clock may be from the lead it aims
	// for before it jumps there instead of slewing (a long stall).
	inputJump = 30
	// assumeRTT is the round trip a clock starts with when none was
	// measured yet.
	assumeRTT = 250 * time.Millisecond
	// inputBumpEvery is the least time between two raises of the margin.
	inputBumpEvery = 500 * time.Millisecond
	// inputStartExtra is the extra margin the clock starts with.
	inputStartExtra = 2 * inputLateBump
	// inputFirstReports is how many reports the clock takes before it
	// jumps to its first aim (and slews only from then on), unless one
	// says its inputs come too late.
	inputFirstReports = 10
	// inputSentRing is how many ticks' send times a clock remembers.
	inputSentRing = 256
)

// InputClock schedules a client's inputs by server tick, the way Overwatch
// and Gaffer on Games do: the client runs ahead of the server by about half
// the round trip plus a margin, so that its input for a tick arrives just
// before the server simulates that tick, and stamps each input with its
// tick.
//
// The clock's local tick is c(t) = (t - epoch) / period + offset; the input
// for tick k is due when c reaches k. Every snapshot reports the lead of one
// input (how long before its tick it arrived, InputReport); from the lead
// and the time the clock sent that input it knows when inputs must leave to
// arrive in time whatever the offset: the offset it aims for is the one at
// which the worst arrival it has seen recently (an envelope that forgets
// slowly) would have come InputMargin early, plus an extra margin that each
// late input or missing tick the server reports raises (at most once per
// inputBumpEvery; it decays).
// The offset moves towards that aim smoothly, the clock running at most
// MaxInputSlew faster or slower than the server; it jumps only to its
// first aim (once a few reports came back) and after a long stall.
//
// The zero InputClock sends nothing until Start. It is not safe for
// concurrent use.
type InputClock struct {
	period  time.Duration
	epoch   time.Time
	off     float64 // ticks
	aim     float64 // the offset aimed for
	aimed   bool    // the clock jumped to its first aim
	reports int     // reports on inputs taken
	at      time.Time
	sent    uint32 // the last tick handed out

	sentAt [inputSentRing]struct {
		tick uint32
		at   time.Duration // since epoch
	}

	env     time.Duration // worst arrival: least (lead + sent - tick*period) seen
	envAt   time.Time
	haveEnv bool
	extra   time.Duration // extra margin
	extraAt time.Time
	bumpAt  time.Time // when the last late input raised extra
	late    uint32    // the server's counters as last reported
	missing uint32
	gap     time.Duration // mean time between Due calls (frames)

	srv     float64 // server tick at epoch, from the least delayed snapshot
	haveSrv bool
	rtt     time.Duration
}

// Start starts the clock at now, when the newest snapshot (of tick) arrived
// at, a round trip being rtt (0 if unknown: then assumeRTT): it starts the
// round trip, a tick and the margin ahead of that snapshot's tick, until the
// first report on its inputs comes back from the server.
func (c *InputClock) Start(now time.Time, period time.Duration, tick uint32, at time.Time, rtt time.Duration) {
	*c = InputClock{period: period, epoch: now, at: now, rtt: rtt}
	c.Snapshot(tick, at)
	if rtt <= 0 {
		rtt = assumeRTT // early rather than late: the server keeps early inputs
	}
	c.off = c.srv + float64(rtt+InputMargin+period)/float64(period)
	c.aim = c.off
	c.sent = uint32(max(math.Floor(c.local(now)), 0))
}

// Started reports whether Start was called.
func (c *InputClock) Started() bool { return c.period > 0 }

// local is the clock's tick at t.
func (c *InputClock) local(t time.Time) float64 {
	return float64(t.Sub(c.epoch))/float64(c.period) + c.off
}

// SetRTT updates the round trip, for the estimate of the server's tick.
func (c *InputClock) SetRTT(rtt time.Duration) { c.rtt = rtt }

// Snapshot notes that the snapshot of tick arrived at at, for the estimate
// of the server's tick.
func (c *InputClock) Snapshot(tick uint32, at time.Time) {
	if c.period <= 0 {
		return
	}
	s := float64(tick) - float64(at.Sub(c.epoch))/float64(c.period)
	if !c.haveSrv || s > c.srv {
		c.srv, c.haveSrv = s, true
	} else {
		// Forget an early arrival slowly (the server's clock drifts).
		c.srv -= 0.0005
	}
}

// ServerTick is the estimate of the server's tick at now: the least delayed
// snapshot's tick, moved on by the time since, plus half the round trip.
func (c *InputClock) ServerTick(now time.Time) float64 {
	if !c.haveSrv {
		return 0
	}
	return float64(now.Sub(c.epoch))/float64(c.period) + c.srv + float64(c.rtt/2)/float64(c.period)
}

// Lead is how far ahead of the estimate of the server's tick the clock
// runs at now, in ticks.
func (c *InputClock) Lead(now time.Time) float64 {
	if c.period <= 0 || !c.haveSrv {
		return 0
	}
	return c.local(now) - c.ServerTick(now)
}

// Offset is the clock's offset in ticks (see InputClock), and Aim the one
// it moves towards.
func (c *InputClock) Offset() float64 { return c.off }

// Aim is the offset the clock moves towards.
func (c *InputClock) Aim() float64 { return c.aim }

// Margin is the current margin: InputMargin plus what late inputs added.
func (c *InputClock) Margin() time.Duration { return InputMargin + c.extra }

// Report takes the server's report on the inputs, from a snapshot that
// arrived at now.
func (c *InputClock) Report(r InputReport, now time.Time) {
	if c.period <= 0 {
		return
	}
	c.decayExtra(now)
	if r.Late < c.late || r.Missing < c.missing {
		c.late, c.missing = r.Late, r.Missing // a new buffer on the server: counters restarted
	}
	// A late input also makes its tick missing: one event. The inputs in
	// flight when the clock moved come late too: one bump per while.
	if (r.Late > c.late || r.Missing > c.missing) && c.aimed && now.Sub(c.bumpAt) >= inputBumpEvery {
		c.extra = min(c.extra+inputLateBump, inputMaxExtra)
		c.bumpAt = now
	}
	c.late, c.missing = r.Late, r.Missing
	if r.Tick == 0 {
		return
	}
	s := &c.sentAt[r.Tick%inputSentRing]
	if s.tick != r.Tick {
		return // not one this clock sent (or long ago)
	}
	c.reports++
	e := r.Lead + s.at - time.Duration(r.Tick)*c.period
	if c.haveEnv {
		decayed := c.env + time.Duration(float64(inputEnvDecay)*now.Sub(c.envAt).Seconds())
		c.env = min(e, decayed)
	} else {
		c.env, c.haveEnv = e, true
	}
	c.envAt = now
	c.retarget()
}

func (c *InputClock) decayExtra(now time.Time) {
	if !c.extraAt.IsZero() && c.extra > 0 {
		c.extra = max(c.extra-time.Duration(float64(inputExtraDecay)*now.Sub(c.extraAt).Seconds()), 0)
	}
	c.extraAt = now
}

// retarget sets the aim from the envelope and the margin: an input sent
// (a frame after its tick comes, at worst) should arrive Margin early.
func (c *InputClock) retarget() {
	if !c.haveEnv {
		return
	}
	c.aim = float64(c.Margin()+c.gap-c.env) / float64(c.period)
	if !c.aimed && (c.reports >= inputFirstReports || c.aim > c.off) {
		// A few reports have not shown the worst arrival yet: start with
		// the margin a late input would add, which decays.
		c.aimed = true
		c.extra = max(c.extra, inputStartExtra)
		c.retarget()
		c.off = c.aim
	}
}

// Due returns the ticks whose inputs are due at now, from first to last
// (none when last < first), and advances the clock: call it once per frame
// and send an input for each tick. After a stall it returns at most
// MaxInputBurst ticks, the latest.
func (c *InputClock) Due(now time.Time) (first, last uint32) {
	if c.period <= 0 {
		return 1, 0
	}
	if dt := now.Sub(c.at); dt > 0 {
		c.gap += (min(dt, c.period) - c.gap) / 8
		c.decayExtra(now)
		c.retarget()
		c.slew(dt)
		c.at = now
	}
	k := c.local(now)
	if k < 1 || uint32(k) <= c.sent {
		return 1, 0
	}
	last = uint32(k)
	first = max(c.sent+1, last-min(last, MaxInputBurst)+1)
	c.sent = last
	for t := first; t <= last; t++ {
		c.sentAt[t%inputSentRing].tick, c.sentAt[t%inputSentRing].at = t, now.Sub(c.epoch)
	}
	return first, last
}

// slew moves the offset towards the aim over dt.
func (c *InputClock) slew(dt time.Duration) {
	diff := c.aim - c.off
	if math.Abs(diff) > inputJump {
		c.off = c.aim
		return
	}
	step := diff * min(dt.Seconds()/inputSlewTime.Seconds(), 1)
	limit := MaxInputSlew * float64(dt) / float64(c.period)
	c.off += max(min(step, limit), -limit)
}
