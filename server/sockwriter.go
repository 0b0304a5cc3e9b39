package server

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"
)

// sockWriter is the net.Conn under a connection's websocket: gorilla frames
// each message and hands it to Write, from whichever goroutine sends it (the
// match for snapshots, the reader for answers, a chat channel's owner). Write
// never blocks, so a blocked socket never stalls a match's tick or another
// player:
//
//   - the fast path: while nothing is waiting, Write makes one non-blocking
//     write to the socket (no deadline, no timer, no goroutine woken);
//   - the slow path: what the socket does not take at once (its buffer is
//     full, or Config.DebugDelay holds every frame) is copied to the backlog,
//     and a drainer goroutine, started then and gone once the backlog is
//     empty, writes it with blocking writes, each under a WriteTimeout
//     deadline. While the backlog is not empty, every Write joins its end,
//     so the bytes keep their order.
//
// A slow write that fails makes every later Write fail with its error and is
// reported once through failed. Locking: mu guards the fields below it and is
// held for a Write's non-blocking write, never for a blocking one; gorilla's
// own write lock serialises whole frames above it.
type sockWriter struct {
	net.Conn
	timeout time.Duration // Config.WriteTimeout, for each slow write
	hold    time.Duration // Config.DebugDelay: every frame waits this long in the backlog
	failed  func(error)   // set before the first Write; called by the drainer

	mu        sync.Mutex
	idle      sync.Cond // signalled when the drainer is done
	backlog   []pending // bytes not written yet, oldest first; backlog[0] is being written while draining
	draining  bool
	err       error
	afterSent func() // run once the backlog is empty; see afterBacklog

	// try is one non-blocking write of tryBuf (the socket's file descriptor
	// for a TCP socket), reporting what it wrote in tryN and tryErr; nil
	// when the socket has none, and then every frame takes the slow path.
	try    func() error
	tryBuf []byte
	tryN   int
	tryErr error
}

// pending is a part of the byte stream waiting in the backlog.
type pending struct {
	b   []byte
	due time.Time // not written before (Config.DebugDelay)
}

func newSockWriter(nc net.Conn, cfg *Config) *sockWriter {
	w := &sockWriter{Conn: nc, timeout: cfg.WriteTimeout, hold: cfg.DebugDelay}
	w.idle.L = &w.mu
	if sc, ok := nc.(syscall.Conn); ok {
		if rc, err := sc.SyscallConn(); err == nil {
			write := func(fd uintptr) bool {
				w.tryN, w.tryErr = syscall.Write(int(fd), w.tryBuf)
				return true // never wait for the socket to be writable
			}
			w.try = func() error { return rc.Write(write) }
		}
	}
	return w
}

// SetWriteDeadline does nothing: gorilla sets the deadline before every
// frame, and fast writes need none. The drainer sets the socket's own.
func (w *sockWriter) SetWriteDeadline(time.Time) error { return nil }

// Write writes p now as far as the socket takes it and queues the rest for
// the drainer; it reports p written unless the socket has failed.
func (w *sockWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return 0, w.err
	}
	n := 0
	if !w.draining && w.hold == 0 && w.try != nil {
		w.tryBuf = p
		err := w.try()
		n, w.tryBuf = max(w.tryN, 0), nil
		if err == nil && w.tryErr != nil && !errors.Is(w.tryErr, syscall.EAGAIN) && !errors.Is(w.tryErr, syscall.EINTR) {
			err = w.tryErr
		}
		if err != nil {
			w.err = err
			return n, err
		}
		if n == len(p) {
			return n, nil
		}
	}
	w.backlog = append(w.backlog, pending{b: append([]byte(nil), p[n:]...), due: time.Now().Add(w.hold)})
	if !w.draining {
		w.draining = true
		go w.drain()
	}
	return len(p), nil
}

// backlogged is how many writes wait in the backlog.
func (w *sockWriter) backlogged() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.backlog)
}

// discard drops the backlog but for the part being written.
func (w *sockWriter) discard() {
	w.mu.Lock()
	defer w.mu.Unlock()
	keep := 0
	if w.draining && len(w.backlog) > 0 {
		keep = 1
	}
	clear(w.backlog[keep:])
	w.backlog = w.backlog[:keep]
}

// afterBacklog runs f once what was written so far is on the socket (or
// the socket failed): now if nothing waits, else on the drainer.
func (w *sockWriter) afterBacklog(f func()) {
	w.mu.Lock()
	if w.draining {
		w.afterSent = f
		w.mu.Unlock()
		return
	}
	w.mu.Unlock()
	f()
}

// wait returns once no drainer runs.
func (w *sockWriter) wait() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for w.draining {
		w.idle.Wait()
	}
}

// drain writes the backlog with blocking writes, each bounded by the write
// timeout, until it is empty or a write fails.
func (w *sockWriter) drain() {
	w.mu.Lock()
	for len(w.backlog) > 0 && w.err == nil {
		next := w.backlog[0]
		w.mu.Unlock()
		if wait := time.Until(next.due); wait > 0 {
			time.Sleep(wait)
		}
		err := w.Conn.SetWriteDeadline(time.Now().Add(w.timeout))
		if err == nil {
			_, err = w.Conn.Write(next.b)
		}
		w.mu.Lock()
		w.backlog = w.backlog[1:]
		if err != nil {
			w.err, w.backlog = err, nil
			w.mu.Unlock()
			w.failed(err)
			w.mu.Lock()
		}
	}
	w.draining = false
	after := w.afterSent
	w.afterSent = nil
	w.idle.Broadcast()
	w.mu.Unlock()
	if after != nil {
		after()
	}
}

// sockHijacker hands the upgrader a sockWriter over the hijacked connection.
type sockHijacker struct {
	http.ResponseWriter
	cfg  *Config
	sock *sockWriter
}

func (h *sockHijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	nc, brw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	h.sock = newSockWriter(nc, h.cfg)
	return h.sock, brw, nil
}
