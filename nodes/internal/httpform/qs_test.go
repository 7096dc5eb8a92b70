package httpform

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/engine"
)

// The expectations were produced by the qs versions Node-RED 4 runs, with
// the options Express (query) and body-parser (urlencoded bodies) pass.
func TestParse(t *testing.T) {
	tests := []struct{ in, query, body string }{
		{"a=1", `{"a":"1"}`, `{"a":"1"}`},
		{"a=1&a=2", `{"a":["1","2"]}`, `{"a":["1","2"]}`},
		{"a[]=1&a[]=2", `{"a":["1","2"]}`, `{"a":["1","2"]}`},
		{"x[y]=1", `{"x":{"y":"1"}}`, `{"x":{"y":"1"}}`},
		{"x[y][z]=3", `{"x":{"y":{"z":"3"}}}`, `{"x":{"y":{"z":"3"}}}`},
		{"s=a+b", `{"s":"a b"}`, `{"s":"a b"}`},
		{"e=", `{"e":""}`, `{"e":""}`},
		{"e", `{"e":""}`, `{"e":""}`},
		{"=1", `{}`, `{}`},
		{"a=%20%41", `{"a":" A"}`, `{"a":" A"}`},
		{"z=%ZZ", `{"z":"%ZZ"}`, `{"z":"%ZZ"}`},
		{"a%5Bb%5D=c", `{"a":{"b":"c"}}`, `{"a":{"b":"c"}}`},
		{"a[b]=1&a[c][]=2", `{"a":{"b":"1","c":["2"]}}`, `{"a":{"b":"1","c":["2"]}}`},
		{"t[]=a&t[]=b", `{"t":["a","b"]}`, `{"t":["a","b"]}`},
		{"u[1]=x&u[0]=y", `{"u":["y","x"]}`, `{"u":["y","x"]}`},
		{"n[30]=x", `{"n":["x"]}`, `{"n":["x"]}`},
		{"n[1001]=x", `{"n":{"1001":"x"}}`, `{"n":{"1001":"x"}}`},
		{"m[]=1&m=2", `{"m":["1","2"]}`, `{"m":["1","2"]}`},
		{"p=1&p[q]=2", `{"p":["1",{"q":"2"}]}`, `{"p":["1",{"q":"2"}]}`},
		{"__proto__=1", `{}`, `{}`},
		{"k.l=1", `{"k.l":"1"}`, `{"k.l":"1"}`},
		{"d[a][b][c][d][e][f][g]=1", `{"d":{"a":{"b":{"c":{"d":{"e":{"[f][g]":"1"}}}}}}}`, `{"d":{"a":{"b":{"c":{"d":{"e":{"f":{"g":"1"}}}}}}}}`},
		{"a[0]=b&a[1]=c", `{"a":["b","c"]}`, `{"a":["b","c"]}`},
		{"a[1]=b&a=c", `{"a":["b","c"]}`, `{"a":["b","c"]}`},
		{"a[]=b&a=c", `{"a":["b","c"]}`, `{"a":["b","c"]}`},
		{"a[b]=c&a=d", `{"a":[{"b":"c"},"d"]}`, `{"a":[{"b":"c"},"d"]}`},
		{"a=b&a[b]=c", `{"a":["b",{"b":"c"}]}`, `{"a":["b",{"b":"c"}]}`},
		{"a[][b]=c", `{"a":[{"b":"c"}]}`, `{"a":[{"b":"c"}]}`},
		{"a[0][b]=c&a[0][d]=e", `{"a":[{"b":"c","d":"e"}]}`, `{"a":[{"b":"c","d":"e"}]}`},
		{"a[b][]=c&a[b][]=d", `{"a":{"b":["c","d"]}}`, `{"a":{"b":["c","d"]}}`},
		{"a[=b", `{"a":{"[":"b"}}`, `{"a":{"[":"b"}}`},
		{"a]=b", `{"a]":"b"}`, `{"a]":"b"}`},
		{"a[b=c", `{"a":{"[b":"c"}}`, `{"a":{"[b":"c"}}`},
		{"toString=1", `{"toString":"1"}`, `{"toString":"1"}`},
		{"hasOwnProperty=x", `{"hasOwnProperty":"x"}`, `{"hasOwnProperty":"x"}`},
		{"a[-1]=b", `{"a":{"-1":"b"}}`, `{"a":{"-1":"b"}}`},
		{"a[01]=b", `{"a":{"01":"b"}}`, `{"a":{"01":"b"}}`},
		{"a[0]=x&a[b]=y", `{"a":{"0":"x","b":"y"}}`, `{"a":{"0":"x","b":"y"}}`},
		{"foo[bar]=baz&foo=qux", `{"foo":[{"bar":"baz"},"qux"]}`, `{"foo":[{"bar":"baz"},"qux"]}`},
		{"a=1&&b=2", `{"a":"1","b":"2"}`, `{"a":"1","b":"2"}`},
		{"&a=1&", `{"a":"1"}`, `{"a":"1"}`},
		{"a=b=c", `{"a":"b=c"}`, `{"a":"b=c"}`},
		{"a[b][c]=1&a[b]=2", `{"a":{"b":[{"c":"1"},"2"]}}`, `{"a":{"b":[{"c":"1"},"2"]}}`},
		{"a=%E2%9C%93", `{"a":"✓"}`, `{"a":"✓"}`},
		{"a=%FF", `{"a":"%FF"}`, `{"a":"%FF"}`},
		{"a[]=&a[]=x", `{"a":["","x"]}`, `{"a":["","x"]}`},
		{"a=c&a[b]=d&a[]=e", `{"a":["c",{"b":"d"},"e"]}`, `{"a":["c",{"b":"d"},"e"]}`},
		// key order is JavaScript's: insertion order, index keys first
		{"b=1&a=2", `{"b":"1","a":"2"}`, `{"b":"1","a":"2"}`},
		{"z[y]=1&z[b]=2&z[a]=3", `{"z":{"y":"1","b":"2","a":"3"}}`, `{"z":{"y":"1","b":"2","a":"3"}}`},
		{"q=2&p[x]=1&p[a]=2&b=3", `{"q":"2","p":{"x":"1","a":"2"},"b":"3"}`, `{"q":"2","p":{"x":"1","a":"2"},"b":"3"}`},
		{"k=1&2=x&j=3", `{"2":"x","k":"1","j":"3"}`, `{"2":"x","k":"1","j":"3"}`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in, Query)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(mustJSON(t, tt.query), got); diff != "" {
				t.Errorf("query (-want +got):\n%s", diff)
			}
			got, err = ParseBody(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(mustJSON(t, tt.body), got); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}

func mustJSON(t *testing.T, s string) *engine.Object {
	t.Helper()
	v, err := engine.DecodeJSON([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return v.(*engine.Object)
}

func TestParseLimits(t *testing.T) {
	t.Run("body depth", func(t *testing.T) {
		_, err := ParseBody("a" + strings.Repeat("[b]", 33) + "=1")
		if !errors.Is(err, ErrDepth) {
			t.Fatalf("err = %v, want ErrDepth", err)
		}
	})
	t.Run("body parameters", func(t *testing.T) {
		_, err := ParseBody(strings.Repeat("a=1&", 1000) + "b=2")
		if !errors.Is(err, ErrTooManyParameters) {
			t.Fatalf("err = %v, want ErrTooManyParameters", err)
		}
	})
	t.Run("query parameters truncated", func(t *testing.T) {
		got, err := Parse(strings.Repeat("a=1&", 1000)+"b=2", Query)
		if err != nil {
			t.Fatal(err)
		}
		if got.Has("b") {
			t.Fatal("parameter 1001 was kept")
		}
	})
	t.Run("array limit", func(t *testing.T) {
		got, err := Parse("a[1001]=x", Query)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(engine.ObjectOf("a", engine.ObjectOf("1001", "x")), got); diff != "" {
			t.Error(diff)
		}
	})
}

func TestStringify(t *testing.T) {
	tests := []struct {
		name string
		in   *engine.Object
		want string
	}{
		{"empty", engine.NewObject(0), ""},
		{"values", engine.ObjectOf("a", "x y", "b", 1.5, "c", true, "d", nil, "e", engine.NewObject(0)), "a=x%20y&b=1.5&c=true&d=&e="},
		{"array", engine.ObjectOf("a", []any{"1", 2.0, engine.NewObject(0)}), "a=1&a=2&a="},
		{"escape", engine.ObjectOf("k=&", "!'()*~._-é"), "k%3D%26=!'()*~._-%C3%A9"},
		{"key order", engine.ObjectOf("z", "1", "a", "2", "m", "3"), "z=1&a=2&m=3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Stringify(tt.in); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
