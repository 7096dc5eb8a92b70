package homeassistant

import (
	"errors"
	"slices"
	"strings"

	"github.com/flowgate/flowgate/engine"
)

func haSensorSpec() engine.Spec {
	return engine.Spec{
		Type: "ha-sensor", Category: "home assistant", Color: "#41bdf5", Icon: "arrow-in.svg",
		Inputs: 1, Outputs: 0, LabelProp: "name", PaletteLabel: "sensor",
		Props: entityProps(append([]engine.Prop{deviceClassProp("sensor"),
			{Name: "unit", Label: "Unit", Kind: engine.KindString, Default: ""},
			{Name: "stateClass", Label: "State class", Kind: engine.KindSelect, Default: "", Options: selectOptions(stateClasses, true)},
		}, expiryProps()...)...),
		Help: help("ha-sensor"),
	}
}

// newHASensor: an input's payload is the state (numbers and strings as
// text, objects as JSON).
func newHASensor(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	class := checkDeviceClass(p, "sensor", p.String("deviceClass", ""))
	stateClass := checkChoice(p, "stateClass", "state class", p.String("stateClass", ""), stateClasses)
	unit := strings.TrimSpace(p.String("unit", ""))
	if slices.Contains(nonNumericSensorClasses, class) {
		// homeassistant/components/sensor/__init__.py: a non-numeric
		// sensor with a state class or a unit has no valid state
		if stateClass != "" {
			p.Fail("stateClass", "state class %q: a %s sensor has none in Home Assistant", stateClass, class)
		}
		if unit != "" {
			p.Fail("unit", "unit %q: a %s sensor has none in Home Assistant", unit, class)
		}
	}
	e := newEntity(cfg, res, p, component{name: "sensor", state: true, toState: sensorState}, expiryKeys(p, map[string]any{
		"device_class":        class,
		"unit_of_measurement": unit,
		"state_class":         stateClass,
	}))
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
