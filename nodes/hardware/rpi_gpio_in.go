package hardware

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/hw"
	"github.com/flowgate/flowgate/nodes/internal/shutdown"
)

func gpioInSpec() engine.Spec {
	return engine.Spec{
		Type: "rpi-gpio in", Category: "hardware", Color: "#c6dbef", Icon: "rpi.svg",
		PaletteLabel: "rpi gpio in", LabelProp: "name", Inputs: 0, Outputs: 1,
		Props: []engine.Prop{
			{Name: "name", Label: "Name", Kind: engine.KindString, Default: ""},
			{Name: "pin", Label: "Pin", Kind: engine.KindString, Default: "", Required: true},
			{Name: "intype", Label: "Resistor", Kind: engine.KindSelect, Default: "tri", Options: []engine.Option{
				{Value: "tri", Label: "none"}, {Value: "up", Label: "pullup"}, {Value: "down", Label: "pulldown"}}},
			{Name: "debounce", Label: "Debounce (ms)", Kind: engine.KindNumber, Default: "25"},
			{Name: "read", Label: "Read initial state of pin on deploy/restart", Kind: engine.KindBool, Default: false},
			{Name: "bcm", Label: "BCM number (off: physical header pin)", Kind: engine.KindBool, Default: true},
		},
		Help: help("rpi-gpio in"),
	}
}

type gpioInNode struct {
	res      *engine.Resources
	pins     *hw.Pins
	id       string
	bcm      int
	topic    string // "gpio/" and the pin as Node-RED names it
	pull     hw.Pull
	debounce time.Duration
	read     bool

	line    *hw.Line
	wg      sync.WaitGroup // the watcher
	removed bool           // set by Remove: Close gives the pin back for good
}

func newGPIOIn(cfg *engine.Config, res *engine.Resources, pins *hw.Pins) (engine.Node, error) {
	p := cfg.Reader()
	n := &gpioInNode{res: res, pins: pins, id: cfg.ID}
	pin := readPin(p)
	n.bcm, n.topic = pin.bcm, "gpio/"+pin.name
	switch t := p.String("intype", "tri"); t {
	case "tri", "":
		n.pull = hw.Float
	case "up":
		n.pull = hw.PullUp
	case "down":
		n.pull = hw.PullDown
	default:
		p.Fail("intype", "must be tri, up or down, got %q", t)
	}
	ms := 25.0
	if s := p.String("debounce", ""); s != "" { // Node-RED: Number(n.debounce || 25)
		ms = p.Number("debounce", 25)
	}
	if ms < 0 {
		p.Fail("debounce", "must not be negative")
	}
	n.debounce = time.Duration(ms * float64(time.Millisecond))
	n.read = p.Bool("read", false)
	return n, p.Err()
}

// Start claims the pin and watches it; a pin that is missing or in use is
// shown in the node's status and reported, and the flows keep running.
func (n *gpioInNode) Start(ctx context.Context) error {
	line, err := claim(n.pins, n.bcm, n.id)
	if err != nil {
		failStatus(n.res, n.pins, err.Error(), err)
		return nil
	}
	n.line = line
	startNotice(n.res, n.pins)
	showStatus(n.res, n.pins, engine.Status{Fill: "yellow", Shape: "dot", Text: "OK"})
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		initial := func(l hw.Level) {
			showStatus(n.res, n.pins, levelStatus(l))
			if n.read {
				n.send(l)
			}
		}
		if err := line.Watch(ctx, n.pull, n.debounce, initial, n.send); err != nil {
			err = hw.GPIOError(n.bcm, err)
			failStatus(n.res, n.pins, err.Error(), err)
		}
	}()
	return nil
}

// Remove marks the node as going for good: Close then releases the pin.
func (n *gpioInNode) Remove(context.Context) error {
	n.removed = true
	return nil
}

// Close stops the watcher and releases the pin, or parks it for the node
// coming back in a redeploy.
func (n *gpioInNode) Close(ctx context.Context) error {
	if err := shutdown.Wait(ctx, &n.wg); err != nil {
		return err
	}
	letGo(n.line, n.removed)
	return nil
}

func (n *gpioInNode) send(l hw.Level) {
	showStatus(n.res, n.pins, levelStatus(l))
	n.res.Send(0, engine.Msg{"topic": n.topic, "payload": float64(levelInt(l))})
}

// claim takes pin bcm for node id.
func claim(pins *hw.Pins, bcm int, id string) (*hw.Line, error) {
	if pins == nil {
		return nil, errOff
	}
	return pins.Claim(bcm, id)
}

// letGo gives line back when its node is removed, and parks it otherwise
// (a redeploy, after which the node claims it again: an output keeps its
// level). Lines parked at shutdown are released by the runtime.
func letGo(line *hw.Line, removed bool) {
	switch {
	case line == nil:
	case removed:
		line.Release()
	default:
		line.Park()
	}
}

func levelStatus(l hw.Level) engine.Status {
	return engine.Status{Fill: "green", Shape: "dot", Text: strconv.Itoa(levelInt(l))}
}

func levelInt(l hw.Level) int {
	if l {
		return 1
	}
	return 0
}
