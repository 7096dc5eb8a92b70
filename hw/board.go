package hw

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/i2c"
)

// Board is a hardware backend: the pins and I2C buses of one machine.
// Implementations are safe for concurrent use.
type Board interface {
	// Name says which backend this is ("periph", "sim").
	Name() string
	// Pin returns the GPIO with the given BCM number, or an error naming
	// it when the board has no such pin.
	Pin(bcm int) (gpio.PinIO, error)
	// I2C returns bus number n (/dev/i2c-n on Linux), opened once and
	// shared; the board closes it in Close.
	I2C(n int) (i2c.Bus, error)
	// Close releases every pin and bus the board opened.
	Close() error
}

// ErrClaimed is returned by Claim when another owner holds the pin.
var ErrClaimed = errors.New("pin already in use")

// header maps the Raspberry Pi's 40-pin header positions to BCM numbers
// (the GPIO pins only; power and ground pins are absent).
var header = [41]int8{
	3: 2, 5: 3, 7: 4, 8: 14, 10: 15, 11: 17, 12: 18, 13: 27, 15: 22, 16: 23,
	18: 24, 19: 10, 21: 9, 22: 25, 23: 11, 24: 8, 26: 7, 27: 0, 28: 1, 29: 5,
	31: 6, 32: 12, 33: 13, 35: 19, 36: 16, 37: 26, 38: 20, 40: 21,
}

// HeaderToBCM returns the BCM number of header pin p (1-40), or false when
// p is not a GPIO pin (power, ground, out of range).
func HeaderToBCM(p int) (int, bool) {
	if p < 1 || p > 40 || (header[p] == 0 && p != 27) {
		return 0, false
	}
	return int(header[p]), true
}

// BCMToHeader returns the header pin of BCM GPIO n, or false.
func BCMToHeader(n int) (int, bool) {
	for p, b := range header {
		if p > 0 && int(b) == n && (b != 0 || p == 27) {
			return p, true
		}
	}
	return 0, false
}

// ParsePin reads a pin name: a BCM number ("17", "GPIO17", "BCM17") or a
// header position ("P1-11", "pin11"). It returns the BCM number.
func ParsePin(s string) (int, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	num := func(digits string) (int, error) {
		n, err := strconv.Atoi(digits)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("invalid pin %q", s)
		}
		return n, nil
	}
	for _, prefix := range []string{"P1-", "P1_", "PIN"} {
		if rest, ok := strings.CutPrefix(t, prefix); ok {
			p, err := num(rest)
			if err != nil {
				return 0, err
			}
			bcm, ok := HeaderToBCM(p)
			if !ok {
				return 0, fmt.Errorf("header pin %d is not a GPIO pin", p)
			}
			return bcm, nil
		}
	}
	for _, prefix := range []string{"GPIO", "BCM"} {
		if rest, ok := strings.CutPrefix(t, prefix); ok {
			t = rest
			break
		}
	}
	n, err := num(t)
	if err != nil {
		return 0, err
	}
	if n > 27 {
		return 0, fmt.Errorf("GPIO %d does not exist (BCM 0-27)", n)
	}
	return n, nil
}

// Pins hands out a Board's pins to owners (node ids), one owner per pin.
// It is safe for concurrent use.
type Pins struct {
	board Board

	mu     sync.Mutex
	owners map[int]string // BCM number → owner; guarded by mu
}

// NewPins returns the claim registry of board b.
func NewPins(b Board) *Pins { return &Pins{board: b, owners: map[int]string{}} }

// Board returns the board the pins belong to.
func (p *Pins) Board() Board { return p.board }

// Claim gives owner the pin with BCM number bcm until the returned Line is
// released. A pin held by another owner is refused with ErrClaimed.
func (p *Pins) Claim(bcm int, owner string) (*Line, error) {
	pin, err := p.board.Pin(bcm)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if other, ok := p.owners[bcm]; ok {
		return nil, fmt.Errorf("GPIO %d: %w by node %s", bcm, ErrClaimed, other)
	}
	p.owners[bcm] = owner
	return &Line{BCM: bcm, Pin: pin, pins: p}, nil
}

// Owner returns the owner of a pin, "" when free.
func (p *Pins) Owner(bcm int) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.owners[bcm]
}

func (p *Pins) release(bcm int) {
	p.mu.Lock()
	delete(p.owners, bcm)
	p.mu.Unlock()
}

// Line is a claimed pin.
type Line struct {
	// BCM is the pin's BCM number.
	BCM int
	// Pin is the pin itself.
	Pin gpio.PinIO

	pins *Pins
	once sync.Once
}

// Release puts the pin back as an input without pull or edge detection
// and frees the claim; it is idempotent.
func (l *Line) Release() {
	l.once.Do(func() {
		_ = l.Pin.In(gpio.Float, gpio.NoEdge)
		l.pins.release(l.BCM)
	})
}

// Aliases of periph.io's types, so that node types use them without
// importing periph.io themselves.
type (
	// Bus is an I2C bus (periph.io's i2c.Bus).
	Bus = i2c.Bus
	// Level is a GPIO level, High (true) or Low.
	Level = gpio.Level
	// Pull is an input's pull resistor.
	Pull = gpio.Pull
)

// Pulls and levels.
const (
	Float    = gpio.Float
	PullDown = gpio.PullDown
	PullUp   = gpio.PullUp
	Low      = gpio.Low
	High     = gpio.High
)
