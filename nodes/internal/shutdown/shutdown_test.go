package shutdown

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

func TestWait(t *testing.T) {
	t.Run("returns when the goroutines end", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			var wg sync.WaitGroup
			wg.Go(func() { time.Sleep(time.Second) })
			start := time.Now()
			if err := Wait(context.Background(), &wg); err != nil || time.Since(start) != time.Second {
				t.Fatalf("Wait = %v after %v, want nil after 1s", err, time.Since(start))
			}
		})
	})
	t.Run("returns at the deadline when one is stuck", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			var wg sync.WaitGroup
			stuck := make(chan struct{})
			wg.Go(func() { <-stuck })
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			start := time.Now()
			err := Wait(ctx, &wg)
			if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != 2*time.Second {
				t.Fatalf("Wait = %v after %v, want the deadline after 2s", err, time.Since(start))
			}
			close(stuck) // the bubble ends only when every goroutine has
		})
	})
}

func TestDo(t *testing.T) {
	t.Run("returns when f does", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			start := time.Now()
			if err := Do(context.Background(), "f", func() { time.Sleep(time.Second) }); err != nil || time.Since(start) != time.Second {
				t.Fatalf("Do = %v after %v, want nil after 1s", err, time.Since(start))
			}
		})
	})
	t.Run("returns at the deadline when f blocks", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			stuck := make(chan struct{})
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			start := time.Now()
			err := Do(ctx, "publish", func() { <-stuck })
			if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != 2*time.Second {
				t.Fatalf("Do = %v after %v, want the deadline after 2s", err, time.Since(start))
			}
			close(stuck)
		})
	})
}
