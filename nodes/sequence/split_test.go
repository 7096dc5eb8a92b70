package sequence

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/flowgate/flowgate/engine"
)

type obj = map[string]any

func TestSplit(t *testing.T) {
	tests := []struct {
		name   string
		props  obj
		inputs []engine.Msg
		want   []obj // messages without _msgid and parts.id
		errs   int
	}{
		{
			name:   "string on default newline",
			props:  obj{"splt": `\n`, "spltType": "str"},
			inputs: []engine.Msg{{"payload": "a\nb", "topic": "t"}},
			want: []obj{
				{"payload": "a", "topic": "t", "parts": engine.ObjectOf("type", "string", "ch", "\n", "index", 0, "count", 2)},
				{"payload": "b", "topic": "t", "parts": engine.ObjectOf("type", "string", "ch", "\n", "index", 1, "count", 2)},
			},
		},
		{
			name:   "escape e is a plain e as in JavaScript",
			props:  obj{"splt": `\e`},
			inputs: []engine.Msg{{"payload": "xey"}},
			want: []obj{
				{"payload": "x", "parts": engine.ObjectOf("type", "string", "ch", "e", "index", 0, "count", 2)},
				{"payload": "y", "parts": engine.ObjectOf("type", "string", "ch", "e", "index", 1, "count", 2)},
			},
		},
		{
			name:   "fixed length string",
			props:  obj{"splt": "2", "spltType": "len"},
			inputs: []engine.Msg{{"payload": "abcde"}},
			want: []obj{
				{"payload": "ab", "parts": engine.ObjectOf("type", "string", "ch", "", "len", 2, "count", 3, "index", 0)},
				{"payload": "cd", "parts": engine.ObjectOf("type", "string", "ch", "", "len", 2, "count", 3, "index", 1)},
				{"payload": "e", "parts": engine.ObjectOf("type", "string", "ch", "", "len", 2, "count", 3, "index", 2)},
			},
		},
		{
			name:   "empty string in fixed length gives one empty part with count 0",
			props:  obj{"splt": "2", "spltType": "len"},
			inputs: []engine.Msg{{"payload": ""}},
			want:   []obj{{"payload": "", "parts": engine.ObjectOf("type", "string", "ch", "", "len", 2, "count", 0, "index", 0)}},
		},
		{
			name:   "array in chunks",
			props:  obj{"arraySplt": "2"},
			inputs: []engine.Msg{{"payload": []any{1.0, 2.0, 3.0}}},
			want: []obj{
				{"payload": []any{1, 2}, "parts": engine.ObjectOf("type", "array", "count", 2, "len", 2, "index", 0)},
				{"payload": []any{3}, "parts": engine.ObjectOf("type", "array", "count", 2, "len", 2, "index", 1)},
			},
		},
		{
			name:   "object parts in key order",
			props:  obj{},
			inputs: []engine.Msg{{"payload": engine.ObjectOf("Orange", 1.0, "Banana", 2.0, "7", 3.0)}},
			want: []obj{
				{"payload": 3, "parts": engine.ObjectOf("type", "object", "key", "7", "index", 0, "count", 3)},
				{"payload": 1, "parts": engine.ObjectOf("type", "object", "key", "Orange", "index", 1, "count", 3)},
				{"payload": 2, "parts": engine.ObjectOf("type", "object", "key", "Banana", "index", 2, "count", 3)},
			},
		},
		{
			name:   "object with key copied to topic",
			props:  obj{"addname": "topic"},
			inputs: []engine.Msg{{"payload": obj{"b": 2.0, "a": 1.0}}},
			want: []obj{
				{"payload": 1, "topic": "a", "parts": engine.ObjectOf("type", "object", "key", "a", "index", 0, "count", 2)},
				{"payload": 2, "topic": "b", "parts": engine.ObjectOf("type", "object", "key", "b", "index", 1, "count", 2)},
			},
		},
		{
			name:   "buffer on binary separator",
			props:  obj{"splt": "[13,10]", "spltType": "bin"},
			inputs: []engine.Msg{{"payload": []byte("a\r\nb")}},
			want: []obj{
				{"payload": buf("a"), "parts": engine.ObjectOf("type", "buffer", "ch", []any{13, 10}, "count", 2, "index", 0)},
				{"payload": buf("b"), "parts": engine.ObjectOf("type", "buffer", "ch", []any{13, 10}, "count", 2, "index", 1)},
			},
		},
		{
			name:   "buffer ending in the separator counts an unsent empty part",
			props:  obj{"splt": ","},
			inputs: []engine.Msg{{"payload": []byte("a,b,")}},
			want: []obj{
				{"payload": buf("a"), "parts": engine.ObjectOf("type", "buffer", "ch", ",", "count", 3, "index", 0)},
				{"payload": buf("b"), "parts": engine.ObjectOf("type", "buffer", "ch", ",", "count", 3, "index", 1)},
			},
		},
		{
			name:   "stream of strings keeps the remainder",
			props:  obj{"stream": true},
			inputs: []engine.Msg{{"payload": "a\nb"}, {"payload": "c\nd"}},
			want: []obj{
				{"payload": "a", "parts": engine.ObjectOf("type", "string", "ch", "\n", "index", 0)},
				{"payload": "bc", "parts": engine.ObjectOf("type", "string", "ch", "\n", "index", 1)},
			},
		},
		{
			name:   "stream of buffers in fixed lengths",
			props:  obj{"stream": true, "splt": "3", "spltType": "len"},
			inputs: []engine.Msg{{"payload": []byte("ab")}, {"payload": []byte("cdefg")}},
			want: []obj{
				{"payload": buf("abc"), "parts": engine.ObjectOf("type", "buffer", "len", 3, "index", 0)},
				{"payload": buf("def"), "parts": engine.ObjectOf("type", "buffer", "len", 3, "index", 1)},
			},
		},
		{
			name:   "existing parts are kept under parts.parts",
			props:  obj{"splt": ","},
			inputs: []engine.Msg{{"payload": "x", "parts": engine.ObjectOf("id", "o", "index", 1.0, "count", 2.0)}},
			want: []obj{
				{"payload": "x", "parts": engine.ObjectOf("parts", engine.ObjectOf("id", "o", "index", 1, "count", 2), "type", "string", "ch", ",", "index", 0, "count", 1)},
			},
		},
		{
			name:   "other property is named in parts",
			props:  obj{"property": "msg.data.list"},
			inputs: []engine.Msg{{"data": obj{"list": []any{"p"}}}},
			want: []obj{
				{"data": obj{"list": "p"}, "parts": engine.ObjectOf("property", "data.list", "type", "array", "count", 1, "len", 1, "index", 0)},
			},
		},
		{
			name:   "numbers, booleans and missing properties are dropped",
			inputs: []engine.Msg{{"payload": 1.0}, {"payload": true}, {"topic": "x"}},
		},
		{
			name:   "null payload is an error as in JavaScript",
			inputs: []engine.Msg{{"payload": nil}},
			errs:   1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, errs := run(t, flow(node("split", tc.props)), tc.inputs)
			diffJSON(t, tc.want, strip(got, "id"))
			if len(errs) != tc.errs {
				t.Errorf("errors %q, want %d", errs, tc.errs)
			}
		})
	}
}

