//go:build !js

package main

import "github.com/arena-server/arena/client/app"

// sessionStore returns nil: the native client keeps its session in memory
// (app.MemoryStore), for as long as it runs.
func sessionStore() app.SessionStore { return nil }
