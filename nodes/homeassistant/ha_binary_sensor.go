package homeassistant

import "github.com/flowgate/flowgate/engine"

func haBinarySensorSpec() engine.Spec {
	return engine.Spec{
		Type: "ha-binary-sensor", Category: "home assistant", Color: "#41bdf5", Icon: "light.svg",
		Inputs: 1, Outputs: 0, LabelProp: "name", PaletteLabel: "binary sensor",
		Props: entityProps(append([]engine.Prop{deviceClassProp("binary_sensor")}, expiryProps()...)...),
		Help:  help("ha-binary-sensor"),
	}
}

// newHABinarySensor: an input sets ON/OFF (booleans, on/off, 1/0).
func newHABinarySensor(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	e := newEntity(cfg, res, p, component{
		name: "binary_sensor", state: true,
		toState: func(v any, _ []byte) ([]byte, error) {
			s, err := onOff(v)
			return []byte(s), err
		},
	}, expiryKeys(p, map[string]any{"device_class": checkDeviceClass(p, "binary_sensor", p.String("deviceClass", ""))}))
	return e, p.Err()
}
