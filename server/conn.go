package server

import (
	"bytes"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"google.golang.org/protobuf/proto"

	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

// conn is one websocket connection, served by one goroutine: the HTTP
// handler reads; whoever sends a message writes it (see sockWriter: the
// socket takes it at once or the rest waits in the backlog for a drainer
// goroutine, so sending never blocks). Ownership: close (from anyone) sends
// the close frame after what was sent before it and then stops the reader;
// the handler returns only after the drainer has finished, so a connection
// never outlives its handler.
//
// The backlog is bounded by Config.OutboundQueue writes (a message larger
// than the write buffer takes two). Snapshots are written only while it is
// at most half full and are otherwise dropped (counted; the match resets
// that player's baseline); control and chat messages are written while it
// has room, and a connection whose backlog is full for one is closed as a
// slow consumer, as is one whose slow write waits WriteTimeout.
type conn struct {
	ws   *websocket.Conn
	sock *sockWriter
	cfg  *Config
	log  *slog.Logger
	met  *metrics

	wmu  sync.Mutex // held for one WriteMessage; WriteControl needs none
	done chan struct{}
	ping atomic.Pointer[time.Timer] // the next keep-alive ping
	in   bytes.Buffer               // the reader's frame buffer, reused for every message

	closeOnce sync.Once
	closeCode int
	closeText string
}

// newConn serves ws, whose net.Conn is sock, and starts its pings.
func newConn(ws *websocket.Conn, sock *sockWriter, cfg *Config, log *slog.Logger, met *metrics) *conn {
	c := &conn{ws: ws, sock: sock, cfg: cfg, log: log, met: met, done: make(chan struct{})}
	sock.failed = c.writeFailed
	c.ping.Store(time.AfterFunc(cfg.PingInterval, c.keepAlive))
	return c
}

// keepAlive pings the peer every PingInterval until the connection closes.
func (c *conn) keepAlive() {
	if c.closed() {
		return
	}
	if err := c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(c.cfg.WriteTimeout)); err != nil {
		c.writeFailed(err)
		return
	}
	c.ping.Load().Reset(c.cfg.PingInterval)
}

// close sends the peer the close frame with code and text, after what was
// sent before it (not a slow consumer's backlog: it is what the peer could
// not take, and the close frame should not wait behind it), then gives the
// reader closeLinger to see the peer's answer. Safe to call many times and
// from any goroutine, never blocks; the first call wins, and only it
// reports true.
func (c *conn) close(code int, text string) bool {
	first := false
	c.closeOnce.Do(func() {
		c.closeCode, c.closeText = code, text
		close(c.done)
		first = true
	})
	if !first {
		return false
	}
	c.ping.Load().Stop()
	if code == closeSlowConsumer {
		c.sock.discard()
	}
	linger := time.Now // a socket that failed has nothing more to say
	if code != websocket.CloseAbnormalClosure {
		msg := websocket.FormatCloseMessage(code, text)
		if c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(c.cfg.WriteTimeout)) == nil {
			linger = func() time.Time { return time.Now().Add(closeLinger) }
		}
	}
	c.sock.afterBacklog(func() { _ = c.ws.SetReadDeadline(linger()) })
	return true
}

// closeSlow closes a connection that cannot take what it is sent: its backlog
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

// send writes a control or chat message; a full backlog closes the
// connection. It reports whether the message was sent.
func (c *conn) send(m *arenav1.ServerMessage) bool {
	b, err := marshalOptions.Marshal(m)
	if err != nil {
		c.log.Error("encode message", slog.Any("err", err))
		return false
	}
	return c.sendBytes(b)
}

// sendBytes is send for an encoded message. The caller keeps b.
func (c *conn) sendBytes(b []byte) bool {
	if c.closed() {
		return false
	}
	if c.sock.backlogged() >= c.cfg.OutboundQueue {
		c.closeSlow("outbound queue full")
		return false
	}
	if !c.write(b) {
		return false
	}
	c.met.bytesSent.Add(float64(len(b)))
	return true
}

// sendSnapshot writes a snapshot if the backlog has room for it; it
// reports whether it did. A dropped snapshot never blocks. The caller keeps
// b and counts the snapshot (see sendCounts).
func (c *conn) sendSnapshot(b []byte) bool {
	if c.closed() || c.sock.backlogged() > c.cfg.OutboundQueue/2 {
		return false
	}
	return c.write(b)
}

// write hands one message to the socket. gorilla allows one message writer
// at a time: wmu makes it so (never held long, as the socket never blocks).
func (c *conn) write(b []byte) bool {
	c.wmu.Lock()
	err := c.ws.WriteMessage(websocket.BinaryMessage, b)
	c.wmu.Unlock()
	if err != nil {
		c.writeFailed(err)
		return false
	}
	return true
}

// closeLinger is how long a closing connection waits for the peer's close
// frame, so the peer reads ours before the socket goes.
const closeLinger = time.Second

// closed reports whether close was called.
func (c *conn) closed() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// linger waits until what was sent is written, then reads and discards
// until the peer's close frame, an error, or the deadline close set; then
// the socket can be closed without cutting off what the peer has not read
// yet.
func (c *conn) linger() {
	c.sock.wait()
	for {
		if _, _, err := c.ws.NextReader(); err != nil {
			return
		}
	}
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
