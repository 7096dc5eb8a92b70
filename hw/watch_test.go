package hw

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"periph.io/x/conn/v3/gpio"
)

// strictPin fails the test when WaitForEdge is given a timeout that is not
// positive: periph's gpioioctl takes 0 as "wait for ever" (a missed edge)
// and a negative one as "already expired". Its WaitForEdge also returns
// late by wake, as a loaded Pi does.
type strictPin struct {
	*SimPin
	t    *testing.T
	wake time.Duration
	mu   sync.Mutex
	n    int // waits
}

func (p *strictPin) WaitForEdge(timeout time.Duration) bool {
	if timeout <= 0 {
		p.t.Errorf("WaitForEdge(%v): gpioioctl would wait for ever or not at all", timeout)
	}
	p.mu.Lock()
	p.n++
	p.mu.Unlock()
	ok := p.SimPin.WaitForEdge(timeout)
	time.Sleep(p.wake)
	return ok
}

// watch starts a watcher on pin of sim through a strictPin and returns
// what it emits; cancel it with the returned func.
func watch(t *testing.T, sim *Sim, bcm int, pull gpio.Pull, debounce, wake time.Duration) (*levels, func()) {
	t.Helper()
	line, err := NewPins(sim).Claim(bcm, "n")
	if err != nil {
		t.Fatal(err)
	}
	line.Pin = &strictPin{SimPin: sim.SimPin(bcm), t: t, wake: wake}
	ctx, cancel := context.WithCancel(t.Context())
	got := &levels{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := line.Watch(ctx, pull, debounce, nil, got.add); err != nil {
			t.Error(err)
		}
	}()
	synctest.Wait()
	stop := sync.OnceFunc(func() { cancel(); <-done })
	t.Cleanup(stop)
	return got, stop
}

// TestWatchDebounceLikeRPiGPIO: the first edge opens the window, edges in
// it are ignored, the level at its end is reported (RPi.GPIO bouncetime,
// then nrgpio.py's sleep(bounce) and read).
func TestWatchDebounceLikeRPiGPIO(t *testing.T) {
	for _, wake := range []time.Duration{0, 3 * time.Millisecond} {
		t.Run("wake "+wake.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				sim := NewSim()
				pin := sim.SimPin(17)
				got, stop := watch(t, sim, 17, gpio.PullDown, 25*time.Millisecond, wake)
				// a press bouncing for 10 ms, then held: reported once, 25 ms
				// (plus the wake-up) after its first edge, and not before
				start := time.Now()
				for i, l := range []gpio.Level{gpio.High, gpio.Low, gpio.High, gpio.Low, gpio.High} {
					if i > 0 {
						time.Sleep(2500 * time.Microsecond)
					}
					_ = pin.SetInput(l)
				}
				time.Sleep(start.Add(24 * time.Millisecond).Sub(time.Now()))
				synctest.Wait()
				if n := len(got.all()); n != 0 {
					t.Fatalf("reported %d levels inside the window", n)
				}
				time.Sleep(30*time.Millisecond + wake)
				synctest.Wait()
				if diff := cmp.Diff([]gpio.Level{gpio.High}, got.all()); diff != "" {
					t.Fatalf("after the window (-want +got):\n%s", diff)
				}
				// a lone release with nothing after it is reported within the
				// window: no wait of 0 leaves it waiting for a next edge
				_ = pin.SetInput(gpio.Low)
				time.Sleep(25*time.Millisecond + 2*wake)
				synctest.Wait()
				if diff := cmp.Diff([]gpio.Level{gpio.High, gpio.Low}, got.all()); diff != "" {
					t.Fatalf("after the release (-want +got):\n%s", diff)
				}
				stop()
			})
		})
	}
}

// TestWatchChattering: an input that never stops bouncing still reports,
// once per window, where a settle timer restarted by each edge never would.
func TestWatchChattering(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := NewSim()
		pin := sim.SimPin(27)
		got, stop := watch(t, sim, 27, gpio.PullDown, 25*time.Millisecond, 0)
		// toggle every 4 ms for 1 s; the window closes at 25 ms on a level
		// that alternates between windows (each window spans 7 toggles)
		level := gpio.Low
		for range 250 {
			level = !level
			_ = pin.SetInput(level)
			time.Sleep(4 * time.Millisecond)
		}
		synctest.Wait()
		if n := len(got.all()); n < 10 {
			t.Fatalf("a chattering input reported %d levels in 1 s, want it to keep reporting", n)
		}
		stop()
	})
}

// TestWatchNoDebounce: every edge is read at once; a level already
// reported is not reported again.
func TestWatchNoDebounce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := NewSim()
		pin := sim.SimPin(6)
		got, stop := watch(t, sim, 6, gpio.PullUp, 0, 0)
		_ = pin.SetInput(gpio.Low)
		synctest.Wait()
		_ = pin.SetInput(gpio.High)
		synctest.Wait()
		if diff := cmp.Diff([]gpio.Level{gpio.Low, gpio.High}, got.all()); diff != "" {
			t.Fatalf("(-want +got):\n%s", diff)
		}
		stop()
	})
}

// TestWatchEBUSY: a line another program holds fails the watch with EBUSY
// (the node shows it) instead of watching nothing.
func TestWatchEBUSY(t *testing.T) {
	sim := NewSim()
	_ = sim.SimPin(26).Hold("gpiomon")
	line, _ := NewPins(sim).Claim(26, "n")
	err := line.Watch(t.Context(), gpio.PullUp, 0, nil, func(gpio.Level) {})
	if err == nil || !IsBusy(err) {
		t.Fatalf("Watch on a held line: %v, want EBUSY", err)
	}
}
