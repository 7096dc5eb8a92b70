package hardware

import (
	"context"
	"fmt"
	"math"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/hw"
)

func bme280Spec() engine.Spec {
	return engine.Spec{
		Type: "bme280", Category: "hardware", Color: "#e9967a", Icon: "thermometer.svg",
		PaletteLabel: "bme280", LabelProp: "name", Inputs: 1, Outputs: 1,
		Props: []engine.Prop{
			{Name: "name", Label: "Name", Kind: engine.KindString, Default: ""},
			busProp,
			{Name: "address", Label: "Address", Kind: engine.KindSelect, Default: "0x76", Options: []engine.Option{
				{Value: "0x76", Label: "0x76"}, {Value: "0x77", Label: "0x77"}}},
			{Name: "topic", Label: "Topic", Kind: engine.KindString, Default: "bme280"},
		},
		Help: help("bme280"),
	}
}

type bme280Node struct {
	res   *engine.Resources
	pins  *hw.Pins
	busno int
	addr  uint16
	topic string

	sensor *hw.BME280 // opened on the first message; only Handle touches it
}

func newBME280(cfg *engine.Config, res *engine.Resources, pins *hw.Pins) (engine.Node, error) {
	p := cfg.Reader()
	n := &bme280Node{res: res, pins: pins, busno: readBus(p), topic: p.String("topic", "bme280")}
	a := parseInt(p.String("address", "0x76"))
	if !validAddr(a) {
		p.Fail("address", "must be an I2C address (0x76 or 0x77)")
	}
	n.addr = uint16(a)
	return n, p.Err()
}

// Start shows when the board only stands in for the machine's I2C buses.
func (n *bme280Node) Start(context.Context) error {
	startNotice(n.res, n.pins)
	return nil
}

// Blocking: Handle waits on the I2C bus, so it runs off its part's goroutine.
func (n *bme280Node) Blocking() {}

// Handle takes one reading per message: msg.payload becomes
// {temperature_C, humidity, pressure_hPa, model}.
func (n *bme280Node) Handle(_ context.Context, m engine.Msg, out *engine.Output) error {
	if n.sensor == nil {
		bus, err := bus(n.pins, n.busno)
		if err == nil {
			n.sensor, err = hw.NewBME280(bus, n.addr)
		}
		if err != nil {
			showStatus(n.res, n.pins, engine.Status{Fill: "red", Shape: "ring", Text: "sensor not found"})
			return fmt.Errorf("bme280 on i2c bus %d address 0x%02x: %w", n.busno, n.addr, err)
		}
	}
	e, err := n.sensor.Sense()
	if err != nil {
		n.sensor = nil
		showStatus(n.res, n.pins, engine.Status{Fill: "red", Shape: "ring", Text: "read failed"})
		return fmt.Errorf("bme280 on i2c bus %d address 0x%02x: %w", n.busno, n.addr, err)
	}
	t, h, p := round(e.Temperature, 2), round(e.Humidity, 2), round(e.Pressure/100, 2)
	showStatus(n.res, n.pins, engine.Status{Fill: "green", Shape: "dot", Text: fmt.Sprintf("%g°C %g%% %ghPa", t, h, p)})
	m["topic"] = n.topic
	m["payload"] = engine.ObjectOf("temperature_C", t, "humidity", h, "pressure_hPa", p, "model", "BME280")
	out.Send(0, m)
	return nil
}

func round(v float64, digits int) float64 {
	f := math.Pow(10, float64(digits))
	return math.Round(v*f) / f
}
