package yamlvalue

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLoad(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		want    any
		defined bool
		wantErr bool
	}{
		{name: "object", text: "a: 1\nb: [x, 2.5]\n", want: map[string]any{"a": 1.0, "b": []any{"x", 2.5}}, defined: true},
		{name: "non-string keys", text: "1: one\ntrue: yes\n", want: map[string]any{"1": "one", "true": "yes"}, defined: true},
		{name: "scalar", text: "42", want: 42.0, defined: true},
		{name: "empty document", text: "", want: nil},
		{name: "bad", text: "a: [1", wantErr: true},
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
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
