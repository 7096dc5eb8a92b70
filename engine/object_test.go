package engine_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/engine"
)

// TestObjectKeyOrder follows JavaScript: index keys first in numeric order,
// then the others in insertion order; reassigning keeps the place.
func TestObjectKeyOrder(t *testing.T) {
	o := engine.NewObject(0)
	for _, k := range []string{"name", "b", "10", "a", "2", "01", "4294967295", "0"} {
		o.Set(k, k)
	}
	o.Set("b", "again")
	want := []string{"0", "2", "10", "name", "b", "a", "01", "4294967295"}
	if diff := cmp.Diff(want, o.Keys()); diff != "" {
		t.Fatalf("keys (-want +got):\n%s", diff)
	}
	o.Delete("name")
	o.Delete("2")
	o.Set("name", 1.0)
	o.Set("1", 1.0)
	want = []string{"0", "1", "10", "b", "a", "01", "4294967295", "name"}
	if diff := cmp.Diff(want, o.Keys()); diff != "" {
		t.Fatalf("keys after delete (-want +got):\n%s", diff)
	}
}

// TestObjectLarge crosses the size where lookups go through an index.
func TestObjectLarge(t *testing.T) {
	o := engine.NewObject(0)
	var keys []string
	for i := range 40 {
		k := string(rune('a'+i%26)) + string(rune('A'+i/26))
		keys = append(keys, k)
		o.Set(k, float64(i))
	}
	o.Delete(keys[5])
	keys = append(keys[:5], keys[6:]...)
	for i, k := range keys {
		if got, _ := o.At(i); got != k {
			t.Fatalf("key %d = %q, want %q", i, got, k)
		}
		if v, ok := o.Get(k); !ok || v == nil {
			t.Fatalf("Get(%q) missing", k)
		}
	}
	if o.Has(("f" + "A")) {
		t.Fatal("deleted key still there")
	}
	c := o.Clone()
	c.Set("zz", 1.0)
	if o.Has("zz") || !c.Has("zz") || c.Len() != o.Len()+1 {
		t.Fatal("clone shares its keys with the original")
	}
}

// TestJSONRoundTripKeepsOrder: JSON.stringify(JSON.parse(s)) as Node.js.
func TestJSONRoundTripKeepsOrder(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"b":1,"name":"x","a":{"z":true,"y":null}}`, `{"b":1,"name":"x","a":{"z":true,"y":null}}`},
		{`{"b":1,"2":2,"1":1}`, `{"1":1,"2":2,"b":1}`},
		{`{"a":1,"b":2,"a":3}`, `{"a":3,"b":2}`},
		{` [1.50, -0, 1e21, 1e-7, 0.1, "\u00e9\u2028\"\\/\n", "\ud83d\ude00"] `, `[1.5,0,1e+21,1e-7,0.1,"é` + "\u2028" + `\"\\/\n","😀"]`},
		{`{}`, `{}`},
		{`[]`, `[]`},
		{`1e400`, `null`},
	}
	for _, tt := range tests {
		v, err := engine.DecodeJSON([]byte(tt.in))
		if err != nil {
			t.Fatalf("DecodeJSON(%s): %v", tt.in, err)
		}
		got, err := engine.JSONString(v, "")
		if err != nil {
			t.Fatal(err)
		}
		if got != tt.want {
			t.Errorf("round trip of %s = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestJSONIndent(t *testing.T) {
	v := engine.ObjectOf("b", []any{1.0, engine.NewObject(0)}, "a", []any{}, "buf", []byte{7})
	got, _ := engine.JSONString(v, "  ")
	want := "{\n  \"b\": [\n    1,\n    {}\n  ],\n  \"a\": [],\n  \"buf\": {\n    \"type\": \"Buffer\",\n    \"data\": [\n      7\n    ]\n  }\n}"
	if got != want {
		t.Errorf("indented =\n%s\nwant\n%s", got, want)
	}
}

func TestDecodeJSONErrors(t *testing.T) {
	for _, in := range []string{``, `{`, `{"a"}`, `{"a":1,}`, `[1,]`, `01`, `"abc`, "\"a\tb\"", `tru`, `{"a":1} x`, `-`, `1.`, `1e`, `"\x"`} {
		if _, err := engine.DecodeJSON([]byte(in)); err == nil {
			t.Errorf("DecodeJSON(%q) gave no error", in)
		}
	}
}

func BenchmarkDecodeJSON(b *testing.B) {
	raw := []byte(`{"t":21.5,"h":40,"name":"kitchen sensor","tags":["a","b"],"nested":{"x":1,"y":[1,2,3]}}`)
	for b.Loop() {
		if _, err := engine.DecodeJSON(raw); err != nil {
			b.Fatal(err)
		}
	}
}
