// Package natsproc runs a real nats-server process for tests: one server with
// JetStream on loopback, which a test can kill, stop and restart on the same
// port and store directory (so streams and KV buckets survive a restart).
//
// The binary is the one in ARENA_TEST_NATS, which make gotest sets from
// scripts/nats.sh bin (Debian's nats-server package, installed when missing);
// tests skip when it is unset. It is for tests only.
package natsproc

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	// readyTimeout bounds how long Start and Restart wait for a server to
	// accept connections with JetStream enabled.
	readyTimeout = 10 * time.Second
	// stopTimeout is how long Stop waits after SIGTERM before SIGKILL.
	stopTimeout = 10 * time.Second
	// pollInterval is the pause between readiness probes inside a deadline.
	pollInterval = 20 * time.Millisecond
	// logTail is how many lines of the server's log a failure shows.
	logTail = 30
)

// Binary returns the path of the nats-server binary in ARENA_TEST_NATS, and
// skips the test when the variable is unset.
func Binary(t testing.TB) string {
	t.Helper()
	bin := os.Getenv("ARENA_TEST_NATS")
	if bin == "" {
		t.Skip("ARENA_TEST_NATS is not set: make test sets it (scripts/nats.sh bin)")
	}
	return bin
}

// Server is one nats-server process with JetStream on, listening on
// 127.0.0.1. Its client port, monitoring port and store directory are chosen
// at Start and kept across Kill, Stop and Restart. Its methods are safe for
// concurrent use.
type Server struct {
	bin     string
	dir     string // the test's temp dir: log and ports files
	store   string // JetStream store directory (-sd)
	logPath string
	port    int // client port
	monPort int // HTTP monitoring port
	http    *http.Client

	mu   sync.Mutex
	proc *proc // the running process, nil when there is none
	runs int
}

// proc is one run of nats-server.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited and been waited for
	err  error         // cmd.Wait's result, valid once done is closed
}

// Start starts a nats-server (Binary, so it skips without ARENA_TEST_NATS)
// with JetStream on, on free loopback ports and a store directory in
// t.TempDir(), and waits until it accepts client connections and JetStream
// is ready. The server is killed when t's test ends. It fails t, with the
// end of the server's log, when the server does not come up within 10 s.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := Binary(t)
	dir := t.TempDir()
	s := &Server{
		bin:     bin,
		dir:     dir,
		store:   filepath.Join(dir, "js"),
		logPath: filepath.Join(dir, "nats-server.log"),
		http: &http.Client{
			Timeout:   time.Second,
			Transport: &http.Transport{DisableKeepAlives: true, Proxy: nil},
		},
	}
	// Registered after t.TempDir, so it runs before the directory is removed.
	t.Cleanup(s.Kill)

	// Port -1 makes nats-server pick free ports itself (no window in which
	// another process could take a port we probed); it writes the ones it
	// chose to a ports file, and Restart reuses them.
	if err := s.start([]string{"-p", "-1", "-m", "-1", "--ports_file_dir", dir}); err != nil {
		t.Fatalf("natsproc: start nats-server: %v\n%s", err, s.logTailText())
	}
	return s
}

// URL returns the client URL, nats://127.0.0.1:PORT; it is the same after a
// Restart.
func (s *Server) URL() string {
	return "nats://" + s.Addr()
}

// Addr returns the client address, 127.0.0.1:PORT.
func (s *Server) Addr() string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
}

// MonitorURL returns the base URL of the server's HTTP monitoring endpoint,
// http://127.0.0.1:MONPORT (for /healthz, /jsz, /varz and the like).
func (s *Server) MonitorURL() string {
	return "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(s.monPort))
}

// Kill sends SIGKILL to the server, as a crash would, and waits until it
// has exited. It does nothing when the server is not running.
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.proc
	if p == nil {
		return
	}
	_ = p.cmd.Process.Kill()
	<-p.done
	s.proc = nil
}

// Stop sends SIGTERM to the server (nats-server shuts down cleanly on it)
// and waits until it has exited; after 10 s it sends SIGKILL. It does
// nothing when the server is not running.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.proc
	if p == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	timer := time.NewTimer(stopTimeout)
	defer timer.Stop()
	select {
	case <-p.done:
	case <-timer.C:
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	s.proc = nil
}

// Running reports whether the server process is running (started and not
// yet killed, stopped or exited on its own).
func (s *Server) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return false
	}
	select {
	case <-s.proc.done:
		return false
	default:
		return true
	}
}

// Restart starts the server again on the same ports and store directory and
// waits until it accepts client connections and JetStream is ready, failing
// t (with the end of the log) when it does not within 10 s. A server that is
// still running is stopped first (Stop). The process still belongs to the
// test given to Start, whose end kills it.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.Stop()
	args := []string{"-p", strconv.Itoa(s.port), "-m", strconv.Itoa(s.monPort)}
	if err := s.start(args); err != nil {
		t.Fatalf("natsproc: restart nats-server on %s: %v\n%s", s.Addr(), err, s.logTailText())
	}
}

