//go:build js

package main

import (
	"errors"
	"syscall/js"
)

// serverURL is the origin of the page that loaded the client: the server
// that serves the page also serves the game.
func serverURL([]string) (string, error) {
	origin := js.Global().Get("location").Get("origin")
	if origin.Type() != js.TypeString || origin.String() == "" || origin.String() == "null" {
		return "", errors.New("cannot tell the server from window.location")
	}
	return origin.String(), nil
}
