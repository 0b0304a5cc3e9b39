//go:build js

package hook

import (
	"encoding/json"
	"syscall/js"
)

// Enabled reports whether Publish does anything on this platform.
const Enabled = true

var (
	last  string
	ready bool
)

// Publish sets window.arenaState to v encoded as JSON, when it changed. It
// must be called from one goroutine.
func Publish(v any) {
	data, err := json.Marshal(v)
	if err != nil {
		return
	}
	if s := string(data); s != last {
		last = s
		js.Global().Set("arenaState", s)
	}
}

// Ready marks the first drawn frame: window.arenaReady = true, and
// window.arenaFirstFrameMs = performance.now(). Later calls do nothing.
func Ready() {
	if ready {
		return
	}
	ready = true
	g := js.Global()
	if perf := g.Get("performance"); perf.Truthy() {
		g.Set("arenaFirstFrameMs", perf.Call("now"))
	}
	g.Set("arenaReady", true)
}
