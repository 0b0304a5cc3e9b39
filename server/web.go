package server

import (
	"errors"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path"
	"strconv"
	"strings"
)

// immutable is the Cache-Control of a content-hashed file: its name changes
// whenever its content does, so a browser may keep it a year unasked.
const immutable = "public, max-age=31536000, immutable"

// webEncodings are the precompressed twins a file may have beside it, in
// the order the server prefers them.
var webEncodings = []struct{ coding, ext string }{
	{"br", ".br"},
	{"gzip", ".gz"},
}

// webHandler serves the built web client from dir (make wasm): index.html
// at "/", and the content-hashed files it names (arena.<hash>.wasm,
// wasm_exec.<hash>.js).
//
// A file with a brotli (.br) or gzip (.gz) twin beside it is sent as the
// twin when the request accepts that encoding, brotli first. Hashed files
// are cached as immutable; everything else is no-cache, so the browser
// revalidates it on each use and gets 304 Not Modified while its ETag or
// Last-Modified still matches. Paths that are not clean, and files outside
// dir (through a symbolic link too), are refused.
func webHandler(dir string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		name, ok := webFileName(r.URL.Path)
		if !ok {
			http.Error(w, "invalid path", http.StatusBadRequest)
			return
		}
		root, err := os.OpenRoot(dir)
		if err != nil {
			webNotFound(w, r)
			return
		}
		defer root.Close()
		f, st, err := openRegular(root, name)
		if err != nil {
			webNotFound(w, r)
			return
		}
		defer func() { f.Close() }() // f may become a twin below

		h := w.Header()
		ctype := mime.TypeByExtension(path.Ext(name))
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		h.Set("Content-Type", ctype)
		encoded := false
		for _, enc := range webEncodings {
			tf, tst, err := openRegular(root, name+enc.ext)
			if err != nil {
				continue
			}
			h.Set("Vary", "Accept-Encoding")
			if encoded || !accepts(r.Header.Get("Accept-Encoding"), enc.coding) {
				tf.Close()
				continue
			}
			f.Close()
			f, st, encoded = tf, tst, true
			h.Set("Content-Encoding", enc.coding)
		}
		if hashedName(name) {
			h.Set("Cache-Control", immutable)
		} else {
			h.Set("Cache-Control", "no-cache")
		}
		h.Set("ETag", fmt.Sprintf(`"%x-%x"`, st.ModTime().UnixNano(), st.Size()))
		if encoded {
			// ServeContent leaves the length out under a Content-Encoding
			// (for writers that compress on the fly); a twin's is known, and
			// it lets the browser show the download's progress.
			h.Set("Content-Length", strconv.FormatInt(st.Size(), 10))
		}
		http.ServeContent(w, r, name, st.ModTime(), f)
	})
}

// webNotFound answers 404, saying how to build the client when it is the
// page itself that is missing.
func webNotFound(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/" {
		http.Error(w, "The web client is not built: run `make wasm` (or `make run`).", http.StatusNotFound)
		return
	}
	http.NotFound(w, r)
}

// webFileName maps a request path to a file name in the web directory: "/"
// is index.html. ok is false for a path that is not clean ("..", "//", a
// trailing slash).
func webFileName(p string) (name string, ok bool) {
	if p == "/" {
		return "index.html", true
	}
	name, ok = strings.CutPrefix(p, "/")
	return name, ok && fs.ValidPath(name) && name != "."
}

// openRegular opens name in root, which it may not leave, if it is a
// regular file.
func openRegular(root *os.Root, name string) (*os.File, os.FileInfo, error) {
	f, err := root.Open(name)
	if err != nil {
		return nil, nil, err
	}
	st, err := f.Stat()
	if err == nil && !st.Mode().IsRegular() {
		err = errors.New("not a regular file")
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, st, nil
}

// hashedName reports whether a file name carries a hash of its content the
// way the build names them: base.<hash>.ext, with at least 8 lowercase hex
// digits of hash.
func hashedName(name string) bool {
	parts := strings.Split(path.Base(name), ".")
	if len(parts) < 3 {
		return false
	}
	hash := parts[len(parts)-2]
	return len(hash) >= 8 && strings.Trim(hash, "0123456789abcdef") == ""
}

// accepts reports whether an Accept-Encoding header value accepts coding:
// by name, or else through "*", with a q-value above 0.
func accepts(header, coding string) bool {
	star := false
	for entry := range strings.SplitSeq(header, ",") {
		name, params, _ := strings.Cut(entry, ";")
		name = strings.TrimSpace(name)
		if strings.EqualFold(name, coding) {
			return positiveQ(params)
		}
		if name == "*" {
			star = positiveQ(params)
		}
	}
	return star
}

// positiveQ reports whether an Accept-Encoding entry's parameters leave its
// q-value (1 when absent) above 0.
func positiveQ(params string) bool {
	for p := range strings.SplitSeq(params, ";") {
		k, v, _ := strings.Cut(p, "=")
		if strings.EqualFold(strings.TrimSpace(k), "q") {
			q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return err == nil && q > 0
		}
	}
	return true
}
