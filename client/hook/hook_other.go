//go:build !js

package hook

// Enabled reports whether Publish does anything on this platform.
const Enabled = false

// Publish does nothing outside the browser.
func Publish(v any) {}

// Ready does nothing outside the browser.
func Ready() {}
