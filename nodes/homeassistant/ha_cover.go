package homeassistant

import "github.com/flowgate/flowgate/engine"

func haCoverSpec() engine.Spec {
	return engine.Spec{
		Type: "ha-cover", Category: "home assistant", Color: "#41bdf5", Icon: "arrow-in.svg",
		Inputs: 1, Outputs: 1, LabelProp: "name", PaletteLabel: "cover",
		Props: entityProps(deviceClassProp("cover"),
			engine.Prop{Name: "position", Label: "Position (0-100)", Kind: engine.KindBool, Default: false},
			engine.Prop{Name: "tilt", Label: "Tilt (0-100)", Kind: engine.KindBool, Default: false},
			echoProp(),
		),
		Help: help("ha-cover"),
	}
}

// newHACover: an input sets the state (open, closed, opening, closing,
// stopped; true/false) or, as an object, the state, position and tilt;
// Home Assistant's OPEN, CLOSE and STOP leave as msg.payload, a position
// or tilt as a number with msg.part "position" or "tilt".
func newHACover(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	comp := component{
		name: "cover", state: true, command: true,
		toState:     func(v any, _ []byte) ([]byte, error) { return stateWord(v, coverStates) },
		fromCommand: openCloseStop,
	}
	// homeassistant/components/mqtt/cover.py: position_closed 0 and
	// position_open 100, tilt_min 0 and tilt_max 100 by default;
	// set_position_topic needs position_topic (validate_options)
	if p.Bool("position", false) {
		comp.parts = append(comp.parts, numberPart("position", "position_topic", "set_position_topic", 0, 100, true))
	}
	if p.Bool("tilt", false) {
		comp.parts = append(comp.parts, numberPart("tilt", "tilt_status_topic", "tilt_command_topic", 0, 100, true))
	}
	e := newEntity(cfg, res, p, comp, map[string]any{"device_class": checkDeviceClass(p, "cover", p.String("deviceClass", ""))})
	return e, p.Err()
}
