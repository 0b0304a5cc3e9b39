package envflag

import (
	"flag"
	"io"
	"testing"
)

func TestEnvironmentThenFlags(t *testing.T) {
	t.Setenv("TEST_TICK_HZ", "60")
	t.Setenv("TEST_NAME", "env")
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	hz := fs.Int("tick-hz", 30, "")
	name := fs.String("name", "default", "")
	if err := Parse(fs, "TEST_", []string{"-name", "flag"}); err != nil {
		t.Fatal(err)
	}
	if *hz != 60 || *name != "flag" {
		t.Fatalf("tick-hz %d name %q, want 60 from the environment and flag from the flag", *hz, *name)
	}
	t.Setenv("TEST_TICK_HZ", "fast")
	if err := Parse(flag.NewFlagSet("t", flag.ContinueOnError), "TEST_", nil); err != nil {
		t.Fatalf("unrelated flag set: %v", err)
	}
	fs2 := flag.NewFlagSet("t", flag.ContinueOnError)
	fs2.Int("tick-hz", 30, "")
	if err := Parse(fs2, "TEST_", nil); err == nil {
		t.Fatal("a bad environment value was accepted")
	}
}
