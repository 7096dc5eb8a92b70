package homeassistant

import (
	"testing"

	"github.com/flowgate/flowgate/engine"
)

func TestLightState(t *testing.T) {
	for _, tc := range []struct {
		name, prev string
		in         any
		want       string
		err        bool
	}{
		{"on", "", true, `{"state":"ON"}`, false},
		{"brightness", "", 77.0, `{"state":"ON","brightness":77,"color_mode":"brightness"}`, false},
		{"zero is off", "", 0.0, `{"state":"OFF","brightness":0,"color_mode":"brightness"}`, false},
		{"off keeps brightness", `{"state":"ON","brightness":9}`, false, `{"state":"OFF","brightness":9,"color_mode":"brightness"}`, false},
		{"object brightness only turns on", "", engine.ObjectOf("brightness", 10.4), `{"state":"ON","brightness":10,"color_mode":"brightness"}`, false},
		{"command object", "", engine.ObjectOf("state", "OFF"), `{"state":"OFF"}`, false},
		{"brightness too high", "", 300.0, "", true},
		{"bad state", "", engine.ObjectOf("state", "dim"), "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var prev []byte
			if tc.prev != "" {
				prev = []byte(tc.prev)
			}
			got, err := lightState(tc.in, prev)
			if string(got) != tc.want || (err != nil) != tc.err {
				t.Errorf("got %s, %v; want %s, error %v", got, err, tc.want, tc.err)
			}
		})
	}
	if _, err := lightCommand([]byte("ON")); err == nil {
		t.Error("non-JSON command accepted")
	}
}

// TestLightColourState: a colour light's state follows the colour last
// set, in its modes and Home Assistant's ranges.
func TestLightColourState(t *testing.T) {
	l := lightModes{modes: []string{"color_temp", "hs", "rgb"}, minK: 2700, maxK: 6500}
	for _, tc := range []struct {
		name, prev string
		in         any
		want       string
	}{
		{"rgb", "", engine.ObjectOf("color", engine.ObjectOf("r", 255.0, "g", 127.6, "b", 0.0)), `{"state":"ON","color_mode":"rgb","color":{"r":255,"g":128,"b":0}}`},
		{"hs", "", engine.ObjectOf("color", engine.ObjectOf("h", 200.5, "s", 40.0)), `{"state":"ON","color_mode":"hs","color":{"h":200.5,"s":40}}`},
		{"kelvin replaces colour", `{"state":"ON","color_mode":"rgb","color":{"r":1,"g":2,"b":3}}`, engine.ObjectOf("color_temp", 4000.0), `{"state":"ON","color_mode":"color_temp","color_temp":4000}`},
		{"brightness keeps the mode", `{"state":"ON","color_mode":"hs","color":{"h":1,"s":2}}`, 50.0, `{"state":"ON","brightness":50,"color_mode":"hs","color":{"h":1,"s":2}}`},
		{"off keeps the colour", `{"state":"ON","color_mode":"color_temp","color_temp":3000}`, false, `{"state":"OFF","color_mode":"color_temp","color_temp":3000}`},
		{"kelvin too warm", "", engine.ObjectOf("color_temp", 2000.0), ""},
		{"rgb out of range", "", engine.ObjectOf("color", engine.ObjectOf("r", 256.0, "g", 0.0, "b", 0.0)), ""},
		{"hue out of range", "", engine.ObjectOf("color", engine.ObjectOf("h", 400.0, "s", 0.0)), ""},
		{"colour not an object", "", engine.ObjectOf("color", "red"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var prev []byte
			if tc.prev != "" {
				prev = []byte(tc.prev)
			}
			got, err := l.state(tc.in, prev)
			if string(got) != tc.want || (err != nil) != (tc.want == "") {
				t.Errorf("got %s, %v; want %s", got, err, tc.want)
			}
		})
	}
	brightnessOnly := lightModes{modes: []string{"brightness"}}
	for _, in := range []any{engine.ObjectOf("color_temp", 3000.0), engine.ObjectOf("color", engine.ObjectOf("r", 1.0, "g", 2.0, "b", 3.0)), engine.ObjectOf("color", engine.ObjectOf("h", 1.0, "s", 2.0))} {
		if got, err := brightnessOnly.state(in, nil); err == nil {
			t.Errorf("a brightness-only light took %v: %s", in, got)
		}
	}
}
