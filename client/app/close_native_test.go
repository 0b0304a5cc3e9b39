//go:build !js

package app

import "github.com/gorilla/websocket"

// closeError is the error Receive returns when the server closed the
// connection with code, as the native transport reports it.
func closeError(code int) error { return &websocket.CloseError{Code: code} }
