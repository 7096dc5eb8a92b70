package runtime

import (
	"fmt"
	"log/slog"

	"github.com/flowgate/flowgate/hw"
)

// hwService is the runtime's share of the hardware: the board chosen by
// --hw (auto: periph.io on a Raspberry Pi, the simulator elsewhere), its
// pin claims, which the hardware nodes share, and the /api/hw handler.
type hwService struct {
	board hw.Board // nil with --hw off
	pins  *hw.Pins // nil with --hw off
	api   *hw.API  // nil with --hw off
	why   string   // why this backend, for the start-up log
	warn  error    // a periph failure that auto fell back from
	// notice is why the simulator stands in for a Pi's pins, with the fix
	notice string
}

// machine is what newHW looks at: the root of the file system where a
// Raspberry Pi is recognised ("/"), and how periph.io is opened. Tests
// give a fake root and opener.
type machine struct {
	root string
	open func() (hw.Board, error)
}

var realMachine = machine{root: "/", open: func() (hw.Board, error) { return hw.OpenPeriph() }}

// newHW chooses the backend. Only --hw periph (or auto on a Pi) touches
// the machine: periph.io's host drivers are initialised here because the
// node types need their board when the registry is built.
func newHW(s Settings) (*hwService, error) { return newHWOn(s, realMachine) }

// newHWOn is newHW on machine m. On a Raspberry Pi, auto never falls back
// to the simulator silently: when periph.io fails the simulator runs (the
// flows still deploy and the editor can poke the pins), and the pins carry
// a notice with the reason and the fix, which the hardware nodes show in
// their status and /api/hw in the editor's hardware panel.
func newHWOn(s Settings, m machine) (*hwService, error) {
	h := &hwService{}
	switch s.HW {
	case "off":
		h.why = "--hw off"
		return h, nil
	case "sim":
		h.board, h.why = hw.NewSim(), "--hw sim"
	case "periph":
		b, err := m.open()
		if err != nil {
			if _, onPi := hw.DetectPi(m.root); onPi {
				err = fmt.Errorf("%w: %s", err, hw.DiagnoseGPIO(m.root, err))
			}
			return nil, fmt.Errorf("--hw periph: %w", err)
		}
		h.board, h.why = b, "--hw periph"
	default: // auto
		model, onPi := hw.DetectPi(m.root)
		if !onPi {
			h.board, h.why = hw.NewSim(), "not a Raspberry Pi"
			break
		}
		b, err := m.open()
		if err != nil {
			h.board, h.why, h.warn = hw.NewSim(), model+", but periph.io failed", err
			h.notice = model + ": " + hw.DiagnoseGPIO(m.root, err) + ". Pins and I2C are SIMULATED until then."
			break
		}
		h.board, h.why = b, model
	}
	h.pins = hw.NewPins(h.board)
	h.pins.SetNotice(h.notice)
	h.api = hw.NewAPI(h.pins, s.MaxBodyBytes)
	return h, nil
}

// logChoice logs which backend runs and why.
func (h *hwService) logChoice(log *slog.Logger) {
	name := "off"
	if h.board != nil {
		name = h.board.Name()
	}
	if h.warn != nil {
		log.Warn("hardware backend", "hw", name, "reason", h.why, "err", h.warn, "fix", h.notice)
		return
	}
	log.Info("hardware backend", "hw", name, "reason", h.why)
}

// close releases the pins the nodes parked when they closed (at shutdown
// no node comes back) and the board's buses.
func (h *hwService) close() error {
	if h.board == nil {
		return nil
	}
	h.pins.Close()
	return h.board.Close()
}
