package homeassistant

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"

	"github.com/flowgate/flowgate/engine"
)

func haSirenSpec() engine.Spec {
	return engine.Spec{
		Type: "ha-siren", Category: "home assistant", Color: "#41bdf5", Icon: "alert.svg",
		Inputs: 1, Outputs: 1, LabelProp: "name", PaletteLabel: "siren",
		Props: entityProps(
			engine.Prop{Name: "tones", Label: "Tones (comma separated)", Kind: engine.KindString, Default: ""},
			engine.Prop{Name: "duration", Label: "Takes a duration", Kind: engine.KindBool, Default: true},
			engine.Prop{Name: "volume", Label: "Takes a volume", Kind: engine.KindBool, Default: true},
			echoProp(),
		),
		Help: help("ha-siren"),
	}
}

// sirenValue is a siren's state, and Home Assistant's command without a
// command template (homeassistant/components/mqtt/siren.py
// _async_publish: the JSON of state and the turn-on variables).
type sirenValue struct {
	State       string   `json:"state"`
	Tone        *string  `json:"tone,omitempty"`
	Duration    *float64 `json:"duration,omitempty"`
	VolumeLevel *float64 `json:"volume_level,omitempty"`
}

// newHASiren: an input turns the siren on or off (true/false, ON/OFF) or,
// as an object, sets its state, tone, duration and volume_level; Home
// Assistant's command leaves as an object {state, tone, duration,
// volume_level}.
func newHASiren(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	tones := splitList(p.String("tones", ""))
	duration, volume := p.Bool("duration", true), p.Bool("volume", true)
	keys := map[string]any{"support_duration": duration, "support_volume_set": volume}
	if len(tones) > 0 {
		list := make([]any, len(tones))
		for i, t := range tones {
			list[i] = t
		}
		keys["available_tones"] = list
	}
	toState := func(v any, _ []byte) ([]byte, error) {
		o, ok := engine.AsObject(v)
		if !ok {
			s, err := onOff(v)
			return []byte(s), err
		}
		// homeassistant/components/siren/__init__.py TURN_ON_SCHEMA and
		// process_turn_on_params: a tone of the list, a whole number of
		// seconds, a volume 0-1, each only when the siren takes it, and
		// nothing else
		st := sirenValue{State: "ON"}
		for _, k := range o.Keys() {
			x, _ := o.Get(k)
			n := engine.ToNumber(x)
			if _, isBool := x.(bool); isBool {
				n = math.NaN()
			}
			switch k {
			case "state":
				s, err := onOff(x)
				if err != nil {
					return nil, err
				}
				st.State = s
			case "tone":
				t := engine.ToString(x)
				if !slices.Contains(tones, t) {
					return nil, fmt.Errorf("invalid tone %q: not one of the siren's tones", t)
				}
				st.Tone = &t
			case "duration":
				if !duration || math.IsNaN(n) || n < 0 || n != math.Trunc(n) {
					return nil, fmt.Errorf("invalid duration %s: the siren takes none, or not a whole number of seconds", engine.ToString(x))
				}
				st.Duration = &n
			case "volume_level":
				if !volume || math.IsNaN(n) || n < 0 || n > 1 {
					return nil, fmt.Errorf("invalid volume_level %s: the siren takes none, or outside 0-1", engine.ToString(x))
				}
				st.VolumeLevel = &n
			default:
				return nil, fmt.Errorf("invalid siren state: unknown key %q", k)
			}
		}
		return json.Marshal(st)
	}
	e := newEntity(cfg, res, p, component{
		name: "siren", state: true, command: true,
		toState: toState,
		fromCommand: func(b []byte) (any, error) {
			if s := string(b); s == "ON" || s == "OFF" {
				return engine.ObjectOf("state", s), nil
			}
			v, err := engine.DecodeJSON(b)
			if _, isObj := v.(*engine.Object); err != nil || !isObj {
				return nil, fmt.Errorf("unexpected command %q", b)
			}
			return v, nil
		},
	}, keys)
	return e, p.Err()
}
