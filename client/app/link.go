package app

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/arena-server/arena/netcode/transport"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

// Queue sizes between the App and its network session.
const (
	// outboundQueue is how many client messages may wait for the writer.
	// Send reports false when it is full (the message is not sent).
	outboundQueue = 256
	// inboundQueue is how many server messages may wait for Update. When it
	// is full the reader waits, and the server's own outbound queue drops
	// snapshots for this player.
	inboundQueue = 1024
)

// Conn is what a session needs from a connection to the server.
// *transport.Conn implements it.
type Conn interface {
	Send(ctx context.Context, m *arenav1.ClientMessage) error
	Receive(ctx context.Context) (*arenav1.ServerMessage, error)
	Close() error
}

// Dialer reaches the server: SignIn asks for a session under a name, Connect
// opens a connection, which the link then authenticates with the session's
// token (the same token again on every reconnect).
type Dialer interface {
	SignIn(ctx context.Context, name string) (transport.Session, error)
	Connect(ctx context.Context) (Conn, error)
}

// ServerDialer dials an Arena server through netcode/transport.
type ServerDialer struct {
	// BaseURL is the server's HTTP base, for example "http://127.0.0.1:8080".
	BaseURL string
}

// SignIn asks the server for a session over HTTP.
func (d ServerDialer) SignIn(ctx context.Context, name string) (transport.Session, error) {
	return transport.SignIn(ctx, d.BaseURL, name)
}

// Connect opens the server's websocket.
func (d ServerDialer) Connect(ctx context.Context) (Conn, error) {
	wsURL, err := transport.WebSocketURL(d.BaseURL)
	if err != nil {
		return nil, err
	}
	return transport.Dial(ctx, wsURL)
}

// event is what a link reports to the App: exactly one of session, msg and
// err is set.
type event struct {
	session *transport.Session     // signed in (a new session, not yet connected)
	msg     *arenav1.ServerMessage // a message from the server
	at      time.Time              // when msg arrived (ping is measured to it, not to the next frame)
	err     error                  // the session is over
}

// link is one connection to the server: sign in (when it has no token yet),
// connect, authenticate, then one reader and one writer goroutine on the
// connection. A reconnect is a new link with the same token.
//
// startLink starts its goroutines; close cancels them (without waiting, so
// that Update never blocks on a socket); they post a final error event unless
// the link was closed. Nothing but the App touches a link.
type link struct {
	out    chan *arenav1.ClientMessage
	events chan event
	cancel context.CancelFunc
	now    func() time.Time
}

// startLink connects with token, or first signs in under name when token is
// empty.
func startLink(d Dialer, name, token string, now func() time.Time) *link {
	ctx, cancel := context.WithCancel(context.Background())
	l := &link{
		out:    make(chan *arenav1.ClientMessage, outboundQueue),
		events: make(chan event, inboundQueue),
		cancel: cancel,
		now:    now,
	}
	go l.run(ctx, d, name, token)
	return l
}

// send queues m for the writer; false means the queue was full.
func (l *link) send(m *arenav1.ClientMessage) bool {
	select {
	case l.out <- m:
		return true
	default:
		return false
	}
}

// close ends the session; its goroutines finish on their own.
func (l *link) close() { l.cancel() }

// post hands an event to the App, unless the link is closed first.
func (l *link) post(ctx context.Context, e event) bool {
	select {
	case l.events <- e:
		return true
	case <-ctx.Done():
		return false
	}
}

func (l *link) run(ctx context.Context, d Dialer, name, token string) {
	if token == "" {
		s, err := d.SignIn(ctx, name)
		if err != nil {
			l.post(ctx, event{err: err})
			return
		}
		if !l.post(ctx, event{session: &s}) {
			return
		}
		token = s.Token
	}
	conn, err := d.Connect(ctx)
	if err != nil {
		l.post(ctx, event{err: err})
		return
	}
	ioCtx, stop := context.WithCancel(ctx)
	errc := make(chan error, 2)
	var wg sync.WaitGroup
	wg.Go(func() { errc <- l.write(ioCtx, conn, token) })
	wg.Go(func() { errc <- l.read(ioCtx, conn) })
	err = <-errc
	stop()
	_ = conn.Close()
	wg.Wait()
	if ctx.Err() == nil {
		l.post(ctx, event{err: err})
	}
}

// write authenticates, then sends queued messages until ctx ends or a write fails.
func (l *link) write(ctx context.Context, conn Conn, token string) error {
	auth := &arenav1.ClientMessage{Body: &arenav1.ClientMessage_Authenticate{
		Authenticate: &arenav1.Authenticate{Token: token},
	}}
	if err := conn.Send(ctx, auth); err != nil {
		return fmt.Errorf("authenticate: %w", err)
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case m := <-l.out:
			if err := conn.Send(ctx, m); err != nil {
				return err
			}
		}
	}
}

// read posts server messages until ctx ends or a read fails.
func (l *link) read(ctx context.Context, conn Conn) error {
	for {
		m, err := conn.Receive(ctx)
		if err != nil {
			return err
		}
		if !l.post(ctx, event{msg: m, at: l.now()}) {
			return ctx.Err()
		}
	}
}
