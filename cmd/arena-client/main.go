// Command arena-client is Arena's game client: the Ebiten game of client/ui
// over the state machine of client/app.
//
// In the browser (GOOS=js GOARCH=wasm) it plays on the server that served
// the page (and follows a match to the node of the cluster that runs it,
// staying there afterwards), and keeps its session token in localStorage,
// so a reloaded page signs in as the same player (and resumes a match it
// was in, when the page's server runs it). Natively it keeps the
// session in memory and takes the server's address as a flag:
//
//	arena-client -server http://127.0.0.1:8080
package main

import (
	"fmt"
	"os"

	"github.com/hajimehoshi/ebiten/v2"

	"github.com/arena-server/arena/client/app"
	"github.com/arena-server/arena/client/ui"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "arena-client:", err)
		os.Exit(1)
	}
}

func run() error {
	base, err := serverURL(os.Args[1:])
	if err != nil {
		return err
	}
	a := app.New(app.Config{Dialer: dialer(base), Store: sessionStore()})
	defer a.Close()
	g, err := ui.New(a)
	if err != nil {
		return err
	}
	ebiten.SetWindowTitle("Arena")
	ebiten.SetWindowSize(ui.ScreenWidth, ui.ScreenHeight)
	ebiten.SetWindowResizingMode(ebiten.WindowResizingModeEnabled)
	ebiten.SetRunnableOnUnfocused(true)
	ebiten.SetScreenClearedEveryFrame(false) // Game.Draw fills the whole screen itself
	return ebiten.RunGame(g)
}
