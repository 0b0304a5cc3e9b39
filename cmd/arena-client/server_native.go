//go:build !js

package main

import (
	"flag"
	"fmt"
	"net/url"
)

// serverURL reads the server's base URL from the -server flag.
func serverURL(args []string) (string, error) {
	fs := flag.NewFlagSet("arena-client", flag.ContinueOnError)
	server := fs.String("server", "http://127.0.0.1:8080", "the Arena server's base `URL`")
	if err := fs.Parse(args); err != nil {
		return "", err
	}
	u, err := url.Parse(*server)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("-server %q: want an http(s) URL such as http://127.0.0.1:8080", *server)
	}
	return *server, nil
}
