package hw

import (
	"context"
	"errors"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"
	"periph.io/x/conn/v3/i2c/i2ctest"
)

func TestParsePin(t *testing.T) {
	tests := []struct {
		in      string
		want    int
		wantErr string
	}{
		{"17", 17, ""},
		{"GPIO4", 4, ""},
		{"bcm27", 27, ""},
		{"P1-11", 17, ""},
		{"pin40", 21, ""},
		{"pin27", 0, ""},
		{"pin1", 0, "not a GPIO pin"},
		{"28", 0, "does not exist"},
		{"x", 0, "invalid pin"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParsePin(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParsePin(%q) error = %v, want %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParsePin(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
			}
		})
	}
	for p := 1; p <= 40; p++ {
		if bcm, ok := HeaderToBCM(p); ok {
			if back, _ := BCMToHeader(bcm); back != p {
				t.Errorf("header %d → BCM %d → header %d", p, bcm, back)
			}
		}
	}
}

func TestClaims(t *testing.T) {
	pins := NewPins(NewSim())
	l, err := pins.Claim(17, "a")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pins.Claim(17, "b"); !errors.Is(err, ErrClaimed) || !strings.Contains(err.Error(), "node a") {
		t.Fatalf("second claim: %v, want ErrClaimed naming a", err)
	}
	if _, err := pins.Claim(30, "b"); err == nil {
		t.Fatal("claim of GPIO 30 succeeded")
	}
	l.Release()
	l.Release()
	if _, err := pins.Claim(17, "b"); err != nil {
		t.Fatalf("claim after release: %v", err)
	}
}

// levels collects what a watcher emits.
type levels struct {
	mu  sync.Mutex
	got []gpio.Level
}

func (l *levels) add(v gpio.Level) { l.mu.Lock(); l.got = append(l.got, v); l.mu.Unlock() }
func (l *levels) all() []gpio.Level {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]gpio.Level(nil), l.got...)
}

func TestWatchDebounceSim(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := NewSim()
		line, err := NewPins(sim).Claim(17, "n1")
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		var got levels
		var initial gpio.Level = true
		done := make(chan error)
		go func() {
			done <- line.Watch(ctx, gpio.PullDown, 25*time.Millisecond, func(l gpio.Level) { initial = l }, got.add)
		}()
		synctest.Wait()
		if initial != gpio.Low {
			t.Errorf("initial level with pull-down = %v, want Low", initial)
		}
		pin := sim.SimPin(17)
		// A bouncing press: high, low, high within 10 ms, then steady.
		for _, l := range []gpio.Level{gpio.High, gpio.Low, gpio.High} {
			if err := pin.SetInput(l); err != nil {
				t.Fatal(err)
			}
			time.Sleep(5 * time.Millisecond)
			synctest.Wait()
		}
		if len(got.all()) != 0 {
			t.Fatalf("emitted before the level settled: %v", got.all())
		}
		time.Sleep(30 * time.Millisecond)
		synctest.Wait()
		// A glitch shorter than the debounce that returns to the same level.
		_ = pin.SetInput(gpio.Low)
		time.Sleep(time.Millisecond)
		_ = pin.SetInput(gpio.High)
		time.Sleep(50 * time.Millisecond)
		_ = pin.SetInput(gpio.Low)
		time.Sleep(50 * time.Millisecond)
		synctest.Wait()
		if diff := cmp.Diff([]gpio.Level{gpio.High, gpio.Low}, got.all()); diff != "" {
			t.Errorf("levels (-want +got):\n%s", diff)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		line.Release()
		if st := pin.State(); st.Pull != "none" {
			t.Errorf("released pin pull = %q, want none", st.Pull)
		}
	})
}

