package homeassistant

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"

	"github.com/flowgate/flowgate/engine"
)

// Light colour temperatures in kelvin, Home Assistant's defaults
// (homeassistant/components/light/__init__.py DEFAULT_MIN_KELVIN and
// DEFAULT_MAX_KELVIN).
const (
	defaultMinKelvin = 2000
	defaultMaxKelvin = 6535
)

func haLightSpec() engine.Spec {
	return engine.Spec{
		Type: "ha-light", Category: "home assistant", Color: "#41bdf5", Icon: "light.svg",
		Inputs: 1, Outputs: 1, LabelProp: "name", PaletteLabel: "light",
		Props: entityProps(
			engine.Prop{Name: "rgb", Label: "RGB colour", Kind: engine.KindBool, Default: false},
			engine.Prop{Name: "hs", Label: "Hue and saturation colour", Kind: engine.KindBool, Default: false},
			engine.Prop{Name: "colorTemp", Label: "Colour temperature", Kind: engine.KindBool, Default: false},
			engine.Prop{Name: "minKelvin", Label: "Warmest (K)", Kind: engine.KindNumber, Default: defaultMinKelvin},
			engine.Prop{Name: "maxKelvin", Label: "Coldest (K)", Kind: engine.KindNumber, Default: defaultMaxKelvin},
			echoProp(),
		),
		Help: help("ha-light"),
	}
}

// newHALight is a dimmable light with Home Assistant's JSON schema: the
// state and commands are {"state":"ON","brightness":0-255}, with a
// color {r,g,b} or {h,s} and a color_temp in kelvin for the colour modes
// it supports.
func newHALight(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	lt := lightModes{minK: p.Number("minKelvin", defaultMinKelvin), maxK: p.Number("maxKelvin", defaultMaxKelvin)}
	// homeassistant/components/light/__init__.py
	// valid_supported_color_modes: brightness alone, or colour modes
	for _, m := range []struct{ prop, mode string }{{"colorTemp", "color_temp"}, {"hs", "hs"}, {"rgb", "rgb"}} {
		if p.Bool(m.prop, false) {
			lt.modes = append(lt.modes, m.mode)
		}
	}
	keys := map[string]any{"schema": "json", "brightness_scale": 255}
	if len(lt.modes) == 0 {
		lt.modes = []string{"brightness"}
	}
	modes := make([]any, len(lt.modes))
	for i, m := range lt.modes {
		modes[i] = m
	}
	keys["supported_color_modes"] = modes
	if lt.has("color_temp") {
		// mqtt/light/schema_json.py: min_kelvin and max_kelvin are
		// positive integers; color_temp_kelvin makes color_temp kelvin
		if math.IsNaN(lt.minK) || lt.minK < 1 || lt.minK != math.Trunc(lt.minK) {
			p.Fail("minKelvin", "warmest colour temperature %s must be a whole number of kelvin: Home Assistant refuses it", engine.FormatNumber(lt.minK))
		}
		if math.IsNaN(lt.maxK) || lt.maxK <= lt.minK || lt.maxK != math.Trunc(lt.maxK) {
			p.Fail("maxKelvin", "coldest colour temperature %s must be a whole number of kelvin above the warmest (%s)", engine.FormatNumber(lt.maxK), engine.FormatNumber(lt.minK))
		}
		keys["color_temp_kelvin"] = true
		keys["min_kelvin"], keys["max_kelvin"] = lt.minK, lt.maxK
	}
	e := newEntity(cfg, res, p, component{
		name: "light", state: true, command: true,
		toState:     lt.state,
		fromCommand: lightCommand,
	}, keys)
	return e, p.Err()
}

// lightModes are the colour modes of a light and its colour temperature
// range.
type lightModes struct {
	modes      []string
	minK, maxK float64
}

func (l lightModes) has(mode string) bool { return slices.Contains(l.modes, mode) }

