package jsonschema

import (
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
)

// TestAgainstAjv replays testdata/ajv.json: schemas and values validated by
// ajv 8.20.0 configured as Node-RED 4.1.15's json node configures it
// (testdata/capture.js).
func TestAgainstAjv(t *testing.T) {
	raw, err := os.ReadFile("testdata/ajv.json")
	if err != nil {
		t.Fatal(err)
	}
	v, err := engine.DecodeJSON(raw)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range v.([]any) {
		tc := c.(*engine.Object)
		name := engine.ToString(tc.Value("name"))
		t.Run(name, func(t *testing.T) {
			s, err := Compile(tc.Value("schema"))
			if want, refused := tc.Get("compileError"); refused {
				if err == nil {
					t.Fatalf("compiled; ajv refused it: %v", want)
				}
				return
			}
			if err != nil {
				t.Fatalf("compile: %v", err)
			}
			got := s.Validate(tc.Value("data"))
			want, _ := tc.Value("errors").([]any)
			if diff := cmp.Diff(want, got, enginetest.OrderedObjects()); diff != "" {
				t.Errorf("errors (-ajv +got):\n%s", diff)
			}
			if len(want) > 0 {
				if text := Text(got); text != tc.Value("text") {
					t.Errorf("text = %q, ajv %q", text, tc.Value("text"))
				}
			}
		})
	}
}
