//go:build js

package app

import "github.com/coder/websocket"

// closeError is the error Receive returns when the server closed the
// connection with code, as the browser's transport reports it.
func closeError(code int) error { return websocket.CloseError{Code: websocket.StatusCode(code)} }