func TestWatchGpiotest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := &gpiotest.Pin{N: "GPIO4", Num: 4, EdgesChan: make(chan gpio.Level, 4)}
		line := &Line{BCM: 4, Pin: fake, pins: NewPins(NewSim())}
		ctx, cancel := context.WithCancel(t.Context())
		var got levels
		done := make(chan struct{})
		go func() { _ = line.Watch(ctx, gpio.PullUp, 0, nil, got.add); close(done) }()
		synctest.Wait()
		fake.EdgesChan <- gpio.Low
		synctest.Wait()
		fake.EdgesChan <- gpio.Low // same level: not reported again
		synctest.Wait()
		fake.EdgesChan <- gpio.High
		synctest.Wait()
		cancel()
		<-done // the watcher notices cancellation within watchPoll
		if diff := cmp.Diff([]gpio.Level{gpio.Low, gpio.High}, got.all()); diff != "" {
			t.Errorf("levels (-want +got):\n%s", diff)
		}
	})
}

// recordPin is a gpiotest pin that logs each level written.
type recordPin struct {
	gpiotest.Pin
	mu  sync.Mutex
	log []string
}

func (p *recordPin) Out(l gpio.Level) error {
	p.mu.Lock()
	p.log = append(p.log, time.Now().Format(".000")+"="+l.String())
	p.mu.Unlock()
	return p.Pin.Out(l)
}

func TestSoftPWM(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := &recordPin{Pin: gpiotest.Pin{N: "GPIO5", Num: 5}}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { Soft(ctx, p, 25, 100); close(done) }() // 10 ms period, 2.5 ms high
		time.Sleep(21 * time.Millisecond)
		cancel()
		<-done
		want := []string{".000=High", ".002=Low", ".010=High", ".012=Low", ".020=High", ".021=Low"}
		p.mu.Lock()
		defer p.mu.Unlock()
		if diff := cmp.Diff(want, p.log); diff != "" {
			t.Errorf("edges (-want +got):\n%s", diff)
		}
	})
}

func TestSimPWM(t *testing.T) {
	sim := NewSim()
	line, _ := NewPins(sim).Claim(18, "n")
	stop, err := line.PWM(40, 1000)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	st := sim.SimPin(18).State()
	if st.Mode != ModePWM || math.Abs(st.Duty-40) > 0.01 || st.Freq != 1000 {
		t.Errorf("state %+v, want pwm 40%% at 1000 Hz", st)
	}
	if err := sim.SimPin(18).SetInput(true); !errors.Is(err, ErrNotInput) {
		t.Errorf("SetInput on a PWM pin: %v", err)
	}
}

