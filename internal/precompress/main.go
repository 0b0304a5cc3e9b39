// Command precompress writes a brotli (.br) and a gzip (.gz) twin beside each
// file named on its command line, for a web server to send to browsers that
// accept either encoding instead of compressing on every request.
//
//	go run ./internal/precompress [-q quality] FILE...
//
// The twins are written to temporary files and renamed into place, so a
// server reading the directory never sees half a twin.
package main

import (
	"compress/gzip"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/andybalholm/brotli"
)

// brotliWindow is the log2 of brotli's window: 16 MiB, the most a browser
// accepts under Content-Encoding: br.
const brotliWindow = 24

func main() {
	quality := flag.Int("q", 10, "brotli `quality`, 0 to 11 (11 is the smallest and by far the slowest)")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: precompress [-q quality] FILE...")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 || *quality < brotli.BestSpeed || *quality > brotli.BestCompression {
		flag.Usage()
		os.Exit(2)
	}
	for _, name := range flag.Args() {
		if err := precompress(name, *quality); err != nil {
			fmt.Fprintln(os.Stderr, "precompress:", err)
			os.Exit(1)
		}
	}
}

// precompress writes name+".br" (at brotli quality q) and name+".gz" (gzip's
// best compression).
func precompress(name string, q int) error {
	err := writeTwin(name, ".br", func(w io.Writer) io.WriteCloser {
		return brotli.NewWriterOptions(w, brotli.WriterOptions{Quality: q, LGWin: brotliWindow})
	})
	if err != nil {
		return err
	}
	return writeTwin(name, ".gz", func(w io.Writer) io.WriteCloser {
		zw, _ := gzip.NewWriterLevel(w, gzip.BestCompression) // a valid level: no error
		return zw
	})
}

// writeTwin compresses name through the writer newWriter makes into
// name+ext, by way of a temporary file in the same directory.
func writeTwin(name, ext string, newWriter func(io.Writer) io.WriteCloser) (err error) {
	src, err := os.Open(name)
	if err != nil {
		return err
	}
	defer src.Close()
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+ext+".*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	zw := newWriter(tmp)
	if _, err := io.Copy(zw, src); err != nil {
		return fmt.Errorf("compress %s: %w", name, err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("compress %s: %w", name, err)
	}
	if err := errors.Join(tmp.Chmod(0o644), tmp.Close()); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name+ext)
}
