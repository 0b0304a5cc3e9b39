package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/arena-server/arena/matchmaking"
	"github.com/arena-server/arena/netcode/transport"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
	"github.com/arena-server/arena/store"
)

// These tests run the real arena binary as a child process on a data
// directory, kill or stop it, and start it again on the same directory.

// arenaBin is the server binary built once for the package's tests.
var arenaBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "arena-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	arenaBin = filepath.Join(dir, "arena")
	build := exec.Command("go", "build", "-o", arenaBin, ".")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build arena:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// processWait bounds each wait on a child process or its players.
const processWait = 30 * time.Second

// arenaProcess is a running arena binary.
type arenaProcess struct {
	t      *testing.T
	cmd    *exec.Cmd
	url    string
	exited chan error
}

// startArena runs the binary with a short duel (1 s of play) on dataDir and
// waits for it to print its URL.
func startArena(t *testing.T, dataDir string, flags ...string) *arenaProcess {
	t.Helper()
	modes := filepath.Join(t.TempDir(), "modes.json")
	if err := os.WriteFile(modes, []byte(`[{"name":"duel","teams":2,"players_per_team":1,"score_limit":10,"time_limit":"1s"}]`), 0o644); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"-addr", "127.0.0.1:0", "-admin-addr", "", "-data-dir", dataDir, "-modes", modes, "-log-level", "warn"}, flags...)
	cmd := exec.Command(arenaBin, args...)
	cmd.Stderr = t.Output()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &arenaProcess{t: t, cmd: cmd, exited: make(chan error, 1)}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if _, after, ok := strings.Cut(sc.Text(), "open "); ok {
				urls <- strings.TrimSuffix(strings.Fields(after)[0], "/")
			}
		}
		p.exited <- cmd.Wait()
	}()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	select {
	case p.url = <-urls:
		return p
	case err := <-p.exited:
		t.Fatalf("arena exited before serving: %v", err)
	case <-time.After(processWait):
		t.Fatal("arena did not print its URL")
	}
	return nil
}

// stop sends sig and waits for the process to exit, returning its error.
func (p *arenaProcess) stop(sig syscall.Signal) error {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatal(err)
	}
	select {
	case err := <-p.exited:
		return err
	case <-time.After(processWait):
		p.t.Fatalf("arena did not exit after %v", sig)
		return nil
	}
}

// player is one signed-in websocket client of a child arena.
type player struct {
	session transport.Session
	conn    *transport.Conn
}

