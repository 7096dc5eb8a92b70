package hw

import (
	"errors"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"periph.io/x/conn/v3/gpio"
)

// waitResult runs pin.WaitForEdge(timeout) on its own goroutine and
// returns a channel with its result and the time it took.
type waitResult struct {
	edge bool
	took time.Duration
}

func waitAsync(pin *SimPin, timeout time.Duration) <-chan waitResult {
	c := make(chan waitResult, 1)
	go func() {
		start := time.Now()
		ok := pin.WaitForEdge(timeout)
		c <- waitResult{ok, time.Since(start)}
	}()
	return c
}

// TestSimPinLikeGpioioctl checks the simulator against what periph.io's
// gpioioctl backend (v3.8.5, gpioioctl/gpio.go) and the kernel's GPIO
// character device do, so that code passing here behaves the same on a Pi.
func TestSimPinLikeGpioioctl(t *testing.T) {
	input := func(t *testing.T) *SimPin {
		pin := NewSim().SimPin(17)
		if err := pin.In(gpio.PullDown, gpio.BothEdges); err != nil {
			t.Fatal(err)
		}
		return pin
	}
	t.Run("zero timeout waits for ever", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			pin := input(t)
			c := waitAsync(pin, 0)
			time.Sleep(24 * time.Hour)
			synctest.Wait()
			select {
			case r := <-c:
				t.Fatalf("WaitForEdge(0) returned %v without an edge; gpioioctl waits for ever", r.edge)
			default:
			}
			_ = pin.SetInput(gpio.High)
			if r := <-c; !r.edge {
				t.Fatal("WaitForEdge(0) returned false on an edge")
			}
		})
	})
	t.Run("negative timeout returns at once, even with an edge queued", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			pin := input(t)
			_ = pin.SetInput(gpio.High)
			if r := <-waitAsync(pin, -time.Millisecond); r.edge || r.took != 0 {
				t.Fatalf("WaitForEdge(-1ms) = %v after %v, want false at once", r.edge, r.took)
			}
			if !pin.WaitForEdge(time.Millisecond) {
				t.Fatal("the queued edge was lost")
			}
		})
	})
	t.Run("positive timeout is a deadline", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			pin := input(t)
			if r := <-waitAsync(pin, 40*time.Millisecond); r.edge || r.took != 40*time.Millisecond {
				t.Fatalf("WaitForEdge(40ms) = %v after %v, want false after 40ms", r.edge, r.took)
			}
		})
	})
	t.Run("edges are queued, 16 at most, oldest dropped", func(t *testing.T) {
		pin := input(t)
		for i := range 20 {
			_ = pin.SetInput(i%2 == 0)
		}
		n := 0
		for pin.WaitForEdge(time.Nanosecond) {
			n++
		}
		if n != simEventQueue {
			t.Fatalf("%d edges queued, want %d", n, simEventQueue)
		}
	})
	t.Run("only the configured edge", func(t *testing.T) {
		pin := NewSim().SimPin(4)
		_ = pin.In(gpio.PullDown, gpio.RisingEdge)
		_ = pin.SetInput(gpio.High)
		_ = pin.SetInput(gpio.Low)
		if !pin.WaitForEdge(time.Nanosecond) || pin.WaitForEdge(time.Nanosecond) {
			t.Fatal("want exactly the rising edge")
		}
	})
	t.Run("no edge detection returns false at once", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			pin := NewSim().SimPin(5)
			_ = pin.In(gpio.PullUp, gpio.NoEdge)
			if r := <-waitAsync(pin, 0); r.edge || r.took != 0 {
				t.Fatalf("WaitForEdge on a line without edges = %v after %v", r.edge, r.took)
			}
		})
	})
	t.Run("halt ends the wait in progress only", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			pin := input(t)
			_ = pin.Halt() // nobody waits: lost, as gpioioctl's read deadline is reset by the next wait
			c := waitAsync(pin, 0)
			synctest.Wait()
			_ = pin.Halt()
			if r := <-c; r.edge {
				t.Fatal("a halted wait reported an edge")
			}
		})
	})
	t.Run("a line held by another program is busy", func(t *testing.T) {
		sim := NewSim()
		pin := sim.SimPin(22)
		if err := pin.Hold("gpioset"); err != nil {
			t.Fatal(err)
		}
		for name, err := range map[string]error{"In": pin.In(gpio.Float, gpio.NoEdge), "Out": pin.Out(gpio.High)} {
			if !errors.Is(err, syscall.EBUSY) {
				t.Errorf("%s on a held line: %v, want EBUSY", name, err)
			}
		}
		pin.Unhold()
		if err := pin.Out(gpio.High); err != nil {
			t.Fatal(err)
		}
		if err := pin.Hold("gpioset"); !errors.Is(err, syscall.EBUSY) {
			t.Fatalf("another program took our line: %v", err)
		}
		pin.Close()
		if st := pin.State(); st.Mode != ModeOut || st.Level != 1 {
			t.Errorf("closing the line changed it: %+v", st)
		}
		if err := pin.Hold("gpioset"); err != nil {
			t.Fatalf("line not given back by Close: %v", err)
		}
	})
	t.Run("reading an output makes it an input with pull-up", func(t *testing.T) {
		pin := NewSim().SimPin(23)
		_ = pin.Out(gpio.Low)
		if !pin.Read() {
			t.Error("read level low, want high (pull-up)")
		}
		if st := pin.State(); st.Mode != ModeIn || st.Pull != "up" {
			t.Errorf("after Read: %+v, want an input with pull-up", st)
		}
	})
}

