package server

import (
	"log/slog"
	"net"

	"github.com/arena-server/arena/matchmaking"
	"github.com/arena-server/arena/netcode/transport"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

// node is the server as its cluster sees it: the Node the cluster calls back.
type node struct{ s *Server }

// Place creates a placed match here.
func (n node) Place(p Placement) error { return n.s.lobby.place(p) }

// Found sends a player queued here to the node that runs their match, with
// a seat ticket for it.
func (n node) Found(f Found) {
	p := n.s.lobby.found(f)
	if p == nil {
		return
	}
	msg := &arenav1.MatchFound{MatchId: f.MatchID, Mode: f.Mode}
	ticket, err := n.s.signer.issueSeat(f.Player, f.MatchID, f.Host, n.s.cfg.Clock.Now())
	if err == nil {
		msg.NodeUrl, err = transport.WebSocketURL(f.HostURL)
	}
	if err != nil {
		n.s.log.Error("player not sent to their match", slog.String("player", f.Player), slog.String("match", f.MatchID), slog.Any("err", err))
		p.send(errorMessage(0, arenav1.ErrorCode_ERROR_CODE_INTERNAL, "could not join the match"))
		return
	}
	msg.SeatTicket = ticket
	p.send(&arenav1.ServerMessage{Body: &arenav1.ServerMessage_MatchFound{MatchFound: msg}})
}

// QueueStatus tells a player queued here how their wait goes.
func (n node) QueueStatus(player string, st matchmaking.Status) { n.s.lobby.queueStatus(player, st) }

// Replaced closes a player's connection here: another node holds it now.
func (n node) Replaced(player string) { n.s.lobby.replaced(player) }

// LobbyLine delivers a lobby line from another node to the lobby here.
func (n node) LobbyLine(msg *arenav1.ChatMessage) {
	if _, err := n.s.lobby.deliverLobby(msg, n.s.cfg.Clock.Now()); err != nil {
		n.s.log.Warn("lobby line from another node not delivered", slog.Any("err", err))
	}
}

// Load is this node's load and address.
func (n node) Load() NodeLoad {
	players, matches := n.s.lobby.load()
	return NodeLoad{
		ID: n.s.cluster.NodeID(), URL: n.s.cfg.PublicURL,
		Players: players, Matches: matches,
		TickP99:  n.s.met.tickP99().Seconds() * 1000,
		Draining: n.s.draining.Load(),
	}
}

// BaseURL is the http:// base URL of a listener's address; an unspecified
// host (":8080", "[::]:8080") becomes localhost.
func BaseURL(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return "http://" + a.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}
