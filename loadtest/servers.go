package loadtest

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/gorilla/websocket"

	"github.com/arena-server/arena/netcode/transport"
)

// maxBotName is the longest display name the server accepts (its
// validateName): a bot's name must fit.
const maxBotName = 16

// botName is the name of bot id signed in through listed server k:
// "b<id>-s<k>". The suffix tells other bots which server the sign-in went
// through (see nameServer).
func botName(id, server int) string {
	return "b" + strconv.Itoa(id) + "-s" + strconv.Itoa(server)
}

// nameServer returns the listed server a bot named name signed in through;
// ok is false for a name botName did not make.
func nameServer(name string) (server int, ok bool) {
	rest, ok := strings.CutPrefix(name, "b")
	if !ok {
		return 0, false
	}
	id, k, found := strings.Cut(rest, "-s")
	if !found || !digits(id) || !digits(k) {
		return 0, false
	}
	server, err := strconv.Atoi(k)
	return server, err == nil
}

// digits reports whether s is a non-empty run of ASCII digits.
func digits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// serverList is the run's listed servers (Config.Servers): the nodes bots
// sign in through and queue on.
type serverList struct {
	base []string // base URLs, as listed
	ws   []string // their websocket endpoints, in the same order
}

// newServerList lists servers, base URLs Config.Validate accepted.
func newServerList(servers []string) (serverList, error) {
	l := serverList{base: servers, ws: make([]string, len(servers))}
	for i, s := range servers {
		u, err := transport.WebSocketURL(s)
		if err != nil {
			return serverList{}, err
		}
		l.ws[i] = u
	}
	return l, nil
}

// home is the server bot id signs in and first connects through: servers
// are dealt round-robin, so bots spread evenly.
func (l serverList) home(id int) int { return id % len(l.base) }

// failover is the server to go to when the connection to wsURL failed while
// the bot was not in a match: the one listed after wsURL, or after current
// (the bot's server of the moment) when wsURL is not listed (a node a match
// moved the bot to).
func (l serverList) failover(wsURL string, current int) int {
	if i := slices.Index(l.ws, wsURL); i >= 0 {
		current = i
	}
	return (current + 1) % len(l.ws)
}

// errDraining is a node draining before it shuts down: its websocket
// handshake answered 503 Service Unavailable, or it sent an Error
// SHUTTING_DOWN.
var errDraining = errors.New("server draining")

// nodeGone reports whether err, ending a sign-in, a dial or a connection,
// means the node is no longer serving: nothing listens (connection
// refused), it said it is going away (close 1001) or it is draining
// (errDraining). A bot not in a match fails over to the next
// listed server (see serverList.failover).
func nodeGone(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, errDraining) ||
		transport.CloseCode(err) == websocket.CloseGoingAway
}
