package ui

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/arena-server/arena/client/app"
	"github.com/arena-server/arena/game"
	"github.com/arena-server/arena/netcode"
)

// monospace measures 10 pixels per rune.
func monospace(s string) float64 { return 10 * float64(utf8.RuneCountInString(s)) }

func TestWrapText(t *testing.T) {
	tests := []struct {
		s     string
		width float64
		want  []string
	}{
		{"", 100, []string{""}},
		{"short", 100, []string{"short"}},
		{"hello world again", 100, []string{"hello", "world", "again"}},
		{"hello world again", 120, []string{"hello world", "again"}},
		// Rows after the first are 20 narrower (the indent).
		{"aaaa bbbb cccc dddd", 90, []string{"aaaa bbbb", "cccc", "dddd"}},
		// A word too wide alone is split.
		{"Привет" + strings.Repeat("я", 20), 100, []string{"Приветяяяя", "яяяяяяяя", "яяяяяяяя"}},
		{"a " + strings.Repeat("x", 12) + " b", 100, []string{"a", "xxxxxxxx", "xxxx b"}},
	}
	for _, tt := range tests {
		got := wrapText(tt.s, tt.width, 20, monospace)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("wrapText(%q, %v) = %q, want %q", tt.s, tt.width, got, tt.want)
		}
		for i, row := range got {
			limit := tt.width
			if i > 0 {
				limit -= 20
			}
			if monospace(row) > limit {
				t.Errorf("wrapText(%q): row %q is wider than %v", tt.s, row, limit)
			}
		}
	}
}

func TestTailFit(t *testing.T) {
	if got := tailFit("abcdef", 40, monospace); got != "cdef" {
		t.Errorf("tailFit = %q", got)
	}
	if got := tailFit("αβγ", 100, monospace); got != "αβγ" {
		t.Errorf("tailFit = %q", got)
	}
}

func TestQueueDetails(t *testing.T) {
	tests := []struct {
		q    app.QueueInfo
		want string
	}{
		{app.QueueInfo{}, "Joining the queue…"},
		{app.QueueInfo{Confirmed: true, Players: 1, SearchRange: 100}, "1 player in queue  ·  searching ±100 rating"},
		{app.QueueInfo{Confirmed: true, Players: 7}, "7 players in queue  ·  searching any rating"},
	}
	for _, tt := range tests {
		if got := queueDetails(tt.q); got != tt.want {
			t.Errorf("queueDetails(%+v) = %q, want %q", tt.q, got, tt.want)
		}
	}
}

func TestTopRows(t *testing.T) {
	var rows []netcode.ShipState
	for id := game.ShipID(1); id <= 12; id++ {
		rows = append(rows, netcode.ShipState{ID: id})
	}
	ids := func(rs []netcode.ShipState) []game.ShipID {
		var out []game.ShipID
		for _, r := range rs {
			out = append(out, r.ID)
		}
		return out
	}
	if got := ids(topRows(rows, 3, 4)); len(got) != 4 || got[3] != 4 {
		t.Errorf("own ship among the leaders: %v", got)
	}
	if got := ids(topRows(rows, 10, 4)); len(got) != 4 || got[2] != 3 || got[3] != 10 {
		t.Errorf("own ship further down: %v", got)
	}
	if got := ids(topRows(rows[:3], 10, 4)); len(got) != 3 {
		t.Errorf("short board: %v", got)
	}
	if rows[3].ID != 4 {
		t.Error("topRows changed its input")
	}
}