func TestSplitFieldErrors(t *testing.T) {
	tests := []struct {
		name  string
		props obj
		field string
	}{
		{"binary separator not an array", obj{"splt": "5", "spltType": "bin"}, "splt"},
		{"zero length", obj{"splt": "0", "spltType": "len"}, "splt"},
		{"array length not a number", obj{"arraySplt": "x"}, "arraySplt"},
		{"unknown split type", obj{"spltType": "regex"}, "spltType"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := construct(t, "split", tc.props)
			var fe *engine.FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field {
				t.Errorf("error %v, want a field error on %s", err, tc.field)
			}
		})
	}
}

// construct builds a node of typ from props and returns the constructor's error.
func construct(t *testing.T, typ string, props obj) error {
	t.Helper()
	cfg := &engine.Config{ID: "n1", Type: typ, Props: map[string]json.RawMessage{}}
	for k, v := range props {
		raw, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Props[k] = raw
	}
	for _, tt := range Types() {
		if tt.Spec.Type == typ {
			_, err := tt.New(cfg, &engine.Resources{})
			return err
		}
	}
	t.Fatalf("no type %s", typ)
	return nil
}

// buf is the JSON form of a buffer holding s.
func buf(s string) *engine.Object {
	data := make([]any, len(s))
	for i := range len(s) {
		data[i] = float64(s[i])
	}
	return engine.ObjectOf("type", "Buffer", "data", data)
}
