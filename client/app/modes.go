package app

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/arena-server/arena/netcode/transport"
)

// ModeLister is a Dialer that can also list the server's playable modes
// (ServerDialer does). With a Dialer that cannot, the menu offers only
// Config.Mode.
type ModeLister interface {
	Modes(ctx context.Context) ([]transport.Mode, error)
}

// Modes asks the server for its playable modes over HTTP.
func (d ServerDialer) Modes(ctx context.Context) ([]transport.Mode, error) {
	return transport.Modes(ctx, d.BaseURL)
}

// The modes fetch: how long one may take, and how long after a failure the
// menu tries again.
const (
	modesTimeout = 10 * time.Second
	modesRetry   = 15 * time.Second
)

// ModesState is where the list of modes the menu offers comes from.
type ModesState int

// The states of the modes list.
const (
	// ModesLoading: the server has not answered yet; the menu offers
	// Config.Mode meanwhile.
	ModesLoading ModesState = iota
	// ModesLoaded: the menu offers the server's modes.
	ModesLoaded
	// ModesFallback: the server's list could not be had (or the Dialer
	// cannot list modes); the menu offers Config.Mode alone and tries
	// again later.
	ModesFallback
)

var modesStateNames = [...]string{"loading", "loaded", "fallback"}

// String returns the state's short name, as the browser test reads it.
func (s ModesState) String() string {
	if s < 0 || int(s) >= len(modesStateNames) {
		return fmt.Sprintf("modes(%d)", int(s))
	}
	return modesStateNames[s]
}

// modePicker is the menu's choice of mode: the list offered, the one
// selected, and the fetch that fills the list.
type modePicker struct {
	list     []transport.Mode
	selected int
	state    ModesState
	started  bool                       // a fetch was started once
	pending  *request[[]transport.Mode] // the fetch under way, or nil
	retryAt  time.Time                  // after a failure: when the menu fetches again
	err      string                     // the last fetch's error
}

// fallbackModes is the list the menu offers without the server's.
func (a *App) fallbackModes() []transport.Mode { return []transport.Mode{{Name: a.cfg.Mode}} }

// updateModes starts the modes fetch on the first Update (again on the menu
// a while after one failed) and takes its result when it arrives.
func (a *App) updateModes() {
	p := &a.modes
	if p.pending != nil {
		if r, ok := p.pending.poll(); ok {
			p.pending = nil
			a.modesFetched(r.val, r.err)
		}
		return
	}
	switch {
	case !p.started:
	case p.state == ModesFallback && a.screen == ScreenMenu && !a.now.Before(p.retryAt) && p.err != "":
	default:
		return
	}
	p.started = true
	lister, ok := a.cfg.Dialer.(ModeLister)
	if !ok {
		p.state = ModesFallback
		return
	}
	p.pending = startRequest(modesTimeout, lister.Modes)
}

// modesFetched takes a fetch's result: the server's list, with the mode
// selected before (Config.Mode) still selected if the server offers it, else
// its first; or on failure the fallback, to try again later.
func (a *App) modesFetched(modes []transport.Mode, err error) {
	p := &a.modes
	if err != nil || len(modes) == 0 {
		p.err = "no modes"
		if err != nil {
			p.err = err.Error()
		}
		p.retryAt = a.now.Add(modesRetry)
		if p.state != ModesLoaded {
			p.state = ModesFallback
		}
		return
	}
	prev := a.SelectedMode().Name
	p.list, p.state, p.err = modes, ModesLoaded, ""
	p.selected = max(p.index(prev), 0)
}

// index is the position of the mode called name in the list, or -1.
func (p *modePicker) index(name string) int {
	for i, m := range p.list {
		if m.Name == name {
			return i
		}
	}
	return -1
}

// Modes are the modes the menu offers, in the server's order: its list once
// fetched, Config.Mode alone until then or without it.
func (a *App) Modes() []transport.Mode {
	if len(a.modes.list) == 0 {
		return a.fallbackModes()
	}
	return a.modes.list
}

// ModesState says where the offered modes come from.
func (a *App) ModesState() ModesState { return a.modes.state }

// ModesError is why the last modes fetch failed, or "".
func (a *App) ModesError() string { return a.modes.err }

// SelectedMode is the mode the menu queues for: Config.Mode until the
// player picks another.
func (a *App) SelectedMode() transport.Mode {
	modes := a.Modes()
	return modes[min(max(a.modes.selected, 0), len(modes)-1)]
}

// SelectedIndex is the position of SelectedMode in Modes.
func (a *App) SelectedIndex() int { return min(max(a.modes.selected, 0), len(a.Modes())-1) }

// SelectMode selects the i-th of Modes, on the menu or the leaderboard
// (which ranks the selected mode); an i out of range changes nothing.
func (a *App) SelectMode(i int) {
	if (a.screen != ScreenMenu && a.screen != ScreenLeaderboard) || i < 0 || i >= len(a.Modes()) {
		return
	}
	a.modes.selected = i
}

// MoveModeSelection moves the selection by delta places, stopping at the
// first and the last mode.
func (a *App) MoveModeSelection(delta int) {
	a.SelectMode(min(max(a.SelectedIndex()+delta, 0), len(a.Modes())-1))
}

// ModeLabel is how the client names the mode called name: "duel · 1v1",
// with its shape when the server listed it, else the bare name.
func (a *App) ModeLabel(name string) string {
	for _, m := range a.Modes() {
		if m.Name == name {
			return ModeLabel(m)
		}
	}
	return name
}

// ModeLabel is the mode's name and shape: "duel · 1v1", "teams · 2v2",
// "ffa · 8 players"; the bare name when the shape is unknown.
func ModeLabel(m transport.Mode) string {
	if s := ModeShape(m); s != "" {
		return m.Name + " · " + s
	}
	return m.Name
}

// ModeShape describes who plays whom: "1v1", "2v2", "3v3v3", "8 players"
// (everyone for themselves), "4 teams of 3"; "" when unknown.
func ModeShape(m transport.Mode) string {
	t, n := m.Teams, m.PlayersPerTeam
	switch {
	case t <= 0 || n <= 0:
		return ""
	case t == 1:
		return fmt.Sprintf("%d players", n)
	case n == 1 && t > 2:
		return fmt.Sprintf("%d players", t)
	case t > 4:
		return fmt.Sprintf("%d teams of %d", t, n)
	}
	return strings.Repeat(strconv.Itoa(n)+"v", t-1) + strconv.Itoa(n)
}

// ModeRules describes how a match of the mode ends: "first to 10 · 5:00";
// "" when the server did not say.
func ModeRules(m transport.Mode) string {
	var parts []string
	if m.ScoreLimit > 0 {
		parts = append(parts, fmt.Sprintf("first to %d", m.ScoreLimit))
	}
	if m.TimeLimitS > 0 {
		parts = append(parts, fmt.Sprintf("%d:%02d", m.TimeLimitS/60, m.TimeLimitS%60))
	}
	return strings.Join(parts, " · ")
}
