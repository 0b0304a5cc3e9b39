package server

import (
	"bytes"
	"encoding/binary"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// fakeSocket is an in-memory net.Conn that records what is written to it.
// It takes every write at once, unless stalled: then it takes nothing until
// flow is called (as a peer that stopped reading and comes back).
type fakeSocket struct {
	mu      sync.Mutex
	written bytes.Buffer
	stalled bool
	flowing chan struct{} // closed by flow
	closed  chan struct{}
	once    sync.Once
}

func newFakeSocket(stalled bool) *fakeSocket {
	return &fakeSocket{stalled: stalled, flowing: make(chan struct{}), closed: make(chan struct{})}
}

// try is the sockWriter's non-blocking write.
func (f *fakeSocket) try(b []byte) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stalled {
		return 0
	}
	f.written.Write(b)
	return len(b)
}

func (f *fakeSocket) Write(b []byte) (int, error) {
	f.mu.Lock()
	stalled := f.stalled
	f.mu.Unlock()
	if stalled {
		select {
		case <-f.flowing:
		case <-f.closed:
			return 0, net.ErrClosed
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.written.Write(b)
}

// flow makes a stalled socket take writes again.
func (f *fakeSocket) flow() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stalled {
		f.stalled = false
		close(f.flowing)
	}
}

func (f *fakeSocket) Read([]byte) (int, error) {
	<-f.closed
	return 0, net.ErrClosed
}

func (f *fakeSocket) Close() error {
	f.once.Do(func() { close(f.closed) })
	return nil
}

func (f *fakeSocket) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (f *fakeSocket) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (f *fakeSocket) SetDeadline(time.Time) error      { return nil }
func (f *fakeSocket) SetReadDeadline(time.Time) error  { return nil }
func (f *fakeSocket) SetWriteDeadline(time.Time) error { return nil }

// messages returns the binary messages written since the last call (server
// frames: unmasked, unfragmented), skipping control frames.
func (f *fakeSocket) messages(t testing.TB) [][]byte {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	var out [][]byte
	b := f.written.Bytes()
	for len(b) > 0 {
		if len(b) < 2 {
			t.Fatalf("%d bytes left: not a frame", len(b))
		}
		op, n, hdr := b[0]&0x0f, int(b[1]&0x7f), 2
		switch n {
		case 126:
			n, hdr = int(binary.BigEndian.Uint16(b[2:])), 4
		case 127:
			n, hdr = int(binary.BigEndian.Uint64(b[2:])), 10
		}
		if op == websocket.BinaryMessage {
			out = append(out, bytes.Clone(b[hdr:hdr+n]))
		}
		b = b[hdr+n:]
	}
	f.written.Reset()
	return out
}

// fakeConn is a conn over a fakeSocket, as the server makes one over a TCP
// socket, with the socket's non-blocking write replaced by the fake's.
func fakeConn(t testing.TB, cfg *Config, log *slog.Logger, met *metrics, stalled bool) (*conn, *fakeSocket) {
	t.Helper()
	fs := newFakeSocket(false)
	h := &sockHijacker{ResponseWriter: hijackable{fs}, cfg: cfg}
	req := httptest.NewRequest(http.MethodGet, "/ws", nil)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Sec-WebSocket-Version", "13")
	req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	ws, err := (&websocket.Upgrader{}).Upgrade(h, req, nil)
	if err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	h.sock.wait() // the 101 answer
	fs.written.Reset()
	fs.stalled = stalled
	h.sock.try = func() error {
		h.sock.tryN, h.sock.tryErr = fs.try(h.sock.tryBuf), nil
		return nil
	}
	return newConn(ws, h.sock, cfg, log, met), fs
}
