//go:build !js

package hook

// Enabled reports whether Publish does anything on this platform.
const Enabled = false

// Wanted is false outside the browser: there is no page to ask.
func Wanted() bool { return false }

// Publish does nothing outside the browser.
func Publish(v any) {}

// Ready does nothing outside the browser.
func Ready() {}
