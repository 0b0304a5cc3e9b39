package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/arena-server/arena/internal/natsproc"
	"github.com/arena-server/arena/loadtest"
	"github.com/arena-server/arena/netcode/transport"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

// These tests run a cluster of real arena processes on loopback: a real
// nats-server (internal/natsproc, ARENA_TEST_NATS), a fresh database on the
// PostgreSQL server of ARENA_TEST_POSTGRES, and three nodes of the binary
// TestMain built. They kill, stop and restart parts of it while players
// play, and check what the players see and what the store holds.

const (
	// clusterNodes is how many arena processes a cluster test runs.
	clusterNodes = 3
	// clusterLease is the nodes' -queue-lease: how long a dead node's queue
	// goes unserved.
	clusterLease = time.Second
	// clusterGrace is the nodes' -shutdown-grace.
	clusterGrace = 20 * time.Second
	// clusterWait bounds each wait for a state of the cluster or a message
	// to a player, unless a test names a tighter bound.
	clusterWait = 15 * time.Second
	// pollEvery is the pause between polls of a state, always inside a deadline.
	pollEvery = 50 * time.Millisecond
	// logTailLines is how many lines of each node's log a failure shows.
	logTailLines = 40
)

// arenaNode is one arena process of a test cluster.
type arenaNode struct {
	id      string
	url     string // base URL, without the trailing slash
	ws      string // websocket URL, as MatchFound.node_url names it
	logPath string
	cmd     *exec.Cmd
	exited  chan struct{} // closed once the process has exited and been waited for
	err     error         // cmd.Wait's result, valid once exited is closed
}

// arenaCluster is NATS, a fresh PostgreSQL database and the nodes using them.
type arenaCluster struct {
	t     *testing.T
	nats  *natsproc.Server
	dsn   string // the test database's DSN
	nodes []*arenaNode
}

// startCluster starts NATS, creates a database and starts clusterNodes
// arena processes on them, then waits until every node is healthy, hears
// every other node and every mode's queue has a leader. It skips the test
// without ARENA_TEST_NATS or ARENA_TEST_POSTGRES. Everything is killed and
// dropped when the test ends; a failed test logs the tail of each node's log.
func startCluster(t *testing.T) *arenaCluster {
	t.Helper()
	base := os.Getenv("ARENA_TEST_POSTGRES")
	if base == "" {
		t.Skip("ARENA_TEST_POSTGRES is not set: make gotest sets it (scripts/with-pg.sh)")
	}
	ns := natsproc.Start(t)
	c := &arenaCluster{t: t, nats: ns, dsn: createDatabase(t, base)}
	modes, err := filepath.Abs(filepath.Join("testdata", "modes.json"))
	if err != nil {
		t.Fatal(err)
	}
	web := t.TempDir()
	t.Cleanup(func() {
		if t.Failed() {
			for _, n := range c.nodes {
				t.Logf("--- node %s (%s), last %d lines of its log:\n%s", n.id, n.url, logTailLines, tail(n.logPath, logTailLines))
			}
		}
	})
	for i := range clusterNodes {
		c.nodes = append(c.nodes, c.startNode(fmt.Sprintf("n%d", i+1), modes, web))
	}
	c.waitFormed()
	return c
}

