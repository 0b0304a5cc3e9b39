package app

import (
	"context"
	"fmt"
	"net/url"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/arena-server/arena/netcode"
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
// opens a websocket to one of the cluster's nodes, which the link then
// authenticates with the session's token (the same token again on every
// reconnect, and on every node).
//
// Connect's wsURL is the full ws:// or wss:// URL of the node's websocket
// endpoint, as MatchFound.node_url gives it when a match runs on another
// node; "" means the Dialer's own server (the one that served the page).
type Dialer interface {
	SignIn(ctx context.Context, name string) (transport.Session, error)
	Connect(ctx context.Context, wsURL string) (Conn, error)
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

// Connect opens the websocket at wsURL, or the server's own when wsURL is
// "".
func (d ServerDialer) Connect(ctx context.Context, wsURL string) (Conn, error) {
	if wsURL == "" {
		u, err := transport.WebSocketURL(d.BaseURL)
		if err != nil {
			return nil, err
		}
		wsURL = u
	}
	return transport.Dial(ctx, wsURL)
}

// checkNodeURL reports whether s is a websocket URL the client may dial for
// a match on another node: ws:// or wss:// with a host.
func checkNodeURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return err
	}
	if (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" {
		return fmt.Errorf("%q is not a ws:// or wss:// URL", s)
	}
	return nil
}

// event is what a link reports to the App: exactly one of session, msg and
// err is set.
//
// A message comes decoded as far as it can be without the App: the reader
// goroutine measures its size and, for a snapshot, applies it to the
// connection's snapshot decoder (see read), so that Update, which takes a
// frame's burst of messages at once, only files the results.
type event struct {
	session *transport.Session     // signed in (a new session, not yet connected)
	msg     *arenav1.ServerMessage // a message from the server
	at      time.Time              // when msg arrived (ping and snapshot timing use it, not the next frame)
	size    int                    // msg's protobuf size, for the net graph
	view    *netcode.View          // a snapshot decoded against the connection's last one; nil before a MatchStart
	viewErr error                  // why the snapshot did not decode
	err     error                  // the session is over
	opened  bool                   // with err: the connection had opened (the Authenticate may have reached the node)
}

// linkTarget is where a link connects and what it authenticates with.
type linkTarget struct {
	node   string // the node's websocket URL; "" for the Dialer's own server
	name   string // sign in under it first when token is ""
	token  string // the session token
	ticket string // the seat ticket when moving to the node of a match, else ""
}

// link is one connection to a node: sign in (when it has no token yet),
// connect, authenticate (with a seat ticket when it moves the player to the
// node of their match), then one reader and one writer goroutine on the
// connection. A reconnect is a new link with the same token; so is a move
// to another node.
//
// startLink starts its goroutines; close ends them (without waiting, so that
// Update never blocks on a socket): the connection closes normally, and
// they post a final error event unless the link was closed. Nothing but the
// App touches a link.
type link struct {
	out    chan *arenav1.ClientMessage
	events chan event
	cancel context.CancelFunc
	now    func() time.Time
}

// startLink connects to t.node with t.token (and t.ticket), or first signs in
// under t.name when t.token is empty.
func startLink(d Dialer, t linkTarget, now func() time.Time) *link {
	ctx, cancel := context.WithCancel(context.Background())
	l := &link{
		out:    make(chan *arenav1.ClientMessage, outboundQueue),
		events: make(chan event, inboundQueue),
		cancel: cancel,
		now:    now,
	}
	go l.run(ctx, d, t)
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

func (l *link) run(ctx context.Context, d Dialer, t linkTarget) {
	if t.token == "" {
		s, err := d.SignIn(ctx, t.name)
		if err != nil {
			l.post(ctx, event{err: err})
			return
		}
		if !l.post(ctx, event{session: &s}) {
			return
		}
		t.token = s.Token
	}
	conn, err := d.Connect(ctx, t.node)
	if err != nil {
		l.post(ctx, event{err: err})
		return
	}
	if ctx.Err() != nil {
		_ = conn.Close()
		return
	}
	// The reader and writer do not end with ctx: a link closed on purpose
	// (a move to another node, Close) closes the connection normally first.
	// The browser's websocket would close it with 1008 "read timed out" on
	// a read whose context ended.
	ioCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	errc := make(chan error, 2)
	var wg sync.WaitGroup
	wg.Go(func() { errc <- l.write(ioCtx, conn, t.token, t.ticket) })
	wg.Go(func() { errc <- l.read(ioCtx, conn) })
	select {
	case err = <-errc:
	case <-ctx.Done():
	}
	_ = conn.Close()
	stop()
	wg.Wait()
	if ctx.Err() == nil {
		l.post(ctx, event{err: err, opened: true})
	}
}

// write authenticates (with ticket, when moving to a match's node), then
// sends queued messages until ctx ends or a write fails.
func (l *link) write(ctx context.Context, conn Conn, token, ticket string) error {
	auth := &arenav1.ClientMessage{Body: &arenav1.ClientMessage_Authenticate{
		Authenticate: &arenav1.Authenticate{Token: token, SeatTicket: ticket},
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

// read posts server messages until ctx ends or a read fails, each stamped
// with its arrival time and decoded here rather than in Update: the snapshots
// of a match are applied, in the order they arrive, to a decoder that each
// MatchStart on this connection starts afresh (the server follows a
// MatchStart, the first or a resume's, with a full snapshot). A snapshot
// before any MatchStart is posted without a view: the App ignores it.
func (l *link) read(ctx context.Context, conn Conn) error {
	var dec *netcode.Decoder
	for {
		m, err := conn.Receive(ctx)
		if err != nil {
			return err
		}
		e := event{msg: m, at: l.now(), size: proto.Size(m)}
		switch b := m.GetBody().(type) {
		case *arenav1.ServerMessage_MatchStart:
			dec = netcode.NewDecoder(b.MatchStart.GetYourShipId())
		case *arenav1.ServerMessage_Snapshot:
			if dec != nil {
				e.view, e.viewErr = dec.Apply(b.Snapshot)
			}
		}
		if !l.post(ctx, e) {
			return ctx.Err()
		}
	}
}
