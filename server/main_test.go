package server_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them: every
// connection, match and loop the server starts must end with it.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// http.DefaultClient keeps idle keep-alive connections to test servers.
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
	)
}