// createDatabase creates a database with a random name on base's server,
// drops it when t ends, and returns its DSN.
func createDatabase(t *testing.T, base string) string {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("ARENA_TEST_POSTGRES: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to ARENA_TEST_POSTGRES: %v", err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "arena_cluster_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close(ctx)
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		defer admin.Close(ctx)
		if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

// startNode starts one arena process, its stdout and stderr in a log file,
// and waits for the URL it prints.
func (c *arenaCluster) startNode(id, modes, web string) *arenaNode {
	t := c.t
	t.Helper()
	n := &arenaNode{id: id, logPath: filepath.Join(t.TempDir(), id+".log"), exited: make(chan struct{})}
	logFile, err := os.OpenFile(n.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	n.cmd = exec.Command(arenaBin,
		"-addr", "127.0.0.1:0", "-admin-addr", "", "-web-dir", web,
		"-nats", c.nats.URL(), "-db", c.dsn, "-node-id", id,
		"-queue-lease", clusterLease.String(), "-modes", modes,
		"-shutdown-grace", clusterGrace.String(), "-log-level", "info")
	n.cmd.Stderr = logFile
	stdout, err := n.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(logFile, line)
			if _, after, ok := strings.Cut(line, "Arena is running: open "); ok {
				select {
				case urls <- strings.TrimSuffix(strings.Fields(after)[0], "/"):
				default:
				}
			}
		}
		n.err = n.cmd.Wait()
		logFile.Close()
		close(n.exited)
	}()
	t.Cleanup(func() {
		_ = n.cmd.Process.Kill()
		<-n.exited
	})
	select {
	case n.url = <-urls:
	case <-n.exited:
		t.Fatalf("node %s exited before serving: %v\n%s", id, n.err, tail(n.logPath, logTailLines))
	case <-time.After(clusterWait):
		t.Fatalf("node %s printed no URL in %v\n%s", id, clusterWait, tail(n.logPath, logTailLines))
	}
	if n.ws, err = transport.WebSocketURL(n.url); err != nil {
		t.Fatal(err)
	}
	return n
}

// tail returns the last n lines of the file at path.
func tail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// waitFormed waits until every node answers /healthz "ok", counts every
// node as a peer, and each mode's queue has exactly one leader.
func (c *arenaCluster) waitFormed() {
	c.t.Helper()
	c.waitUntil("the cluster forms", clusterWait, func() error {
		for _, n := range c.nodes {
			if code, h, err := n.health(); err != nil || code != http.StatusOK || h.Status != "ok" {
				return fmt.Errorf("node %s /healthz: %d %+v %v", n.id, code, h, err)
			}
			m, err := n.metrics()
			if err != nil {
				return err
			}
			if m["arena_node_peers"] != fmt.Sprint(clusterNodes) {
				return fmt.Errorf("node %s hears %s nodes", n.id, m["arena_node_peers"])
			}
		}
		for _, mode := range []string{"duel", "ffa16"} {
			if l := c.leaders(mode, nil); len(l) != 1 {
				return fmt.Errorf("queue %s has leaders %v", mode, l)
			}
		}
		return nil
	})
}

// waitUntil polls check until it returns nil, and fails the test with
// check's last error when within passes first.
func (c *arenaCluster) waitUntil(what string, within time.Duration, check func() error) {
	c.t.Helper()
	deadline := time.Now().Add(within)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("%s: not within %v: %v", what, within, err)
		}
		time.Sleep(pollEvery) // polling a state inside a deadline
	}
}

// nodeHealth is a node's GET /healthz body.
type nodeHealth struct {
	Status  string   `json:"status"`
	Reasons []string `json:"reasons"`
}

// health is the node's GET /healthz: status code and body.
func (n *arenaNode) health() (int, nodeHealth, error) {
	var h nodeHealth
	body, code, err := httpGet(n.url + "/healthz")
	if err != nil {
		return 0, h, err
	}
	err = json.Unmarshal(body, &h)
	return code, h, err
}

// metrics is the node's GET /metrics as a map from a sample's name and
// labels, as written (`arena_node_queue_leader{mode="duel"}`), to its value.
func (n *arenaNode) metrics() (map[string]string, error) {
	body, code, err := httpGet(n.url + "/metrics")
	if err != nil {
		return nil, err
	}
	if code != http.StatusOK {
		return nil, fmt.Errorf("node %s /metrics: status %d", n.id, code)
	}
	out := make(map[string]string)
	for line := range strings.SplitSeq(string(body), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if i := strings.LastIndexByte(line, ' '); i > 0 {
			out[line[:i]] = line[i+1:]
		}
	}
	return out, nil
}

// leads says whether the node's metrics say it serves mode's queue.
func (n *arenaNode) leads(mode string) bool {
	m, err := n.metrics()
	return err == nil && m[`arena_node_queue_leader{mode="`+mode+`"}`] == "1"
}

