package hw

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// IsBusy reports whether err is the kernel refusing a GPIO line another
// program (or a device-tree overlay) holds.
func IsBusy(err error) bool { return errors.Is(err, syscall.EBUSY) }

// GPIOError wraps an error of GPIO bcm with what fixes it on a Raspberry
// Pi: a line held elsewhere (EBUSY), or a user without access to the
// GPIO character device.
func GPIOError(bcm int, err error) error {
	switch {
	case err == nil:
		return nil
	case IsBusy(err):
		return fmt.Errorf("GPIO %d is used by another program or a dtoverlay (see gpioinfo): stop it or remove the overlay from /boot/firmware/config.txt: %w", bcm, err)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("GPIO %d: no access to /dev/gpiochip*: add the user to the gpio group (sudo usermod -aG gpio $USER, the package's flowgate user is in it) and restart: %w", bcm, err)
	}
	return fmt.Errorf("GPIO %d: %w", bcm, err)
}

// I2CError wraps an error opening I2C bus n with what fixes it on a
// Raspberry Pi, looking for /dev/i2c-n under root ("/" on a real machine):
// a missing device means I2C is not enabled, a refused one a user outside
// the i2c group.
func I2CError(root string, n int, err error) error {
	if err == nil {
		return nil
	}
	dev := fmt.Sprintf("/dev/i2c-%d", n)
	if _, serr := os.Stat(filepath.Join(root, dev)); errors.Is(serr, fs.ErrNotExist) {
		return fmt.Errorf("I2C bus %d: %s does not exist: enable I2C (sudo raspi-config nonint do_i2c 0, or raspi-config > Interface Options > I2C) and reboot: %w", n, dev, err)
	}
	if errors.Is(err, fs.ErrPermission) {
		return fmt.Errorf("I2C bus %d: no access to %s: add the user to the i2c group (sudo usermod -aG i2c $USER, the package's flowgate user is in it) and restart: %w", n, dev, err)
	}
	return fmt.Errorf("I2C bus %d: %w", n, err)
}
