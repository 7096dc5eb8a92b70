package hardware

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/hw"
)

func i2cOutSpec() engine.Spec {
	return engine.Spec{
		Type: "i2c out", Category: "hardware", Color: "#e9967a", Icon: "serial.svg",
		PaletteLabel: "i2c out", LabelProp: "name", Inputs: 1, Outputs: 1, Align: "right",
		Props: []engine.Prop{
			{Name: "name", Label: "Name", Kind: engine.KindString, Default: ""},
			busProp,
			{Name: "address", Label: "Address", Kind: engine.KindString, Default: ""},
			{Name: "command", Label: "Command", Kind: engine.KindString, Default: ""},
			{Name: "payload", Label: "Payload", Kind: engine.KindTyped, Default: "payload", TypeProp: "payloadType",
				Types: []string{"msg", "flow", "global", "str", "num", "bool", "json", "bin"}},
			{Name: "payloadType", Kind: engine.KindString, Default: "msg", Hidden: true},
			{Name: "count", Label: "Send bytes", Kind: engine.KindNumber, Default: "1"},
		},
		Help: help("i2c out"),
	}
}

type i2cOutNode struct {
	res     *engine.Resources
	pins    *hw.Pins
	busno   int
	address float64 // NaN: from msg.address
	command float64 // NaN: from msg.command
	count   float64
	none    bool // payloadType none: send the command byte alone
	payload *engine.Typed
}

func newI2COut(cfg *engine.Config, res *engine.Resources, pins *hw.Pins) (engine.Node, error) {
	p := cfg.Reader()
	n := &i2cOutNode{res: res, pins: pins}
	n.busno = readBus(p)
	n.address = parseInt(p.String("address", ""))
	n.command = parseInt(p.String("command", ""))
	n.count = parseInt(p.String("count", "1"))
	switch kind := p.String("payloadType", "msg"); {
	case kind == "none":
		n.none = true
	case (kind == "msg" || kind == "") && p.String("payload", "") == "":
		n.payload = engine.MustTyped("msg", "payload") // the editor's default
	default:
		n.payload = p.Typed("payload", "payloadType", "msg")
	}
	return n, p.Err()
}

// Start shows when the board only stands in for the machine's I2C buses.
func (n *i2cOutNode) Start(context.Context) error {
	startNotice(n.res, n.pins)
	return nil
}

// Blocking: Handle waits on the I2C bus, so it runs off its part's goroutine.
func (n *i2cOutNode) Blocking() {}

// Handle writes the command byte and then the payload (a number as count
// little-endian bytes, a string, an array or a buffer) to the device, and
// passes the message on once written.
func (n *i2cOutNode) Handle(_ context.Context, m engine.Msg, out *engine.Output) error {
	addr, cmd := n.address, n.command
	if math.IsNaN(addr) {
		addr = parseInt(m["address"])
	}
	if math.IsNaN(cmd) {
		cmd = parseInt(m["command"])
	}
	switch {
	case !validAddr(addr):
		showStatus(n.res, n.pins, engine.Status{Fill: "red", Shape: "ring", Text: "Address (" + engine.FormatNumber(addr) + ") value is missing or incorrect"})
		return nil
	case math.IsNaN(cmd):
		showStatus(n.res, n.pins, engine.Status{Fill: "red", Shape: "ring", Text: "Command  (" + engine.FormatNumber(cmd) + ") value is missing or incorrect"})
		return nil
	case math.IsNaN(n.count):
		showStatus(n.res, n.pins, engine.Status{Fill: "red", Shape: "ring", Text: "Send bytes value is missing or incorrect"})
		return nil
	}
	showStatus(n.res, n.pins, engine.Status{})
	var v any
	if !n.none {
		var err error
		if v, err = n.payload.Eval(n.res, m); err != nil {
			return err
		}
	}
	w := []byte{byte(cmd)}
	if v != nil && n.count != 0 {
		data, err := n.bytes(v)
		if err != nil {
			return err
		}
		w = append(w, data...)
	}
	bus, err := bus(n.pins, n.busno)
	if err != nil {
		return err
	}
	if err := bus.Tx(uint16(addr), w, nil); err != nil {
		return fmt.Errorf("i2c bus %d address 0x%02x: %w", n.busno, int(addr), err)
	}
	out.Send(0, m)
	return nil
}

// bytes converts the payload as Node-RED's i2c out does.
func (n *i2cOutNode) bytes(v any) ([]byte, error) {
	var data []byte
	switch t := v.(type) {
	case []byte:
		data = t
	case []any:
		for _, e := range t {
			data = append(data, byte(int64(engine.ToNumber(e))))
		}
	case float64, bool:
		// writeIntLE(data, 0, count): count little-endian bytes
		x := int64(engine.ToNumber(t))
		for range int(n.count) {
			data = append(data, byte(x))
			x >>= 8
		}
	case string:
		if f := engine.ToNumber(t); !math.IsNaN(f) { // !isNaN("12")
			return n.bytes(f)
		}
		data = []byte(t)
	default:
		return nil, fmt.Errorf("cannot write %s to I2C", engine.TypeOf(v))
	}
	if len(data) > 32 {
		return nil, errors.New("Too many bytes to write to I2C")
	}
	return data, nil
}
