package server

import (
	"bytes"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"google.golang.org/protobuf/proto"

	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

// conn is one websocket connection. Ownership: the HTTP handler starts the
// writer goroutine and runs the reader itself; close (from anyone) signals
// both; the handler returns only after the writer has finished, so a
// connection never outlives its handler.
//
// The outbound queue is bounded. Snapshots take a slot only while the queue
// is at most half full and are otherwise dropped (counted; the match resets
// that player's baseline); control and chat messages take any free slot, and
// a connection whose queue is full for them is closed as a slow consumer.
type conn struct {
	ws  *websocket.Conn
	cfg *Config
	log *slog.Logger
	met *metrics

	out  chan []byte
	done chan struct{}
	in   bytes.Buffer // the reader's frame buffer, reused for every message

	writeDeadline time.Time // the writer's current socket write deadline

	closeOnce sync.Once
	closeCode int
	closeText string
}

func newConn(ws *websocket.Conn, cfg *Config, log *slog.Logger, met *metrics) *conn {
	return &conn{
		ws:   ws,
		cfg:  cfg,
		log:  log,
		met:  met,
		out:  make(chan []byte, cfg.OutboundQueue),
		done: make(chan struct{}),
	}
}

// close asks both goroutines to stop and the peer to go away with code and text.
// Safe to call many times and from any goroutine; the first call wins, and
// only it reports true.
func (c *conn) close(code int, text string) bool {
	first := false
	c.closeOnce.Do(func() {
		c.closeCode, c.closeText = code, text
		close(c.done)
		first = true
	})
	return first
}

// closeSlow closes a connection that cannot take what it is sent: its queue
// is full for a message that may not be dropped, or one write has waited
// WriteTimeout. It is counted and logged once per connection.
func (c *conn) closeSlow(why string) {
	if c.close(closeSlowConsumer, "too slow to receive messages") {
		c.met.slowConsumers.Inc()
		c.log.Warn("closed a connection too slow to receive", slog.String("why", why))
	}
}

// writeFailed closes the connection after a failed socket write: a write
// that timed out is a slow consumer, anything else a broken socket.
func (c *conn) writeFailed(err error) {
	if isTimeout(err) {
		c.closeSlow("write timed out")
		return
	}
	c.close(websocket.CloseAbnormalClosure, "")
}

// send queues a control or chat message; a full queue closes the connection.
// It reports whether the message was queued.
func (c *conn) send(m *arenav1.ServerMessage) bool {
	b, err := marshalOptions.Marshal(m)
	if err != nil {
		c.log.Error("encode message", slog.Any("err", err))
		return false
	}
	return c.sendBytes(b)
}

func (c *conn) sendBytes(b []byte) bool {
	select {
	case <-c.done:
		return false
	default:
	}
	select {
	case c.out <- b:
		c.met.bytesSent.Add(float64(len(b)))
		return true
	default:
		c.closeSlow("outbound queue full")
		return false
	}
}

// sendSnapshot queues a snapshot if the queue has room for it; it reports
// whether it did. A dropped snapshot is counted, never blocks.
func (c *conn) sendSnapshot(b []byte) bool {
	if len(c.out) > cap(c.out)/2 {
		c.met.snapshotsDropped.Inc()
		return false
	}
	select {
	case c.out <- b:
		c.met.snapshotsSent.Inc()
		c.met.bytesSent.Add(float64(len(b)))
		return true
	case <-c.done:
		return false
	default:
		c.met.snapshotsDropped.Inc()
		return false
	}
}

// writeLoop owns every write to the socket: queued messages, keep-alive
// pings and the closing handshake.
func (c *conn) writeLoop() {
	ping := time.NewTicker(c.cfg.PingInterval)
	defer ping.Stop()
	var delayed delayLine // only with Config.DebugDelay
	for {
		select {
		case b := <-c.out:
			if c.cfg.DebugDelay > 0 {
				delayed.add(b, time.Now().Add(c.cfg.DebugDelay))
				continue
			}
			if err := c.write(websocket.BinaryMessage, b); err != nil {
				c.writeFailed(err)
			}
		case <-delayed.due():
			for _, b := range delayed.take(time.Now()) {
				if err := c.write(websocket.BinaryMessage, b); err != nil {
					c.writeFailed(err)
				}
			}
		case <-ping.C:
			deadline := time.Now().Add(c.cfg.WriteTimeout)
			if err := c.ws.WriteControl(websocket.PingMessage, nil, deadline); err != nil {
				c.writeFailed(err)
			}
		case <-c.done:
			delayed.stop()
			c.flush()
			return
		}
	}
}

// delayLine holds outgoing frames until their time, for Config.DebugDelay:
// a way to feel the game at a given latency. Its zero value is empty.
type delayLine struct {
	frames [][]byte
	at     []time.Time
	timer  *time.Timer
}

func (d *delayLine) add(b []byte, at time.Time) {
	d.frames, d.at = append(d.frames, b), append(d.at, at)
	if len(d.frames) == 1 {
		d.arm()
	}
}

// due fires when the oldest frame's time has come; nil (never) when empty.
func (d *delayLine) due() <-chan time.Time {
	if d.timer == nil || len(d.frames) == 0 {
		return nil
	}
	return d.timer.C
}

// take removes and returns the frames whose time has come.
func (d *delayLine) take(now time.Time) [][]byte {
	n := 0
	for n < len(d.at) && !d.at[n].After(now) {
		n++
	}
	out := d.frames[:n:n]
	d.frames, d.at = d.frames[n:], d.at[n:]
	if len(d.frames) > 0 {
		d.arm()
	}
	return out
}

func (d *delayLine) arm() {
	wait := time.Until(d.at[0])
	if d.timer == nil {
		d.timer = time.NewTimer(wait)
		return
	}
	d.timer.Reset(wait)
}

func (d *delayLine) stop() {
	if d.timer != nil {
		d.timer.Stop()
	}
}

// closeLinger is how long a closing connection waits for the peer's close
// frame, so the peer reads ours before the socket goes.
const closeLinger = time.Second

// flush writes what is still queued (an error explaining the close, say),
// then the close frame, and gives the reader closeLinger to see the peer's
// answer. A slow consumer's backlog is discarded instead: it is what the
// peer could not take, and the close frame should not wait behind it. The
// handler closes the socket once both goroutines are done.
func (c *conn) flush() {
	if c.closeCode == closeSlowConsumer {
		for len(c.out) > 0 {
			<-c.out
		}
	}
	for {
		select {
		case b := <-c.out:
			if c.write(websocket.BinaryMessage, b) != nil {
				_ = c.ws.SetReadDeadline(time.Now())
				return
			}
			continue
		default:
		}
		break
	}
	if c.closeCode != websocket.CloseAbnormalClosure {
		msg := websocket.FormatCloseMessage(c.closeCode, c.closeText)
		_ = c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(c.cfg.WriteTimeout))
	}
	_ = c.ws.SetReadDeadline(time.Now().Add(closeLinger))
}

