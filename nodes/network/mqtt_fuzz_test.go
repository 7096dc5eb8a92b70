package network

import (
	"encoding/base64"
	"testing"
	"unicode/utf8"
)

// FuzzMQTTPayload checks that the mqtt in payload conversion never panics
// for any datatype, and the basic shape of each datatype's result.
func FuzzMQTTPayload(f *testing.F) {
	for _, b := range [][]byte{
		nil, {}, []byte("hello"), []byte(`{"a":[1,2,{"b":null}]}`), []byte("12"), []byte("true"),
		[]byte(`"s"`), []byte("{"), {0xff, 0xfe, 0x00}, []byte("\u00e9\xc3"), []byte("[1,2"),
		[]byte("1e999"), []byte(`{"__proto__":1}`),
	} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, dt := range []string{"auto", "auto-detect", "buffer", "utf8", "json", "base64", ""} {
			v, err := mqttPayload(dt, b)
			if err != nil {
				if dt != "json" {
					t.Fatalf("%s %q: unexpected error %v", dt, b, err)
				}
				continue
			}
			switch dt {
			case "buffer":
				if _, ok := v.([]byte); !ok {
					t.Fatalf("buffer %q: got %T", b, v)
				}
			case "base64":
				s, _ := v.(string)
				if d, err := base64.StdEncoding.DecodeString(s); err != nil || string(d) != string(b) {
					t.Fatalf("base64 %q: %q does not decode back", b, s)
				}
			case "utf8":
				if s, ok := v.(string); !ok || !utf8.ValidString(s) {
					t.Fatalf("utf8 %q: got %#v", b, v)
				}
			}
		}
	})
}
