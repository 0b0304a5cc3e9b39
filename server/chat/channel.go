package chat

import (
	"fmt"
	"time"

	"google.golang.org/protobuf/proto"

	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

// HistorySize is how many lines a channel remembers for players who join or
// reconnect.
const HistorySize = 50

// Line is one posted message and its encoded ServerMessage frame, which every
// recipient gets as the same bytes.
type Line struct {
	Msg   *arenav1.ChatMessage
	Frame []byte
}

// Channel stamps lines with its kind, a per-channel sequence and the server
// time, and remembers the last HistorySize of them.
type Channel struct {
	kind    arenav1.ChatChannel
	seq     uint64
	history [HistorySize]Line
	n       int // lines posted, capped at HistorySize
	next    int // where the next line goes
}

// NewChannel returns an empty channel of kind.
func NewChannel(kind arenav1.ChatChannel) *Channel {
	return &Channel{kind: kind}
}

// Post stamps msg, encodes it once and remembers it.
func (c *Channel) Post(msg *arenav1.ChatMessage, now time.Time) (Line, error) {
	c.seq++
	msg.Channel, msg.Seq, msg.ServerTimeMs = c.kind, c.seq, now.UnixMilli()
	frame, err := proto.MarshalOptions{Deterministic: true}.Marshal(&arenav1.ServerMessage{
		Body: &arenav1.ServerMessage_ChatMessage{ChatMessage: msg},
	})
	if err != nil {
		return Line{}, fmt.Errorf("encode chat line: %w", err)
	}
	line := Line{Msg: msg, Frame: frame}
	c.history[c.next] = line
	c.next = (c.next + 1) % HistorySize
	c.n = min(c.n+1, HistorySize)
	return line, nil
}

// History returns the remembered lines, oldest first.
func (c *Channel) History() []Line {
	out := make([]Line, 0, c.n)
	start := (c.next - c.n + HistorySize) % HistorySize
	for i := range c.n {
		out = append(out, c.history[(start+i)%HistorySize])
	}
	return out
}

// Kind is the channel's kind.
func (c *Channel) Kind() arenav1.ChatChannel { return c.kind }
