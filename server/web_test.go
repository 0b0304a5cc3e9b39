package server

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	wasmName = "arena.0123456789abcdef.wasm"
	jsName   = "wasm_exec.89abcdef.js"
)

// webDir builds a web directory the way make wasm lays it out, each file's
// content naming the file, and a secret beside the directory.
func webDir(t *testing.T) string {
	t.Helper()
	parent := t.TempDir()
	dir := filepath.Join(parent, "web")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"../secret.txt":   "secret",
		"index.html":      "<!DOCTYPE html>index",
		wasmName:          "raw wasm",
		wasmName + ".br":  "brotli wasm",
		wasmName + ".gz":  "gzip wasm",
		jsName:            "wasm_exec",
		"arena.wasm":      "unhashed wasm",
		"arena.wasm.gz":   "unhashed gzip wasm",
		"sub/nested.html": "nested",
	}
	modTime := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, modTime, modTime); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(parent, "secret.txt"), filepath.Join(dir, "link.txt")); err != nil {
		t.Fatal(err)
	}
	return dir
}

// get requests path from h with the given headers (name, value, ...).
func get(h http.Handler, method, path string, headers ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestWebServesTheTwinTheBrowserAccepts(t *testing.T) {
	h := webHandler(webDir(t))
	for _, tc := range []struct {
		acceptEncoding string
		body, encoding string
	}{
		{"gzip, deflate, br, zstd", "brotli wasm", "br"},
		{"br;q=0.5, gzip;q=1.0", "brotli wasm", "br"},
		{"gzip, deflate", "gzip wasm", "gzip"},
		{"br;q=0, gzip", "gzip wasm", "gzip"},
		{"*", "brotli wasm", "br"},
		{"*;q=0, gzip", "gzip wasm", "gzip"},
		{"", "raw wasm", ""},
		{"identity", "raw wasm", ""},
		{"br;q=0, gzip;q=0", "raw wasm", ""},
	} {
		w := get(h, http.MethodGet, "/"+wasmName, "Accept-Encoding", tc.acceptEncoding)
		if w.Code != http.StatusOK || w.Body.String() != tc.body || w.Header().Get("Content-Encoding") != tc.encoding {
			t.Errorf("Accept-Encoding %q: %d, Content-Encoding %q, body %q; want 200, %q, %q",
				tc.acceptEncoding, w.Code, w.Header().Get("Content-Encoding"), w.Body, tc.encoding, tc.body)
		}
		if got := w.Header().Get("Content-Type"); got != "application/wasm" {
			t.Errorf("Accept-Encoding %q: Content-Type %q, want application/wasm", tc.acceptEncoding, got)
		}
		if got := w.Header().Get("Vary"); got != "Accept-Encoding" {
			t.Errorf("Accept-Encoding %q: Vary %q, want Accept-Encoding", tc.acceptEncoding, got)
		}
		if got, want := w.Header().Get("Content-Length"), strconv.Itoa(len(tc.body)); got != want {
			t.Errorf("Accept-Encoding %q: Content-Length %s, want %s (the bytes sent)", tc.acceptEncoding, got, want)
		}
	}

	// A range of a twin is a range of its bytes, with its own length.
	w := get(h, http.MethodGet, "/"+wasmName, "Accept-Encoding", "br", "Range", "bytes=0-3")
	if w.Code != http.StatusPartialContent || w.Body.String() != "brot" || w.Header().Get("Content-Length") != "4" {
		t.Errorf("range of the brotli twin: %d %q, Content-Length %q; want 206 \"brot\", 4", w.Code, w.Body, w.Header().Get("Content-Length"))
	}

	// A file without twins is sent as it is, and does not vary.
	w = get(h, http.MethodGet, "/"+jsName, "Accept-Encoding", "gzip, br")
	if w.Body.String() != "wasm_exec" || w.Header().Get("Content-Encoding") != "" || w.Header().Get("Vary") != "" {
		t.Errorf("%s: body %q, Content-Encoding %q, Vary %q; want the file, no encoding, no Vary",
			jsName, w.Body, w.Header().Get("Content-Encoding"), w.Header().Get("Vary"))
	}
	if got := w.Header().Get("Content-Type"); got != "text/javascript; charset=utf-8" {
		t.Errorf("%s: Content-Type %q", jsName, got)
	}
}

func TestWebCachesHashedFilesForever(t *testing.T) {
	h := webHandler(webDir(t))
	for _, path := range []string{"/" + wasmName, "/" + jsName} {
		for _, ae := range []string{"br", "gzip", ""} {
			w := get(h, http.MethodGet, path, "Accept-Encoding", ae)
			if got := w.Header().Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
				t.Errorf("%s (Accept-Encoding %q): Cache-Control %q, want a year, immutable", path, ae, got)
			}
		}
	}
}