// lightValue is a light's state and command message.
type lightValue struct {
	State      string      `json:"state"`
	Brightness *float64    `json:"brightness,omitempty"`
	ColorMode  string      `json:"color_mode,omitempty"`
	Color      *lightColor `json:"color,omitempty"`
	ColorTemp  *float64    `json:"color_temp,omitempty"`
}

// lightColor is the colour of an rgb (r, g, b) or hs (h, s) light.
type lightColor struct {
	R *float64 `json:"r,omitempty"`
	G *float64 `json:"g,omitempty"`
	B *float64 `json:"b,omitempty"`
	H *float64 `json:"h,omitempty"`
	S *float64 `json:"s,omitempty"`
}

// lightState is the state of a light with brightness only.
func lightState(v any, prev []byte) ([]byte, error) {
	return lightModes{modes: []string{"brightness"}}.state(v, prev)
}

// state converts on/off values, a brightness (0 is off) or an object
// {state, brightness, color, color_temp} to the JSON state, keeping what
// it does not set.
func (l lightModes) state(v any, prev []byte) ([]byte, error) {
	var st lightValue
	if prev != nil {
		_ = json.Unmarshal(prev, &st)
	}
	within := func(what string, x any, lo, hi float64, whole bool) (*float64, error) {
		n := engine.ToNumber(x)
		if _, isBool := x.(bool); isBool || math.IsNaN(n) || n < lo || n > hi {
			return nil, fmt.Errorf("invalid %s: %s", what, engine.ToString(x))
		}
		if whole {
			n = math.Round(n)
		}
		return &n, nil
	}
	switch t := v.(type) {
	case float64, int:
		b, err := within("brightness", t, 0, 255, true)
		if err != nil {
			return nil, err
		}
		st.Brightness = b
		st.State, _ = onOff(*b != 0)
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
			n, err := within("brightness", b, 0, 255, true)
			if err != nil {
				return nil, err
			}
			st.Brightness = n
		}
		if c, ok := o.Get("color"); ok {
			if err := l.setColor(&st, c, within); err != nil {
				return nil, err
			}
		}
		if k, ok := o.Get("color_temp"); ok {
			if !l.has("color_temp") {
				return nil, fmt.Errorf("invalid color_temp: the light has no colour temperature")
			}
			n, err := within("color_temp (kelvin)", k, l.minK, l.maxK, true)
			if err != nil {
				return nil, err
			}
			st.ColorTemp, st.Color, st.ColorMode = n, nil, "color_temp"
		}
	default:
		on, err := onOff(v)
		if err != nil {
			return nil, err
		}
		st.State = on
	}
	if st.Brightness != nil && l.has("brightness") {
		st.ColorMode = "brightness"
	}
	return json.Marshal(st)
}

// setColor sets an rgb {r, g, b} or hs {h, s} colour (Home Assistant's
// ranges: homeassistant/components/light/__init__.py ATTR_RGB_COLOR
// 0-255, ATTR_HS_COLOR 0-360 and 0-100).
func (l lightModes) setColor(st *lightValue, c any, within func(string, any, float64, float64, bool) (*float64, error)) error {
	o, ok := engine.AsObject(c)
	if !ok {
		return fmt.Errorf("invalid color: %s: expected {r, g, b} or {h, s}", engine.ToString(c))
	}
	var col lightColor
	var err error
	get := func(k string, hi float64) *float64 {
		x, _ := o.Get(k)
		n, e := within("color "+k, x, 0, hi, hi == 255)
		if err == nil {
			err = e
		}
		return n
	}
	switch _, rgb := o.Get("r"); {
	case rgb:
		if !l.has("rgb") {
			return fmt.Errorf("invalid color: the light has no rgb colour")
		}
		col.R, col.G, col.B = get("r", 255), get("g", 255), get("b", 255)
		st.ColorMode = "rgb"
	default:
		if !l.has("hs") {
			return fmt.Errorf("invalid color: the light has no hs colour, or expected {r, g, b}")
		}
		col.H, col.S = get("h", 360), get("s", 100)
		st.ColorMode = "hs"
	}
	if err != nil {
		return err
	}
	st.Color, st.ColorTemp = &col, nil
	return nil
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
