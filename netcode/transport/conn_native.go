//go:build !js

package transport

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// closeGrace bounds how long Close waits to send the close frame.
const closeGrace = time.Second

// Conn is one websocket connection to the server.
//
// One goroutine may read (ReadFrame, Receive) while others write (WriteFrame,
// Send); writes are serialised internally. A context that ends during a read
// or write breaks the connection (a write's closes the socket): the caller's
// next step is Close.
type Conn struct {
	ws        *websocket.Conn
	writeMu   sync.Mutex
	writeErr  error // the first failed write's error, under writeMu: every later write fails with it
	closeOnce sync.Once
	closeErr  error
}

// Dial opens a websocket to wsURL (for example "ws://127.0.0.1:8080/ws").
// ctx bounds the handshake only.
func Dial(ctx context.Context, wsURL string) (*Conn, error) {
	d := websocket.Dialer{
		Proxy:            http.ProxyFromEnvironment,
		HandshakeTimeout: 10 * time.Second,
	}
	ws, resp, err := d.DialContext(ctx, wsURL, nil)
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("dial %s: %w (http %d)", wsURL, err, resp.StatusCode)
		}
		return nil, fmt.Errorf("dial %s: %w", wsURL, err)
	}
	ws.SetReadLimit(MaxFrameSize)
	return &Conn{ws: ws}, nil
}

// WriteFrame sends data as one binary frame. The context's deadline bounds
// the write; a context that ends while the write is blocked closes the
// connection, which is what unblocks it.
//
// The deadline is set before writing, under writeMu, because gorilla's
// SetWriteDeadline is a plain field store that WriteMessage reads between
// frames: setting it from another goroutine during a write is a data race,
// and would not interrupt a write already blocked in the socket anyway.
// Closing the net.Conn is safe from any goroutine and does interrupt it.
func (c *Conn) WriteFrame(ctx context.Context, data []byte) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if c.writeErr != nil {
		return c.writeErr
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("write frame: %w", err)
	}
	deadline, _ := ctx.Deadline()
	if err := c.ws.SetWriteDeadline(deadline); err != nil {
		return fmt.Errorf("write frame: %w", err)
	}
	stop := context.AfterFunc(ctx, func() { _ = c.ws.NetConn().Close() })
	defer stop()
	if err := c.ws.WriteMessage(websocket.BinaryMessage, data); err != nil {
		// A failed write may leave part of a frame on the wire: the
		// connection is broken for writing whatever the socket says next.
		c.writeErr = fmt.Errorf("write frame: %w", contextError(ctx, err))
		return c.writeErr
	}
	return nil
}

// ReadFrame waits for the next binary frame and returns its payload. A frame
// larger than MaxFrameSize, or a text frame, is an error.
func (c *Conn) ReadFrame(ctx context.Context) ([]byte, error) {
	deadline, _ := ctx.Deadline()
	if err := c.ws.SetReadDeadline(deadline); err != nil {
		return nil, fmt.Errorf("read frame: %w", err)
	}
	stop := context.AfterFunc(ctx, func() { _ = c.ws.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	typ, data, err := c.ws.ReadMessage()
	if err != nil {
		return nil, fmt.Errorf("read frame: %w", contextError(ctx, err))
	}
	if typ != websocket.BinaryMessage {
		return nil, ErrTextFrame
	}
	return data, nil
}

// Close sends a normal close frame (waiting at most a second) and closes the
// connection. It is safe to call more than once and from any goroutine.
func (c *Conn) Close() error {
	c.closeOnce.Do(func() {
		msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
		// The peer may be gone already; closing our side is what matters.
		_ = c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(closeGrace))
		if err := c.ws.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			c.closeErr = fmt.Errorf("close: %w", err)
		}
	})
	return c.closeErr
}

// CloseCode returns the close code of a connection the server closed, as
// carried by err from ReadFrame or Receive, or 0 when err is not a close.
func CloseCode(err error) int {
	if ce, ok := errors.AsType[*websocket.CloseError](err); ok {
		return ce.Code
	}
	return 0
}

// contextError returns the context's error in place of err when the context
// ended (its deadline may pass a moment before ctx.Err reports it).
func contextError(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	if deadline, ok := ctx.Deadline(); ok && !time.Now().Before(deadline) {
		return context.DeadlineExceeded
	}
	return err
}
