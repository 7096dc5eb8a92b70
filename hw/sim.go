package hw

import (
	"errors"
	"fmt"
	"sort"
	"sync"
	"syscall"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/physic"
)

// simPinCount is how many GPIOs the simulator has: BCM 0-27, as on the
// Raspberry Pi's header.
const simPinCount = 28

// Sim is the simulated board: 28 GPIOs whose inputs are set from outside
// (SetInput, the /api/hw handler) and I2C buses with register-map devices.
// NewSim puts a BME280 at 0x76 and a PCF8574 at 0x20 on bus 1.
type Sim struct {
	pins [simPinCount]*SimPin

	mu    sync.Mutex
	buses map[int]*SimBus // guarded by mu
}

// NewSim returns a simulator with the default devices on bus 1.
func NewSim() *Sim {
	s := &Sim{buses: map[int]*SimBus{}}
	for i := range s.pins {
		s.pins[i] = newSimPin(i)
	}
	bus := s.Bus(1)
	bus.Attach(0x76, NewSimBME280())
	bus.Attach(0x20, NewSimPCF8574())
	return s
}

// Name implements Board.
func (s *Sim) Name() string { return "sim" }

// Pin implements Board.
func (s *Sim) Pin(bcm int) (gpio.PinIO, error) {
	if bcm < 0 || bcm >= simPinCount {
		return nil, fmt.Errorf("GPIO %d does not exist", bcm)
	}
	return s.pins[bcm], nil
}

// SimPin returns the simulated pin with BCM number bcm, or nil.
func (s *Sim) SimPin(bcm int) *SimPin {
	if bcm < 0 || bcm >= simPinCount {
		return nil
	}
	return s.pins[bcm]
}

// I2C implements Board: bus n exists when devices are attached to it.
func (s *Sim) I2C(n int) (i2c.Bus, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.buses[n]
	if !ok {
		return nil, fmt.Errorf("I2C bus %d does not exist", n)
	}
	return b, nil
}

// Bus returns simulated bus n, making it when missing.
func (s *Sim) Bus(n int) *SimBus {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.buses[n]
	if !ok {
		b = &SimBus{n: n, devs: map[uint16]SimDevice{}}
		s.buses[n] = b
	}
	return b
}

// Buses returns the bus numbers, in order.
func (s *Sim) Buses() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ns []int
	for n := range s.buses {
		ns = append(ns, n)
	}
	sort.Ints(ns)
	return ns
}

// Close implements Board.
func (s *Sim) Close() error { return nil }

// PinMode is what a simulated pin is doing.
type PinMode string

// Pin modes.
const (
	ModeIn  PinMode = "in"
	ModeOut PinMode = "out"
	ModePWM PinMode = "pwm"
)

// simEventQueue is how many edge events a line queues, as the kernel's
// GPIO character device does (16 per requested line); when the queue is
// full the oldest event is dropped.
const simEventQueue = 16

// SimPin is a simulated GPIO implementing gpio.PinIO the way periph.io's
// gpioioctl backend (the Linux GPIO character device) behaves on a
// Raspberry Pi, so that code tested against it behaves the same on a Pi:
//
//   - WaitForEdge(0) waits for ever, a negative timeout returns false at
//     once (the read deadline is in the past), a positive one is a
//     deadline; Halt interrupts a wait in progress (and only that one);
//   - every edge is queued (simEventQueue, oldest dropped), one per
//     WaitForEdge, and only when the line is an input with that edge
//     enabled;
//   - In, Out and PWM request the line, which another program holding it
//     (Hold) refuses with EBUSY; Close gives the line back, leaving its
//     level as it is;
//   - Read of a line that is not an input makes it an input with pull-up,
//     as gpioioctl does, so code must never read an output to learn its
//     level.
//
// Its level is set by Out when it is an output and by SetInput when it is
// an input (an input nobody set follows its pull).
type SimPin struct {
	num    int
	events chan struct{} // queued edge events; sent to only under mu

	mu        sync.Mutex
	mode      PinMode // guarded by mu, as the fields below
	pull      gpio.Pull
	edge      gpio.Edge
	level     gpio.Level
	driven    bool          // an input level set from outside
	requested bool          // this process holds the line (In/Out/PWM until Close)
	heldBy    string        // another program holding the line ("" none)
	halt      chan struct{} // closed by Halt to end the wait in progress
	duty      gpio.Duty
	freq      physic.Frequency
}

