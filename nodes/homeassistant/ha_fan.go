package homeassistant

import (
	"strings"

	"github.com/flowgate/flowgate/engine"
)

func haFanSpec() engine.Spec {
	return engine.Spec{
		Type: "ha-fan", Category: "home assistant", Color: "#41bdf5", Icon: "switch.svg",
		Inputs: 1, Outputs: 1, LabelProp: "name", PaletteLabel: "fan",
		Props: entityProps(
			engine.Prop{Name: "presetModes", Label: "Preset modes (comma separated)", Kind: engine.KindString, Default: ""},
			engine.Prop{Name: "oscillation", Label: "Oscillation", Kind: engine.KindBool, Default: false},
			echoProp(),
		),
		Help: help("ha-fan"),
	}
}

// newHAFan: an input sets the state (ON/OFF, true/false) or, as an
// object, the state, percentage, preset_mode and oscillation; Home
// Assistant's commands leave as msg.payload (a boolean for on/off and
// oscillation, a number for the percentage, the preset's name) with
// msg.part naming what they set.
func newHAFan(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	comp := component{
		name: "fan", state: true, command: true,
		toState: func(v any, _ []byte) ([]byte, error) {
			s, err := onOff(v)
			return []byte(s), err
		},
		fromCommand: onOffCommand,
		// homeassistant/components/mqtt/fan.py: speed_range_min 1 and
		// speed_range_max 100 by default, the percentage 0 is off
		parts: []part{numberPart("percentage", "percentage_state_topic", "percentage_command_topic", 0, 100, true)},
	}
	keys := map[string]any{}
	if presets := splitList(p.String("presetModes", "")); len(presets) > 0 {
		for _, m := range presets {
			if strings.EqualFold(m, payloadNone) {
				// mqtt/fan.py valid_preset_mode_configuration
				p.Fail("presetModes", "a preset mode cannot be named %q: Home Assistant refuses it", m)
			}
		}
		list := make([]any, len(presets))
		for i, m := range presets {
			list[i] = m
		}
		keys["preset_modes"] = list
		comp.parts = append(comp.parts, choicePart("preset_mode", "preset_mode_state_topic", "preset_mode_command_topic", presets))
	}
	if p.Bool("oscillation", false) {
		// mqtt/fan.py payload_oscillation_on and _off defaults
		comp.parts = append(comp.parts, onOffPart("oscillation", "oscillation_state_topic", "oscillation_command_topic", "oscillate_on", "oscillate_off"))
	}
	e := newEntity(cfg, res, p, comp, keys)
	return e, p.Err()
}