// leaders are the nodes, skip excepted, whose metrics say they serve mode's queue.
func (c *arenaCluster) leaders(mode string, skip *arenaNode) []*arenaNode {
	var out []*arenaNode
	for _, n := range c.nodes {
		if n != skip && n.leads(mode) {
			out = append(out, n)
		}
	}
	return out
}

// leader is the one node serving mode's queue; it fails the test unless there is exactly one.
func (c *arenaCluster) leader(mode string) *arenaNode {
	c.t.Helper()
	l := c.leaders(mode, nil)
	if len(l) != 1 {
		c.t.Fatalf("queue %s has %d leaders, want one", mode, len(l))
	}
	return l[0]
}

// others are the cluster's nodes but skip.
func (c *arenaCluster) others(skip *arenaNode) []*arenaNode {
	var out []*arenaNode
	for _, n := range c.nodes {
		if n != skip {
			out = append(out, n)
		}
	}
	return out
}

// byWS is the node whose websocket URL is ws, nil if none is.
func (c *arenaCluster) byWS(ws string) *arenaNode {
	for _, n := range c.nodes {
		if n.ws == ws {
			return n
		}
	}
	return nil
}

// httpGet fetches u with a short timeout.
func httpGet(u string) ([]byte, int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return body, resp.StatusCode, err
}

// clusterPlayer is a hand-written client: signed in once, connected to one
// node at a time with its token.
type clusterPlayer struct {
	t     *testing.T
	name  string
	token string
	id    string
	node  *arenaNode // where conn is
	conn  *transport.Conn
}

// newPlayer signs name in on node and connects there.
func (c *arenaCluster) newPlayer(name string, node *arenaNode) *clusterPlayer {
	c.t.Helper()
	s, err := transport.SignIn(c.t.Context(), node.url, name)
	if err != nil {
		c.t.Fatalf("sign in %s on %s: %v", name, node.id, err)
	}
	p := &clusterPlayer{t: c.t, name: name, token: s.Token, id: s.PlayerID}
	p.connect(node, node.ws, "")
	return p
}

// connect dials ws (node's, or a MatchFound's node_url), authenticates with
// the player's token and seat ticket (if any), and waits to be authenticated.
func (p *clusterPlayer) connect(node *arenaNode, ws, ticket string) {
	p.t.Helper()
	conn, err := transport.Dial(p.t.Context(), ws)
	if err != nil {
		p.t.Fatalf("%s dials %s: %v", p.name, ws, err)
	}
	p.t.Cleanup(func() { _ = conn.Close() })
	p.conn, p.node = conn, node
	p.send(&arenav1.ClientMessage{Body: &arenav1.ClientMessage_Authenticate{Authenticate: &arenav1.Authenticate{Token: p.token, SeatTicket: ticket}}})
	p.waitFor("authenticated on "+node.id, func(m *arenav1.ServerMessage) bool { return m.GetAuthenticated() != nil })
}

func (p *clusterPlayer) send(m *arenav1.ClientMessage) {
	p.t.Helper()
	if err := p.conn.Send(p.t.Context(), m); err != nil {
		p.t.Fatalf("%s sends: %v", p.name, err)
	}
}

// queue asks to join mode's queue.
func (p *clusterPlayer) queue(mode string) {
	p.t.Helper()
	p.send(&arenav1.ClientMessage{Body: &arenav1.ClientMessage_QueueJoin{QueueJoin: &arenav1.QueueJoin{Mode: mode}}})
}

// waitFor reads until a message satisfies pred, within clusterWait. An
// Error from the server fails the test unless pred takes it.
func (p *clusterPlayer) waitFor(what string, pred func(*arenav1.ServerMessage) bool) *arenav1.ServerMessage {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.t.Context(), clusterWait)
	defer cancel()
	for {
		m, err := p.conn.Receive(ctx)
		if err != nil {
			p.t.Fatalf("%s on %s waiting for %s: %v", p.name, p.node.id, what, err)
		}
		if pred(m) {
			return m
		}
		if e := m.GetError(); e != nil {
			p.t.Fatalf("%s on %s waiting for %s: server error %v", p.name, p.node.id, what, e)
		}
	}
}