func newSimPin(n int) *SimPin {
	return &SimPin{num: n, events: make(chan struct{}, simEventQueue), halt: make(chan struct{})}
}

// PinState is a snapshot of a simulated pin.
type PinState struct {
	BCM    int     `json:"bcm"`
	Header int     `json:"header,omitempty"`
	Mode   PinMode `json:"mode"`
	Pull   string  `json:"pull,omitempty"`
	Level  int     `json:"level"`
	Duty   float64 `json:"duty,omitempty"`   // percent, PWM only
	Freq   float64 `json:"freq,omitempty"`   // hertz, PWM only
	HeldBy string  `json:"heldBy,omitempty"` // another program holding the line
}

// State returns a snapshot of the pin.
func (p *SimPin) State() PinState {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := PinState{BCM: p.num, Mode: p.mode, Level: levelInt(p.level), HeldBy: p.heldBy}
	if st.Mode == "" {
		st.Mode = ModeIn
	}
	st.Header, _ = BCMToHeader(p.num)
	if p.mode != ModeOut && p.mode != ModePWM {
		st.Pull = pullName(p.pull)
	}
	if p.mode == ModePWM {
		st.Duty = float64(p.duty) * 100 / float64(gpio.DutyMax)
		st.Freq = float64(p.freq) / float64(physic.Hertz)
	}
	return st
}

// ErrNotInput is returned by SetInput for a pin driven by a node.
var ErrNotInput = errors.New("pin is an output")

// SetInput sets the level seen on an input pin, as a button would, and
// queues an edge event when the level changes and the line detects that
// edge.
func (p *SimPin) SetInput(l gpio.Level) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mode == ModeOut || p.mode == ModePWM {
		return fmt.Errorf("GPIO %d: %w", p.num, ErrNotInput)
	}
	changed := p.level != l
	p.level, p.driven = l, true
	fire := p.edge == gpio.BothEdges || (p.edge == gpio.RisingEdge && bool(l)) || (p.edge == gpio.FallingEdge && !bool(l))
	if changed && fire && p.requested {
		p.queueEvent()
	}
	return nil
}

// queueEvent queues one edge event, dropping the oldest when the queue is
// full as the kernel does. Called with mu held (the only sender).
func (p *SimPin) queueEvent() {
	select {
	case p.events <- struct{}{}:
		return
	default:
	}
	select {
	case <-p.events:
	default:
	}
	p.events <- struct{}{}
}

// Hold makes another program (consumer) hold the line, as gpioset or a
// device-tree overlay does: this process's In, Out and PWM then fail with
// EBUSY. It fails with EBUSY itself while this process holds the line.
func (p *SimPin) Hold(consumer string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.requested || p.heldBy != "" {
		return fmt.Errorf("GPIO %d: line_request ioctl: %w", p.num, syscall.EBUSY)
	}
	p.heldBy = consumer
	return nil
}

// Unhold ends another program's hold of the line.
func (p *SimPin) Unhold() {
	p.mu.Lock()
	p.heldBy = ""
	p.mu.Unlock()
}

// Requested reports whether this process holds the line (from In, Out or
// PWM until Close).
func (p *SimPin) Requested() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.requested
}

// request takes the line for this process, as gpioioctl's line request
// does on first use. Called with mu held.
func (p *SimPin) request() error {
	if p.heldBy != "" {
		return fmt.Errorf("line_request ioctl: %w (GPIO %d is used by %s)", syscall.EBUSY, p.num, p.heldBy)
	}
	p.requested = true
	return nil
}

