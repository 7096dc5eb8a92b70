package hw

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"
	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/i2c/i2creg"
	"periph.io/x/host/v3"
)

// DetectPi reports whether the machine whose file system is at root ("/"
// on the machine itself) is a Raspberry Pi, and its model: from the device
// tree (/proc/device-tree/model, /sys/firmware/devicetree/base/model),
// else the Model line of /proc/cpuinfo. It does not look at the GPIO
// devices: a Pi whose GPIO cannot be opened is still a Pi, and must say so.
func DetectPi(root string) (model string, ok bool) {
	for _, f := range []string{"proc/device-tree/model", "sys/firmware/devicetree/base/model"} {
		b, err := os.ReadFile(filepath.Join(root, f))
		if err == nil && bytes.Contains(b, []byte("Raspberry Pi")) {
			return string(bytes.TrimRight(b, "\x00\n")), true
		}
	}
	b, err := os.ReadFile(filepath.Join(root, "proc/cpuinfo"))
	if err != nil {
		return "", false
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, found := strings.Cut(line, ":")
		if found && strings.TrimSpace(k) == "Model" && strings.Contains(v, "Raspberry Pi") {
			return strings.TrimSpace(v), true
		}
	}
	return "", false
}

// DiagnoseGPIO says why GPIO could not be opened on a Raspberry Pi whose
// file system is at root, from err (OpenPeriph's) and /dev/gpiochip*, and
// what fixes it. The text is meant for the user: the log, the hardware
// nodes' status and the editor's hardware panel show it.
func DiagnoseGPIO(root string, err error) string {
	chips, _ := filepath.Glob(filepath.Join(root, "dev/gpiochip*"))
	if len(chips) == 0 {
		return "GPIO not accessible: no /dev/gpiochip* (this kernel has no GPIO character device): update Raspberry Pi OS (sudo apt full-upgrade) and reboot"
	}
	denied := errors.Is(err, fs.ErrPermission)
	if !denied {
		if f, oerr := os.Open(chips[0]); oerr != nil {
			denied = errors.Is(oerr, fs.ErrPermission)
		} else {
			_ = f.Close()
		}
	}
	chip := "/dev/" + filepath.Base(chips[0])
	if denied {
		return "GPIO not accessible: permission denied on " + chip + ": add the user to the gpio group (sudo usermod -aG gpio $USER; the package's flowgate service user is in it) and restart flowgate"
	}
	return fmt.Sprintf("GPIO not accessible (%v): check that %s is readable by this user (group gpio) and that no other program holds the pins; flowgate --hw periph shows the error", err, chip)
}

// Periph is the board of a real machine through periph.io's host drivers
// (GPIO through the Linux character device, I2C through /dev/i2c-N).
type Periph struct {
	root  string // where /dev is looked at for error hints: "/"
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
	return &Periph{root: "/", buses: map[int]i2c.BusCloser{}}, nil
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
		return nil, I2CError(p.root, n, err)
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
