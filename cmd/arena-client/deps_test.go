//go:build !js

package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestBrowserBuildLeavesOutTheServerSide: the web client's WebAssembly
// build must not pull in the store's databases or the server (they would
// bloat the download and cannot run in a browser).
func TestBrowserBuildLeavesOutTheServerSide(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", ".")
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		for _, banned := range []string{
			"modernc.org/sqlite", "github.com/jackc/pgx", "github.com/arena-server/arena/store",
			"github.com/arena-server/arena/server", "github.com/gorilla/websocket",
		} {
			if pkg == banned || strings.HasPrefix(pkg, banned+"/") {
				t.Errorf("the browser build imports %s", pkg)
			}
		}
	}
}
