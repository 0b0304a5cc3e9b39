package transport

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"google.golang.org/protobuf/proto"

	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

// MaxFrameSize is the largest frame a Conn accepts from the server, in bytes
// (1 MiB). A full snapshot of the largest mode is far below it.
const MaxFrameSize = 1 << 20

// SessionPath is the server's sign-in endpoint, relative to its base URL.
const SessionPath = "/api/v1/session"

// WebSocketPath is the server's websocket endpoint, relative to its base URL.
const WebSocketPath = "/ws"

// maxSessionBody bounds how much of a sign-in response is read.
const maxSessionBody = 64 << 10

// ErrTextFrame is returned by ReadFrame when the server sends a text frame;
// Arena's protocol uses binary frames only.
var ErrTextFrame = errors.New("transport: unexpected text frame")

// Session is what the server returns on sign-in: a signed token that
// authenticates a websocket, and the identity it stands for.
type Session struct {
	// Token is presented in the first websocket message (Authenticate).
	Token string `json:"token"`
	// PlayerID is the player's id, fixed for the session.
	PlayerID string `json:"player_id"`
	// Name is the display name the server accepted.
	Name string `json:"name"`
}

// SignInError is a sign-in refused by the server with an HTTP error status.
type SignInError struct {
	// Status is the HTTP status code, for example 400 for a bad name.
	Status int
	// Message is the server's explanation (the JSON "error" field), or the
	// status text when the body had none.
	Message string
}

// Error implements error.
func (e *SignInError) Error() string {
	return fmt.Sprintf("sign in refused (%d): %s", e.Status, e.Message)
}

// SignIn asks the server at baseURL (for example "http://127.0.0.1:8080")
// for a session under name. A name the server refuses gives a *SignInError
// carrying the server's message.
func SignIn(ctx context.Context, baseURL, name string) (Session, error) {
	endpoint, err := endpointURL(baseURL, SessionPath)
	if err != nil {
		return Session{}, fmt.Errorf("sign in: %w", err)
	}
	body, err := json.Marshal(struct {
		Name string `json:"name"`
	}{name})
	if err != nil {
		return Session{}, fmt.Errorf("sign in: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return Session{}, fmt.Errorf("sign in: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return Session{}, fmt.Errorf("sign in: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxSessionBody))
	if err != nil {
		return Session{}, fmt.Errorf("sign in: read response: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return Session{}, &SignInError{Status: resp.StatusCode, Message: errorText(resp.StatusCode, data)}
	}
	var s Session
	if err := json.Unmarshal(data, &s); err != nil {
		return Session{}, fmt.Errorf("sign in: decode response: %w", err)
	}
	if s.Token == "" {
		return Session{}, errors.New("sign in: response has no token")
	}
	return s, nil
}

// WebSocketURL turns a server's base URL into its websocket endpoint:
// http becomes ws, https becomes wss, and the path is WebSocketPath.
func WebSocketURL(baseURL string) (string, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return "", fmt.Errorf("websocket url: %w", err)
	}
	switch u.Scheme {
	case "http", "ws":
		u.Scheme = "ws"
	case "https", "wss":
		u.Scheme = "wss"
	default:
		return "", fmt.Errorf("websocket url: unsupported scheme %q in %q", u.Scheme, baseURL)
	}
	if u.Host == "" {
		return "", fmt.Errorf("websocket url: no host in %q", baseURL)
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + WebSocketPath
	u.RawQuery, u.Fragment = "", ""
	return u.String(), nil
}

// endpointURL joins baseURL and path, checking that baseURL is absolute HTTP.
// path is escaped: a constant, or with its variable segments escaped by
// url.PathEscape.
func endpointURL(baseURL, path string) (string, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return "", err
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("base url %q is not an absolute http(s) url", baseURL)
	}
	u.RawPath = strings.TrimSuffix(u.EscapedPath(), "/") + path
	if u.Path, err = url.PathUnescape(u.RawPath); err != nil {
		return "", err
	}
	u.RawQuery, u.Fragment = "", ""
	return u.String(), nil
}

// getJSON GETs path with query from the server at baseURL and decodes its
// answer, at most limit bytes, into v. An error status is an *APIError; op
// names the request in every error.
func getJSON(ctx context.Context, op, baseURL, path string, query url.Values, limit int64, v any) error {
	data, err := get(ctx, op, baseURL, path, query, "application/json", limit)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: decode response: %w", op, err)
	}
	return nil
}

// get GETs path with query from the server at baseURL, accepting the media
// type accept, and returns its answer, at most limit bytes. An error status
// is an *APIError; op names the request in every error.
func get(ctx context.Context, op, baseURL, path string, query url.Values, accept string, limit int64) ([]byte, error) {
	endpoint, err := endpointURL(baseURL, path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if len(query) > 0 {
		endpoint += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	req.Header.Set("Accept", accept)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: read response: %w", op, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &APIError{Op: op, Status: resp.StatusCode, Message: errorText(resp.StatusCode, data)}
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: response larger than %d bytes", op, limit)
	}
	return data, nil
}

// errorText is the server's explanation of an error status: the "error"
// field of its JSON body, else the status text.
func errorText(status int, body []byte) string {
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && e.Error != "" {
		return e.Error
	}
	return http.StatusText(status)
}

// Send encodes m and writes it as one binary frame.
func (c *Conn) Send(ctx context.Context, m *arenav1.ClientMessage) error {
	data, err := proto.Marshal(m)
	if err != nil {
		return fmt.Errorf("send: encode: %w", err)
	}
	return c.WriteFrame(ctx, data)
}

// Receive reads one frame and decodes it as a ServerMessage.
func (c *Conn) Receive(ctx context.Context) (*arenav1.ServerMessage, error) {
	data, err := c.ReadFrame(ctx)
	if err != nil {
		return nil, err
	}
	m := new(arenav1.ServerMessage)
	if err := proto.Unmarshal(data, m); err != nil {
		return nil, fmt.Errorf("receive: decode %d bytes: %w", len(data), err)
	}
	return m, nil
}