// waitQueued waits for a QUEUED status of mode from its queue's leader
// counting at least n players.
func (p *clusterPlayer) waitQueued(mode string, n uint32) *arenav1.QueueStatus {
	p.t.Helper()
	return p.waitFor(fmt.Sprintf("a %s queue status counting %d players", mode, n), func(m *arenav1.ServerMessage) bool {
		st := m.GetQueueStatus()
		return st.GetState() == arenav1.QueueState_QUEUE_STATE_QUEUED && st.GetMode() == mode && st.GetPlayersQueued() >= n
	}).GetQueueStatus()
}

// waitGone reads until the connection fails (its node died), within clusterWait.
func (p *clusterPlayer) waitGone() {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.t.Context(), clusterWait)
	defer cancel()
	for {
		if _, err := p.conn.Receive(ctx); err != nil {
			if ctx.Err() != nil {
				p.t.Fatalf("%s: connection to %s still up", p.name, p.node.id)
			}
			_ = p.conn.Close()
			return
		}
	}
}

// matchWatch reads one player's messages in the background until their
// match ends, recording when each snapshot arrived.
type matchWatch struct {
	player *clusterPlayer
	done   chan struct{} // closed when end or err is set

	mu    sync.Mutex
	snaps []time.Time
	end   *arenav1.MatchEnd
	err   error
}

// watch starts reading p's messages; nothing else may read p's connection until the match ends.
func (p *clusterPlayer) watch() *matchWatch {
	w := &matchWatch{player: p, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		ctx, cancel := context.WithTimeout(p.t.Context(), time.Minute)
		defer cancel()
		for {
			m, err := p.conn.Receive(ctx)
			w.mu.Lock()
			switch {
			case err != nil:
				w.err = err
			case m.GetSnapshot() != nil:
				w.snaps = append(w.snaps, time.Now())
			case m.GetMatchEnd() != nil:
				w.end = m.GetMatchEnd()
			}
			stop := w.err != nil || w.end != nil
			w.mu.Unlock()
			if stop {
				return
			}
		}
	}()
	return w
}

// snapsSince counts the snapshots that arrived after t.
func (w *matchWatch) snapsSince(t time.Time) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, s := range w.snaps {
		if s.After(t) {
			n++
		}
	}
	return n
}

// lastSnap is when the latest snapshot arrived.
func (w *matchWatch) lastSnap() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.snaps) == 0 {
		return time.Time{}
	}
	return w.snaps[len(w.snaps)-1]
}

// ended reports whether the watch is over, and its error.
func (w *matchWatch) ended() (bool, error) {
	select {
	case <-w.done:
		return true, w.err
	default:
		return false, nil
	}
}

// waitEnd waits within d for the match's MatchEnd and fails the test unless
// it came, for the match, with results, not aborted.
func (w *matchWatch) waitEnd(t *testing.T, matchID string, d time.Duration) *arenav1.MatchEnd {
	t.Helper()
	select {
	case <-w.done:
	case <-time.After(d):
		t.Fatalf("%s: no MatchEnd within %v", w.player.name, d)
	}
	if w.err != nil {
		t.Fatalf("%s: connection failed before MatchEnd: %v", w.player.name, w.err)
	}
	if w.end.GetMatchId() != matchID || w.end.GetReason() == arenav1.MatchEndReason_MATCH_END_REASON_ABORTED || len(w.end.GetResults()) != 2 {
		t.Fatalf("%s: match %s ended with %v, want it to end normally with both players' results", w.player.name, matchID, w.end)
	}
	return w.end
}

// duel is a running duel between two hand-written players.
type duel struct {
	id      string
	host    *arenaNode // the node running it
	players [2]*clusterPlayer
	watches [2]*matchWatch
}

