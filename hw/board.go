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
// A line its owner parks (a redeploy closing the owner's node, which comes
// back) stays as it is, an output keeping its level, until the next claim
// of the pin or another claim by its owner; Close releases what is still
// parked. It is safe for concurrent use.
type Pins struct {
	board Board

	mu     sync.Mutex
	owners map[int]string // BCM number → owner; guarded by mu, as below
	parked map[int]*Line  // BCM number → line parked by its owner
	notice string         // why the board is not the machine's own pins
}

// NewPins returns the claim registry of board b.
func NewPins(b Board) *Pins {
	return &Pins{board: b, owners: map[int]string{}, parked: map[int]*Line{}}
}

// Board returns the board the pins belong to.
func (p *Pins) Board() Board { return p.board }

// SetNotice records why the board stands in for the machine's own pins
// (the simulator on a Raspberry Pi whose GPIO could not be opened, with
// the fix); the hardware nodes show it and /api/hw reports it.
func (p *Pins) SetNotice(s string) {
	p.mu.Lock()
	p.notice = s
	p.mu.Unlock()
}

// Notice returns what SetNotice recorded ("" when the board is the
// machine's own or a simulator asked for).
func (p *Pins) Notice() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.notice
}

// Claim gives owner the pin with BCM number bcm until the returned Line is
// released or parked. A pin held by another owner is refused with
// ErrClaimed. A pin owner parked comes back as it was, with Kept set (and
// the level it last wrote in Written): an output keeps driving its level
// across a redeploy. Claiming releases the other lines owner parked (its
// node now uses another pin).
func (p *Pins) Claim(bcm int, owner string) (*Line, error) {
	pin, err := p.board.Pin(bcm)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	if other, ok := p.owners[bcm]; ok {
		p.mu.Unlock()
		return nil, fmt.Errorf("GPIO %d: %w by node %s", bcm, ErrClaimed, other)
	}
	var stale []*Line
	for n, l := range p.parked {
		if l.owner == owner && n != bcm {
			stale = append(stale, l)
			delete(p.parked, n)
		}
	}
	l := &Line{BCM: bcm, Pin: pin, pins: p, owner: owner}
	if old, ok := p.parked[bcm]; ok {
		delete(p.parked, bcm)
		if old.owner == owner {
			l.Kept, l.Written, l.Duty = true, old.Written, old.Duty
		}
	}
	p.owners[bcm] = owner
	p.mu.Unlock()
	for _, s := range stale {
		s.reset()
	}
	return l, nil
}

// Owner returns the owner of a pin, "" when free.
func (p *Pins) Owner(bcm int) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.owners[bcm]
}

// Close releases the lines still parked (at shutdown), as Line.Release.
func (p *Pins) Close() {
	p.mu.Lock()
	parked := p.parked
	p.parked = map[int]*Line{}
	p.mu.Unlock()
	for _, l := range parked {
		l.reset()
	}
}

// Line is a claimed pin.
type Line struct {
	// BCM is the pin's BCM number.
	BCM int
	// Pin is the pin itself.
	Pin gpio.PinIO
	// Kept says the line was parked by the same owner and comes back as it
	// was left: an owner setting an initial level skips it.
	Kept bool
	// Written is the last level written with Out, for Kept lines (a line is
	// never read to learn it: periph's gpioioctl turns a read output into
	// an input). The owner sets it; nil: none.
	Written *gpio.Level
	// Duty is the last PWM duty (percent) set with PWM, likewise.
	Duty *float64

	pins  *Pins
	owner string
	once  sync.Once
}

// Out drives the line with level l and records it in Written.
func (l *Line) Out(lv gpio.Level) error {
	if err := l.Pin.Out(lv); err != nil {
		return err
	}
	l.Written = &lv
	return nil
}

// Release puts the pin back as an input without pull or edge detection,
// gives the line back to the system (other programs may request it) and
// frees the claim; it is idempotent. Use it when the owner goes for good.
func (l *Line) Release() {
	l.once.Do(func() {
		l.reset()
		l.pins.release(l.BCM)
	})
}

// Park frees the claim but leaves the pin as it is (an output keeps its
// level) for its owner's next claim: use it when the owner closes for a
// redeploy and may come back. It is idempotent, and a no-op after Release.
func (l *Line) Park() {
	l.once.Do(func() {
		l.pins.mu.Lock()
		delete(l.pins.owners, l.BCM)
		l.pins.parked[l.BCM] = l
		l.pins.mu.Unlock()
	})
}

// reset makes the pin a plain input and closes the line when the backend
// can (periph's gpioioctl lines and the simulator's).
func (l *Line) reset() {
	_ = l.Pin.In(gpio.Float, gpio.NoEdge)
	if c, ok := l.Pin.(interface{ Close() }); ok {
		c.Close()
	}
}

func (p *Pins) release(bcm int) {
	p.mu.Lock()
	delete(p.owners, bcm)
	p.mu.Unlock()
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
