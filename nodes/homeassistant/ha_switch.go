package homeassistant

import (
	"fmt"

	"github.com/flowgate/flowgate/engine"
)

func haSwitchSpec() engine.Spec {
	return engine.Spec{
		Type: "ha-switch", Category: "home assistant", Color: "#41bdf5", Icon: "switch.svg",
		Inputs: 1, Outputs: 1, LabelProp: "name", PaletteLabel: "switch",
		Props: entityProps(deviceClassProp("switch"), echoProp()),
		Help:  help("ha-switch"),
	}
}

// newHASwitch: an input sets ON/OFF; Home Assistant's ON/OFF commands
// leave as msg.payload true/false.
func newHASwitch(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	e := newEntity(cfg, res, p, component{
		name: "switch", state: true, command: true,
		toState: func(v any, _ []byte) ([]byte, error) {
			s, err := onOff(v)
			return []byte(s), err
		},
		fromCommand: onOffCommand,
	}, map[string]any{"device_class": checkDeviceClass(p, "switch", p.String("deviceClass", ""))})
	return e, p.Err()
}

// onOffCommand converts Home Assistant's ON/OFF to a boolean.
func onOffCommand(b []byte) (any, error) {
	switch string(b) {
	case "ON":
		return true, nil
	case "OFF":
		return false, nil
	}
	return nil, fmt.Errorf("unexpected command %q", b)
}
