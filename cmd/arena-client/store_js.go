//go:build js

package main

import (
	"encoding/json"
	"syscall/js"

	"github.com/arena-server/arena/client/app"
	"github.com/arena-server/arena/netcode/transport"
)

// sessionKey is the localStorage key of the stored session.
const sessionKey = "arena.session"

// localStore keeps the session in the browser's localStorage, so a reloaded
// page plays on as the same player. The token is readable by any script of
// the page's origin, as a cookie without HttpOnly would be; it is only good
// on this server's cluster, and only until it expires.
type localStore struct {
	storage js.Value
}

// sessionStore returns the localStorage store, or nil (memory) when the
// page has no localStorage (a sandboxed frame, storage disabled).
func sessionStore() app.SessionStore {
	var storage js.Value
	func() {
		defer func() { _ = recover() }() // reading localStorage can throw
		storage = js.Global().Get("localStorage")
	}()
	if !storage.Truthy() {
		return nil
	}
	return localStore{storage: storage}
}

// Load implements app.SessionStore.
func (l localStore) Load() (s transport.Session, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	v := l.storage.Call("getItem", sessionKey)
	if v.Type() != js.TypeString {
		return transport.Session{}, false
	}
	if err := json.Unmarshal([]byte(v.String()), &s); err != nil || s.Token == "" {
		return transport.Session{}, false
	}
	return s, true
}

// Save implements app.SessionStore.
func (l localStore) Save(s transport.Session) {
	data, err := json.Marshal(s)
	if err != nil {
		return
	}
	defer func() { _ = recover() }() // a full or disabled storage: keep playing
	l.storage.Call("setItem", sessionKey, string(data))
}

// Clear implements app.SessionStore.
func (l localStore) Clear() {
	defer func() { _ = recover() }()
	l.storage.Call("removeItem", sessionKey)
}
