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
}

// newHW chooses the backend. Only --hw periph (or auto on a Pi) touches
// the machine: periph.io's host drivers are initialised here because the
// node types need their board when the registry is built.
func newHW(s Settings) (*hwService, error) {
	h := &hwService{}
	switch s.HW {
	case "off":
		h.why = "--hw off"
		return h, nil
	case "sim":
		h.board, h.why = hw.NewSim(), "--hw sim"
	case "periph":
		b, err := hw.OpenPeriph()
		if err != nil {
			return nil, fmt.Errorf("--hw periph: %w", err)
		}
		h.board, h.why = b, "--hw periph"
	default: // auto
		model, onPi := hw.OnRaspberryPi()
		if !onPi {
			h.board, h.why = hw.NewSim(), "not a Raspberry Pi"
			break
		}
		b, err := hw.OpenPeriph()
		if err != nil {
			h.board, h.why, h.warn = hw.NewSim(), model+", but periph.io failed", err
			break
		}
		h.board, h.why = b, model
	}
	h.pins = hw.NewPins(h.board)
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
		log.Warn("hardware backend", "hw", name, "reason", h.why, "err", h.warn)
		return
	}
	log.Info("hardware backend", "hw", name, "reason", h.why)
}

// close releases the board's buses.
func (h *hwService) close() error {
	if h.board == nil {
		return nil
	}
	return h.board.Close()
}
