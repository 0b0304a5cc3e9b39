package natsproc_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/arena-server/arena/internal/natsproc"
)

// dial opens and closes a TCP connection to the server's client port,
// checking that it greets with INFO.
func dial(url string) error {
	addr := strings.TrimPrefix(url, "nats://")
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 5)
	if _, err := c.Read(buf); err != nil {
		return err
	}
	if string(buf) != "INFO " {
		return errors.New("no INFO greeting: " + string(buf))
	}
	return nil
}

func TestKillRestart(t *testing.T) {
	s := natsproc.Start(t)
	url := s.URL()
	if !strings.HasPrefix(url, "nats://127.0.0.1:") {
		t.Fatalf("URL %q, want nats://127.0.0.1:PORT", url)
	}
	if err := dial(url); err != nil {
		t.Fatalf("dial %s after Start: %v", url, err)
	}
	if !s.Running() {
		t.Fatal("Running() = false after Start")
	}

	s.Kill()
	if s.Running() {
		t.Fatal("Running() = true after Kill")
	}
	if err := dial(url); err == nil {
		t.Fatalf("dial %s after Kill succeeded", url)
	}
	s.Kill() // a no-op now

	s.Restart(t)
	if got := s.URL(); got != url {
		t.Fatalf("URL after Restart = %q, want %q", got, url)
	}
	if err := dial(url); err != nil {
		t.Fatalf("dial %s after Restart: %v", url, err)
	}

	s.Stop()
	if err := dial(url); err == nil {
		t.Fatalf("dial %s after Stop succeeded", url)
	}
	s.Restart(t)
	if err := dial(url); err != nil {
		t.Fatalf("dial %s after second Restart: %v", url, err)
	}
	// Restart of a running server stops it first.
	s.Restart(t)
	if err := dial(url); err != nil {
		t.Fatalf("dial %s after Restart of a running server: %v", url, err)
	}
}

// TestKVSurvivesRestart puts into a JetStream KV bucket, stops the server
// (cleanly, then by SIGKILL), restarts it and reads the value back.
func TestKVSurvivesRestart(t *testing.T) {
	s := natsproc.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	connect := func() (*nats.Conn, jetstream.JetStream) {
		t.Helper()
		nc, err := nats.Connect(s.URL(), nats.NoReconnect())
		if err != nil {
			t.Fatalf("connect %s: %v", s.URL(), err)
		}
		js, err := jetstream.New(nc)
		if err != nil {
			nc.Close()
			t.Fatalf("jetstream: %v", err)
		}
		return nc, js
	}

	nc, js := connect()
	kv, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "natsproc_test"})
	if err != nil {
		t.Fatalf("create bucket: %v", err)
	}
	if _, err := kv.Put(ctx, "stop", []byte("one")); err != nil {
		t.Fatalf("put: %v", err)
	}
	nc.Close()

	for _, c := range []struct {
		name string
		down func()
		key  string
	}{
		{"Stop", s.Stop, "stop"},
		{"Kill", s.Kill, "kill"},
	} {
		if c.key != "stop" {
			nc, js = connect()
			kv, err = js.KeyValue(ctx, "natsproc_test")
			if err != nil {
				t.Fatalf("%s: open bucket: %v", c.name, err)
			}
			if _, err := kv.Put(ctx, c.key, []byte(c.name)); err != nil {
				t.Fatalf("%s: put: %v", c.name, err)
			}
			nc.Close()
		}
		c.down()
		s.Restart(t)

		nc, js = connect()
		kv, err = js.KeyValue(ctx, "natsproc_test")
		if err != nil {
			t.Fatalf("after %s and Restart: open bucket: %v", c.name, err)
		}
		e, err := kv.Get(ctx, c.key)
		if err != nil {
			t.Fatalf("after %s and Restart: get %q: %v", c.name, c.key, err)
		}
		t.Logf("after %s and Restart: %s = %q", c.name, c.key, e.Value())
		nc.Close()
	}
}
