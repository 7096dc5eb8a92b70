package parser

import (
	"testing"

	"github.com/flowgate/flowgate/engine"
)

func TestJSON(t *testing.T) {
	tests := []struct {
		name  string
		props obj
		in    engine.Msg
		want  []any // messages sent
		err   string
	}{
		{"object to string", nil, engine.Msg{"payload": obj{"b": []any{1.0}, "a": "x"}}, []any{obj{"payload": `{"a":"x","b":[1]}`}}, ""},
		{"object to string keeps key order", nil, engine.Msg{"payload": engine.ObjectOf("b", []any{engine.ObjectOf("z", 1.0, "a", 2.0)}, "a", "x", "1", true)},
			[]any{obj{"payload": `{"1":true,"b":[{"z":1,"a":2}],"a":"x"}`}}, ""},
		{"string to object keeps key order", nil, engine.Msg{"payload": `{"z":{"y":1,"b":2},"a":2,"1":3}`},
			[]any{obj{"payload": engine.ObjectOf("1", 3, "z", engine.ObjectOf("y", 1, "b", 2), "a", 2)}}, ""},
		{"pretty", obj{"pretty": true}, engine.Msg{"payload": obj{"a": []any{}}}, []any{obj{"payload": "{\n    \"a\": []\n}"}}, ""},
		{"buffer value keeps Node's key order", nil, engine.Msg{"payload": obj{"b": []byte{1}}}, []any{obj{"payload": `{"b":{"type":"Buffer","data":[1]}}`}}, ""},
		{"line separators are not escaped", nil, engine.Msg{"payload": "\u2028"}, []any{}, `Unexpected token '` + "\u2028" + `', "` + "\u2028" + `" is not valid JSON`},
		{"string to object", nil, engine.Msg{"payload": `{"a":[1,"2"]}`}, []any{obj{"payload": obj{"a": []any{1, "2"}}}}, ""},
		{"buffer is parsed", nil, engine.Msg{"payload": []byte(`[true]`)}, []any{obj{"payload": []any{true}}}, ""},
		{"str action leaves strings", obj{"action": "str"}, engine.Msg{"payload": "{"}, []any{obj{"payload": "{"}}, ""},
		{"obj action leaves objects", obj{"action": "obj"}, engine.Msg{"payload": obj{"a": 1.0}}, []any{obj{"payload": obj{"a": 1}}}, ""},
		{"null is stringified", nil, engine.Msg{"payload": nil}, []any{obj{"payload": "null"}}, ""},
		{"missing property passes", obj{"property": "data"}, engine.Msg{"payload": 1.0}, []any{obj{"payload": 1}}, ""},
		{"unterminated object", nil, engine.Msg{"payload": `{"a":1`}, nil, "Expected ',' or '}' after property value in JSON at position 6"},
		{"trailing comma in object", nil, engine.Msg{"payload": `{"a":1,}`}, nil, "Expected double-quoted property name in JSON at position 7"},
		{"array element", nil, engine.Msg{"payload": `[1 2]`}, nil, "Expected ',' or ']' after array element in JSON at position 3"},
		{"text after value", nil, engine.Msg{"payload": `1 x`}, nil, "Unexpected non-whitespace character after JSON at position 2"},
		{"empty", nil, engine.Msg{"payload": ``}, nil, "Unexpected end of JSON input"},
		{"long input shows context", nil, engine.Msg{"payload": `{"aaaaaaaaaaaaaaa": tru`}, nil, "Unexpected end of JSON input"},
		{"long input with a bad token", nil, engine.Msg{"payload": `{"aaaaaaaaaaaaaaaaaaa": x, "b": 1}`}, nil, `Unexpected token 'x', ..."aaaaaaa": x, "b": 1}" is not valid JSON`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, "json", tc.props, tc.in)[0]
			if tc.want != nil {
				diff(t, tc.want, r.msgs)
			}
			if tc.err != "" {
				if len(r.errs) != 1 || r.errs[0] != tc.err {
					t.Errorf("errors %q, want %q", r.errs, tc.err)
				}
			} else if len(r.errs) != 0 {
				t.Errorf("unexpected errors %q", r.errs)
			}
		})
	}
}
