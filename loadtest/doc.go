// Package loadtest loads an Arena server with headless bots that play over
// the real protocol, and measures what players would notice and what the
// server spends doing it. It is the library behind cmd/arena-bots, which
// bench/capacity.sh steps up to find how many players one server holds
// (docs/benchmark.md); tests and other tools can call Run directly.
//
// Each bot is a real client: it signs in over HTTP (as "b<N>-s<K>", bot N
// signing in through listed server K, through netcode/transport), opens the
// websocket, authenticates, queues for a mode, plays its match sending one
// input per tick (tick_rate from MatchStart) at a random phase of the
// server's tick, catching up after a stall like the game client (at most 4
// at once), with a new random direction and aim about once a second and a
// shot about twice a second, and queues again after MatchEnd, until the run
// ends. It signs in once and keeps its token: after a disconnect it
// connects again with the token alone, to the node holding its match if it
// is in one (which gives it its seat back), else to its server. Every frame
// is read, counted and timed. One
// bot in Config.DecodeEvery decodes every snapshot and times input
// acknowledgement (from sending input seq to the first snapshot whose
// ack_seq is at least seq); the others recognise snapshots by their first
// byte and decode only the rare other messages.
//
// The bots are built to cost little, so that they measure the server and
// not themselves: one reader goroutine per connection reads every frame into
// a buffer the connection reuses (no allocation of its own per message), and
// inputs are written by a few shared senders, one per phase of the tick,
// each driving every bot that plays at its phase, instead of a timer per
// bot. Summary reports the bots' own CPU use, and marks a run whose bots
// were busy on at least BotsSaturatedPercent of the cores they may use as
// saturated: its figures say more about the bots than about the server.
//
// Config.Server may list the nodes of a cluster. Bot N signs in through
// server N mod n and queues there. A MatchFound naming another node
// (node_url) moves the bot: it closes its connection normally, connects to
// that node and authenticates with its token and the seat ticket, plays the
// match there and queues again from there (Summary.Moves); a refused seat is
// an error (seat_refused). A bot not in a match whose node is gone (refused
// connection, close 1001, a draining node) fails over to the next listed
// server with its token and queues again (Summary.Failovers, not errors).
// With Config.LobbyChat, bots post lines to the lobby chat between matches
// and count the lines they receive from bots signed in through another
// server: lines that crossed nodes (Summary.LobbyChatReceivedCross).
//
// The measurement window starts when ramp-up is complete (every bot started
// and its first connection attempt over) and lasts Config.Duration; rates
// and percentiles cover the window only, errors the whole run. Errors
// (failed sign-ins and dials, disconnects, refused seats, Error messages
// from the server, decode failures) are counted by kind, never silent. At
// both ends of the window the bots scrape the (first listed) server's
// /metrics and, given its process id,
// sample its CPU time and memory from /proc (see ServerMetrics and
// ServerProcess). Summary.Verdict says whether the run meets the capacity
// criteria.
//
// The package never imports the game client, Ebiten or the server: in
// benchmarks the bots are a separate process sharing the machine with the
// server.
package loadtest
