// Package hook exposes the client's state to the web page for browser tests:
// under js/wasm, Publish sets window.arenaState to a JSON string and Ready sets
// window.arenaReady (and window.arenaFirstFrameMs, the page's clock at the
// first frame). Natively both do nothing.
//
// The state is built and published only while the page asks for it
// (Wanted: window.arenaProbe set to true, or to a period in milliseconds),
// as the browser tests do before the page loads; a player's page never
// does, and pays nothing for it.
//
// The hook is read-only: the page can watch the client, never steer it.
package hook
