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
			[]any{obj{"payload": obj{"a": obj{"_": "t  ", "$": obj{"x": "1"}, "b": []any{"", "2"}}}}}, 0},
		{"prefixed names and entities", nil, engine.Msg{"payload": `<n:a xmlns:n="u"><n:b>&lt;&amp;</n:b></n:a>`},
			[]any{obj{"payload": obj{"n:a": obj{"$": obj{"xmlns:n": "u"}, "n:b": []any{"<&"}}}}}, 0},
		{"whitespace-only element keeps its text", nil, engine.Msg{"payload": `<a>  </a>`}, []any{obj{"payload": obj{"a": "  "}}}, 0},
		{"cdata is text", nil, engine.Msg{"payload": `<a><![CDATA[<x>]]></a>`}, []any{obj{"payload": obj{"a": "<x>"}}}, 0},
		{"empty text is null", nil, engine.Msg{"payload": ""}, []any{obj{"payload": nil}}, 0},
		{"options merge attributes without arrays", nil,
			engine.Msg{"payload": `<a b="1"><c>2</c></a>`, "options": obj{"explicitArray": false, "mergeAttrs": true}},
			[]any{obj{"payload": obj{"a": obj{"b": "1", "c": "2"}}, "options": obj{"explicitArray": false, "mergeAttrs": true, "async": true, "attrkey": "$", "charkey": "_"}}}, 0},
		{"object to xml", nil, engine.Msg{"payload": obj{"a": obj{"b": []any{obj{"c": 1.0}, obj{"c": 2.0}}, "d": nil, "e": true}}},
			[]any{obj{"payload": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><a><b><c>1</c></b><b><c>2</c></b><d/><e>true</e></a>`}}, 0},
		{"pretty when options have no renderOpts", nil, engine.Msg{"payload": obj{"a": obj{"b": "x", "c": obj{"d": "y"}}}, "options": obj{}},
			[]any{obj{"payload": "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<a>\n  <b>x</b>\n  <c>\n    <d>y</d>\n  </c>\n</a>", "options": obj{"async": false}}}, 0},
		{"headless", nil, engine.Msg{"payload": obj{"a": 1.0}, "options": obj{"headless": true, "renderOpts": obj{"pretty": false}}},
			[]any{obj{"payload": "<a>1</a>", "options": obj{"headless": true, "renderOpts": obj{"pretty": false}, "async": false}}}, 0},
		{"root name", nil, engine.Msg{"payload": obj{"a": 1.0, "b": 2.0}, "options": obj{"rootName": "r", "renderOpts": obj{"pretty": false}}},
			[]any{obj{"payload": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><r><a>1</a><b>2</b></r>`, "options": obj{"rootName": "r", "renderOpts": obj{"pretty": false}, "async": false}}}, 0},
		{"custom keys when parsing", obj{"attr": "@", "chr": "#"}, engine.Msg{"payload": `<a k="v">t</a>`}, []any{obj{"payload": obj{"a": obj{"@": obj{"k": "v"}, "#": "t"}}}}, 0},
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
