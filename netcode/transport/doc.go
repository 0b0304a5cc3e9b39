// Package transport is Arena's client side of the wire: signing in over HTTP
// and exchanging binary websocket frames with the server.
//
// The same API builds for two platforms behind build tags: natively
// (conn_native.go) it speaks through gorilla/websocket; under js/wasm
// (conn_js.go) through github.com/coder/websocket, which wraps the browser's
// WebSocket. The browser client, the load bots and native tests all use it.
//
// A Conn carries raw frames (ReadFrame, WriteFrame) for callers that only
// count bytes, and protobuf envelopes (Send, Receive) for callers that speak
// the protocol. It never imports the game or a rendering library, never
// retries, and never logs: it returns errors with context and leaves policy to
// its caller.
package transport
