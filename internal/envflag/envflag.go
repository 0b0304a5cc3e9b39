// Package envflag gives every flag of a command an environment twin.
package envflag

import (
	"flag"
	"fmt"
	"os"
	"strings"
)

// Parse parses args into fs, first taking each flag's default from the
// environment variable prefix + its name in upper case with '-' as '_'
// (with prefix "ARENA_", -tick-hz reads ARENA_TICK_HZ). Flags win over the
// environment. Each flag's usage names its variable.
func Parse(fs *flag.FlagSet, prefix string, args []string) error {
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		name := prefix + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		f.Usage += " [$" + name + "]"
		if v, ok := os.LookupEnv(name); ok && err == nil {
			if e := f.Value.Set(v); e != nil {
				err = fmt.Errorf("%s=%q: %w", name, v, e)
			}
		}
	})
	if err != nil {
		return err
	}
	return fs.Parse(args)
}
