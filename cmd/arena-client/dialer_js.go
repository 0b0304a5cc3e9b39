//go:build js

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"syscall/js"

	"github.com/arena-server/arena/client/app"
	"github.com/arena-server/arena/netcode/transport"
)

// Response bodies larger than these are refused.
const (
	maxSessionBody = 64 << 10
	maxModesBody   = 256 << 10
	maxMatchesBody = 1 << 20
)

// fetchDialer is the browser's app.Dialer. It signs in, lists the modes,
// reads the ladder, lists matches and fetches replays with the page's fetch rather than net/http's client, whose transport
// (TLS, HTTP/2, proxies: of no use behind the browser's fetch) was about a
// fifth of the module; the websocket is netcode/transport's.
type fetchDialer struct {
	base string
}

// dialer returns the client's dialer for the server at base.
func dialer(base string) app.Dialer { return fetchDialer{base: base} }

// SignIn implements app.Dialer as transport.SignIn does: a name the server
// refuses gives a *transport.SignInError with the server's message.
func (d fetchDialer) SignIn(ctx context.Context, name string) (transport.Session, error) {
	body, err := json.Marshal(struct {
		Name string `json:"name"`
	}{name})
	if err != nil {
		return transport.Session{}, fmt.Errorf("sign in: %w", err)
	}
	status, statusText, data, err := fetch(ctx, d.base+transport.SessionPath, map[string]any{
		"method":  "POST",
		"headers": map[string]any{"Content-Type": "application/json"},
		"body":    string(body),
	}, maxSessionBody)
	if err != nil {
		return transport.Session{}, fmt.Errorf("sign in: %w", err)
	}
	if status != 200 {
		return transport.Session{}, &transport.SignInError{Status: status, Message: errorText(statusText, data)}
	}
	var s transport.Session
	if err := json.Unmarshal(data, &s); err != nil {
		return transport.Session{}, fmt.Errorf("sign in: decode response: %w", err)
	}
	if s.Token == "" {
		return transport.Session{}, errors.New("sign in: response has no token")
	}
	return s, nil
}

// Modes implements app.ModeLister as transport.Modes does: in the server's
// order, without unnamed or repeated entries, and an error when none is
// left.
func (d fetchDialer) Modes(ctx context.Context) ([]transport.Mode, error) {
	var listed []transport.Mode
	if err := d.getJSON(ctx, "modes", transport.ModesPath, maxModesBody, &listed); err != nil {
		return nil, err
	}
	return transport.Playable(listed)
}

// Connect implements app.Dialer with the browser's WebSocket: to wsURL, a
// node of the cluster (cross-origin: the nodes allow each other's pages),
// or to the page's own server when wsURL is "".
func (d fetchDialer) Connect(ctx context.Context, wsURL string) (app.Conn, error) {
	return app.ServerDialer{BaseURL: d.base}.Connect(ctx, wsURL)
}

// fetch requests url with init (fetch's RequestInit) and returns the
// response's status, its status text ("HTTP 400" when the server sent none)
// and its body, which may not exceed limit bytes. Ending ctx aborts the
// request.
func fetch(ctx context.Context, url string, init map[string]any, limit int) (status int, statusText string, body []byte, err error) {
	abort := js.Global().Get("AbortController").New()
	init["signal"] = abort.Get("signal")
	defer context.AfterFunc(ctx, func() { abort.Call("abort") })()
	defer func() {
		if err != nil && ctx.Err() != nil {
			err = ctx.Err()
		}
	}()
	resp, err := await(js.Global().Call("fetch", url, init))
	if err != nil {
		return 0, "", nil, err
	}
	buf, err := await(resp.Call("arrayBuffer"))
	if err != nil {
		return 0, "", nil, fmt.Errorf("read response: %w", err)
	}
	n := buf.Get("byteLength").Int()
	if n > limit {
		return 0, "", nil, fmt.Errorf("response larger than %d bytes", limit)
	}
	body = make([]byte, n)
	js.CopyBytesToGo(body, js.Global().Get("Uint8Array").New(buf))
	status = resp.Get("status").Int()
	if statusText = resp.Get("statusText").String(); statusText == "" {
		statusText = "HTTP " + strconv.Itoa(status)
	}
	return status, statusText, body, nil
}