// startDuel signs one player in on each of a and b, queues both for duel,
// follows a MatchFound naming another node there with its seat ticket, and
// waits for both to see MatchStart; their messages are watched from there.
func (c *arenaCluster) startDuel(prefix string, a, b *arenaNode) *duel {
	c.t.Helper()
	d := &duel{players: [2]*clusterPlayer{c.newPlayer(prefix+"-a", a), c.newPlayer(prefix+"-b", b)}}
	for _, p := range d.players {
		p.queue("duel")
	}
	var found [2]*arenav1.MatchFound
	for i, p := range d.players {
		found[i] = p.waitFor("duel found", func(m *arenav1.ServerMessage) bool { return m.GetMatchFound() != nil }).GetMatchFound()
	}
	d.id = found[0].GetMatchId()
	if found[1].GetMatchId() != d.id {
		c.t.Fatalf("duel players found different matches: %v and %v", found[0], found[1])
	}
	for i, p := range d.players {
		host := p.node
		if u := found[i].GetNodeUrl(); u != "" {
			if host = c.byWS(u); host == nil {
				c.t.Fatalf("MatchFound names %s, no node of the cluster", u)
			}
			if found[i].GetSeatTicket() == "" {
				c.t.Fatalf("MatchFound to move to %s without a seat ticket", host.id)
			}
			_ = p.conn.Close()
			p.connect(host, u, found[i].GetSeatTicket())
		}
		if d.host != nil && d.host != host {
			c.t.Fatalf("duel %s placed on %s and on %s", d.id, d.host.id, host.id)
		}
		d.host = host
	}
	for i, p := range d.players {
		start := p.waitFor("duel start", func(m *arenav1.ServerMessage) bool { return m.GetMatchStart() != nil }).GetMatchStart()
		if start.GetMatchId() != d.id {
			c.t.Fatalf("%s started match %s, found %s", p.name, start.GetMatchId(), d.id)
		}
		d.watches[i] = p.watch()
	}
	c.t.Logf("duel %s between %s (%s) and %s (%s) runs on %s", d.id, d.players[0].name, a.id, d.players[1].name, b.id, d.host.id)
	return d
}

// waitEnd waits for both players' MatchEnd: normal, not aborted.
func (d *duel) waitEnd(t *testing.T, within time.Duration) {
	t.Helper()
	for _, w := range d.watches {
		w.waitEnd(t, d.id, within)
	}
}

// checkPlaying fails the test unless both players got a snapshot after
// since and neither watch has failed.
func (d *duel) checkPlaying(t *testing.T, since time.Time, what string) {
	t.Helper()
	for _, w := range d.watches {
		if done, err := w.ended(); err != nil {
			t.Fatalf("%s: %s's connection failed: %v", what, w.player.name, err)
		} else if done && w.snapsSince(since) == 0 {
			t.Fatalf("%s: %s's match ended with no snapshot since", what, w.player.name)
		}
		if w.snapsSince(since) == 0 {
			t.Fatalf("%s: %s got no snapshot since %v (last %v)", what, w.player.name, since.Format(time.TimeOnly), w.lastSnap().Format(time.TimeOnly))
		}
	}
}

// waitSnaps waits within d until every watch got a snapshot at or after at.
func (dl *duel) waitSnaps(t *testing.T, at time.Time, d time.Duration, what string) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		ok := true
		for _, w := range dl.watches {
			if w.lastSnap().Before(at) {
				ok = false
			}
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			dl.checkPlaying(t, at, what)
			t.Fatalf("%s: snapshots stopped before %v", what, at.Format(time.TimeOnly))
		}
		time.Sleep(pollEvery) // polling a state inside a deadline
	}
}

