package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/andybalholm/brotli"
)

func TestPrecompressWritesTwinsThatDecodeToTheFile(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "arena.0123456789abcdef.wasm")
	want := bytes.Repeat([]byte("\x00asm arena client "), 10_000)
	if err := os.WriteFile(name, want, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := precompress(name, 5); err != nil {
		t.Fatal(err)
	}
	for ext, open := range map[string]func(io.Reader) (io.Reader, error){
		".br": func(r io.Reader) (io.Reader, error) { return brotli.NewReader(r), nil },
		".gz": func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) },
	} {
		f, err := os.Open(name + ext)
		if err != nil {
			t.Fatal(err)
		}
		st, _ := f.Stat()
		if st.Size() >= int64(len(want))/10 {
			t.Errorf("%s is %d bytes for %d of repetitive input: not compressed?", ext, st.Size(), len(want))
		}
		r, err := open(f)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", ext, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s decodes to %d bytes, want the file's %d", ext, len(got), len(want))
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	base := filepath.Base(name)
	if want := []string{base, base + ".br", base + ".gz"}; !slices.Equal(names, want) {
		t.Errorf("directory holds %q, want %q (no temporary files left)", names, want)
	}
}

func TestPrecompressMissingFileWritesNothing(t *testing.T) {
	dir := t.TempDir()
	if err := precompress(filepath.Join(dir, "missing.wasm"), 5); err == nil {
		t.Fatal("no error for a missing file")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("left %d files behind", len(entries))
	}
}