func TestParkKeepsOutputs(t *testing.T) {
	sim := NewSim()
	pins := NewPins(sim)
	pin := sim.SimPin(17)
	l, err := pins.Claim(17, "relay")
	if err != nil {
		t.Fatal(err)
	}
	if l.Kept {
		t.Fatal("a first claim is not kept")
	}
	_ = l.Out(gpio.High)
	l.Park()

	t.Run("the same owner gets it back as it was", func(t *testing.T) {
		if st := pin.State(); st.Mode != ModeOut || st.Level != 1 || !pin.Requested() {
			t.Fatalf("parked pin: %+v requested=%v, want an output held high", st, pin.Requested())
		}
		again, err := pins.Claim(17, "relay")
		if err != nil {
			t.Fatal(err)
		}
		if !again.Kept || again.Written == nil || *again.Written != gpio.High {
			t.Fatalf("reclaimed line Kept=%v Written=%v, want kept, high", again.Kept, again.Written)
		}
		again.Park()
	})
	t.Run("another owner gets it, not kept", func(t *testing.T) {
		other, err := pins.Claim(17, "lamp")
		if err != nil {
			t.Fatal(err)
		}
		if other.Kept {
			t.Fatal("another owner's claim is kept")
		}
		other.Park()
	})
	t.Run("the owner moving to another pin releases the parked one", func(t *testing.T) {
		moved, err := pins.Claim(18, "lamp")
		if err != nil {
			t.Fatal(err)
		}
		if st := pin.State(); st.Mode != ModeIn || st.Pull != "none" || pin.Requested() {
			t.Fatalf("old pin after the owner moved: %+v requested=%v, want a released input", st, pin.Requested())
		}
		_ = moved.Out(gpio.High)
		moved.Park()
	})
	t.Run("close releases what is parked", func(t *testing.T) {
		pins.Close()
		if p := sim.SimPin(18); p.Requested() || p.State().Mode != ModeIn {
			t.Fatalf("parked line after Close: %+v", p.State())
		}
	})
	t.Run("release gives the line to other programs", func(t *testing.T) {
		l, _ := pins.Claim(19, "x")
		_ = l.Out(gpio.High)
		l.Release()
		l.Park() // no-op after Release
		if err := sim.SimPin(19).Hold("gpioset"); err != nil {
			t.Fatalf("released line still requested: %v", err)
		}
		if again, _ := pins.Claim(19, "x"); again == nil || again.Kept {
			t.Fatal("a released line came back kept")
		}
	})
}
