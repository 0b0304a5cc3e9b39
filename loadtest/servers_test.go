package loadtest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/arena-server/arena/netcode/transport"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

func TestServersParsesTheList(t *testing.T) {
	for _, tc := range []struct {
		server string
		want   []string
	}{
		{"http://127.0.0.1:8080", []string{"http://127.0.0.1:8080"}},
		{"http://127.0.0.1:18081,http://127.0.0.1:18082", []string{"http://127.0.0.1:18081", "http://127.0.0.1:18082"}},
		{" http://a:1 , https://b:2/arena ", []string{"http://a:1", "https://b:2/arena"}},
	} {
		cfg := Config{Server: tc.server}.WithDefaults()
		if got := cfg.Servers(); !slices.Equal(got, tc.want) {
			t.Errorf("Servers(%q) = %q, want %q", tc.server, got, tc.want)
		}
		if err := cfg.Validate(); err != nil {
			t.Errorf("Validate(%q): %v", tc.server, err)
		}
	}
}

func TestValidateChecksEveryServer(t *testing.T) {
	for _, tc := range []struct {
		server string
		bad    []string // the servers the error must name
	}{
		{"127.0.0.1:8080", []string{`"127.0.0.1:8080"`}},
		{"http://a:1,,http://b:2", []string{`""`}},
		{"http://a:1,", []string{`""`}},
		{"http://a:1,ftp://b:2,ws://c:3", []string{`"ftp://b:2"`, `"ws://c:3"`}},
		{"http://a:1,http://", []string{`"http://"`}},
	} {
		err := Config{Server: tc.server}.WithDefaults().Validate()
		if err == nil {
			t.Errorf("Validate(%q) passed", tc.server)
			continue
		}
		for _, bad := range tc.bad {
			if !strings.Contains(err.Error(), "server "+bad) {
				t.Errorf("Validate(%q) = %v, want it to name %s", tc.server, err, bad)
			}
		}
	}
}

func TestValidateChecksBotNamesFit(t *testing.T) {
	ok := Config{Server: "http://a:1,http://b:2", Bots: 10_000_000}.WithDefaults()
	if err := ok.Validate(); err != nil {
		t.Fatalf("10M bots over 2 servers: %v", err)
	}
	tooMany := Config{Server: "http://a:1,http://b:2", Bots: 1_000_000_000_000_000}.WithDefaults()
	if err := tooMany.Validate(); err == nil || !strings.Contains(err.Error(), "longer than 16") {
		t.Fatalf("a name over 16 characters: %v, want an error", err)
	}
	if err := (Config{LobbyChat: -time.Second}).WithDefaults().Validate(); err == nil {
		t.Fatal("a negative lobby chat interval passed")
	}
}

func TestBotNames(t *testing.T) {
	if got := botName(47, 2); got != "b47-s2" {
		t.Fatalf("botName(47, 2) = %q", got)
	}
	for name, want := range map[string]int{"b47-s2": 2, "b0-s0": 0, "b1-s12": 12} {
		if k, ok := nameServer(name); !ok || k != want {
			t.Errorf("nameServer(%q) = %d, %v; want %d", name, k, ok, want)
		}
	}
	for _, name := range []string{"bot-1", "b-s1", "b1-s", "b1-sx", "bx-s1", "alice", "b1-s1 ", ""} {
		if k, ok := nameServer(name); ok {
			t.Errorf("nameServer(%q) = %d, want none", name, k)
		}
	}
}

