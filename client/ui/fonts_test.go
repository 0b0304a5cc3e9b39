package ui

import (
	"testing"

	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goitalic"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"
)

// covered is text in every script the client promises to draw (see chat.go):
// each rune must have a glyph in each of the client's fonts.
var covered = []string{
	"ABCDEFGHIJKLMNOPQRSTUVWXYZ abcdefghijklmnopqrstuvwxyz 0123456789",
	"Grüße ÀÉÎÕÜ àéîõü çñ ß œ Œ æ ø å ł ő ű č š ž ğ ı ş ą ę ė",
	"¿¡ € £ ¥ © ® ° ± × ÷ « » ‹ › “ ” ‘ ’ „ – — … • ‰ № ™",
	"ΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩ αβγδεζηθικλμνξοπρσςτυφχψω άέήίόύώ ϊϋΐΰ Ά",
	"АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
	"ЄІЇҐ єіїґ Ўў ЂЈЉЊЋЏ ђјљњћџ Ѓѓ Ќќ Ѕѕ",
}

// uncovered is text the client's fonts do not draw (so the doc comment in
// chat.go stays true): each string has at least one rune without a glyph.
var uncovered = []string{"日本語", "한국어", "😀", "עברית", "العربية", "हिन्दी", "ไทย", "Tiếng Việt"}

func TestFontsCoverLatinGreekCyrillic(t *testing.T) {
	for name, ttf := range map[string][]byte{"regular": goregular.TTF, "bold": gobold.TTF, "italic": goitalic.TTF} {
		f, err := sfnt.Parse(ttf)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var b sfnt.Buffer
		has := func(r rune) bool {
			i, err := f.GlyphIndex(&b, r)
			return err == nil && i != 0
		}
		for _, s := range covered {
			for _, r := range s {
				if r != ' ' && !has(r) {
					t.Errorf("%s font has no glyph for %q (U+%04X)", name, r, r)
				}
			}
		}
		for _, s := range uncovered {
			missing := false
			for _, r := range s {
				if r != ' ' && !has(r) {
					missing = true
				}
			}
			if !missing {
				t.Errorf("%s font covers %q: update the note in chat.go", name, s)
			}
		}
	}
}