func TestBME280(t *testing.T) {
	t.Run("simulator", func(t *testing.T) {
		bus, _ := NewSim().I2C(1)
		s, err := NewBME280(bus, 0x76)
		if err != nil {
			t.Fatal(err)
		}
		s.wait = func(time.Duration) {}
		e, err := s.Sense()
		if err != nil {
			t.Fatal(err)
		}
		// The datasheet's worked example: 25.08 °C, 100653.27 Pa.
		if math.Abs(e.Temperature-25.08) > 0.01 || math.Abs(e.Pressure-100653.27) > 0.5 {
			t.Errorf("got %.2f °C %.2f Pa, want 25.08 °C 100653.27 Pa", e.Temperature, e.Pressure)
		}
		if e.Humidity < 30 || e.Humidity > 70 {
			t.Errorf("humidity %.2f %%, want a plausible value", e.Humidity)
		}
	})
	t.Run("wrong chip", func(t *testing.T) {
		bus, _ := NewSim().I2C(1)
		if _, err := NewBME280(bus, 0x20); err == nil || !strings.Contains(err.Error(), "not a BME280") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("no device", func(t *testing.T) {
		bus, _ := NewSim().I2C(1)
		if _, err := NewBME280(bus, 0x77); !errors.Is(err, ErrNoAck) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("i2ctest playback", func(t *testing.T) {
		calib1 := make([]byte, 26)
		calib1[0], calib1[1] = 0x70, 0x6b // T1 27504
		calib1[2], calib1[3] = 0x43, 0x67 // T2 26435
		calib1[4], calib1[5] = 0x18, 0xfc // T3 -1000
		pb := &i2ctest.Playback{Ops: []i2ctest.IO{
			{Addr: 0x77, W: []byte{0xd0}, R: []byte{0x60}},
			{Addr: 0x77, W: []byte{0x88}, R: calib1},
			{Addr: 0x77, W: []byte{0xe1}, R: make([]byte, 7)},
			{Addr: 0x77, W: []byte{0xf2, 0x01}},
			{Addr: 0x77, W: []byte{0xf4, 0x25}},
			{Addr: 0x77, W: []byte{0xf3}, R: []byte{0x08}}, // still measuring
			{Addr: 0x77, W: []byte{0xf3}, R: []byte{0x00}},
			{Addr: 0x77, W: []byte{0xf7}, R: []byte{0, 0, 0, 0x7e, 0xed, 0x00, 0, 0}},
		}, DontPanic: true}
		s, err := NewBME280(pb, 0x77)
		if err != nil {
			t.Fatal(err)
		}
		s.wait = func(time.Duration) {}
		e, err := s.Sense()
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(e.Temperature-25.08) > 0.01 {
			t.Errorf("temperature %.3f, want 25.08", e.Temperature)
		}
		if err := pb.Close(); err != nil {
			t.Error(err)
		}
	})
}

func TestPCF8574(t *testing.T) {
	sim := NewSim()
	bus, _ := sim.I2C(1)
	if err := bus.Tx(0x20, []byte{0x0f}, nil); err != nil {
		t.Fatal(err)
	}
	sim.Bus(1).Device(0x20).(*SimPCF8574).Inputs = 0xfe
	r := make([]byte, 1)
	if err := bus.Tx(0x20, nil, r); err != nil || r[0] != 0x0e {
		t.Errorf("read %#x, %v; want 0x0e", r[0], err)
	}
}

func TestAPI(t *testing.T) {
	sim := NewSim()
	pins := NewPins(sim)
	line, _ := pins.Claim(17, "node1")
	_ = line.Pin.In(gpio.PullUp, gpio.BothEdges)
	out, _ := pins.Claim(22, "node2")
	_ = out.Pin.Out(gpio.High)
	srv := httptest.NewServer(NewAPI(pins, 1<<10))
	defer srv.Close()
	tests := []struct {
		name, method, path, body string
		code                     int
		contains                 string
	}{
		{"state", "GET", "/api/hw", "", 200, `"backend":"sim"`},
		{"press a button", "PUT", "/api/hw/pins/17", `{"level":0}`, 200, `"owner":"node1"`},
		{"by header pin", "PUT", "/api/hw/pins/pin11", `{"level":1}`, 200, `"level":1`},
		{"an output", "PUT", "/api/hw/pins/22", `{"level":0}`, 409, "is an output"},
		{"no such pin", "PUT", "/api/hw/pins/99", `{"level":0}`, 404, "no such pin"},
		{"bad level", "PUT", "/api/hw/pins/17", `{"level":2}`, 400, "0 or 1"},
		{"expander inputs", "PUT", "/api/hw/i2c/1/0x20", `{"inputs":240}`, 200, `"inputs":240`},
		{"not an expander", "PUT", "/api/hw/i2c/1/0x76", `{"inputs":1}`, 404, "no PCF8574"},
		{"no bus", "PUT", "/api/hw/i2c/3/0x20", `{"inputs":1}`, 404, "does not exist"},
		{"devices listed", "GET", "/api/hw", "", 200, `"device":"bme280"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, srv.URL+tt.path, strings.NewReader(tt.body))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var b strings.Builder
			_, _ = io.Copy(&b, resp.Body)
			if resp.StatusCode != tt.code || !strings.Contains(b.String(), tt.contains) {
				t.Errorf("%s %s = %d %s; want %d containing %s", tt.method, tt.path, resp.StatusCode, b.String(), tt.code, tt.contains)
			}
		})
	}
}
