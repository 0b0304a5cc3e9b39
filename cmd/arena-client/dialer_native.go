//go:build !js

package main

import "github.com/arena-server/arena/client/app"

// dialer returns the client's dialer for the server at base: net/http and
// a websocket, through netcode/transport.
func dialer(base string) app.Dialer { return app.ServerDialer{BaseURL: base} }
