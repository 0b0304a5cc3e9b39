package chat

import (
	"errors"
	"strings"
	"testing"
	"time"

	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

func TestClean(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		err      error
	}{
		{"hello", "hello", nil},
		{"  padded \t", "padded", nil},
		{"bell\x07 and\x00 nul", "bell and nul", nil},
		{"zero\u200bwidth", "zerowidth", nil},
		{"Привет, κόσμε", "Привет, κόσμε", nil},
		{"", "", ErrEmpty},
		{" \n\t ", "", ErrEmpty},
		{"\x01\x02", "", ErrEmpty},
		{strings.Repeat("ж", MaxRunes), strings.Repeat("ж", MaxRunes), nil},
		{strings.Repeat("ж", MaxRunes+1), "", ErrTooLong},
		{"bad \xff utf8", "", ErrInvalid},
	} {
		got, err := Clean(tc.in)
		if got != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("Clean(%q) = %q, %v; want %q, %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestFilterMasksWholeWords(t *testing.T) {
	f := NewFilter([]string{"darn", "Heck", " "})
	for in, want := range map[string]string{
		"darn it":           "**** it",
		"DARN! heck.":       "****! ****.",
		"darning is fine":   "darning is fine",
		"nothing to see":    "nothing to see",
		"(heck)(darn)":      "(****)(****)",
		"ünïcode darn café": "ünïcode **** café",
	} {
		if got := f.Mask(in); got != want {
			t.Errorf("Mask(%q) = %q, want %q", in, got, want)
		}
	}
	if got := (*Filter)(nil).Mask("darn"); got != "darn" {
		t.Errorf("nil filter changed text: %q", got)
	}
}

func TestChannelStampsAndRemembersTheLast50(t *testing.T) {
	ch := NewChannel(arenav1.ChatChannel_CHAT_CHANNEL_TEAM)
	now := time.UnixMilli(5000)
	for i := range HistorySize + 7 {
		line, err := ch.Post(&arenav1.ChatMessage{Text: strings.Repeat("x", i+1)}, now)
		if err != nil {
			t.Fatal(err)
		}
		if line.Msg.GetSeq() != uint64(i+1) || line.Msg.GetChannel() != arenav1.ChatChannel_CHAT_CHANNEL_TEAM ||
			line.Msg.GetServerTimeMs() != 5000 || len(line.Frame) == 0 {
			t.Fatalf("line %d stamped %v", i, line.Msg)
		}
	}
	h := ch.History()
	if len(h) != HistorySize || h[0].Msg.GetSeq() != 8 || h[HistorySize-1].Msg.GetSeq() != HistorySize+7 {
		t.Fatalf("history holds %d lines from seq %d to %d", len(h), h[0].Msg.GetSeq(), h[len(h)-1].Msg.GetSeq())
	}
}

func TestParseCommand(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Command
		err  error
	}{
		{"hello", Command{}, nil},
		{"/mute bob", Command{Kind: CommandMute, Name: "bob"}, nil},
		{"/MUTE bob extra", Command{Kind: CommandMute, Name: "bob", Reason: "extra"}, nil},
		{`/unmute "big bob"`, Command{Kind: CommandUnmute, Name: "big bob"}, nil},
		{"/report eve spamming links", Command{Kind: CommandReport, Name: "eve", Reason: "spamming links"}, nil},
		{"/mute", Command{}, ErrCommandNeedsName},
		{"/dance", Command{}, ErrUnknownCommand},
	} {
		got, err := ParseCommand(tc.in)
		if got != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("ParseCommand(%q) = %+v, %v; want %+v, %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

// FuzzChatLine runs arbitrary text through the whole chat path a line takes:
// clean, command parsing, masking, posting. Nothing panics, and a line that
// passes is valid, bounded, and free of control characters.
func FuzzChatLine(f *testing.F) {
	for _, s := range []string{"hi", "/mute x", `/report "a b" c`, "\x00", "ж\u200b", strings.Repeat("a", 300)} {
		f.Add(s)
	}
	filter := NewFilter([]string{"bad"})
	ch := NewChannel(arenav1.ChatChannel_CHAT_CHANNEL_MATCH)
	f.Fuzz(func(t *testing.T, text string) {
		clean, err := Clean(text)
		if err != nil {
			return
		}
		if n := len([]rune(clean)); n == 0 || n > MaxRunes || strings.ContainsAny(clean, "\x00\n\r\x07") {
			t.Fatalf("Clean(%q) let through %q", text, clean)
		}
		if _, err := ParseCommand(clean); err != nil {
			return
		}
		if _, err := ch.Post(&arenav1.ChatMessage{Text: filter.Mask(clean)}, time.Unix(0, 0)); err != nil {
			t.Fatalf("post %q: %v", clean, err)
		}
	})
}