// TestClusterPlayAcrossNodes: 48 load bots, 16 through each of three
// nodes, play duels with lobby chat on. Matches are placed across nodes
// (players move), lobby lines cross nodes, nothing fails, and every match
// is stored once in the shared PostgreSQL database.
func TestClusterPlayAcrossNodes(t *testing.T) {
	c := startCluster(t)
	var servers []string
	for _, n := range c.nodes {
		servers = append(servers, n.url)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	sum, err := loadtest.Run(ctx, loadtest.Config{
		Server:      strings.Join(servers, ","),
		Bots:        48,
		Mode:        "duel",
		Duration:    24 * time.Second, // two 10 s duels (countdown included) per bot
		DecodeEvery: 4,
		// Duel bots are matched at once, so their lobby stays are short (from
		// a MatchEnd to the next MatchFound): a line every 400 ms catches
		// them, within the chat limit (a burst of 5, then one per 2 s).
		LobbyChat: 400 * time.Millisecond,
	}, slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("bots ran %v: %d matches ended in the window, %d moves, %d failovers, %d lobby lines sent, %d received across nodes, %d errors %v",
		time.Since(start).Round(time.Millisecond), sum.Matches, sum.Moves, sum.Failovers, sum.LobbyChatSent, sum.LobbyChatReceivedCross, sum.Errors, sum.ErrorKinds)
	if sum.Errors != 0 {
		t.Errorf("%d errors: %v", sum.Errors, sum.ErrorKinds)
	}
	if sum.Moves == 0 {
		t.Error("no bot moved to another node's match: matches were not placed across nodes")
	}
	if sum.LobbyChatSent == 0 || sum.LobbyChatReceivedCross == 0 {
		t.Errorf("lobby chat: %d lines sent, %d received across nodes; want both above 0", sum.LobbyChatSent, sum.LobbyChatReceivedCross)
	}
	if sum.Matches < 24 {
		t.Errorf("%d matches ended in the window; 48 bots in duels should end at least 24", sum.Matches)
	}

	// The store: every match once, with its two players.
	db, err := pgx.Connect(ctx, c.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	rows, err := db.Query(ctx, `SELECT match_id, count(*) FROM matches GROUP BY match_id HAVING count(*) > 1`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			t.Fatal(err)
		}
		t.Errorf("match %s stored %d times", id, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	var stored, badSeats int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM matches`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(ctx, `SELECT count(*) FROM matches m WHERE m.players <> 2
		OR (SELECT count(*) FROM match_players p WHERE p.match_id = m.match_id) <> 2`).Scan(&badSeats); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d matches stored", stored)
	if stored < sum.Matches {
		t.Errorf("%d matches stored, fewer than the %d the bots saw end", stored, sum.Matches)
	}
	if badSeats != 0 {
		t.Errorf("%d stored duels without exactly two players", badSeats)
	}
}

// TestClusterKillNodeHoldingQueue: the node serving ffa16's queue, with
// three players queued there and no match, dies by SIGKILL while a duel
// runs on another node. The duel plays to its end, the queue gets a new
// leader within the lease, and the dead node's players come back through
// another node with their tokens and are queued there, counted by the new
// leader.
func TestClusterKillNodeHoldingQueue(t *testing.T) {
	c := startCluster(t)
	// Players queued on the ffa16 leader first: the duel then goes to a
	// less loaded node, and the leader runs no match.
	victim := c.leader("ffa16")
	var queued []*clusterPlayer
	for i := range 3 {
		p := c.newPlayer(fmt.Sprintf("ffa-%d", i), victim)
		p.queue("ffa16")
		queued = append(queued, p)
	}
	for _, p := range queued {
		p.waitQueued("ffa16", 3)
	}
	rest := c.others(victim)
	d := c.startDuel("kill", rest[0], rest[1])
	leaderCase := d.host != victim
	if !leaderCase {
		// The duel went to the ffa16 leader after all (stale load reports):
		// kill another node, which then holds queued players only.
		victim = c.others(d.host)[0]
		queued = nil
		for i := range 3 {
			p := c.newPlayer(fmt.Sprintf("ffa-late-%d", i), victim)
			p.queue("ffa16")
			queued = append(queued, p)
		}
		for _, p := range queued {
			p.waitQueued("ffa16", 6)
		}
		t.Logf("case: the duel runs on the ffa16 leader %s; killing %s, which holds only queued players (leadership checks skipped)", d.host.id, victim.id)
	} else {
		t.Logf("case: killing %s, the ffa16 leader holding 3 queued players and no match; the duel runs on %s", victim.id, d.host.id)
	}
	survivors := c.others(victim)

	killed := time.Now()
	if err := victim.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-victim.exited

	if leaderCase {
		// A new leader within the lease and a little more.
		within := clusterLease + 4*time.Second
		c.waitUntil("ffa16 gets a new leader", within, func() error {
			if l := c.leaders("ffa16", victim); len(l) != 1 {
				return fmt.Errorf("ffa16 leaders %d", len(l))
			}
			return nil
		})
		t.Logf("ffa16 led by %s %v after the kill", c.leaders("ffa16", victim)[0].id, time.Since(killed).Round(time.Millisecond))
	}

	// The dead node's players come back elsewhere with their tokens and queue again.
	for i, p := range queued {
		p.waitGone()
		to := survivors[i%len(survivors)]
		p.connect(to, to.ws, "")
		p.queue("ffa16")
	}
	for _, p := range queued {
		st := p.waitQueued("ffa16", uint32(len(queued)))
		t.Logf("%s queued again on %s: %d players queued", p.name, p.node.id, st.GetPlayersQueued())
	}

	d.checkPlaying(t, killed, "the duel after the kill")
	d.waitEnd(t, clusterWait)
}

// TestClusterDrainNodeWithMatch: SIGTERM to the node running a duel. It
// reports draining, takes no new match, hands its queues over, lets the
// duel end normally and exits with status 0.
func TestClusterDrainNodeWithMatch(t *testing.T) {
	c := startCluster(t)
	// The duel's players on the nodes that do not serve the duel queue: the
	// least loaded node, where the duel goes, is then most likely the
	// queue's leader, whose queue must be handed over.
	rest := c.others(c.leader("duel"))
	d := c.startDuel("drain", rest[0], rest[1])
	host := d.host
	var led []string
	for _, mode := range []string{"duel", "ffa16"} {
		if host.leads(mode) {
			led = append(led, mode)
		}
	}
	t.Logf("draining %s, which runs duel %s and leads the queues %v", host.id, d.id, led)
	term := time.Now()
	if err := host.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	c.waitUntil(host.id+" reports draining", 5*time.Second, func() error {
		code, h, err := host.health()
		if err != nil || code != http.StatusServiceUnavailable || h.Status != "draining" {
			return fmt.Errorf("/healthz %d %+v %v", code, h, err)
		}
		return nil
	})
	// Every queue is served by one of the other nodes: those the draining
	// node led were handed over, the others stay where they were.
	for _, mode := range []string{"duel", "ffa16"} {
		c.waitUntil("the "+mode+" queue served off "+host.id, clusterLease+4*time.Second, func() error {
			if l := c.leaders(mode, host); len(l) != 1 {
				return fmt.Errorf("%d leaders on the other nodes", len(l))
			}
			return nil
		})
	}

	// New players on the other nodes are matched, but not onto the draining node.
	rest = c.others(host)
	a, b := c.newPlayer("late-a", rest[0]), c.newPlayer("late-b", rest[1])
	a.queue("duel")
	b.queue("duel")
	for _, p := range []*clusterPlayer{a, b} {
		f := p.waitFor("a new duel", func(m *arenav1.ServerMessage) bool { return m.GetMatchFound() != nil }).GetMatchFound()
		if f.GetNodeUrl() == host.ws {
			t.Errorf("%s was sent to the draining node %s", p.name, host.id)
		}
		t.Logf("%s found match %s on %q", p.name, f.GetMatchId(), f.GetNodeUrl())
	}

	d.checkPlaying(t, term, "the duel after SIGTERM")
	d.waitEnd(t, clusterGrace)
	select {
	case <-host.exited:
	case <-time.After(clusterGrace + 10*time.Second):
		t.Fatalf("%s did not exit after SIGTERM", host.id)
	}
	if host.err != nil {
		t.Fatalf("%s exited with %v after SIGTERM, want status 0", host.id, host.err)
	}
	t.Logf("%s exited cleanly %v after SIGTERM", host.id, time.Since(term).Round(time.Millisecond))
}

// TestClusterNATSRestart: NATS dies while a duel runs. The duel plays on,
// every node says it is degraded and refuses queueing as UNAVAILABLE; once
// NATS is back every node is healthy again and players on different nodes
// are matched.
func TestClusterNATSRestart(t *testing.T) {
	c := startCluster(t)
	d := c.startDuel("nats", c.nodes[0], c.nodes[1])
	lobby := c.newPlayer("lobby", c.nodes[2])

	down := time.Now()
	c.nats.Kill()
	c.waitUntil("every node degraded", 5*time.Second, func() error {
		for _, n := range c.nodes {
			code, h, err := n.health()
			if err != nil || code != http.StatusOK || h.Status != "degraded" || len(h.Reasons) == 0 {
				return fmt.Errorf("node %s /healthz %d %+v %v", n.id, code, h, err)
			}
		}
		return nil
	})
	d.waitSnaps(t, down.Add(2*time.Second), 5*time.Second, "the duel without NATS")
	for _, w := range d.watches {
		if done, _ := w.ended(); done {
			t.Fatalf("%s's duel is over 2 s after NATS died; the test's duel is too short", w.player.name)
		}
	}

	lobby.queue("duel")
	e := lobby.waitFor("queueing refused", func(m *arenav1.ServerMessage) bool { return m.GetError() != nil }).GetError()
	if e.GetCode() != arenav1.ErrorCode_ERROR_CODE_UNAVAILABLE {
		t.Errorf("queueing without NATS: %v, want UNAVAILABLE", e)
	}

	c.nats.Restart(t)
	back := time.Now()
	c.waitUntil("every node ok again", clusterWait, func() error {
		for _, n := range c.nodes {
			if code, h, err := n.health(); err != nil || code != http.StatusOK || h.Status != "ok" {
				return fmt.Errorf("node %s /healthz %d %+v %v", n.id, code, h, err)
			}
		}
		return nil
	})
	t.Logf("NATS down %v; every node ok %v after the restart", back.Sub(down).Round(time.Millisecond), time.Since(back).Round(time.Millisecond))

	a, b := c.newPlayer("after-a", c.nodes[1]), c.newPlayer("after-b", c.nodes[2])
	a.queue("duel")
	b.queue("duel")
	var ids []string
	for _, p := range []*clusterPlayer{a, b} {
		ids = append(ids, p.waitFor("a duel after the restart", func(m *arenav1.ServerMessage) bool { return m.GetMatchFound() != nil }).GetMatchFound().GetMatchId())
	}
	if ids[0] != ids[1] {
		t.Fatalf("matched into different matches %v", ids)
	}
	t.Logf("matched %v after the restart", time.Since(back).Round(time.Millisecond))
	d.waitEnd(t, clusterWait)
}

// TestClusterKillNodeHoldingTickets: a node that does not serve ffa16's
// queue but holds three players queued for it dies by SIGKILL. Its
// players come back through another node with their tokens and queue
// again: the leader must take their new tickets (and drop the dead
// node's), so that their queue statuses reach them where they are now,
// counting each of them once.
func TestClusterKillNodeHoldingTickets(t *testing.T) {
	c := startCluster(t)
	leader := c.leader("ffa16")
	victim := c.others(leader)[0]
	var queued []*clusterPlayer
	for i := range 3 {
		p := c.newPlayer(fmt.Sprintf("tix-%d", i), victim)
		p.queue("ffa16")
		queued = append(queued, p)
	}
	for _, p := range queued {
		p.waitQueued("ffa16", 3)
	}
	t.Logf("killing %s, which holds 3 players queued for ffa16 (led by %s)", victim.id, leader.id)
	if err := victim.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-victim.exited
	survivors := c.others(victim)
	for i, p := range queued {
		p.waitGone()
		to := survivors[i%len(survivors)]
		p.connect(to, to.ws, "")
		p.queue("ffa16")
	}
	for _, p := range queued {
		st := p.waitQueued("ffa16", 3)
		if st.GetPlayersQueued() != 3 {
			t.Errorf("%s: %d players queued for ffa16, want the 3 requeued ones", p.name, st.GetPlayersQueued())
		}
		t.Logf("%s queued again on %s: %d players queued", p.name, p.node.id, st.GetPlayersQueued())
	}
}
