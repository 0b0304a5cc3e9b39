package server

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/time/rate"

	"github.com/arena-server/arena/netcode"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

// handleWebsocket upgrades to a websocket and serves it until it closes.
func (s *Server) handleWebsocket(w http.ResponseWriter, r *http.Request) {
	if s.draining.Load() {
		http.Error(w, "server shutting down", http.StatusServiceUnavailable)
		return
	}
	h := &sockHijacker{ResponseWriter: w, cfg: &s.cfg}
	ws, err := s.upgrader.Upgrade(h, r, nil)
	if err != nil {
		return // the upgrader has answered the request
	}
	c := newConn(ws, h.sock, &s.cfg, s.log, s.met)
	if !s.track(c) {
		c.close(websocket.CloseGoingAway, "server shutting down")
		c.sock.wait()
		ws.Close()
		return
	}
	defer s.untrack(c)
	s.serveConn(c)
	c.close(websocket.CloseNormalClosure, "")
	c.linger()
	ws.Close()
}

// serveConn is the connection's reader: it authenticates, then handles
// messages until the socket fails or is closed.
func (s *Server) serveConn(c *conn) {
	ws := c.ws
	ws.SetReadLimit(s.cfg.MaxMessageBytes)
	_ = ws.SetReadDeadline(time.Now().Add(s.cfg.HandshakeTimeout))
	p, ok := s.authenticate(c)
	if !ok {
		return
	}
	defer s.ladder.release(p.id) // after disconnect: the hold admit took
	defer s.lobby.disconnect(p, c)
	c.log = s.log.With(slog.String("player", p.id))

	// The idle deadline moves at most every IdleTimeout/8, not on every
	// message: a silent peer is closed 7/8 to 8/8 of IdleTimeout after its last word.
	var idleFrom time.Time
	idle := func(now time.Time) error {
		if now.Sub(idleFrom) < s.cfg.IdleTimeout/8 {
			return nil
		}
		idleFrom = now
		return ws.SetReadDeadline(now.Add(s.cfg.IdleTimeout))
	}
	_ = idle(time.Now())
	ws.SetPongHandler(func(string) error { return idle(time.Now()) })
	flood := rate.NewLimiter(rate.Every(time.Second/time.Duration(s.cfg.MessageRate)), s.cfg.MessageBurst)
	var msg arenav1.ClientMessage
	for {
		msg.Reset()
		err := c.read(&msg)
		if c.closed() {
			return // closing: only the peer's close frame matters now
		}
		now := time.Now()
		if err == nil || isBadFrame(err) {
			if !flood.AllowN(now, 1) {
				s.rejectClose(c, websocket.ClosePolicyViolation, "message_rate", arenav1.ErrorCode_ERROR_CODE_RATE_LIMITED, "too many messages")
				return
			}
		}
		switch {
		case isBadFrame(err):
			s.reject(c, 0, "bad_frame", arenav1.ErrorCode_ERROR_CODE_BAD_MESSAGE, err.Error())
			continue
		case isTimeout(err):
			s.met.rejected.WithLabelValues("idle_timeout").Inc()
			return
		case err != nil:
			return
		}
		_ = idle(now)
		s.dispatch(p, c, &msg)
	}
}

func isBadFrame(err error) bool {
	_, ok := errors.AsType[*badFrameError](err)
	return ok
}

func isTimeout(err error) bool {
	ne, ok := errors.AsType[net.Error](err)
	return ok && ne.Timeout()
}

// authenticate reads the first message, which must carry a valid token.
func (s *Server) authenticate(c *conn) (*player, bool) {
	var msg arenav1.ClientMessage
	id, no := s.checkAuthenticate(&msg, c.read(&msg))
	if no != nil {
		if no.closeCode != 0 {
			s.rejectClose(c, no.closeCode, no.reason, no.code, no.text)
		}
		return nil, false
	}
	if err := s.admit(id); err != nil {
		c.log.Warn("sign-in refused: the store did not answer", slog.String("player", id.PlayerID), slog.Any("err", err))
		s.rejectClose(c, websocket.CloseTryAgainLater, "store_unavailable", arenav1.ErrorCode_ERROR_CODE_UNAVAILABLE,
			"the player store is not answering; try again shortly")
		return nil, false
	}
	c.send(&arenav1.ServerMessage{RequestId: msg.GetRequestId(), Body: &arenav1.ServerMessage_Authenticated{
		Authenticated: &arenav1.Authenticated{PlayerId: id.PlayerID, Name: id.Name},
	}})
	p := s.lobby.connect(id, c)
	s.cluster.Claim(id.PlayerID)
	return p, true
}