func TestServerPerBotAndFailoverOrder(t *testing.T) {
	l, err := newServerList([]string{"http://127.0.0.1:18081", "http://127.0.0.1:18082", "https://node3.example/arena"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"ws://127.0.0.1:18081/ws", "ws://127.0.0.1:18082/ws", "wss://node3.example/arena/ws"}; !slices.Equal(l.ws, want) {
		t.Fatalf("websocket URLs %q, want %q", l.ws, want)
	}
	per := make([]int, 3)
	for id := range 48 {
		per[l.home(id)]++
	}
	if !slices.Equal(per, []int{16, 16, 16}) {
		t.Fatalf("48 bots over 3 servers: %v per server, want 16 each", per)
	}
	if l.home(0) != 0 || l.home(4) != 1 || l.home(5) != 2 {
		t.Fatalf("home(0, 4, 5) = %d, %d, %d; want 0, 1, 2", l.home(0), l.home(4), l.home(5))
	}
	for _, tc := range []struct {
		failed  string
		current int
		want    int
	}{
		{"ws://127.0.0.1:18081/ws", 0, 1},
		{"ws://127.0.0.1:18082/ws", 0, 2}, // moved to server 1 for a match, then it went
		{"wss://node3.example/arena/ws", 1, 0},
		{"ws://127.0.0.1:18099/ws", 2, 0}, // a node not listed: after the bot's own
		{"ws://127.0.0.1:18099/ws", 0, 1},
	} {
		if got := l.failover(tc.failed, tc.current); got != tc.want {
			t.Errorf("failover(%s, %d) = %d, want %d", tc.failed, tc.current, got, tc.want)
		}
	}
}

func TestNodeGone(t *testing.T) {
	refused := fmt.Errorf("sign in: %w", &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)})
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{refused, true},
		{&websocket.CloseError{Code: websocket.CloseGoingAway}, true},
		{fmt.Errorf("dial: %w: %w", errDraining, websocket.ErrBadHandshake), true},
		{&websocket.CloseError{Code: websocket.CloseNormalClosure}, false},
		{&websocket.CloseError{Code: transport.CloseSeatRefused}, false},
		{&websocket.CloseError{Code: websocket.CloseAbnormalClosure}, false},
		{errors.New("i/o timeout"), false},
	} {
		if got := nodeGone(tc.err); got != tc.want {
			t.Errorf("nodeGone(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
	if kind := closeKind(&websocket.CloseError{Code: transport.CloseSeatRefused}, "disconnect"); kind != "seat_refused" {
		t.Errorf("close 4005 is a %q error, want seat_refused", kind)
	}
}

func TestChatLineCarriesItsTime(t *testing.T) {
	r := &runner{chatTag: "abc"}
	line := r.chatLine(1234567 * time.Microsecond)
	if at, ok := r.chatPosted(line); !ok || at != 1234567*time.Microsecond {
		t.Fatalf("chatPosted(%q) = %v, %v", line, at, ok)
	}
	other := &runner{chatTag: "xyz"}
	for _, text := range []string{other.chatLine(time.Second), "hello", "arena-bots abc ", "arena-bots abc 12x"} {
		if at, ok := r.chatPosted(text); ok {
			t.Errorf("chatPosted(%q) = %v, want none", text, at)
		}
	}
}

// TestOnChatCountsLinesFromOtherServers checks what a bot counts: lobby
// lines of this run, from a bot signed in through another server, posted
// since the bot entered the lobby (not lines the history replays).
func TestOnChatCountsLinesFromOtherServers(t *testing.T) {
	r := &runner{chatTag: "tag"}
	other := &runner{chatTag: "other"}
	b := &bot{r: r, via: 1}
	s := &session{}
	s.enterLobby(10 * time.Second)
	lobby := arenav1.ChatChannel_CHAT_CHANNEL_LOBBY
	for _, tc := range []struct {
		name string
		msg  *arenav1.ChatMessage
		want uint64 // the count after it
	}{
		{"from another server", &arenav1.ChatMessage{Channel: lobby, SenderName: "b4-s0", Text: r.chatLine(11 * time.Second)}, 1},
		{"from its own server", &arenav1.ChatMessage{Channel: lobby, SenderName: "b3-s1", Text: r.chatLine(11 * time.Second)}, 1},
		{"replayed history", &arenav1.ChatMessage{Channel: lobby, SenderName: "b4-s0", Text: r.chatLine(9 * time.Second)}, 1},
		{"another run's", &arenav1.ChatMessage{Channel: lobby, SenderName: "b4-s0", Text: other.chatLine(11 * time.Second)}, 1},
		{"a person's", &arenav1.ChatMessage{Channel: lobby, SenderName: "alice", Text: r.chatLine(11 * time.Second)}, 1},
		{"a system line", &arenav1.ChatMessage{Channel: lobby, System: true, Text: r.chatLine(11 * time.Second)}, 1},
		{"in a match", &arenav1.ChatMessage{Channel: arenav1.ChatChannel_CHAT_CHANNEL_MATCH, SenderName: "b4-s0", Text: r.chatLine(11 * time.Second)}, 1},
		{"from a third server", &arenav1.ChatMessage{Channel: lobby, SenderName: "b5-s2", Text: r.chatLine(12 * time.Second)}, 2},
	} {
		b.onChat(s, tc.msg)
		if got := r.chatCross.Load(); got != tc.want {
			t.Fatalf("after a line %s: %d counted, want %d", tc.name, got, tc.want)
		}
	}
	// Back in the lobby after a match, later: the lines before are history.
	s.inLobby.Store(false)
	s.enterLobby(20 * time.Second)
	b.onChat(s, &arenav1.ChatMessage{Channel: lobby, SenderName: "b4-s0", Text: r.chatLine(12 * time.Second)})
	s.inLobby.Store(false)
	b.onChat(s, &arenav1.ChatMessage{Channel: lobby, SenderName: "b4-s0", Text: r.chatLine(21 * time.Second)})
	if got := r.chatCross.Load(); got != 2 {
		t.Fatalf("%d counted, want 2: a replayed line, and one outside the lobby, are not", got)
	}
}
