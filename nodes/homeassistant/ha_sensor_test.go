package homeassistant

import "testing"

func TestSensorState(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   any
		want string
		err  bool
	}{
		{"number", 21.5, "21.5", false},
		{"integer", 3.0, "3", false},
		{"text", "ok", "ok", false},
		{"bool", true, "true", false},
		{"buffer", []byte("raw"), "raw", false},
		{"array", []any{1.0, "a"}, `[1,"a"]`, false},
		{"null", nil, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := sensorState(tc.in, nil)
			if string(got) != tc.want || (err != nil) != tc.err {
				t.Errorf("got %q, %v; want %q, error %v", got, err, tc.want, tc.err)
			}
		})
	}
}

func TestTopicID(t *testing.T) {
	if got := topicID("a1b2.c3 d/e+#"); got != "a1b2_c3_d_e__" {
		t.Errorf("topicID = %q", got)
	}
}
