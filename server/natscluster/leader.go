package natscluster

import (
	"cmp"
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/arena-server/arena/game"
	"github.com/arena-server/arena/server"
)

// holdLeases tries, three times a lease, to take each mode's lease that no
// node holds, and renews the ones this node holds. A lease that cannot be
// renewed (NATS away, or another node took it after it lapsed) ends this
// node's leadership of the queue at once.
func (c *Cluster) holdLeases(ctx context.Context) {
	t := time.NewTicker(c.cfg.Lease / 3)
	defer t.Stop()
	defer c.handOver()
	for {
		for _, mode := range modes(c.env.Modes) {
			c.holdLease(ctx, mode)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (c *Cluster) holdLease(ctx context.Context, mode string) {
	c.mu.Lock()
	l, draining := c.leading[mode], c.draining
	c.mu.Unlock()
	if draining {
		return
	}
	rctx, cancel := context.WithTimeout(ctx, c.cfg.Lease/3)
	defer cancel()
	if l != nil {
		rev, err := c.leases.Update(rctx, mode, []byte(c.cfg.NodeID), l.rev)
		if err != nil {
			c.env.Log.Warn("queue lease lost", slog.String("mode", mode), slog.Any("err", err))
			c.resign(mode, l)
			return
		}
		c.mu.Lock()
		l.rev = rev
		c.mu.Unlock()
		return
	}
	rev, err := c.leases.Create(rctx, mode, []byte(c.cfg.NodeID))
	if err != nil {
		return // held by another node, or NATS is away
	}
	if err := c.lead(ctx, mode, rev); err != nil {
		c.env.Log.Error("queue not served", slog.String("mode", mode), slog.Any("err", err))
		_ = c.leases.Delete(rctx, mode, jetstream.LastRevision(rev))
	}
}

// lead starts serving mode's queue: subscribe to its tickets, ask every
// node for its tickets again, and run the passes.
func (c *Cluster) lead(ctx context.Context, mode string, rev uint64) error {
	m, _ := game.FindMode(c.env.Modes, mode)
	q, err := server.NewQueues([]game.Mode{m})
	if err != nil {
		return err
	}
	lctx, stop := context.WithCancel(ctx)
	l := &leadership{rev: rev, queues: q, stop: stop}
	join, err := c.nc.Subscribe(subjectQueue(mode, "join"), c.bounded(func(msg *nats.Msg) {
		var t server.Ticket
		if json.Unmarshal(msg.Data, &t) != nil || t.Mode != mode || t.Player == "" {
			c.met.rejected.Inc()
			return
		}
		if err := q.Join(t); err != nil {
			c.env.Log.Warn("ticket refused", slog.String("player", t.Player), slog.Any("err", err))
		}
	}))
	if err != nil {
		stop()
		return err
	}
	leaveSub, err := c.nc.Subscribe(subjectQueue(mode, "leave"), c.bounded(func(msg *nats.Msg) {
		var lv leave
		if json.Unmarshal(msg.Data, &lv) == nil {
			q.Leave(lv.Player)
		}
	}))
	if err != nil {
		_ = join.Unsubscribe()
		stop()
		return err
	}
	l.subs = []*nats.Subscription{join, leaveSub}
	c.mu.Lock()
	c.leading[mode] = l
	c.mu.Unlock()
	c.met.leader.WithLabelValues(mode).Set(1)
	c.env.Log.Info("serving a queue", slog.String("mode", mode))
	c.publish(subjectQueue(mode, "resync"), resync{Mode: mode})
	go q.Serve(lctx, c.env.Clock, c.env.QueuePass, c.env.QueueStatus, placer{c: c, mode: mode, queues: q})
	go c.pruneTickets(lctx, mode, q)
	return nil
}

// pruneTickets drops, every load report period, the tickets of nodes the
// leader no longer hears from, so that no match is formed with players
// whose node is gone. It starts once the leader has had time to hear from
// every live node.
func (c *Cluster) pruneTickets(ctx context.Context, mode string, q *server.Queues) {
	select {
	case <-ctx.Done():
		return
	case <-time.After(c.alive()):
	}
	t := time.NewTicker(c.cfg.LoadEvery)
	defer t.Stop()
	for {
		live := make(map[string]bool)
		for _, n := range c.Peers() {
			live[n.ID] = true
		}
		if n := q.LeaveNodes(func(node string) bool { return !live[node] }); n > 0 {
			c.env.Log.Info("dropped the tickets of nodes gone silent", slog.String("mode", mode), slog.Int("tickets", n))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// resign stops serving a mode's queue whose lease this node lost.
func (c *Cluster) resign(mode string, l *leadership) {
	c.mu.Lock()
	if c.leading[mode] == l {
		delete(c.leading, mode)
	}
	c.mu.Unlock()
	l.end()
	c.met.leader.WithLabelValues(mode).Set(0)
}

func (l *leadership) end() {
	l.stop()
	for _, s := range l.subs {
		_ = s.Unsubscribe()
	}
}

// placer is the leader of a mode's queue placing its matches (server.Placer).
type placer struct {
	c      *Cluster
	mode   string
	queues *server.Queues
}

// Place asks the least-loaded healthy nodes in turn to run the match, then
// tells the players' other nodes where it runs. When no node takes it, the
// players' nodes are asked for their tickets again: the players queue on.
func (p placer) Place(pl server.Placement) {
	c := p.c
	for _, host := range c.candidates() {
		if !c.askToPlace(host.ID, pl) {
			continue
		}
		c.met.placements.WithLabelValues("placed").Inc()
		if host.ID != c.cfg.NodeID { // this node's own load is read live
			c.mu.Lock()
			c.placed[host.ID] += len(pl.Seats)
			c.mu.Unlock()
		}
		byNode := make(map[string][]server.Found)
		for _, s := range pl.Seats {
			if s.Node != host.ID {
				byNode[s.Node] = append(byNode[s.Node], server.Found{
					MatchID: pl.MatchID, Mode: pl.Mode, Player: s.Player, Host: host.ID, HostURL: host.URL,
				})
			}
		}
		for node, found := range byNode {
			c.publish(subjectNode(node, "found"), found)
		}
		return
	}
	c.met.placements.WithLabelValues("failed").Inc()
	c.env.Log.Warn("no node took a match; its players queue on", slog.String("match", pl.MatchID), slog.String("mode", pl.Mode))
	c.publish(subjectQueue(p.mode, "resync"), resync{Mode: p.mode})
}

// Statuses sends each node its queued players' statuses in one message.
func (p placer) Statuses(sts []server.QueuedStatus) {
	byNode := make(map[string][]status)
	for _, st := range sts {
		byNode[st.Ticket.Node] = append(byNode[st.Ticket.Node], status{Player: st.Ticket.Player, Status: st.Status})
	}
	for node, batch := range byNode {
		p.c.publish(subjectNode(node, "status"), batch)
	}
}

// candidates are the nodes that may take a match, least loaded first:
// alive, not draining, and ticking within their period. A peer's players
// count those this node placed there since its last load report, so that
// one pass's matches spread over the nodes rather than all going to the
// one that was least loaded a second ago.
func (c *Cluster) candidates() []server.NodeLoad {
	limit := float64(c.env.TickPeriod) / float64(time.Millisecond)
	peers := c.Peers()
	c.mu.Lock()
	for i := range peers {
		peers[i].Players += c.placed[peers[i].ID]
	}
	c.mu.Unlock()
	var out []server.NodeLoad
	for _, n := range peers {
		if !n.Draining && n.URL != "" && (n.TickP99 == 0 || n.TickP99 <= limit) {
			out = append(out, n)
		}
	}
	slices.SortFunc(out, func(a, b server.NodeLoad) int {
		return cmp.Or(cmp.Compare(a.Players, b.Players), cmp.Compare(a.Matches, b.Matches), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// askToPlace asks a node to run a match; true if it does.
func (c *Cluster) askToPlace(node string, pl server.Placement) bool {
	data, err := json.Marshal(pl)
	if err != nil {
		return false
	}
	reply, err := c.nc.Request(subjectNode(node, "place"), data, c.cfg.PlaceTimeout)
	if err != nil {
		c.env.Log.Warn("node did not answer a placement", slog.String("node", node), slog.Any("err", err))
		return false
	}
	if len(reply.Data) > 0 {
		c.env.Log.Warn("node refused a placement", slog.String("node", node), slog.String("why", string(reply.Data)))
		return false
	}
	return true
}
