package homeassistant

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/flowgate/flowgate/engine"
)

func haNumberSpec() engine.Spec {
	num := func(name, label string, def float64) engine.Prop {
		return engine.Prop{Name: name, Label: label, Kind: engine.KindNumber, Default: def}
	}
	return engine.Spec{
		Type: "ha-number", Category: "home assistant", Color: "#41bdf5", Icon: "range.svg",
		Inputs: 1, Outputs: 1, LabelProp: "name", PaletteLabel: "number",
		Props: entityProps(deviceClassProp("number"),
			num("min", "Minimum", 1), num("max", "Maximum", 100), num("step", "Step", 1),
			engine.Prop{Name: "unit", Label: "Unit", Kind: engine.KindString, Default: ""},
			engine.Prop{Name: "mode", Label: "Mode", Kind: engine.KindSelect, Default: "auto", Options: selectOptions(numberModes, false)},
			echoProp(),
		),
		Help: help("ha-number"),
	}
}

// newHANumber: an input sets the number; Home Assistant's commands leave
// as a numeric msg.payload.
func newHANumber(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	lo, hi, step := p.Number("min", 1), p.Number("max", 100), p.Number("step", 1)
	// homeassistant/components/mqtt/number.py validate_config and
	// PLATFORM_SCHEMA
	if math.IsNaN(lo) || math.IsNaN(hi) || hi <= lo {
		p.Fail("max", "maximum must be above minimum (%s): Home Assistant refuses it", engine.FormatNumber(lo))
	}
	if math.IsNaN(step) || step < numberMinStep {
		p.Fail("step", "step must be at least 0.001: Home Assistant refuses it")
	}
	keys := map[string]any{
		"device_class":        checkDeviceClass(p, "number", p.String("deviceClass", "")),
		"unit_of_measurement": p.String("unit", ""),
		"min":                 lo, "max": hi, "step": step,
	}
	if m := checkChoice(p, "mode", "number mode", p.String("mode", "auto"), numberModes); m != "auto" && m != "" {
		keys["mode"] = m
	}
	e := newEntity(cfg, res, p, component{
		name: "number", state: true, command: true,
		toState: func(v any, _ []byte) ([]byte, error) {
			n := engine.ToNumber(v)
			if _, isBool := v.(bool); isBool || v == nil || math.IsNaN(n) {
				return nil, fmt.Errorf("invalid number: %s", engine.ToString(v))
			}
			return []byte(engine.FormatNumber(n)), nil
		},
		fromCommand: func(b []byte) (any, error) {
			n, err := strconv.ParseFloat(strings.TrimSpace(string(b)), 64)
			if err != nil {
				return nil, fmt.Errorf("unexpected command %q", b)
			}
			return n, nil
		},
	}, keys)
	return e, p.Err()
}
