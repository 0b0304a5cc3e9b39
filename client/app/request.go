package app

import (
	"context"
	"time"
)

// request is an HTTP read under way off the Update path: a goroutine runs
// it and leaves the answer on a channel that Update polls, so a slow server
// never holds up a frame.
type request[T any] struct {
	done   chan reply[T]
	cancel context.CancelFunc
}

// reply is what a request delivers.
type reply[T any] struct {
	val T
	err error
}

// startRequest runs do in a goroutine with a context bounded by timeout.
func startRequest[T any](timeout time.Duration, do func(context.Context) (T, error)) *request[T] {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	r := &request[T]{done: make(chan reply[T], 1), cancel: cancel}
	go func() {
		defer cancel()
		v, err := do(ctx)
		r.done <- reply[T]{v, err}
	}()
	return r
}

// poll returns the answer once it has arrived; ok is false until then, and
// for a nil request.
func (r *request[T]) poll() (rep reply[T], ok bool) {
	if r == nil {
		return rep, false
	}
	select {
	case rep = <-r.done:
		return rep, true
	default:
		return rep, false
	}
}

// abandon cancels the request; its answer is never polled. A nil request
// is fine.
func (r *request[T]) abandon() {
	if r != nil {
		r.cancel()
	}
}
