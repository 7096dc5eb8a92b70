package yamlvalue

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
)

func TestLoad(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		want    any
		defined bool
		wantErr bool
	}{
		{name: "object", text: "a: 1\nb: [x, 2.5]\n", want: engine.ObjectOf("a", 1.0, "b", []any{"x", 2.5}), defined: true},
		{name: "non-string keys", text: "1: one\ntrue: yes\n", want: engine.ObjectOf("1", "one", "true", "yes"), defined: true},
		{name: "scalar", text: "42", want: 42.0, defined: true},
		{name: "empty document", text: "", want: nil},
		{name: "bad", text: "a: [1", wantErr: true},
		{name: "duplicate key", text: "a: 1\na: 2\n", wantErr: true},
		// orders checked against js-yaml 4 (Node-RED's)
		{name: "document order, index keys first", text: "z: 1\na: 2\n10: x\n2: y\n",
			want: engine.ObjectOf("2", "y", "10", "x", "z", 1.0, "a", 2.0), defined: true},
		{name: "nested order", text: "list:\n  - {y: 1, b: 2}\nobj:\n  z: {d: 1, c: 2}\n",
			want: engine.ObjectOf("list", []any{engine.ObjectOf("y", 1.0, "b", 2.0)}, "obj", engine.ObjectOf("z", engine.ObjectOf("d", 1.0, "c", 2.0))), defined: true},
		{name: "merge keys take the merge's place", text: "base: &b {q: 1, c: 2}\nother: &o {c: 9, w: 3}\nm:\n  k: 0\n  c: 5\n  <<: [*b, *o]\n  q: 7\n",
			want: engine.ObjectOf(
				"base", engine.ObjectOf("q", 1.0, "c", 2.0),
				"other", engine.ObjectOf("c", 9.0, "w", 3.0),
				"m", engine.ObjectOf("k", 0.0, "c", 5.0, "q", 7.0, "w", 3.0)), defined: true},
		{name: "alias keeps its order", text: "a: &x {z: 1, b: 2}\nc: *x\n",
			want: engine.ObjectOf("a", engine.ObjectOf("z", 1.0, "b", 2.0), "c", engine.ObjectOf("z", 1.0, "b", 2.0)), defined: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, defined, err := Load(tt.text)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v", err)
			}
			if tt.wantErr {
				return
			}
			if defined != tt.defined {
				t.Errorf("defined = %v", defined)
			}
			if diff := cmp.Diff(tt.want, got, enginetest.OrderedObjects()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