// Close gives the line back (gpioioctl's GPIOLine.Close): edge detection
// ends and queued events are dropped; the level stays as it is.
func (p *SimPin) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.requested, p.edge = false, gpio.NoEdge
	p.flush()
}

// flush drops the queued events. Called with mu held.
func (p *SimPin) flush() {
	for {
		select {
		case <-p.events:
		default:
			return
		}
	}
}

// String implements conn.Resource.
func (p *SimPin) String() string { return p.Name() }

// Halt implements conn.Resource: it interrupts a WaitForEdge in progress,
// which returns false; a later WaitForEdge waits as usual.
func (p *SimPin) Halt() error {
	p.mu.Lock()
	close(p.halt)
	p.halt = make(chan struct{})
	p.mu.Unlock()
	return nil
}

// Name implements pin.Pin.
func (p *SimPin) Name() string { return fmt.Sprintf("GPIO%d", p.num) }

// Number implements pin.Pin.
func (p *SimPin) Number() int { return p.num }

// Function implements pin.Pin.
func (p *SimPin) Function() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return string(p.mode)
}

// In implements gpio.PinIn. Reconfiguring drops queued events.
func (p *SimPin) In(pull gpio.Pull, edge gpio.Edge) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.in(pull, edge)
}

func (p *SimPin) in(pull gpio.Pull, edge gpio.Edge) error {
	if err := p.request(); err != nil {
		return err
	}
	if p.mode != ModeIn {
		p.driven = false
	}
	p.mode, p.edge = ModeIn, edge
	if pull != gpio.PullNoChange {
		p.pull = pull
	}
	if !p.driven {
		p.level = p.pull == gpio.PullUp
	}
	p.flush()
	return nil
}

// Read implements gpio.PinIn. As gpioioctl does, reading a line that is
// not an input first makes it an input with pull-up.
func (p *SimPin) Read() gpio.Level {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mode != ModeIn || !p.requested {
		if err := p.in(gpio.PullUp, gpio.NoEdge); err != nil {
			return gpio.Low
		}
	}
	return p.level
}

// WaitForEdge implements gpio.PinIn as gpioioctl does: it takes one queued
// edge event, waiting up to timeout for one; 0 waits for ever, a negative
// timeout returns false at once. A line without edge detection returns
// false at once.
func (p *SimPin) WaitForEdge(timeout time.Duration) bool {
	p.mu.Lock()
	ok, halt := p.mode == ModeIn && p.requested && p.edge != gpio.NoEdge, p.halt
	p.mu.Unlock()
	if !ok || timeout < 0 {
		return false
	}
	select { // a queued event is read before the deadline is looked at
	case <-p.events:
		return true
	default:
	}
	var deadline <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		deadline = t.C
	}
	select {
	case <-p.events:
		return true
	case <-deadline:
		return false
	case <-halt:
		return false
	}
}

// Pull implements gpio.PinIn.
func (p *SimPin) Pull() gpio.Pull {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pull
}

// DefaultPull implements gpio.PinIn.
func (p *SimPin) DefaultPull() gpio.Pull { return gpio.Float }

// Out implements gpio.PinOut.
func (p *SimPin) Out(l gpio.Level) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.request(); err != nil {
		return fmt.Errorf("GPIOLine.Out(): %w", err)
	}
	p.mode, p.level, p.driven, p.edge = ModeOut, l, false, gpio.NoEdge
	p.flush()
	return nil
}

