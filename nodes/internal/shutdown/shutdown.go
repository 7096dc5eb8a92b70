package shutdown

import (
	"context"
	"fmt"
	"sync"
)

// Wait waits for wg, or until ctx ends, whichever is first: a Close that
// honours its deadline even when one of its goroutines is stuck. On the
// deadline it returns ctx's error, wrapped with what was waited for; the
// goroutine watching wg then ends when wg does.
func Wait(ctx context.Context, wg *sync.WaitGroup) error {
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("goroutines still running at the close deadline: %w", ctx.Err())
	}
}

// Do runs f, a call that may block on I/O it cannot be cancelled from (a
// client library's call without a context), and returns when f does or
// ctx ends, whichever is first. On the deadline it returns ctx's error,
// wrapped with what; f then goes on alone until it returns by its own
// bound.
func Do(ctx context.Context, what string, f func()) error {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%s still running at the close deadline: %w", what, ctx.Err())
	}
}
