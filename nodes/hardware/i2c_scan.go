package hardware

import (
	"context"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/hw"
)

func i2cScanSpec() engine.Spec {
	return engine.Spec{
		Type: "i2c scan", Category: "hardware", Color: "#e9967a", Icon: "serial.svg",
		PaletteLabel: "i2c scan", LabelProp: "name", Inputs: 1, Outputs: 2,
		Props: []engine.Prop{
			{Name: "name", Label: "Name", Kind: engine.KindString, Default: ""},
			busProp,
		},
		Help: help("i2c scan"),
	}
}

type i2cScanNode struct {
	res   *engine.Resources
	pins  *hw.Pins
	busno int
}

func newI2CScan(cfg *engine.Config, res *engine.Resources, pins *hw.Pins) (engine.Node, error) {
	p := cfg.Reader()
	n := &i2cScanNode{res: res, pins: pins, busno: readBus(p)}
	return n, p.Err()
}

// Start shows when the board only stands in for the machine's I2C buses.
func (n *i2cScanNode) Start(context.Context) error {
	startNotice(n.res, n.pins)
	return nil
}

// Blocking: Handle waits on the I2C bus, so it runs off its part's goroutine.
func (n *i2cScanNode) Blocking() {}

// Handle probes every address 0x03-0x77 with a one-byte read: the list of
// addresses that answered goes to output 1, then one message per address
// to output 2, as in node-red-contrib-i2c.
func (n *i2cScanNode) Handle(_ context.Context, m engine.Msg, out *engine.Output) error {
	bus, err := bus(n.pins, n.busno)
	if err != nil {
		return err
	}
	found := []any{}
	var r [1]byte
	for a := uint16(0x03); a <= 0x77; a++ {
		if bus.Tx(a, nil, r[:]) == nil {
			found = append(found, float64(a))
		}
	}
	showStatus(n.res, n.pins, engine.Status{Fill: "green", Shape: "dot", Text: engine.FormatNumber(float64(len(found))) + " found"})
	each := append([]any(nil), found...)
	out.Send(0, engine.Msg{"payload": found})
	for _, a := range each {
		out.Send(1, engine.Msg{"payload": a, "address": a})
	}
	return nil
}
