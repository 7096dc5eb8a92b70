package common

import (
	"context"
	"sync"
	"time"

	"github.com/flowgate/flowgate/nodes/internal/shutdown"
)

// timerSet runs callbacks after a delay (time.AfterFunc) and lets Close wait
// for the callbacks already running, so no callback outlives its node.
type timerSet struct {
	mu     sync.Mutex // guards closed and the wg counter's increments
	closed bool
	wg     sync.WaitGroup
}

// after runs f after d unless stopped; the returned stop reports whether it
// prevented f from running. After close, f never runs.
func (s *timerSet) after(d time.Duration, f func()) (stop func() bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return func() bool { return false }
	}
	s.wg.Add(1)
	t := time.AfterFunc(d, func() {
		defer s.wg.Done()
		f()
	})
	var once sync.Once
	return func() bool {
		stopped := false
		once.Do(func() {
			if t.Stop() {
				stopped = true
				s.wg.Done()
			}
		})
		return stopped
	}
}

// close refuses new timers and waits, within ctx, for running callbacks.
// Timers not yet fired must be stopped by their owner first.
func (s *timerSet) close(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	return shutdown.Wait(ctx, &s.wg)
}
