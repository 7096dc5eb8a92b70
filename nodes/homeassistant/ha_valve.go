package homeassistant

import "github.com/flowgate/flowgate/engine"

func haValveSpec() engine.Spec {
	return engine.Spec{
		Type: "ha-valve", Category: "home assistant", Color: "#41bdf5", Icon: "switch.svg",
		Inputs: 1, Outputs: 1, LabelProp: "name", PaletteLabel: "valve",
		Props: entityProps(deviceClassProp("valve"), echoProp()),
		Help:  help("ha-valve"),
	}
}

// newHAValve: an input sets the state (open, closed, opening, closing;
// true/false); Home Assistant's OPEN, CLOSE and STOP leave as
// msg.payload.
func newHAValve(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	e := newEntity(cfg, res, p, component{
		name: "valve", state: true, command: true,
		// STOP is not echoed: a stopped valve is neither open nor
		// closed, the flow tells Home Assistant where it stopped
		toState:     func(v any, _ []byte) ([]byte, error) { return stateWord(v, valveStates) },
		fromCommand: openCloseStop,
	}, map[string]any{
		"device_class": checkDeviceClass(p, "valve", p.String("deviceClass", "")),
		// homeassistant/components/mqtt/valve.py: payload_stop has no
		// default, and without it Home Assistant offers no stop
		"payload_stop": "STOP",
	})
	return e, p.Err()
}
