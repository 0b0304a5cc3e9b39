package loadtest

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"google.golang.org/protobuf/proto"

	"github.com/arena-server/arena/netcode/transport"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

// writeTimeout bounds one write: a bot whose write is stuck this long
// (the server stopped reading it) loses its connection, and the other bots
// its sender drives go on.
const writeTimeout = 5 * time.Second

// closeGrace bounds how long close waits to send the close frame.
const closeGrace = time.Second

// dialer opens every bot's websocket. Inputs are a few dozen bytes, so a
// small write buffer does.
var dialer = websocket.Dialer{
	Proxy:            http.ProxyFromEnvironment,
	HandshakeTimeout: 10 * time.Second,
	WriteBufferSize:  512,
}

// conn is one bot's websocket to the server, built for many bots in one
// process. Unlike transport.Conn it sets no deadline per read and reads
// every frame into one buffer it reuses, so a read allocates nothing of its
// own (gorilla's NextReader allocates its 8-byte reader).
//
// Ownership: the bot's session goroutine alone reads and sets the read
// deadline; any goroutine may write, writes are serialised; close may be
// called by anyone, any number of times, and ends a read or write in
// progress.
type conn struct {
	ws  *websocket.Conn
	buf bytes.Buffer // the last frame read

	writeMu sync.Mutex
	writeBy time.Time // the write deadline in force, moved when less than half of writeTimeout is left

	closeOnce sync.Once
}

// dial opens a websocket to wsURL; ctx bounds the handshake. A handshake
// answered 503 (a draining node) is an errDraining.
func dial(ctx context.Context, wsURL string) (*conn, error) {
	ws, resp, err := dialer.DialContext(ctx, wsURL, nil)
	if err != nil {
		if resp != nil && resp.StatusCode == http.StatusServiceUnavailable {
			return nil, fmt.Errorf("dial %s: %w: %w (http %d)", wsURL, errDraining, err, resp.StatusCode)
		}
		if resp != nil {
			return nil, fmt.Errorf("dial %s: %w (http %d)", wsURL, err, resp.StatusCode)
		}
		return nil, fmt.Errorf("dial %s: %w", wsURL, err)
	}
	ws.SetReadLimit(transport.MaxFrameSize)
	c := &conn{ws: ws}
	c.buf.Grow(2048) // a full ffa16 snapshot, or a MatchStart
	return c, nil
}

// read waits for the next frame and returns its payload, which stays valid
// until the next read. A text frame is an error (transport.ErrTextFrame).
func (c *conn) read() ([]byte, error) {
	typ, r, err := c.ws.NextReader()
	if err != nil {
		return nil, err
	}
	if typ != websocket.BinaryMessage {
		return nil, transport.ErrTextFrame
	}
	c.buf.Reset()
	if _, err := c.buf.ReadFrom(r); err != nil {
		return nil, err
	}
	return c.buf.Bytes(), nil
}

// setReadDeadline bounds the reads to come; the zero time lifts the bound.
// Only the reader calls it.
func (c *conn) setReadDeadline(t time.Time) error { return c.ws.SetReadDeadline(t) }

// write sends data as one binary frame.
func (c *conn) write(data []byte) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if now := time.Now(); c.writeBy.Sub(now) < writeTimeout/2 {
		c.writeBy = now.Add(writeTimeout)
		if err := c.ws.SetWriteDeadline(c.writeBy); err != nil {
			return err
		}
	}
	return c.ws.WriteMessage(websocket.BinaryMessage, data)
}

// send encodes m and writes it as one frame.
func (c *conn) send(m *arenav1.ClientMessage) error {
	data, err := proto.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	return c.write(data)
}

// close sends a normal close frame (waiting at most closeGrace) and closes
// the socket, which ends a read or a write in progress.
func (c *conn) close() {
	c.closeOnce.Do(func() {
		msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
		_ = c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(closeGrace))
		_ = c.ws.Close()
	})
}
