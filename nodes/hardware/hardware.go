package hardware

import (
	"embed"
	"errors"
	"strings"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/hw"
)

//go:embed help/*.md
var helpFS embed.FS

// Options are what the hardware nodes need from the runtime.
type Options struct {
	// Board is the hardware backend; nil means hardware is off, and the
	// nodes report so when they start.
	Board hw.Board
	// Pins are the board's pin claims, shared with the /api/hw handler;
	// nil makes them from Board.
	Pins *hw.Pins
}

// Types returns the hardware node types with hardware off.
func Types() []engine.Type { return TypesWith(Options{}) }

// TypesWith returns the hardware node types using o.
func TypesWith(o Options) []engine.Type {
	if o.Pins == nil && o.Board != nil {
		o.Pins = hw.NewPins(o.Board)
	}
	pins := o.Pins
	with := func(c func(*engine.Config, *engine.Resources, *hw.Pins) (engine.Node, error)) engine.Constructor {
		return func(cfg *engine.Config, res *engine.Resources) (engine.Node, error) { return c(cfg, res, pins) }
	}
	return []engine.Type{
		{Spec: gpioInSpec(), New: with(newGPIOIn)},
		{Spec: gpioOutSpec(), New: with(newGPIOOut)},
		{Spec: i2cInSpec(), New: with(newI2CIn)},
		{Spec: i2cOutSpec(), New: with(newI2COut)},
		{Spec: i2cScanSpec(), New: with(newI2CScan)},
		{Spec: bme280Spec(), New: with(newBME280)},
	}
}

// errOff is the start error of every hardware node when hardware is off.
var errOff = errors.New("hardware is off (--hw off)")

// help returns the embedded help text of a node type ("" when missing).
func help(typ string) string {
	b, err := helpFS.ReadFile("help/" + strings.ReplaceAll(typ, " ", "_") + ".md")
	if err != nil {
		return ""
	}
	return string(b)
}

// failStatus shows a start failure under the node and reports it to the
// catch nodes; the rest of the flows keep running.
func failStatus(res *engine.Resources, pins *hw.Pins, text string, err error) {
	showStatus(res, pins, engine.Status{Fill: "red", Shape: "ring", Text: text})
	res.Error(err, nil)
}

// simulatedMark ends every status of a hardware node whose board only
// stands in for the machine's pins (hw.Pins.Notice).
const simulatedMark = "SIMULATED, see hardware panel"

// showStatus shows s under the node. When the board stands in for the
// machine's own pins (the simulator on a Raspberry Pi whose GPIO could not
// be opened), the status is a red ring that says so, whatever s is: a node
// must never look healthy while no pin moves.
func showStatus(res *engine.Resources, pins *hw.Pins, s engine.Status) {
	if pins != nil && pins.Notice() != "" {
		s.Fill, s.Shape = "red", "ring"
		if s.Text == "" {
			s.Text = simulatedMark
		} else {
			s.Text += " (" + simulatedMark + ")"
		}
	}
	res.Status(s)
}

// startNotice shows, when the board stands in for the machine's pins, why
// and the fix: in the node's status and as a warning in the debug sidebar.
func startNotice(res *engine.Resources, pins *hw.Pins) {
	if pins == nil || pins.Notice() == "" {
		return
	}
	showStatus(res, pins, engine.Status{})
	res.Warn(pins.Notice())
}

// bus returns I2C bus n of pins' board.
func bus(pins *hw.Pins, n int) (hw.Bus, error) {
	if pins == nil {
		return nil, errOff
	}
	return pins.Board().I2C(n)
}