func TestWebRevalidatesThePage(t *testing.T) {
	dir := webDir(t)
	h := webHandler(dir)
	for _, path := range []string{"/", "/index.html", "/arena.wasm"} {
		w := get(h, http.MethodGet, path, "Accept-Encoding", "gzip")
		if w.Code != http.StatusOK {
			t.Fatalf("%s: %d", path, w.Code)
		}
		if got := w.Header().Get("Cache-Control"); got != "no-cache" {
			t.Errorf("%s: Cache-Control %q, want no-cache", path, got)
		}
		etag, modified := w.Header().Get("ETag"), w.Header().Get("Last-Modified")
		if etag == "" || modified == "" {
			t.Fatalf("%s: ETag %q, Last-Modified %q: nothing to revalidate with", path, etag, modified)
		}
		for _, cond := range [][]string{{"If-None-Match", etag}, {"If-Modified-Since", modified}} {
			w := get(h, http.MethodGet, path, "Accept-Encoding", "gzip", cond[0], cond[1])
			if w.Code != http.StatusNotModified || w.Body.Len() != 0 {
				t.Errorf("%s with %s: %d and %d bytes, want 304 and none", path, cond[0], w.Code, w.Body.Len())
			}
		}
	}

	// The gzip twin of arena.wasm is another representation: another ETag.
	gz := get(h, http.MethodGet, "/arena.wasm", "Accept-Encoding", "gzip").Header().Get("ETag")
	raw := get(h, http.MethodGet, "/arena.wasm").Header().Get("ETag")
	if gz == raw {
		t.Errorf("raw and gzip arena.wasm share the ETag %s", raw)
	}
	if w := get(h, http.MethodGet, "/arena.wasm", "If-None-Match", gz); w.Code != http.StatusOK || w.Body.String() != "unhashed wasm" {
		t.Errorf("raw arena.wasm revalidated with the gzip ETag: %d %q, want 200 and the file", w.Code, w.Body)
	}

	// A rebuilt page is sent again.
	etag := get(h, http.MethodGet, "/").Header().Get("ETag")
	if err := os.WriteFile(filepath.Join(dir, "index.html"), []byte("<!DOCTYPE html>rebuilt"), 0o644); err != nil {
		t.Fatal(err)
	}
	if w := get(h, http.MethodGet, "/", "If-None-Match", etag); w.Code != http.StatusOK || w.Body.String() != "<!DOCTYPE html>rebuilt" {
		t.Errorf("rebuilt page revalidated with the old ETag: %d %q, want 200 and the new page", w.Code, w.Body)
	}
}

func TestWebRefusesPathsOutsideTheDirectory(t *testing.T) {
	h := webHandler(webDir(t))
	for _, tc := range []struct {
		path string
		code int
	}{
		{"/../secret.txt", http.StatusBadRequest},
		{"/sub/../../secret.txt", http.StatusBadRequest},
		{"/./index.html", http.StatusBadRequest},
		{"//secret.txt", http.StatusBadRequest},
		{"/sub/", http.StatusBadRequest},
		{"/link.txt", http.StatusNotFound}, // a symbolic link out of the directory
	} {
		w := get(h, http.MethodGet, tc.path)
		if w.Code != tc.code || strings.Contains(w.Body.String(), "secret") {
			t.Errorf("%s: %d %q, want %d", tc.path, w.Code, w.Body, tc.code)
		}
	}
	if w := get(h, http.MethodGet, "/sub/nested.html"); w.Code != http.StatusOK || w.Body.String() != "nested" {
		t.Errorf("/sub/nested.html: %d %q, want 200 and the file", w.Code, w.Body)
	}
}

func TestWebAnswersMissingFilesWithNotFound(t *testing.T) {
	dir := webDir(t)
	h := webHandler(dir)
	for _, path := range []string{"/nope.wasm", "/arena.fedcba9876543210.wasm", "/sub"} {
		if w := get(h, http.MethodGet, path); w.Code != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, w.Code)
		}
	}
	if err := os.Remove(filepath.Join(dir, "index.html")); err != nil {
		t.Fatal(err)
	}
	if w := get(h, http.MethodGet, "/"); w.Code != http.StatusNotFound || !strings.Contains(w.Body.String(), "make wasm") {
		t.Errorf("/ without index.html: %d %q, want 404 saying to run make wasm", w.Code, w.Body)
	}
	if w := get(webHandler(filepath.Join(dir, "missing")), http.MethodGet, "/"); w.Code != http.StatusNotFound || !strings.Contains(w.Body.String(), "make wasm") {
		t.Errorf("/ without a web directory: %d %q, want 404 saying to run make wasm", w.Code, w.Body)
	}
}

func TestWebAllowsGetAndHeadOnly(t *testing.T) {
	h := webHandler(webDir(t))
	w := get(h, http.MethodHead, "/"+wasmName, "Accept-Encoding", "br")
	if w.Code != http.StatusOK || w.Body.Len() != 0 || w.Header().Get("Content-Encoding") != "br" || w.Header().Get("Content-Length") != "11" {
		t.Errorf("HEAD: %d, %d body bytes, Content-Encoding %q, Content-Length %q; want 200, none, br, 11",
			w.Code, w.Body.Len(), w.Header().Get("Content-Encoding"), w.Header().Get("Content-Length"))
	}
	w = get(h, http.MethodPost, "/")
	if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("POST: %d, Allow %q; want 405, GET, HEAD", w.Code, w.Header().Get("Allow"))
	}
}
