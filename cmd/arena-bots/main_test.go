package main

import (
	"bytes"
	"testing"
)

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-bots", "0"},
		{"-bots", "many"},
		{"-duration", "-1s"},
		{"-decode-every", "0"},
		{"-server-pid", "-1"},
		{"-server-pid", "1073741824", "-duration", "1ms"}, // no such process
		{"-server", "127.0.0.1:8080"},
		{"-server", "http://127.0.0.1:18081,127.0.0.1:18082"},
		{"-server", "http://127.0.0.1:18081,"},
		{"-lobby-chat", "-1s"},
		{"-nope"},
		{"extra"},
	} {
		var out, errOut bytes.Buffer
		if code := run(args, &out, &errOut); code != 2 {
			t.Errorf("run %q = exit %d, want 2 (stderr %q)", args, code, errOut.String())
		}
		if out.Len() != 0 {
			t.Errorf("run %q wrote to stdout: %q", args, out.String())
		}
	}
}
