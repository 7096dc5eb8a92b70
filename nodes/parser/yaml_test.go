package parser

import (
	"math"
	"testing"

	"github.com/flowgate/flowgate/engine"
)

// TestYAMLDump's expectations were checked against js-yaml 4 (Node-RED's).
func TestYAMLDump(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"nested map and list", obj{"a": obj{"b": []any{1.0, obj{"c": true, "d": nil}}}}, "a:\n  b:\n    - 1\n    - c: true\n      d: null\n"},
		{"key order", engine.ObjectOf("z", 1.0, "a", engine.ObjectOf("y", 2.0, "b", []any{engine.ObjectOf("d", 1.0, "c", 2.0)}), "f", engine.ObjectOf()),
			"z: 1\na:\n  'y': 2\n  b:\n    - d: 1\n      c: 2\nf: {}\n"},
		{"empty collections", obj{"m": obj{}, "l": []any{}}, "l: []\nm: {}\n"},
		{"ambiguous strings are quoted", []any{"5", "true", "null", "", "yes", "1e3", "2024-01-02", "x'y"}, "- '5'\n- 'true'\n- 'null'\n- ''\n- 'yes'\n- '1e3'\n- '2024-01-02'\n- x'y\n"},
		{"special first characters", []any{"-x", "#c", "a: b", "a #b", " lead", "*ref", "ok-dash"}, "- '-x'\n- '#c'\n- 'a: b'\n- 'a #b'\n- ' lead'\n- '*ref'\n- ok-dash\n"},
		{"control characters double quoted", []any{"a\tb", "\x01"}, "- \"a\\tb\"\n- \"\\x01\"\n"},
		{"multi-line literal blocks", obj{"s": "x\ny\n", "k": "x\ny\n\n", " lead": " a\nb"}, "' lead': |2-\n   a\n  b\nk: |+\n  x\n  y\n\ns: |\n  x\n  y\n"},
		{"numbers", []any{1.5, math.Copysign(0, -1), 1e21, 5e-7}, "- 1.5\n- -0.0\n- 1e+21\n- 5.e-7\n"},
		{"sequence of sequences", []any{[]any{1.0, 2.0}}, "- - 1\n  - 2\n"},
		{"long line is folded", "word aaaaaaaaaa bbbbbbbbbb cccccccccc dddddddddd eeeeeeeeee ffffffffff gggggggggg hhhhhhhhhh", ">-\n  word aaaaaaaaaa bbbbbbbbbb cccccccccc dddddddddd eeeeeeeeee ffffffffff\n  gggggggggg hhhhhhhhhh\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := dumpYAML(tc.in); got != tc.want {
				t.Errorf("dump:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

func TestYAMLNode(t *testing.T) {
	tests := []struct {
		name string
		in   engine.Msg
		want []any
		errs int
	}{
		{"text to object", engine.Msg{"payload": "a: 1\nb: [x, 2.5]\nc: ~\n"}, []any{obj{"payload": obj{"a": 1, "b": []any{"x", 2.5}, "c": nil}}}, 0},
		{"text to object in document order", engine.Msg{"payload": "z: 1\na: {y: 2, b: 3}\n"}, []any{obj{"payload": engine.ObjectOf("z", 1, "a", engine.ObjectOf("y", 2, "b", 3))}}, 0},
		{"non-string keys become strings", engine.Msg{"payload": "1: one\ntrue: yes\n"}, []any{obj{"payload": obj{"1": "one", "true": "yes"}}}, 0},
		{"object to text", engine.Msg{"payload": obj{"a": []any{"x"}}}, []any{obj{"payload": "a:\n  - x\n"}}, 0},
		{"empty document removes the property", engine.Msg{"payload": "# nothing\n", "topic": "t"}, []any{obj{"topic": "t"}}, 0},
		{"invalid yaml", engine.Msg{"payload": "a: [1"}, nil, 1},
		{"number is ignored", engine.Msg{"payload": 5.0}, nil, 0},
		{"buffer is ignored", engine.Msg{"payload": []byte("a: 1")}, nil, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, "yaml", nil, tc.in)[0]
			diff(t, orEmptyList(tc.want), orEmptyList(r.msgs))
			if len(r.errs) != tc.errs {
				t.Errorf("errors %q, want %d", r.errs, tc.errs)
			}
		})
	}
}

func orEmptyList(a []any) []any {
	if a == nil {
		return []any{}
	}
	return a
}