// closed reports whether close was called.
func (c *conn) closed() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// linger reads and discards until the peer's close frame, an error, or the
// deadline flush set; then the socket can be closed without cutting off
// what the peer has not read yet.
func (c *conn) linger() {
	for {
		if _, _, err := c.ws.NextReader(); err != nil {
			return
		}
	}
}

// write writes one message. The write deadline moves only when less than
// half of WriteTimeout is left, not before every write: each write still
// has at least WriteTimeout/2.
func (c *conn) write(kind int, b []byte) error {
	if now := time.Now(); c.writeDeadline.Sub(now) < c.cfg.WriteTimeout/2 {
		c.writeDeadline = now.Add(c.cfg.WriteTimeout)
		if err := c.ws.SetWriteDeadline(c.writeDeadline); err != nil {
			return err
		}
	}
	return c.ws.WriteMessage(kind, b)
}

// errBinaryOnly is returned by read for text frames.
var errBinaryOnly = errors.New("only binary frames are accepted")

// read returns the next client message. Deadline extension on pongs is set
// up by the caller. A frame that is not a ClientMessage gives an error that
// wraps errBadFrame; socket errors are returned as they are.
func (c *conn) read(m *arenav1.ClientMessage) error {
	kind, r, err := c.ws.NextReader()
	if err != nil {
		return err
	}
	c.in.Reset()
	if _, err := c.in.ReadFrom(r); err != nil {
		return err
	}
	c.met.bytesReceived.Add(float64(c.in.Len()))
	if kind != websocket.BinaryMessage {
		return &badFrameError{errBinaryOnly}
	}
	if err := proto.Unmarshal(c.in.Bytes(), m); err != nil {
		return &badFrameError{err}
	}
	return nil
}

// badFrameError is a frame that could not be decoded as a ClientMessage.
type badFrameError struct{ err error }

func (e *badFrameError) Error() string { return "bad frame: " + e.err.Error() }
func (e *badFrameError) Unwrap() error { return e.err }
