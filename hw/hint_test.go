package hw

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestDetectPi(t *testing.T) {
	write := func(t *testing.T, root, name, text string) {
		t.Helper()
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name, file, text, model string
	}{
		{"device tree", "proc/device-tree/model", "Raspberry Pi 5 Model B Rev 1.0\x00", "Raspberry Pi 5 Model B Rev 1.0"},
		{"sysfs device tree", "sys/firmware/devicetree/base/model", "Raspberry Pi Zero W Rev 1.1\x00", "Raspberry Pi Zero W Rev 1.1"},
		{"cpuinfo", "proc/cpuinfo", "processor\t: 0\nHardware\t: BCM2835\nModel\t\t: Raspberry Pi 3 Model B Plus Rev 1.3\n", "Raspberry Pi 3 Model B Plus Rev 1.3"},
		{"another board", "proc/device-tree/model", "Radxa ROCK 5B\x00", ""},
		{"nothing", "etc/hostname", "pc", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			write(t, root, tt.file, tt.text)
			model, ok := DetectPi(root)
			if model != tt.model || ok != (tt.model != "") {
				t.Errorf("DetectPi = %q, %v; want %q", model, ok, tt.model)
			}
		})
	}
}

func TestErrorsNameTheFix(t *testing.T) {
	root := t.TempDir()
	_ = os.MkdirAll(filepath.Join(root, "dev"), 0o755)
	_ = os.WriteFile(filepath.Join(root, "dev/i2c-1"), nil, 0o600)
	tests := []struct {
		name string
		err  error
		want []string
	}{
		{"I2C off", I2CError(root, 3, errors.New(`i2creg: can't open unknown bus: "3"`)), []string{"/dev/i2c-3 does not exist", "raspi-config", "do_i2c 0"}},
		{"I2C group", I2CError(root, 1, &fs.PathError{Op: "open", Path: "/dev/i2c-1", Err: syscall.EACCES}), []string{"i2c group", "usermod -aG i2c"}},
		{"I2C other", I2CError(root, 1, errors.New("remote I/O error")), []string{"I2C bus 1: remote I/O error"}},
		{"GPIO busy", GPIOError(17, fmt.Errorf("line_request ioctl: %w", syscall.EBUSY)), []string{"GPIO 17 is used by another program", "dtoverlay"}},
		{"GPIO group", GPIOError(17, &fs.PathError{Op: "open", Path: "/dev/gpiochip0", Err: syscall.EACCES}), []string{"gpio group"}},
		{"GPIO diagnosis", errors.New(DiagnoseGPIO(root, errors.New("periph: no GPIO found"))), []string{"no /dev/gpiochip*", "full-upgrade"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, w := range tt.want {
				if !strings.Contains(tt.err.Error(), w) {
					t.Errorf("%q does not contain %q", tt.err, w)
				}
			}
		})
	}
}
