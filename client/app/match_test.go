package app

import (
	"strings"
	"testing"
)

func TestViewport(t *testing.T) {
	tests := []struct {
		name               string
		ww, wh, x, y, w, h float64
		scale, x0, y0      float64
	}{
		{"square into square", 2000, 2000, 10, 10, 700, 700, 0.35, 10, 10},
		{"square into wide", 2000, 2000, 0, 0, 1280, 720, 0.36, 280, 0},
		{"wide into square", 4000, 2000, 0, 0, 800, 800, 0.2, 0, 200},
		{"degenerate world", 0, 2000, 5, 6, 100, 100, 1, 5, 6},
	}
	for _, tt := range tests {
		v := FitViewport(tt.ww, tt.wh, tt.x, tt.y, tt.w, tt.h)
		if !near(v.Scale, tt.scale) || !near(v.X0, tt.x0) || !near(v.Y0, tt.y0) {
			t.Errorf("%s: FitViewport = %+v, want scale %v origin %v,%v", tt.name, v, tt.scale, tt.x0, tt.y0)
		}
		sx, sy := v.ToScreen(123, 456)
		if wx, wy := v.ToWorld(sx, sy); !near(wx, 123) || !near(wy, 456) {
			t.Errorf("%s: round trip gave %v,%v", tt.name, wx, wy)
		}
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

func TestChatLog(t *testing.T) {
	var c ChatLog
	for i := range ChatLogSize + 7 {
		c.Add(ChatLine{From: "a", Text: strings.Repeat("x", i)})
	}
	if c.Len() != ChatLogSize {
		t.Fatalf("Len = %d", c.Len())
	}
	last := c.Last(3)
	if len(last) != 3 || len(last[2].Text) != ChatLogSize+6 || len(last[0].Text) != ChatLogSize+4 {
		t.Fatalf("Last(3) = %+v", last)
	}
	if got := c.Last(1000); len(got) != ChatLogSize || len(got[0].Text) != 7 {
		t.Fatalf("Last(1000) has %d lines starting with %q", len(got), got[0].Text)
	}
	c.Clear()
	if c.Len() != 0 {
		t.Fatal("Clear left lines")
	}
}

func TestLineEditor(t *testing.T) {
	e := LineEditor{Max: 5}
	if !e.Empty() {
		t.Fatal("new editor not empty")
	}
	e.Type('a', '\n', 'b', 0x7f, 'é', '\t')
	if e.Text() != "abé" {
		t.Fatalf("Text = %q", e.Text())
	}
	e.Type([]rune("cdefg")...)
	if e.Text() != "abécd" {
		t.Fatalf("capped Text = %q", e.Text())
	}
	e.Backspace()
	e.Backspace()
	if e.Text() != "abé" {
		t.Fatalf("after backspaces = %q", e.Text())
	}
	e.Set("  ")
	if !e.Empty() {
		t.Fatal("spaces are not empty")
	}
	e.Clear()
	e.Backspace()
	if e.Text() != "" {
		t.Fatalf("cleared = %q", e.Text())
	}
}
