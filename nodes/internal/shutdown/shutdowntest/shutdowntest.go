// Package shutdowntest checks that a node's Close honours its deadline.
//
// Import rules: standard library only; imported by tests.
package shutdowntest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// Deadline is the close deadline CloseBounded gives.
const Deadline = 50 * time.Millisecond

// CloseBounded starts a goroutine that stays stuck, counted in wg (the
// node's WaitGroup that Close waits for), calls closeFn with a deadline
// of Deadline and fails t unless it returns the deadline's error within
// a few seconds. The stuck goroutine ends when the test does.
func CloseBounded(t *testing.T, wg *sync.WaitGroup, closeFn func(context.Context) error) {
	t.Helper()
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	wg.Go(func() { <-release })
	ctx, cancel := context.WithTimeout(context.Background(), Deadline)
	defer cancel()
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- closeFn(ctx) }()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Close = %v, want the deadline's error", err)
		}
		t.Logf("Close returned after %v", time.Since(start).Round(time.Millisecond))
	case <-time.After(5 * time.Second):
		t.Fatalf("Close still waiting 5s after its deadline of %v", Deadline)
	}
}