// PWM implements gpio.PinOut: the simulator records duty and frequency.
// As on the Raspberry Pi, only GPIO 12, 13, 18 and 19 have hardware PWM;
// the others refuse, and Line.PWM drives them in software.
func (p *SimPin) PWM(duty gpio.Duty, f physic.Frequency) error {
	switch p.num {
	case 12, 13, 18, 19:
	default:
		return fmt.Errorf("GPIO %d has no hardware PWM", p.num)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.request(); err != nil {
		return err
	}
	p.mode, p.duty, p.freq, p.driven, p.edge = ModePWM, duty, f, false, gpio.NoEdge
	p.level = duty >= gpio.DutyMax
	p.flush()
	return nil
}

// SimDevice is a simulated I2C device: Tx is one I2C transaction (a write
// of w, then a read into r, either possibly empty).
type SimDevice interface {
	Tx(w, r []byte) error
}

// SimBus is a simulated I2C bus implementing i2c.Bus.
type SimBus struct {
	n int

	mu   sync.Mutex
	devs map[uint16]SimDevice // guarded by mu; devices also run under mu
}

// Attach puts dev on the bus at addr.
func (b *SimBus) Attach(addr uint16, dev SimDevice) {
	b.mu.Lock()
	b.devs[addr] = dev
	b.mu.Unlock()
}

// Device returns the device at addr, or nil.
func (b *SimBus) Device(addr uint16) SimDevice {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.devs[addr]
}

// Addrs returns the addresses with a device, in order.
func (b *SimBus) Addrs() []uint16 {
	b.mu.Lock()
	defer b.mu.Unlock()
	var as []uint16
	for a := range b.devs {
		as = append(as, a)
	}
	sort.Slice(as, func(i, j int) bool { return as[i] < as[j] })
	return as
}

// ErrNoAck is the error of a transaction to an address no device answers.
var ErrNoAck = errors.New("no device answered")

// String implements i2c.Bus.
func (b *SimBus) String() string { return fmt.Sprintf("I2C%d", b.n) }

// Tx implements i2c.Bus.
func (b *SimBus) Tx(addr uint16, w, r []byte) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	d, ok := b.devs[addr]
	if !ok {
		return fmt.Errorf("I2C bus %d address 0x%02x: %w", b.n, addr, ErrNoAck)
	}
	return d.Tx(w, r)
}

// SetSpeed implements i2c.Bus.
func (b *SimBus) SetSpeed(physic.Frequency) error { return nil }

// Registers is a register-map device: the first byte written selects a
// register, further bytes are written from there on, and reads go on from
// the selected register, as most I2C sensors do. Its methods run under the
// bus's lock.
type Registers struct {
	// Map is the register file.
	Map [256]byte
	// ReadOnly registers ignore writes.
	ReadOnly map[byte]bool
	ptr      byte
}

// Tx implements SimDevice.
func (d *Registers) Tx(w, r []byte) error {
	if len(w) > 0 {
		d.ptr = w[0]
		for i, v := range w[1:] {
			reg := d.ptr + byte(i)
			if !d.ReadOnly[reg] {
				d.Map[reg] = v
			}
		}
	}
	for i := range r {
		r[i] = d.Map[d.ptr+byte(i)]
	}
	return nil
}

// SimPCF8574 is an 8-bit quasi-bidirectional port expander: a write sets
// the output latch, a read returns the latch ANDed with the input levels
// (a pin reads low when driven low from either side).
type SimPCF8574 struct {
	// Latch is the last byte written (0xff at power-up).
	Latch byte
	// Inputs are the levels outside devices put on the pins (0xff: none).
	Inputs byte
}

// NewSimPCF8574 returns an expander in its power-up state.
func NewSimPCF8574() *SimPCF8574 { return &SimPCF8574{Latch: 0xff, Inputs: 0xff} }

// Tx implements SimDevice.
func (d *SimPCF8574) Tx(w, r []byte) error {
	if len(w) > 0 {
		d.Latch = w[len(w)-1]
	}
	for i := range r {
		r[i] = d.Latch & d.Inputs
	}
	return nil
}

func levelInt(l gpio.Level) int {
	if l {
		return 1
	}
	return 0
}

func pullName(p gpio.Pull) string {
	switch p {
	case gpio.PullUp:
		return "up"
	case gpio.PullDown:
		return "down"
	}
	return "none"
}
