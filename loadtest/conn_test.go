package loadtest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

// TestConnReadReusesItsBuffer checks the reader's promise: frames of the
// size of a steady snapshot cost no allocation of the bots' own, only
// gorilla's 8-byte reader.
func TestConnReadReusesItsBuffer(t *testing.T) {
	const frames = 1000
	frame := make([]byte, 33)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		for i := range frames {
			frame[0] = byte(i)
			if ws.WriteMessage(websocket.BinaryMessage, frame) != nil {
				return
			}
		}
		ws.ReadMessage() // until the client closes
	}))
	defer ts.Close()
	c, err := dial(context.Background(), "ws"+strings.TrimPrefix(ts.URL, "http"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	read := 0
	allocs := testing.AllocsPerRun(frames-1, func() {
		data, err := c.read()
		if err != nil || len(data) != len(frame) || data[0] != byte(read) {
			t.Fatalf("frame %d: %d bytes starting %v, %v", read, len(data), data[:min(len(data), 1)], err)
		}
		read++
	})
	if allocs > 1 {
		t.Fatalf("%.1f allocations per read, want at most gorilla's one", allocs)
	}
}
