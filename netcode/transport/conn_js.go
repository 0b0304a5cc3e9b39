//go:build js

package transport

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"

	"github.com/coder/websocket"
)

// Conn is one websocket connection to the server, through the browser's
// WebSocket.
//
// One goroutine may read (ReadFrame, Receive) while others write (WriteFrame,
// Send). A context that ends during a read breaks the connection: the caller's
// next step is Close.
type Conn struct {
	ws        *websocket.Conn
	closeOnce sync.Once
	closeErr  error
}

// Dial opens a websocket to wsURL (for example "ws://127.0.0.1:8080/ws").
// ctx bounds the handshake only.
func Dial(ctx context.Context, wsURL string) (*Conn, error) {
	ws, _, err := websocket.Dial(ctx, wsURL, nil)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", wsURL, err)
	}
	ws.SetReadLimit(MaxFrameSize)
	return &Conn{ws: ws}, nil
}

// WriteFrame sends data as one binary frame. The browser buffers it, so it
// does not block.
func (c *Conn) WriteFrame(ctx context.Context, data []byte) error {
	if err := c.ws.Write(ctx, websocket.MessageBinary, data); err != nil {
		return fmt.Errorf("write frame: %w", err)
	}
	return nil
}

// ReadFrame waits for the next binary frame and returns its payload. A frame
// larger than MaxFrameSize, or a text frame, is an error.
func (c *Conn) ReadFrame(ctx context.Context) ([]byte, error) {
	typ, data, err := c.ws.Read(ctx)
	if err != nil {
		return nil, fmt.Errorf("read frame: %w", err)
	}
	if typ != websocket.MessageBinary {
		return nil, ErrTextFrame
	}
	return data, nil
}

// Close closes the connection with a normal close code. It is safe to call
// more than once and from any goroutine.
func (c *Conn) Close() error {
	c.closeOnce.Do(func() {
		err := c.ws.Close(websocket.StatusNormalClosure, "")
		if err != nil && !errors.Is(err, net.ErrClosed) {
			c.closeErr = err
		}
	})
	return c.closeErr
}

// CloseCode returns the close code of a connection the server closed, as
// carried by err from ReadFrame or Receive, or 0 when err is not a close.
func CloseCode(err error) int {
	if code := websocket.CloseStatus(err); code >= 0 {
		return int(code)
	}
	return 0
}
