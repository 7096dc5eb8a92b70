package homeassistant

import "github.com/flowgate/flowgate/engine"

func haButtonSpec() engine.Spec {
	return engine.Spec{
		Type: "ha-button", Category: "home assistant", Color: "#41bdf5", Icon: "inject.svg",
		Inputs: 0, Outputs: 1, LabelProp: "name", PaletteLabel: "button",
		Props: entityProps(deviceClassProp("button")),
		Help:  help("ha-button"),
	}
}

// newHAButton: a press in Home Assistant leaves as msg.payload "PRESS".
func newHAButton(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	e := newEntity(cfg, res, p, component{
		name: "button", command: true,
		fromCommand: func(b []byte) (any, error) { return string(b), nil },
	}, map[string]any{"device_class": checkDeviceClass(p, "button", p.String("deviceClass", ""))})
	return e, p.Err()
}