// start runs nats-server with the common flags plus ports, and waits until
// it is ready. On failure the process is killed.
func (s *Server) start(ports []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil {
		return errors.New("already running")
	}
	s.runs++
	args := append([]string{
		"-a", "127.0.0.1",
		"-n", "arena-test",
		"-js", "-sd", s.store,
	}, ports...)

	logf, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close() // the child has its own copy
	fmt.Fprintf(logf, "=== natsproc run %d: %s %s\n", s.runs, s.bin, strings.Join(args, " "))

	cmd := exec.Command(s.bin, args...)
	cmd.Stdout = logf
	cmd.Stderr = logf
	if err := cmd.Start(); err != nil {
		return err
	}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	s.proc = p

	if err := s.waitReady(p); err != nil {
		_ = cmd.Process.Kill()
		<-p.done
		s.proc = nil
		return err
	}
	return nil
}

// waitReady polls, until readyTimeout, for: the ports file (first start
// only), the client port accepting TCP, /healthz answering 200 and /jsz
// reporting JetStream enabled with our store directory. It fails at once
// when the process exits.
func (s *Server) waitReady(p *proc) error {
	deadline := time.Now().Add(readyTimeout)
	var last error
	for {
		select {
		case <-p.done:
			return fmt.Errorf("nats-server exited: %v", p.err)
		default:
		}
		last = s.probe(p)
		if last == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %v: %v", readyTimeout, last)
		}
		time.Sleep(pollInterval)
	}
}

// probe makes one readiness check, returning why the server is not ready.
func (s *Server) probe(p *proc) error {
	if s.port == 0 {
		if err := s.readPortsFile(p.cmd.Process.Pid); err != nil {
			return err
		}
	}
	c, err := net.DialTimeout("tcp", s.Addr(), time.Second)
	if err != nil {
		return err
	}
	// A live server greets every client with INFO; a port someone else
	// holds would not.
	_ = c.SetReadDeadline(time.Now().Add(time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	c.Close()
	if err != nil {
		return fmt.Errorf("read INFO from %s: %v", s.Addr(), err)
	}
	if !strings.HasPrefix(line, "INFO ") {
		return fmt.Errorf("%s greeted with %q, not INFO", s.Addr(), line)
	}

	if _, err := s.get("/healthz"); err != nil {
		return err
	}
	body, err := s.get("/jsz")
	if err != nil {
		return err
	}
	var jsz struct {
		Disabled bool `json:"disabled"`
		Config   struct {
			StoreDir string `json:"store_dir"`
		} `json:"config"`
	}
	if err := json.Unmarshal(body, &jsz); err != nil {
		return fmt.Errorf("/jsz: %v", err)
	}
	if jsz.Disabled || jsz.Config.StoreDir == "" {
		return errors.New("/jsz: JetStream not enabled yet")
	}
	return nil
}

// get fetches a monitoring path and returns its body when the status is 200.
func (s *Server) get(path string) ([]byte, error) {
	resp, err := s.http.Get(s.MonitorURL() + path)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s: %s", path, resp.Status, bytes.TrimSpace(body))
	}
	return body, nil
}

// readPortsFile reads the client and monitoring ports from the file
// nats-server writes to --ports_file_dir (named <executable>_<pid>.ports).
func (s *Server) readPortsFile(pid int) error {
	matches, _ := filepath.Glob(filepath.Join(s.dir, "*_"+strconv.Itoa(pid)+".ports"))
	if len(matches) == 0 {
		return errors.New("no ports file yet")
	}
	data, err := os.ReadFile(matches[0])
	if err != nil {
		return err
	}
	var pf struct {
		Nats       []string `json:"nats"`
		Monitoring []string `json:"monitoring"`
	}
	if err := json.Unmarshal(data, &pf); err != nil {
		return fmt.Errorf("ports file %s: %v (partly written?)", matches[0], err)
	}
	if len(pf.Nats) == 0 || len(pf.Monitoring) == 0 {
		return fmt.Errorf("ports file %s lacks nats or monitoring: %s", matches[0], data)
	}
	port, err := urlPort(pf.Nats[0])
	if err != nil {
		return err
	}
	monPort, err := urlPort(pf.Monitoring[0])
	if err != nil {
		return err
	}
	s.port, s.monPort = port, monPort
	return nil
}

// urlPort returns the port of a scheme://host:port URL.
func urlPort(u string) (int, error) {
	_, hostport, ok := strings.Cut(u, "://")
	if !ok {
		return 0, fmt.Errorf("bad URL %q in ports file", u)
	}
	_, ps, err := net.SplitHostPort(hostport)
	if err != nil {
		return 0, fmt.Errorf("bad URL %q in ports file: %v", u, err)
	}
	port, err := strconv.Atoi(ps)
	if err != nil || port <= 0 {
		return 0, fmt.Errorf("bad port in %q", u)
	}
	return port, nil
}

// logTailText returns the last lines of the server's log, for failures.
func (s *Server) logTailText() string {
	data, err := os.ReadFile(s.logPath)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > logTail {
		lines = lines[len(lines)-logTail:]
	}
	return fmt.Sprintf("last lines of %s:\n%s", s.logPath, strings.Join(lines, "\n"))
}
