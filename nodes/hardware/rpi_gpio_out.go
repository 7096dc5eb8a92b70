package hardware

import (
	"context"
	"fmt"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/hw"
)

func gpioOutSpec() engine.Spec {
	return engine.Spec{
		Type: "rpi-gpio out", Category: "hardware", Color: "#c6dbef", Icon: "rpi.svg",
		PaletteLabel: "rpi gpio out", LabelProp: "name", Inputs: 1, Outputs: 0, Align: "right",
		Props: []engine.Prop{
			{Name: "name", Label: "Name", Kind: engine.KindString, Default: ""},
			{Name: "pin", Label: "Pin", Kind: engine.KindString, Default: "", Required: true},
			{Name: "out", Label: "Type", Kind: engine.KindSelect, Default: "out", Options: []engine.Option{
				{Value: "out", Label: "Digital output"}, {Value: "pwm", Label: "PWM output"}}},
			{Name: "set", Label: "Initialise pin state?", Kind: engine.KindBool, Default: ""},
			{Name: "level", Label: "Initial level", Kind: engine.KindSelect, Default: "0", Options: []engine.Option{
				{Value: "0", Label: "low (0)"}, {Value: "1", Label: "high (1)"}}},
			{Name: "freq", Label: "Frequency (Hz)", Kind: engine.KindNumber, Default: ""},
			{Name: "bcm", Label: "BCM number (off: physical header pin)", Kind: engine.KindBool, Default: true},
		},
		Help: help("rpi-gpio out"),
	}
}

type gpioOutNode struct {
	res   *engine.Resources
	pins  *hw.Pins
	id    string
	bcm   int
	pwm   bool
	set   bool
	level hw.Level
	freq  float64

	line    *hw.Line
	stopPWM func() // ends software PWM; only touched by Start, Handle and Close, which the engine does not overlap
	removed bool   // set by Remove: Close gives the pin back for good
}

func newGPIOOut(cfg *engine.Config, res *engine.Resources, pins *hw.Pins) (engine.Node, error) {
	p := cfg.Reader()
	n := &gpioOutNode{res: res, pins: pins, id: cfg.ID, stopPWM: func() {}}
	n.bcm = readPin(p).bcm
	switch o := p.String("out", "out"); o {
	case "out", "":
	case "pwm":
		n.pwm = true
	default:
		p.Fail("out", "must be out or pwm, got %q", o)
	}
	n.set = p.Bool("set", false)
	n.level = p.String("level", "0") == "1"
	n.freq = 100 // Node-RED: n.freq || 100
	if s := p.String("freq", ""); s != "" {
		n.freq = p.Number("freq", 100)
	}
	if n.freq <= 0 {
		p.Fail("freq", "must be positive")
	}
	return n, p.Err()
}

// Start claims the pin and sets its initial level when asked to. A pin
// the node held before a redeploy keeps its level (or PWM duty) instead:
// a relay does not click on every deploy.
func (n *gpioOutNode) Start(ctx context.Context) error {
	line, err := claim(n.pins, n.bcm, n.id)
	if err != nil {
		failStatus(n.res, n.pins, err.Error(), err)
		return nil
	}
	n.line = line
	startNotice(n.res, n.pins)
	switch {
	case line.Kept && n.pwm && line.Duty != nil:
		if stop, err := line.PWM(*line.Duty, n.freq); err == nil {
			n.stopPWM = stop
			showStatus(n.res, n.pins, engine.Status{Fill: "green", Shape: "dot", Text: engine.FormatNumber(*line.Duty)})
			return nil
		}
	case line.Kept && !n.pwm && line.Written != nil:
		showStatus(n.res, n.pins, levelStatus(*line.Written))
		return nil
	case n.set && !n.pwm:
		if err := line.Out(n.level); err != nil {
			err = hw.GPIOError(n.bcm, err)
			failStatus(n.res, n.pins, err.Error(), err)
			return nil
		}
		showStatus(n.res, n.pins, levelStatus(n.level))
		return nil
	}
	showStatus(n.res, n.pins, engine.Status{Fill: "yellow", Shape: "dot", Text: "OK"})
	return nil
}

// Remove marks the node as going for good: Close then releases the pin.
func (n *gpioOutNode) Remove(context.Context) error {
	n.removed = true
	return nil
}

// Close stops PWM, and releases the pin or parks it for the node coming
// back in a redeploy, at its level.
func (n *gpioOutNode) Close(context.Context) error {
	n.stopPWM()
	n.stopPWM = func() {}
	letGo(n.line, n.removed)
	return nil
}

// Handle sets the pin from msg.payload: 0 or 1 (true/false, "true"/"false"
// too) for a digital output, 0-100 % for PWM. Other values are warned
// about and ignored, as in Node-RED.
func (n *gpioOutNode) Handle(_ context.Context, m engine.Msg, _ *engine.Output) error {
	payload := m["payload"]
	switch payload {
	case "true":
		payload = true
	case "false":
		payload = false
	}
	v := engine.ToNumber(payload)
	limit := 1.0
	if n.pwm {
		limit = 100
	}
	if !(v >= 0 && v <= limit) {
		n.res.Warn("Invalid input: " + engine.FormatNumber(v))
		return nil
	}
	if n.line == nil {
		showStatus(n.res, n.pins, engine.Status{Fill: "red", Shape: "ring", Text: "not running"})
		return fmt.Errorf("GPIO %d is not available", n.bcm)
	}
	if n.pwm {
		n.stopPWM()
		stop, err := n.line.PWM(v, n.freq)
		if err != nil {
			return hw.GPIOError(n.bcm, err)
		}
		n.stopPWM = stop
	} else if err := n.line.Out(v == 1); err != nil {
		return hw.GPIOError(n.bcm, err)
	}
	showStatus(n.res, n.pins, engine.Status{Fill: "green", Shape: "dot", Text: engine.ToString(payload)})
	return nil
}
