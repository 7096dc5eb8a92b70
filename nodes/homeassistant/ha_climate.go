package homeassistant

import (
	"math"
	"strings"

	"github.com/flowgate/flowgate/engine"
)

func haClimateSpec() engine.Spec {
	num := func(name, label string, def float64) engine.Prop {
		return engine.Prop{Name: name, Label: label, Kind: engine.KindNumber, Default: def}
	}
	return engine.Spec{
		Type: "ha-climate", Category: "home assistant", Color: "#41bdf5", Icon: "thermometer.svg",
		Inputs: 1, Outputs: 1, LabelProp: "name", PaletteLabel: "climate",
		Props: entityProps(
			engine.Prop{Name: "modes", Label: "Modes (comma separated: " + strings.Join(hvacModes, ", ") + ")", Kind: engine.KindString, Default: "off, heat", Required: true},
			num("minTemp", "Minimum temperature", 7), num("maxTemp", "Maximum temperature", 35), num("tempStep", "Temperature step", 0.5),
			engine.Prop{Name: "unit", Label: "Unit", Kind: engine.KindSelect, Default: "C", Options: selectOptions(temperatureUnits, false)},
			echoProp(),
		),
		Help: help("ha-climate"),
	}
}

// newHAClimate is a thermostat: an input object sets the mode, the
// target temperature and the current temperature (a plain number sets
// the current temperature); Home Assistant's mode and target temperature
// leave as msg.payload with msg.part "mode" or "temperature".
func newHAClimate(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	modes := splitList(p.String("modes", "off, heat"))
	if len(modes) == 0 {
		p.Fail("modes", "a climate entity needs at least one mode")
	}
	for i, m := range modes {
		modes[i] = checkChoice(p, "modes", "climate mode", m, hvacModes)
	}
	lo, hi, step := p.Number("minTemp", 7), p.Number("maxTemp", 35), p.Number("tempStep", 0.5)
	if math.IsNaN(lo) || math.IsNaN(hi) || hi <= lo {
		p.Fail("maxTemp", "maximum temperature must be above the minimum (%s)", engine.FormatNumber(lo))
	}
	if math.IsNaN(step) || step <= 0 {
		// homeassistant/components/mqtt/climate.py temp_step: vol.Coerce(float)
		// (a step of 0 leaves Home Assistant's slider stuck)
		p.Fail("tempStep", "temperature step must be above 0")
	}
	unit := p.String("unit", "C")
	if unit != "C" && unit != "F" {
		p.Fail("unit", "unit %q is not one of Home Assistant's: C, F", unit)
	}
	list := make([]any, len(modes))
	for i, m := range modes {
		list[i] = m
	}
	current := numberPart("current_temperature", "current_temperature_topic", "", math.Inf(-1), math.Inf(1), false)
	e := newEntity(cfg, res, p, component{
		name: "climate", plain: "current_temperature",
		parts: []part{
			choicePart("mode", "mode_state_topic", "mode_command_topic", modes),
			numberPart("temperature", "temperature_state_topic", "temperature_command_topic", lo, hi, false),
			current,
		},
	}, map[string]any{"modes": list, "min_temp": lo, "max_temp": hi, "temp_step": step, "temperature_unit": unit})
	return e, p.Err()
}
