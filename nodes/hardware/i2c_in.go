package hardware

import (
	"context"
	"fmt"
	"math"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/hw"
)

func i2cInSpec() engine.Spec {
	return engine.Spec{
		Type: "i2c in", Category: "hardware", Color: "#e9967a", Icon: "serial.svg",
		PaletteLabel: "i2c in", LabelProp: "name", Inputs: 1, Outputs: 1,
		Props: []engine.Prop{
			{Name: "name", Label: "Name", Kind: engine.KindString, Default: ""},
			busProp,
			{Name: "address", Label: "Address", Kind: engine.KindString, Default: ""},
			{Name: "command", Label: "Command", Kind: engine.KindString, Default: ""},
			{Name: "count", Label: "Bytes", Kind: engine.KindNumber, Default: "1", Required: true},
		},
		Help: help("i2c in"),
	}
}

type i2cInNode struct {
	res     *engine.Resources
	pins    *hw.Pins
	busno   int
	address string
	command string
	count   string
}

func newI2CIn(cfg *engine.Config, res *engine.Resources, pins *hw.Pins) (engine.Node, error) {
	p := cfg.Reader()
	n := &i2cInNode{res: res, pins: pins}
	n.busno = readBus(p)
	n.address = p.String("address", "")
	n.command = p.String("command", "")
	n.count = p.String("count", "1")
	return n, p.Err()
}

// Start shows when the board only stands in for the machine's I2C buses.
func (n *i2cInNode) Start(context.Context) error {
	startNotice(n.res, n.pins)
	return nil
}

// Blocking: Handle waits on the I2C bus, so it runs off its part's goroutine.
func (n *i2cInNode) Blocking() {}

// Handle reads count bytes from the device at address (the node's, or
// msg.address), after writing the command byte when there is one.
func (n *i2cInNode) Handle(_ context.Context, m engine.Msg, out *engine.Output) error {
	addr := parseInt(orMsg(n.address, m, "address"))
	cmd := parseInt(orMsg(n.command, m, "command"))
	count := parseInt(n.count)
	if !validAddr(addr) {
		showStatus(n.res, n.pins, engine.Status{Fill: "red", Shape: "ring", Text: "Address (" + engine.FormatNumber(addr) + ") value is missing or incorrect"})
		return nil
	}
	if math.IsNaN(count) || count <= 0 || count > 32 {
		showStatus(n.res, n.pins, engine.Status{Fill: "red", Shape: "ring", Text: "Read bytes value is missing or incorrect"})
		return nil
	}
	showStatus(n.res, n.pins, engine.Status{})
	bus, err := bus(n.pins, n.busno)
	if err != nil {
		return err
	}
	var w []byte
	if !math.IsNaN(cmd) {
		w = []byte{byte(cmd)}
	}
	r := make([]byte, int(count))
	if err := bus.Tx(uint16(addr), w, r); err != nil {
		return fmt.Errorf("i2c bus %d address 0x%02x: %w", n.busno, int(addr), err)
	}
	m["address"] = addr
	m["command"] = cmd
	if math.IsNaN(cmd) {
		delete(m, "command")
	}
	if count == 1 {
		m["payload"] = float64(r[0])
	} else {
		m["payload"] = r
	}
	m["size"] = count
	out.Send(0, m)
	return nil
}