func signIn(t *testing.T, ctx context.Context, url, name string) transport.Session {
	t.Helper()
	s, err := transport.SignIn(ctx, url, name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// join dials url and authenticates with s's token; it fails the test unless
// the server signs it in as s's player.
func join(t *testing.T, ctx context.Context, url string, s transport.Session) *player {
	t.Helper()
	ws, err := transport.WebSocketURL(url)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := transport.Dial(ctx, ws)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if err := conn.Send(ctx, &arenav1.ClientMessage{Body: &arenav1.ClientMessage_Authenticate{Authenticate: &arenav1.Authenticate{Token: s.Token}}}); err != nil {
		t.Fatal(err)
	}
	m, err := conn.Receive(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if a := m.GetAuthenticated(); a.GetPlayerId() != s.PlayerID || a.GetName() != s.Name {
		t.Fatalf("authenticated as %v, want %s (%s)", m, s.PlayerID, s.Name)
	}
	return &player{session: s, conn: conn}
}

// playMatch queues for a duel and returns the results the player is shown.
func (p *player) playMatch(ctx context.Context) (*arenav1.MatchEnd, error) {
	if err := p.conn.Send(ctx, &arenav1.ClientMessage{Body: &arenav1.ClientMessage_QueueJoin{QueueJoin: &arenav1.QueueJoin{Mode: "duel"}}}); err != nil {
		return nil, err
	}
	for {
		m, err := p.conn.Receive(ctx)
		if err != nil {
			return nil, err
		}
		if e := m.GetError(); e != nil {
			return nil, fmt.Errorf("server error: %v", e)
		}
		if end := m.GetMatchEnd(); end != nil {
			return end, nil
		}
	}
}

func (p *player) result(end *arenav1.MatchEnd) *arenav1.PlayerResult {
	for _, r := range end.GetResults() {
		if r.GetPlayerId() == p.session.PlayerID {
			return r
		}
	}
	return nil
}

// playDuel plays one duel between a and b and returns what each was shown.
func playDuel(t *testing.T, ctx context.Context, a, b *player) (ra, rb *arenav1.PlayerResult) {
	t.Helper()
	ends := make(chan *arenav1.MatchEnd, 2)
	errs := make(chan error, 2)
	for _, p := range []*player{a, b} {
		go func() {
			end, err := p.playMatch(ctx)
			if err != nil {
				errs <- err
				return
			}
			ends <- end
		}()
	}
	var got []*arenav1.MatchEnd
	for range 2 {
		select {
		case end := <-ends:
			got = append(got, end)
		case err := <-errs:
			t.Fatal(err)
		}
	}
	return a.result(got[0]), b.result(got[0])
}

// TestRestartKeepsSessionsAndRatings: sign in, play, stop the server with
// SIGTERM, start it again on the same data directory: the same tokens sign
// in as the same players, whose ratings are those the results screen
// showed, and the next match moves them from there.
func TestRestartKeepsSessionsAndRatings(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	first := startArena(t, dir, "-placement-matches", "1")
	sa, sb := signIn(t, ctx, first.url, "alice"), signIn(t, ctx, first.url, "bob")
	ra, _ := playDuel(t, ctx, join(t, ctx, first.url, sa), join(t, ctx, first.url, sb))
	if ra.GetRating() == 0 {
		t.Fatalf("results %v, want a rating after the one placement match", ra)
	}
	if err := first.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("arena exited with %v after SIGTERM, want a clean exit", err)
	}

	second := startArena(t, dir, "-placement-matches", "1")
	a, b := join(t, ctx, second.url, sa), join(t, ctx, second.url, sb)
	var profile struct {
		Name    string `json:"name"`
		Ratings []struct {
			Mode    string `json:"mode"`
			Rating  *int   `json:"rating"`
			Matches int    `json:"matches"`
		} `json:"ratings"`
	}
	getJSON(t, ctx, second.url+"/api/v1/players/"+sa.PlayerID, &profile)
	if profile.Name != "alice" || len(profile.Ratings) != 1 || profile.Ratings[0].Rating == nil ||
		*profile.Ratings[0].Rating != int(ra.GetRating()) || profile.Ratings[0].Matches != 1 {
		t.Fatalf("after a restart alice's profile is %+v, want the rating %d from one duel", profile, ra.GetRating())
	}
	ra2, _ := playDuel(t, ctx, a, b)
	if from := ra2.GetRating() - ra2.GetRatingChange(); from != ra.GetRating() {
		t.Fatalf("the first match after the restart moved alice's rating from %d, want %d", from, ra.GetRating())
	}
}

// TestCrashLosesNoShownResults: sixteen players play duels in rounds; in
// the middle of a round's burst of results the server is killed with
// SIGKILL. Every match whose results screen a player saw is stored exactly
// once, and each player's stored rating is what replaying their stored
// matches in order through the rating model gives.
func TestCrashLosesNoShownResults(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	dir := t.TempDir()
	p := startArena(t, dir)
	const players = 16
	var (
		mu     sync.Mutex
		shown  = make(map[string]int) // match id → results screens seen
		rounds = make([]int, players) // matches each player finished
		killed = make(chan struct{})
		kill   = sync.OnceFunc(func() { _ = p.cmd.Process.Signal(syscall.SIGKILL); close(killed) })
		wg     sync.WaitGroup
	)
	for i := range players {
		pl := join(t, ctx, p.url, signIn(t, ctx, p.url, fmt.Sprintf("p%02d", i)))
		wg.Go(func() {
			for {
				end, err := pl.playMatch(ctx)
				if err != nil {
					select {
					case <-killed: // the connection died with the server
					default:
						t.Errorf("player %d: %v", i, err)
					}
					return
				}
				mu.Lock()
				shown[end.GetMatchId()]++
				rounds[i]++
				// Two rounds played by everyone, then the first result of the
				// third round's burst pulls the trigger.
				if rounds[i] == 3 && slices.Min(rounds) >= 2 {
					kill()
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	select {
	case <-killed:
	default:
		t.Fatal("the players stopped before the server was killed")
	}
	if err := <-p.exited; err == nil {
		t.Fatal("arena exited cleanly; it should have been killed")
	}

	st, err := store.OpenSQLite(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	stored, err := st.Matches(ctx, "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	count := make(map[string]int)
	for _, m := range stored {
		count[m.MatchID]++
	}
	for id := range shown {
		if count[id] != 1 {
			t.Errorf("match %s was shown to players and is stored %d times", id, count[id])
		}
	}
	t.Logf("%d matches shown, %d stored after SIGKILL", len(shown), len(stored))
	checkRatingsReplay(t, ctx, st, stored)

	// The server starts again on the same directory and serves.
	again := startArena(t, dir)
	var health struct {
		Status string `json:"status"`
	}
	if getJSON(t, ctx, again.url+"/healthz", &health); health.Status != "ok" {
		t.Fatalf("/healthz after the restart: %+v", health)
	}
}

// checkRatingsReplay replays the stored matches, oldest first, through the
// rating model: each match must start every player from their previous
// stored rating (or a new one) and end at what Rate gives, and each
// player's stored rating must be their last match's.
func checkRatingsReplay(t *testing.T, ctx context.Context, st store.Store, stored []store.MatchResult) {
	t.Helper()
	slices.SortFunc(stored, func(a, b store.MatchResult) int { return a.End.Compare(b.End) })
	current := make(map[string]store.Rating)
	for _, m := range stored {
		var teams [][]matchmaking.Rating
		var ranks []int
		for _, p := range m.Players {
			want, ok := current[p.PlayerID]
			if !ok {
				n := matchmaking.NewRating()
				want = store.Rating{Mu: n.Mu, Sigma: n.Sigma, Display: n.Display()}
			}
			if !sameRating(p.Before, want) || p.Before.Matches != want.Matches {
				t.Fatalf("match %s starts %s from %+v, their previous stored rating is %+v", m.MatchID, p.PlayerID, p.Before, want)
			}
			teams = append(teams, []matchmaking.Rating{{Mu: p.Before.Mu, Sigma: p.Before.Sigma}})
			ranks = append(ranks, p.Placement)
		}
		after := matchmaking.Rate(teams, ranks)
		for i, p := range m.Players {
			got := store.Rating{Mu: after[i][0].Mu, Sigma: after[i][0].Sigma}
			if !sameRating(p.After, got) || p.After.Matches != p.Before.Matches+1 {
				t.Fatalf("match %s ends %s at %+v, the rating model gives %+v", m.MatchID, p.PlayerID, p.After, got)
			}
			current[p.PlayerID] = p.After
		}
	}
	for id, want := range current {
		ratings, err := st.Ratings(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got := ratings["duel"]; !sameRating(got, want) || got.Matches != want.Matches {
			t.Errorf("%s's stored rating %+v, their last stored match ended at %+v", id, got, want)
		}
	}
}

func sameRating(a, b store.Rating) bool {
	return math.Abs(a.Mu-b.Mu) < 1e-9 && math.Abs(a.Sigma-b.Sigma) < 1e-9
}

func getJSON(t *testing.T, ctx context.Context, url string, v any) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, errors.Join(err, fmt.Errorf("status %d", resp.StatusCode)))
	}
}