// admit records that a player signed in and holds their ratings for the
// connection's life (see ladder), reading them from the store within
// Config.StoreTimeout.
func (s *Server) admit(id identity) error {
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.StoreTimeout)
	defer cancel()
	if s.cfg.Store != nil {
		if err := s.cfg.Store.TouchPlayer(ctx, id.PlayerID, id.Name, s.cfg.Clock.Now()); err != nil {
			return err
		}
	}
	return s.ladder.hold(ctx, id.PlayerID)
}

// refusal is why a connection's first message does not sign it in: the
// close code (0 when the socket is already gone and nothing can be said),
// the metric's reason, and the error the client is sent.
type refusal struct {
	closeCode int
	reason    string
	code      arenav1.ErrorCode
	text      string
}

// checkAuthenticate decides what a connection's first read proves: msg and
// readErr are what conn.read gave. It returns the identity of a valid token,
// or why the connection is refused.
func (s *Server) checkAuthenticate(msg *arenav1.ClientMessage, readErr error) (identity, *refusal) {
	switch {
	case isBadFrame(readErr):
		return identity{}, &refusal{closeBadMessage, "bad_frame", arenav1.ErrorCode_ERROR_CODE_BAD_MESSAGE, "first message must be an authenticate ClientMessage"}
	case isTimeout(readErr):
		return identity{}, &refusal{closeUnauthenticated, "handshake_timeout", arenav1.ErrorCode_ERROR_CODE_UNAUTHENTICATED, "no authenticate message in time"}
	case readErr != nil:
		return identity{}, &refusal{}
	}
	auth := msg.GetAuthenticate()
	if auth == nil {
		return identity{}, &refusal{closeUnauthenticated, "unauthenticated", arenav1.ErrorCode_ERROR_CODE_UNAUTHENTICATED, "first message must authenticate"}
	}
	now := s.cfg.Clock.Now()
	id, err := s.signer.verify(auth.GetToken(), now)
	if err != nil {
		return identity{}, &refusal{closeUnauthenticated, "unauthenticated", arenav1.ErrorCode_ERROR_CODE_UNAUTHENTICATED, err.Error()}
	}
	if raw := auth.GetSeatTicket(); raw != "" {
		t, err := s.seats.check(raw, id.PlayerID, now)
		if err == nil && !s.lobby.hasSeat(id.PlayerID, t.Match) {
			err = errSeatUnknown
		}
		if err != nil {
			return identity{}, &refusal{closeSeatRefused, "seat_refused", arenav1.ErrorCode_ERROR_CODE_UNAUTHENTICATED, "seat ticket refused: " + err.Error()}
		}
	}
	return id, nil
}

