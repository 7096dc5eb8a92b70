package homeassistant

import "testing"

// TestOnOff: the values an input may carry for a switch or binary sensor.
func TestOnOff(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   any
		want string
		err  bool
	}{
		{"true", true, "ON", false},
		{"false", false, "OFF", false},
		{"ON", "ON", "ON", false},
		{"off lower", "off", "OFF", false},
		{"text true", "true", "ON", false},
		{"text 0", "0", "OFF", false},
		{"number", 2.0, "ON", false},
		{"zero", 0.0, "OFF", false},
		{"other text", "maybe", "", true},
		{"null", nil, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := onOff(tc.in)
			if got != tc.want || (err != nil) != tc.err {
				t.Errorf("onOff(%v) = %q, %v; want %q, error %v", tc.in, got, err, tc.want, tc.err)
			}
		})
	}
}

func TestOnOffCommand(t *testing.T) {
	for in, want := range map[string]any{"ON": true, "OFF": false} {
		if got, err := onOffCommand([]byte(in)); got != want || err != nil {
			t.Errorf("%s: %v %v", in, got, err)
		}
	}
	if _, err := onOffCommand([]byte("on")); err == nil {
		t.Error("lowercase command accepted")
	}
}