// await waits for promise to settle: its value, or its rejection as an
// error.
func await(promise js.Value) (js.Value, error) {
	type settled struct {
		v   js.Value
		err error
	}
	done := make(chan settled, 1)
	resolve := js.FuncOf(func(_ js.Value, args []js.Value) any {
		done <- settled{v: args[0]}
		return nil
	})
	defer resolve.Release()
	reject := js.FuncOf(func(_ js.Value, args []js.Value) any {
		done <- settled{err: errors.New(args[0].Call("toString").String())}
		return nil
	})
	defer reject.Release()
	promise.Call("then", resolve, reject)
	s := <-done
	return s.v, s.err
}

// maxLadderBody bounds a leaderboard or profile response.
const maxLadderBody = 1 << 20

// errorText is the server's explanation of an error status: the JSON
// "error" field of its body, or the status text.
func errorText(statusText string, body []byte) string {
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && e.Error != "" {
		return e.Error
	}
	return statusText
}

// Leaderboard implements app.LadderReader as transport.Leaderboard does.
func (d fetchDialer) Leaderboard(ctx context.Context, mode string, limit, offset int, player string) (transport.LeaderboardPage, error) {
	q := url.Values{"mode": {mode}, "limit": {strconv.Itoa(limit)}, "offset": {strconv.Itoa(offset)}}
	if player != "" {
		q.Set("player", player)
	}
	var lb transport.LeaderboardPage
	err := d.getJSON(ctx, "leaderboard", transport.LeaderboardPath+"?"+q.Encode(), maxLadderBody, &lb)
	return lb, err
}

// Profile implements app.LadderReader as transport.Profile does.
func (d fetchDialer) Profile(ctx context.Context, playerID string) (transport.PlayerProfile, error) {
	var p transport.PlayerProfile
	err := d.getJSON(ctx, "profile", transport.PlayersPath+url.PathEscape(playerID), maxLadderBody, &p)
	return p, err
}

// Matches implements app.MatchLister as transport.Matches does.
func (d fetchDialer) Matches(ctx context.Context, player string, limit int) ([]transport.FinishedMatch, error) {
	q := url.Values{}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	if player != "" {
		q.Set("player", player)
	}
	var ms []transport.FinishedMatch
	if err := d.getJSON(ctx, "matches", transport.MatchesPath+"?"+q.Encode(), maxMatchesBody, &ms); err != nil {
		return nil, err
	}
	return ms, nil
}

// LiveMatches implements app.MatchLister: the server's running matches.
func (d fetchDialer) LiveMatches(ctx context.Context) ([]app.LiveMatch, error) {
	var ms []app.LiveMatch
	if err := d.getJSON(ctx, "live matches", transport.MatchesPath+"?live=1", maxMatchesBody, &ms); err != nil {
		return nil, err
	}
	return ms, nil
}

// Replay implements app.ReplayReader as transport.Replay does: a match
// without a kept replay is a *transport.APIError with Status 404.
func (d fetchDialer) Replay(ctx context.Context, matchID string) ([]byte, error) {
	if matchID == "" {
		return nil, errors.New("replay: no match id")
	}
	return d.get(ctx, "replay", transport.ReplayPath(matchID), "application/vnd.arena.replay", transport.MaxReplayBody)
}

// getJSON fetches path and decodes its JSON into v; an error status is a
// *transport.APIError with the server's message.
func (d fetchDialer) getJSON(ctx context.Context, op, path string, limit int, v any) error {
	data, err := d.get(ctx, op, path, "application/json", limit)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: decode response: %w", op, err)
	}
	return nil
}

// get fetches path, accepting the media type accept, and returns its body;
// an error status is a *transport.APIError with the server's message.
func (d fetchDialer) get(ctx context.Context, op, path, accept string, limit int) ([]byte, error) {
	status, statusText, data, err := fetch(ctx, d.base+path, map[string]any{
		"headers": map[string]any{"Accept": accept},
	}, limit)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if status != 200 {
		return nil, &transport.APIError{Op: op, Status: status, Message: errorText(statusText, data)}
	}
	return data, nil
}
