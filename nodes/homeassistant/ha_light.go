package homeassistant

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/flowgate/flowgate/engine"
)

func haLightSpec() engine.Spec {
	return engine.Spec{
		Type: "ha-light", Category: "home assistant", Color: "#41bdf5", Icon: "light.svg",
		Inputs: 1, Outputs: 1, LabelProp: "name", PaletteLabel: "light",
		Props: entityProps(echoProp()),
		Help:  help("ha-light"),
	}
}

// newHALight is a dimmable light with Home Assistant's JSON schema: the
// state and commands are {"state":"ON","brightness":0-255}.
func newHALight(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	e := newEntity(cfg, res, p, component{
		name: "light", state: true, command: true,
		toState:     lightState,
		fromCommand: lightCommand,
	}, map[string]any{"schema": "json", "supported_color_modes": []any{"brightness"}, "brightness_scale": 255})
	return e, p.Err()
}

// lightValue is a light's state and command message.
type lightValue struct {
	State      string   `json:"state"`
	Brightness *float64 `json:"brightness,omitempty"`
	ColorMode  string   `json:"color_mode,omitempty"`
}

// lightState converts on/off values, a brightness (0 is off) or an object
// {state, brightness} to the JSON state, keeping what it does not set.
func lightState(v any, prev []byte) ([]byte, error) {
	var st lightValue
	if prev != nil {
		_ = json.Unmarshal(prev, &st)
	}
	setBrightness := func(x any) error {
		n := engine.ToNumber(x)
		if math.IsNaN(n) || n < 0 || n > 255 {
			return fmt.Errorf("invalid brightness: %s", engine.ToString(x))
		}
		n = math.Round(n)
		st.Brightness = &n
		return nil
	}
	switch t := v.(type) {
	case float64, int:
		if err := setBrightness(t); err != nil {
			return nil, err
		}
		st.State, _ = onOff(*st.Brightness != 0)
	case *engine.Object, map[string]any:
		o, _ := engine.AsObject(t)
		if s, ok := o.Get("state"); ok {
			on, err := onOff(s)
			if err != nil {
				return nil, err
			}
			st.State = on
		} else if st.State == "" {
			st.State = "ON"
		}
		if b, ok := o.Get("brightness"); ok {
			if err := setBrightness(b); err != nil {
				return nil, err
			}
		}
	default:
		on, err := onOff(v)
		if err != nil {
			return nil, err
		}
		st.State = on
	}
	if st.Brightness != nil {
		st.ColorMode = "brightness"
	}
	return json.Marshal(st)
}

// lightCommand decodes Home Assistant's JSON command to an object, keys
// in the order sent.
func lightCommand(b []byte) (any, error) {
	v, err := engine.DecodeJSON(b)
	if _, isObj := v.(*engine.Object); err != nil || !isObj {
		return nil, fmt.Errorf("unexpected command %q", b)
	}
	return v, nil
}
