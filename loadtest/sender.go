package loadtest

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/arena-server/arena/netcode"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

// senderPhases is how many phases of the tick the bots' inputs are spread
// over. Each phase has one goroutine and one timer, which sends the inputs
// of every bot playing at that phase; a bot takes a random phase for each
// match, as a real client's clock sits at a random phase of the server's
// tick (starting on MatchStart would align every bot with the tick and bias
// acknowledgement latency by up to a tick). 16 phases are 2.1 ms apart at
// 30 Hz.
const senderPhases = 16

// senders sends every bot's inputs, one per tick, grouped by phase.
//
// Ownership: Run makes it; join starts a phase's goroutine the first time a
// bot joins that phase (per tick period); every phase goroutine ends when
// ctx is done, and Run waits for them all (wait) before it reads the bots'
// counters.
type senders struct {
	ctx   context.Context
	epoch time.Time // every phase's schedule is epoch + offset + k·period

	mu     sync.Mutex
	phases map[time.Duration]*[senderPhases]*phase // by tick period; entries made on first use
	wg     sync.WaitGroup
}

func newSenders(ctx context.Context, epoch time.Time) *senders {
	return &senders{ctx: ctx, epoch: epoch, phases: make(map[time.Duration]*[senderPhases]*phase)}
}

// wait returns once every phase goroutine has returned (after ctx is done).
func (ss *senders) wait() { ss.wg.Wait() }

// join makes bot b send one input of its new match per period, over s's
// connection, from a random phase of the tick, until the returned member is
// stopped. Only b's session goroutine calls it, and only while b has no
// other member.
func (ss *senders) join(b *bot, s *session, period time.Duration, tickRate int) *member {
	i := b.rng.IntN(senderPhases)
	m := &member{b: b, s: s, pilot: newPilot(b.rng, tickRate)}
	ss.mu.Lock()
	ps := ss.phases[period]
	if ps == nil {
		ps = new([senderPhases]*phase)
		ss.phases[period] = ps
	}
	if ps[i] == nil {
		ph := &phase{}
		ps[i] = ph
		offset := time.Duration(i) * period / senderPhases
		ss.wg.Go(func() { ph.run(ss.ctx, ss.epoch.Add(offset), period) })
	}
	m.phase = ps[i]
	ss.mu.Unlock()
	m.phase.add(m)
	return m
}

// phase sends, once per period at its offset of the tick, the inputs due of
// every member.
type phase struct {
	mu      sync.Mutex
	members []*member // in no order
}

func (ph *phase) add(m *member) {
	ph.mu.Lock()
	defer ph.mu.Unlock()
	ph.members = append(ph.members, m)
}

func (ph *phase) remove(m *member) {
	ph.mu.Lock()
	defer ph.mu.Unlock()
	for i, o := range ph.members {
		if o == m {
			last := len(ph.members) - 1
			ph.members[i], ph.members[last] = ph.members[last], nil
			ph.members = ph.members[:last]
			return
		}
	}
}

// run wakes at origin + k·period (the first such time from now on) and
// sends every member the inputs due, until ctx is done. Members are sent to
// outside the phase's lock, so joining and leaving never wait for a write.
func (ph *phase) run(ctx context.Context, origin time.Time, period time.Duration) {
	next := origin
	if now := time.Now(); now.After(next) {
		next = next.Add((now.Sub(next)/period + 1) * period)
	}
	var pace netcode.Pacer
	pace.Start(next, period)
	timer := time.NewTimer(time.Until(next))
	defer timer.Stop()
	var batch []*member
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		n := pace.Due(time.Now())
		ph.mu.Lock()
		batch = append(batch[:0], ph.members...)
		ph.mu.Unlock()
		for _, m := range batch {
			m.send(ctx, n)
		}
		clear(batch)
		timer.Reset(time.Until(pace.Next()))
	}
}

// member is one bot's place in a phase for one match. Its pilot and the
// bot's input counters are the phase goroutine's while it sends (under mu),
// the bot's session goroutine's otherwise.
type member struct {
	b     *bot
	s     *session
	pilot *pilot
	phase *phase

	mu      sync.Mutex // held while sending: stop takes it to wait for a send in progress
	stopped bool
}

// send sends n inputs, unless the member was stopped or its connection failed.
func (m *member) send(ctx context.Context, n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := 0; i < n && !m.stopped; i++ {
		if !m.b.sendInput(ctx, m.s, m.pilot) {
			m.stopped = true
		}
	}
}

// stop ends the member's sending; once it returns, no input of the member
// is being sent or will be.
func (m *member) stop() {
	m.mu.Lock()
	m.stopped = true
	m.mu.Unlock()
	m.phase.remove(m)
}

// pilot decides a bot's inputs and encodes them, reusing one message and
// one buffer. It plays like a restless human: a new random direction and aim
// about once a second, a shot (at a new random aim) about twice a second.
type pilot struct {
	rng      *rand.Rand
	tickRate int
	dir      int
	aim      uint32
	input    *arenav1.Input
	msg      *arenav1.ClientMessage
	buf      []byte
}

func newPilot(rng *rand.Rand, tickRate int) *pilot {
	input := &arenav1.Input{}
	return &pilot{
		rng:      rng,
		tickRate: tickRate,
		dir:      rng.IntN(len(directions)),
		aim:      rng.Uint32N(1 << 16),
		input:    input,
		msg:      &arenav1.ClientMessage{Body: &arenav1.ClientMessage_Input{Input: input}},
		buf:      make([]byte, 0, 32),
	}
}

// next returns the encoded ClientMessage of input seq. The bytes are valid
// until the following call.
func (p *pilot) next(seq uint32) ([]byte, error) {
	if p.rng.IntN(p.tickRate) == 0 {
		p.dir, p.aim = p.rng.IntN(len(directions)), p.rng.Uint32N(1<<16)
	}
	buttons := directions[p.dir]
	if p.rng.IntN(p.tickRate) < 2 {
		buttons |= uint32(arenav1.Button_BUTTON_FIRE)
		p.aim = p.rng.Uint32N(1 << 16)
	}
	p.input.Seq, p.input.Buttons, p.input.Aim = seq, buttons, p.aim
	var err error
	p.buf, err = proto.MarshalOptions{}.MarshalAppend(p.buf[:0], p.msg)
	return p.buf, err
}

// directions are the movement button sets a bot picks from: still or one
// of eight directions.
var directions = [...]uint32{
	0,
	uint32(arenav1.Button_BUTTON_UP),
	uint32(arenav1.Button_BUTTON_UP | arenav1.Button_BUTTON_RIGHT),
	uint32(arenav1.Button_BUTTON_RIGHT),
	uint32(arenav1.Button_BUTTON_DOWN | arenav1.Button_BUTTON_RIGHT),
	uint32(arenav1.Button_BUTTON_DOWN),
	uint32(arenav1.Button_BUTTON_DOWN | arenav1.Button_BUTTON_LEFT),
	uint32(arenav1.Button_BUTTON_LEFT),
	uint32(arenav1.Button_BUTTON_UP | arenav1.Button_BUTTON_LEFT),
}
