package homeassistant

import (
	"errors"

	"github.com/flowgate/flowgate/engine"
)

func haSensorSpec() engine.Spec {
	return engine.Spec{
		Type: "ha-sensor", Category: "home assistant", Color: "#41bdf5", Icon: "arrow-in.svg",
		Inputs: 1, Outputs: 0, LabelProp: "name", PaletteLabel: "sensor",
		Props: entityProps(deviceClassProp(),
			engine.Prop{Name: "unit", Label: "Unit", Kind: engine.KindString, Default: ""},
			engine.Prop{Name: "stateClass", Label: "State class", Kind: engine.KindSelect, Default: "", Options: []engine.Option{
				{Value: "", Label: "none"}, {Value: "measurement", Label: "measurement"},
				{Value: "measurement_angle", Label: "measurement angle"},
				{Value: "total", Label: "total"}, {Value: "total_increasing", Label: "total increasing"},
			}},
		),
		Help: help("ha-sensor"),
	}
}

// newHASensor: an input's payload is the state (numbers and strings as
// text, objects as JSON).
func newHASensor(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	e := newEntity(cfg, res, p, component{name: "sensor", state: true, toState: sensorState}, map[string]any{
		"device_class":        p.String("deviceClass", ""),
		"unit_of_measurement": p.String("unit", ""),
		"state_class":         p.String("stateClass", ""),
	})
	return e, p.Err()
}

func sensorState(v any, _ []byte) ([]byte, error) {
	switch t := v.(type) {
	case nil:
		return nil, errors.New("invalid state: no payload")
	case []byte:
		return t, nil
	case *engine.Object, map[string]any, []any:
		return engine.AppendJSON(nil, t, "")
	}
	return []byte(engine.ToString(v)), nil
}
