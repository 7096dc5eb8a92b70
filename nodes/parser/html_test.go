package parser

import (
	"testing"

	"github.com/flowgate/flowgate/engine"
)

// htmlDoc is the document of TestHTML; the expectations were produced by
// Node-RED 4's html node (cheerio 1.0.0-rc.10) on it.
const htmlDoc = `<html><body><div id="a" class="x y" data-k='q"z'>Hi &amp; <b>bold</b><br><p></p><img src="a.png"> it's "q" &lt;x&gt; &copy;<!-- c --><script>var a = 1 < 2;</script></div><ul><li>1</li><li class="x">2</li><li><span>3</span></li></ul><p>para <span>in p</span></p></body></html>`

const htmlDivXML = `Hi &amp; <b>bold</b><br/><p/><img src="a.png"/> it&apos;s &quot;q&quot; &lt;x&gt; &#xA9;<!-- c --><script>var a = 1 &lt; 2;</script>`

func TestHTML(t *testing.T) {
	divAttrs := engine.ObjectOf("id", "a", "class", "x y", "data-k", `q"z`) // attribute order, as cheerio gives it
	tests := []struct {
		name  string
		props obj
		in    engine.Msg
		want  []any
	}{
		{"html of a tag", obj{"tag": "div"}, engine.Msg{"payload": htmlDoc}, []any{obj{"payload": []any{htmlDivXML}}}},
		{"class", obj{"tag": ".x", "ret": "text"}, engine.Msg{"payload": htmlDoc}, []any{obj{"payload": []any{`Hi & bold it's "q" <x> ©`, "2"}}}},
		{"id and attribute", obj{"tag": "#a[data-k]", "ret": "attr"}, engine.Msg{"payload": htmlDoc}, []any{obj{"payload": []any{divAttrs}}}},
		{"child combinator", obj{"tag": "ul > li", "ret": "html"}, engine.Msg{"payload": htmlDoc}, []any{obj{"payload": []any{"1", "2", "<span>3</span>"}}}},
		{"descendant combinator", obj{"tag": "ul span", "ret": "text"}, engine.Msg{"payload": htmlDoc}, []any{obj{"payload": []any{"3"}}}},
		{"child of body only", obj{"tag": "body > p"}, engine.Msg{"payload": htmlDoc}, []any{obj{"payload": []any{"para <span>in p</span>"}}}},
		{"group in document order", obj{"tag": "li.x, div", "ret": "text"}, engine.Msg{"payload": htmlDoc}, []any{obj{"payload": []any{`Hi & bold it's "q" <x> ©`, "2"}}}},
		{"attribute value", obj{"tag": `img[src="a.png"]`, "ret": "attr"}, engine.Msg{"payload": htmlDoc}, []any{obj{"payload": []any{obj{"src": "a.png"}}}}},
		{"compl keeps html", obj{"tag": "body > p", "ret": "compl", "chr": "c"}, engine.Msg{"payload": "<p a='1'>x &amp; <br> é&nbsp;</p>"},
			[]any{obj{"payload": []any{engine.ObjectOf("c", "x &amp; <br> é&nbsp;", "a", "1")}}}},
		{"no match is an empty array", obj{"tag": "table"}, engine.Msg{"payload": htmlDoc}, []any{obj{"payload": []any{}}}},
		{"msg.select when the tag is empty", nil, engine.Msg{"payload": htmlDoc, "select": "li.x"}, []any{obj{"payload": []any{"2"}, "select": "li.x"}}},
		{"other properties", obj{"tag": "b", "property": "doc", "outproperty": "res", "ret": "text"}, engine.Msg{"doc": htmlDoc},
			[]any{obj{"doc": htmlDoc, "res": []any{"bold"}}}},
		{"missing property passes through", obj{"tag": "b"}, engine.Msg{"topic": "t"}, []any{obj{"topic": "t"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, "html", tc.props, tc.in)[0]
			diff(t, tc.want, r.msgs)
			if len(r.errs) != 0 {
				t.Errorf("errors %q", r.errs)
			}
		})
	}
}

func TestHTMLMulti(t *testing.T) {
	in := engine.Msg{"_msgid": "m1", "payload": "<ul><li>a</li><li></li><li>c</li></ul>"}
	r := run(t, "html", obj{"tag": "li", "ret": "text", "as": "multi"}, in)[0]
	parts := func(i float64) *engine.Object {
		return engine.ObjectOf("id", "m1", "index", i, "count", 3.0, "type", "string", "ch", "")
	}
	// the empty second element is not sent (Node-RED sends truthy results only)
	diff(t, []any{obj{"payload": "a", "parts": parts(0)}, obj{"payload": "c", "parts": parts(2)}}, r.msgs)
}

func TestHTMLBadSelector(t *testing.T) {
	for _, sel := range []string{"a >", "> a", "a[", "a:hover", "a,,b"} {
		t.Run(sel, func(t *testing.T) {
			if _, err := parseSelector(sel); err == nil {
				t.Errorf("parseSelector(%q) succeeded", sel)
			}
		})
	}
}
