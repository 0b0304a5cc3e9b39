// Package hook exposes the client's state to the web page for browser tests:
// under js/wasm, Publish sets window.arenaState to a JSON string and Ready sets
// window.arenaReady (and window.arenaFirstFrameMs, the page's clock at the
// first frame). Natively both do nothing.
//
// The hook is read-only: the page can watch the client, never steer it.
package hook