// dispatch handles one message from an authenticated player.
func (s *Server) dispatch(p *player, c *conn, msg *arenav1.ClientMessage) {
	req := msg.GetRequestId()
	switch body := msg.Body.(type) {
	case *arenav1.ClientMessage_Input:
		s.handleInput(p, c, req, body.Input)
	case *arenav1.ClientMessage_Ping:
		c.send(&arenav1.ServerMessage{RequestId: req, Body: &arenav1.ServerMessage_Pong{Pong: &arenav1.Pong{
			ClientTimeUs: body.Ping.GetClientTimeUs(), ServerTimeUs: s.cfg.Clock.Now().UnixMicro(),
		}}})
	case *arenav1.ClientMessage_QueueJoin:
		mode := body.QueueJoin.GetMode()
		if err := s.lobby.join(p, mode, s.cfg.Clock.Now()); err != nil {
			s.reject(c, req, "queue", queueErrorCode(err), err.Error())
			return
		}
		c.send(queueStatusJoined(req, mode))
	case *arenav1.ClientMessage_QueueLeave:
		if err := s.lobby.leave(p); err != nil {
			s.reject(c, req, "queue", arenav1.ErrorCode_ERROR_CODE_WRONG_PHASE, err.Error())
			return
		}
		c.send(&arenav1.ServerMessage{RequestId: req, Body: &arenav1.ServerMessage_QueueStatus{
			QueueStatus: &arenav1.QueueStatus{State: arenav1.QueueState_QUEUE_STATE_LEFT},
		}})
	case *arenav1.ClientMessage_ChatSend:
		s.handleChat(p, c, req, body.ChatSend)
	case *arenav1.ClientMessage_Spectate:
		// The answer is the match's MatchStart, from the match.
		if err := s.lobby.watch(p, body.Spectate.GetMatchId()); err != nil {
			s.reject(c, req, "spectate", queueErrorCode(err), err.Error())
		}
	case *arenav1.ClientMessage_SpectateStop:
		if err := s.lobby.unwatch(p); err != nil {
			s.reject(c, req, "spectate", queueErrorCode(err), err.Error())
			return
		}
		c.send(notice(arenav1.ChatChannel_CHAT_CHANNEL_SPECTATORS, "You stopped watching."))
	case *arenav1.ClientMessage_Authenticate:
		s.reject(c, req, "wrong_phase", arenav1.ErrorCode_ERROR_CODE_WRONG_PHASE, "already authenticated")
	default:
		s.reject(c, req, "empty_body", arenav1.ErrorCode_ERROR_CODE_BAD_MESSAGE, "message has no known body")
	}
}

func (s *Server) handleInput(p *player, c *conn, req uint32, wire *arenav1.Input) {
	in, err := netcode.InputFromWire(wire)
	if err != nil {
		s.reject(c, req, "invalid_input", arenav1.ErrorCode_ERROR_CODE_INVALID_ARGUMENT, err.Error())
		return
	}
	seat := p.match.Load()
	if seat == nil {
		s.reject(c, req, "not_in_match", arenav1.ErrorCode_ERROR_CODE_NOT_IN_MATCH, "input outside a match")
		return
	}
	seat.m.input(seat.ship, in)
}

// reject tells the client why a message was refused and counts it by reason.
func (s *Server) reject(c *conn, req uint32, reason string, code arenav1.ErrorCode, text string) {
	s.met.rejected.WithLabelValues(reason).Inc()
	c.send(errorMessage(req, code, text))
}

// rejectClose is reject followed by closing the connection with closeCode.
func (s *Server) rejectClose(c *conn, closeCode int, reason string, code arenav1.ErrorCode, text string) {
	s.reject(c, 0, reason, code, text)
	c.close(closeCode, text)
}

func queueErrorCode(err error) arenav1.ErrorCode {
	switch {
	case errors.Is(err, errUnknownMode):
		return arenav1.ErrorCode_ERROR_CODE_UNKNOWN_MODE
	case errors.Is(err, errShuttingDown):
		return arenav1.ErrorCode_ERROR_CODE_SHUTTING_DOWN
	case errors.Is(err, ErrQueueUnavailable):
		return arenav1.ErrorCode_ERROR_CODE_UNAVAILABLE
	case errors.Is(err, errAlreadyQueued), errors.Is(err, errInMatch):
		return arenav1.ErrorCode_ERROR_CODE_ALREADY_QUEUED
	case errors.Is(err, errUnknownMatch):
		return arenav1.ErrorCode_ERROR_CODE_UNKNOWN_MATCH
	case errors.Is(err, errAlreadyWatching), errors.Is(err, errWatching), errors.Is(err, errNotWatching):
		return arenav1.ErrorCode_ERROR_CODE_WRONG_PHASE
	}
	return arenav1.ErrorCode_ERROR_CODE_INTERNAL
}

func queueStatusJoined(req uint32, mode string) *arenav1.ServerMessage {
	return &arenav1.ServerMessage{RequestId: req, Body: &arenav1.ServerMessage_QueueStatus{
		QueueStatus: &arenav1.QueueStatus{State: arenav1.QueueState_QUEUE_STATE_QUEUED, Mode: mode},
	}}
}
