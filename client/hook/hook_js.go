//go:build js

package hook

import (
	"encoding/json"
	"syscall/js"
	"time"
)

// Enabled reports whether Publish does anything on this platform.
const Enabled = true

var (
	last      string
	ready     bool
	published time.Time
)

// Wanted reports whether the page asks for the client's state now: while
// window.arenaProbe is true, every frame; while it is a number n > 0, once
// n milliseconds have passed since the last Publish. A page that sets
// neither (a player's) costs the client one property read per frame: no
// probe is built, encoded or stored.
func Wanted() bool {
	v := js.Global().Get("arenaProbe")
	switch v.Type() {
	case js.TypeBoolean:
		return v.Bool()
	case js.TypeNumber:
		n := v.Float()
		return n > 0 && time.Since(published) >= time.Duration(n*float64(time.Millisecond))
	}
	return false
}

// Publish sets window.arenaState to v encoded as JSON, when it changed. It
// must be called from one goroutine.
func Publish(v any) {
	published = time.Now()
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
