package hw

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"
	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/i2c/i2creg"
	"periph.io/x/host/v3"
)

// OnRaspberryPi reports whether this machine is a Raspberry Pi with GPIO
// character devices, and its model.
func OnRaspberryPi() (model string, ok bool) {
	b, err := os.ReadFile("/proc/device-tree/model")
	if err != nil || !bytes.Contains(b, []byte("Raspberry Pi")) {
		return "", false
	}
	chips, _ := filepath.Glob("/dev/gpiochip*")
	return string(bytes.TrimRight(b, "\x00\n")), len(chips) > 0
}

// Periph is the board of a real machine through periph.io's host drivers
// (GPIO through the Linux character device, I2C through /dev/i2c-N).
type Periph struct {
	mu    sync.Mutex
	buses map[int]i2c.BusCloser // opened on first use; guarded by mu
}

// OpenPeriph initialises periph.io's host drivers.
func OpenPeriph() (*Periph, error) {
	if _, err := host.Init(); err != nil {
		return nil, fmt.Errorf("periph: %w", err)
	}
	if gpioreg.ByName("GPIO2") == nil {
		chips, _ := filepath.Glob("/dev/gpiochip*")
		if len(chips) == 0 {
			return nil, errors.New("periph: no GPIO found (no /dev/gpiochip*)")
		}
		return nil, fmt.Errorf("periph: no GPIO found; is %s readable by this user (group gpio)?", chips[0])
	}
	return &Periph{buses: map[int]i2c.BusCloser{}}, nil
}

// Name implements Board.
func (p *Periph) Name() string { return "periph" }

// Pin implements Board.
func (p *Periph) Pin(bcm int) (gpio.PinIO, error) {
	pin := gpioreg.ByName("GPIO" + strconv.Itoa(bcm))
	if pin == nil {
		return nil, fmt.Errorf("GPIO %d does not exist", bcm)
	}
	return pin, nil
}

// I2C implements Board.
func (p *Periph) I2C(n int) (i2c.Bus, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if b, ok := p.buses[n]; ok {
		return b, nil
	}
	b, err := i2creg.Open(strconv.Itoa(n))
	if err != nil {
		return nil, fmt.Errorf("I2C bus %d: %w", n, err)
	}
	p.buses[n] = b
	return b, nil
}

// Close implements Board.
func (p *Periph) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var errs []error
	for n, b := range p.buses {
		errs = append(errs, b.Close())
		delete(p.buses, n)
	}
	return errors.Join(errs...)
}
