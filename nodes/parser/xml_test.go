package parser

import (
	"testing"

	"github.com/flowgate/flowgate/engine"
)

// TestXML's expectations were checked against xml2js (Node-RED's).
func TestXML(t *testing.T) {
	tests := []struct {
		name  string
		props obj
		in    engine.Msg
		want  []any
		errs  int
	}{
		{"mixed content and empty children", nil, engine.Msg{"payload": `<a x="1">t<b/><b>2</b>  </a>`},
			[]any{obj{"payload": obj{"a": engine.ObjectOf("_", "t  ", "$", obj{"x": "1"}, "b", []any{"", "2"})}}}, 0},
		{"parsed keys in document order, text first", nil, engine.Msg{"payload": `<r z="1" a="2"><b>1</b>hi<a>2</a><b>3</b></r>`},
			[]any{obj{"payload": obj{"r": engine.ObjectOf("_", "hi", "$", engine.ObjectOf("z", "1", "a", "2"), "b", []any{"1", "3"}, "a", []any{"2"})}}}, 0},
		{"merged attributes before children", nil, engine.Msg{"payload": `<r z="1" a="2"><y/>text</r>`, "options": obj{"mergeAttrs": true}},
			[]any{obj{"payload": obj{"r": engine.ObjectOf("_", "text", "z", []any{"1"}, "a", []any{"2"}, "y", []any{""})},
				"options": engine.ObjectOf("mergeAttrs", true, "async", true, "attrkey", "$", "charkey", "_")}}, 0},
		{"object to xml in key order", nil, engine.Msg{"payload": obj{"r": engine.ObjectOf("z", 1.0, "a", engine.ObjectOf("$", engine.ObjectOf("y", 1.0, "b", 2.0), "_", "t"), "b", 3.0)}},
			[]any{obj{"payload": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><r><z>1</z><a y="1" b="2">t</a><b>3</b></r>`}}, 0},
		{"prefixed names and entities", nil, engine.Msg{"payload": `<n:a xmlns:n="u"><n:b>&lt;&amp;</n:b></n:a>`},
			[]any{obj{"payload": obj{"n:a": obj{"$": obj{"xmlns:n": "u"}, "n:b": []any{"<&"}}}}}, 0},
		{"whitespace-only element keeps its text", nil, engine.Msg{"payload": `<a>  </a>`}, []any{obj{"payload": obj{"a": "  "}}}, 0},
		{"cdata is text", nil, engine.Msg{"payload": `<a><![CDATA[<x>]]></a>`}, []any{obj{"payload": obj{"a": "<x>"}}}, 0},
		{"empty text is null", nil, engine.Msg{"payload": ""}, []any{obj{"payload": nil}}, 0},
		{"options merge attributes without arrays", nil,
			engine.Msg{"payload": `<a b="1"><c>2</c></a>`, "options": engine.ObjectOf("mergeAttrs", true, "explicitArray", false)},
			[]any{obj{"payload": obj{"a": obj{"b": "1", "c": "2"}}, "options": engine.ObjectOf("mergeAttrs", true, "explicitArray", false, "async", true, "attrkey", "$", "charkey", "_")}}, 0},
		{"object to xml", nil, engine.Msg{"payload": obj{"a": obj{"b": []any{obj{"c": 1.0}, obj{"c": 2.0}}, "d": nil, "e": true}}},
			[]any{obj{"payload": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><a><b><c>1</c></b><b><c>2</c></b><d/><e>true</e></a>`}}, 0},
		{"pretty when options have no renderOpts", nil, engine.Msg{"payload": obj{"a": obj{"b": "x", "c": obj{"d": "y"}}}, "options": obj{}},
			[]any{obj{"payload": "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<a>\n  <b>x</b>\n  <c>\n    <d>y</d>\n  </c>\n</a>", "options": obj{"async": false}}}, 0},
		{"headless", nil, engine.Msg{"payload": obj{"a": 1.0}, "options": obj{"headless": true, "renderOpts": obj{"pretty": false}}},
			[]any{obj{"payload": "<a>1</a>", "options": engine.ObjectOf("headless", true, "renderOpts", obj{"pretty": false}, "async", false)}}, 0},
		{"root name", nil, engine.Msg{"payload": obj{"a": 1.0, "b": 2.0}, "options": obj{"rootName": "r", "renderOpts": obj{"pretty": false}}},
			[]any{obj{"payload": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><r><a>1</a><b>2</b></r>`, "options": engine.ObjectOf("renderOpts", obj{"pretty": false}, "rootName", "r", "async", false)}}, 0},
		{"custom keys when parsing", obj{"attr": "@", "chr": "#"}, engine.Msg{"payload": `<a k="v">t</a>`}, []any{obj{"payload": obj{"a": engine.ObjectOf("#", "t", "@", obj{"k": "v"})}}}, 0},
		{"mismatched tags", nil, engine.Msg{"payload": "<a><b></a>"}, nil, 1},
		{"text before the root", nil, engine.Msg{"payload": "x<a/>"}, nil, 1},
		{"number is ignored", nil, engine.Msg{"payload": 5.0}, nil, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, "xml", tc.props, tc.in)[0]
			diff(t, orEmptyList(tc.want), orEmptyList(r.msgs))
			if len(r.errs) != tc.errs {
				t.Errorf("errors %q, want %d", r.errs, tc.errs)
			}
		})
	}
}
