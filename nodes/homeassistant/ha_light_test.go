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
