package parser

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/net/html"

	"github.com/flowgate/flowgate/engine"
)

func htmlSpec() engine.Spec {
	return engine.Spec{
		Type: "html", Category: "parser", Color: "#DEBD5C", Icon: "parser-html.svg",
		LabelProp: "name", Inputs: 1, Outputs: 1,
		Props: []engine.Prop{
			{Name: "name", Label: "Name", Kind: engine.KindString, Default: ""},
			{Name: "property", Label: "Property", Kind: engine.KindTyped, Types: []string{"msg"}, Default: "payload"},
			{Name: "outproperty", Label: "Output", Kind: engine.KindTyped, Types: []string{"msg"}, Default: "payload"},
			{Name: "tag", Label: "Selector", Kind: engine.KindString, Default: ""},
			{Name: "ret", Label: "Output", Kind: engine.KindSelect, Default: "html", Options: []engine.Option{
				{Value: "html", Label: "the html content of the elements"}, {Value: "text", Label: "only the text content of the elements"},
				{Value: "attr", Label: "an object of any attributes of the elements"}, {Value: "compl", Label: "an object of any attributes and html contents of the elements"}}},
			{Name: "as", Label: "as", Kind: engine.KindSelect, Default: "single", Options: []engine.Option{
				{Value: "single", Label: "a single message containing an array"}, {Value: "multi", Label: "multiple messages, one for each element"}}},
			{Name: "chr", Label: "Content property", Kind: engine.KindString, Default: "_"},
		},
		Help: help("html"),
	}
}

// htmlNode extracts the elements a CSS selector matches from an HTML
// document (Node-RED's cheerio-based html node).
type htmlNode struct {
	property engine.Path
	out      engine.Path
	tag      string
	sel      selector // compiled tag; nil when empty
	ret      string
	multi    bool
	chr      string
}

func newHTML(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	n := &htmlNode{}
	prop := p.String("property", "payload")
	if prop == "" {
		prop = "payload"
	}
	n.property = p.Path("property", "payload")
	if p.String("outproperty", "") == "" {
		n.out = n.property
	} else {
		n.out = p.Path("outproperty", prop)
	}
	n.tag = p.String("tag", "")
	if n.tag != "" {
		sel, err := parseSelector(n.tag)
		if err != nil {
			p.Fail("tag", "%v", err)
		}
		n.sel = sel
	}
	n.ret = p.String("ret", "html")
	switch n.ret {
	case "":
		n.ret = "html"
	case "html", "text", "attr", "compl":
	default:
		p.Fail("ret", "unknown output %q", n.ret)
	}
	n.multi = p.String("as", "single") == "multi"
	if n.chr = p.String("chr", "_"); n.chr == "" {
		n.chr = "_"
	}
	return n, p.Err()
}

// Handle selects the elements and sends their contents.
func (n *htmlNode) Handle(_ context.Context, m engine.Msg, out *engine.Output) error {
	value, ok := n.property.Get(m)
	if !ok {
		out.Send(0, m) // nothing to parse: passed on
		return nil
	}
	sel := n.sel
	if n.tag == "" {
		if s, ok := m["select"]; ok {
			var err error
			if sel, err = parseSelector(engine.ToString(s)); err != nil {
				return err
			}
		}
	}
	var src string
	switch t := value.(type) {
	case string:
		src = t
	case []byte:
		src = string(t)
	default:
		src = engine.ToString(t)
	}
	doc, err := html.Parse(strings.NewReader(src))
	if err != nil {
		return err
	}
	var found []*html.Node
	if sel != nil {
		found = sel.all(doc)
	}
	results := make([]any, 0, len(found))
	for _, el := range found {
		results = append(results, n.extract(el))
	}
	if !n.multi {
		n.out.Set(m, results, true)
		out.Send(0, m)
		return nil
	}
	id, _ := m["_msgid"].(string)
	for i, r := range results {
		if s, ok := r.(string); ok && s == "" {
			continue // Node-RED sends only truthy results
		}
		c := m.Clone()
		n.out.Set(c, r, true)
		c["parts"] = engine.ObjectOf("id", id, "index", float64(i), "count", float64(len(results)), "type", "string", "ch", "")
		out.Send(0, c)
	}
	return nil
}

func (n *htmlNode) extract(el *html.Node) any {
	switch n.ret {
	case "text":
		var b strings.Builder
		textContent(&b, el)
		return b.String()
	case "attr":
		return attribs(el)
	case "compl":
		a := engine.ObjectOf(n.chr, strings.TrimSpace(innerHTML(el, false)))
		for k, v := range attribs(el).All() {
			a.Set(k, v)
		}
		return a
	}
	return innerHTML(el, true)
}

func attribs(el *html.Node) *engine.Object {
	a := engine.NewObject(len(el.Attr))
	for _, at := range el.Attr {
		a.Set(htmlAttrName(at), at.Val)
	}
	return a
}

func htmlAttrName(a html.Attribute) string {
	if a.Namespace != "" {
		return a.Namespace + ":" + a.Key
	}
	return a.Key
}

// textContent is cheerio's text(): the text of every descendant except
// comments and the contents of script and style elements.
func textContent(b *strings.Builder, n *html.Node) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		switch c.Type {
		case html.TextNode:
			b.WriteString(c.Data)
		case html.ElementNode:
			if c.Data != "script" && c.Data != "style" {
				textContent(b, c)
			}
		}
	}
}

// innerHTML serialises el's children as cheerio does: xml (ret "html",
// Node-RED re-renders the trimmed html as XML: self-closing empty
// elements, every special or non-ASCII character as an entity) or html
// (ret "compl": &, <, > and non-breaking spaces escaped, raw text in
// script and style).
func innerHTML(el *html.Node, xml bool) string {
	var b strings.Builder
	for c := el.FirstChild; c != nil; c = c.NextSibling {
		render(&b, c, xml, el.Type == html.ElementNode && (el.Data == "script" || el.Data == "style"))
	}
	if !xml {
		return b.String()
	}
	// the trim happens on the html form; trimming the xml form is the same
	// except for entities, which never are whitespace
	return strings.TrimSpace(b.String())
}

var voidElements = map[string]bool{"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true, "img": true,
	"input": true, "link": true, "meta": true, "param": true, "source": true, "track": true, "wbr": true}

func render(b *strings.Builder, n *html.Node, xml, raw bool) {
	switch n.Type {
	case html.TextNode:
		switch {
		case xml:
			b.WriteString(encodeXML(n.Data))
		case raw:
			b.WriteString(n.Data)
		default:
			b.WriteString(escapeHTML(n.Data, false))
		}
	case html.CommentNode:
		b.WriteString("<!--" + n.Data + "-->")
	case html.ElementNode:
		b.WriteString("<" + n.Data)
		for _, a := range n.Attr {
			v := escapeHTML(a.Val, true)
			if xml {
				v = encodeXML(a.Val)
			}
			b.WriteString(" " + htmlAttrName(a) + `="` + v + `"`)
		}
		if (xml && n.FirstChild == nil) || (!xml && voidElements[n.Data]) {
			if xml {
				b.WriteString("/>")
			} else {
				b.WriteString(">")
			}
			return
		}
		b.WriteString(">")
		childRaw := n.Data == "script" || n.Data == "style"
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			render(b, c, xml, childRaw)
		}
		b.WriteString("</" + n.Data + ">")
	case html.DoctypeNode:
		b.WriteString("<!DOCTYPE " + n.Data + ">")
	}
}

// encodeXML is the entities library's encodeXML.
func encodeXML(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '"':
			b.WriteString("&quot;")
		case r == '\'':
			b.WriteString("&apos;")
		case r > 0x7f:
			fmt.Fprintf(&b, "&#x%X;", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// escapeHTML is dom-serializer's html escaping of text and attributes.
func escapeHTML(s string, attr bool) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '\u00a0':
			b.WriteString("&nbsp;")
		case r == '"' && attr:
			b.WriteString("&quot;")
		case (r == '<' || r == '>') && !attr:
			if r == '<' {
				b.WriteString("&lt;")
			} else {
				b.WriteString("&gt;")
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// selector is a CSS selector group: the subset of type (tag and *),
// .class, #id, [attr], [attr=value], [attr~=value], [attr^=value],
// [attr$=value], [attr*=value] compound selectors joined by descendant
// (space) and child (>) combinators, in comma-separated groups.
type selector []complexSel

// complexSel is compound selectors right to left with the combinator
// before each.
type complexSel struct {
	parts []compound
	child []bool // child[i]: parts[i] and parts[i+1] are joined by >
}

type compound struct {
	tag     string // "" or "*" for any
	id      string
	classes []string
	attrs   []attrSel
}

type attrSel struct {
	name, op, val string
}

func parseSelector(s string) (selector, error) {
	var sel selector
	for _, group := range splitTop(s, ',') {
		group = strings.TrimSpace(group)
		if group == "" {
			return nil, fmt.Errorf("invalid selector %q", s)
		}
		var cx complexSel
		tokens := tokenizeSelector(group)
		expectCompound, child := true, false
		for _, tok := range tokens {
			if tok == ">" {
				if expectCompound {
					return nil, fmt.Errorf("invalid selector %q", s)
				}
				child, expectCompound = true, true
				continue
			}
			c, err := parseCompound(tok)
			if err != nil {
				return nil, fmt.Errorf("invalid selector %q: %w", s, err)
			}
			if len(cx.parts) > 0 {
				cx.child = append(cx.child, child)
			}
			cx.parts = append(cx.parts, c)
			child, expectCompound = false, false
		}
		if expectCompound {
			return nil, fmt.Errorf("invalid selector %q", s)
		}
		sel = append(sel, cx)
	}
	return sel, nil
}

// splitTop splits s at sep outside brackets and quotes.
func splitTop(s string, sep byte) []string {
	var out []string
	depth, quote, last := 0, byte(0), 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '[':
			depth++
		case c == ']':
			depth--
		case c == sep && depth == 0:
			out = append(out, s[last:i])
			last = i + 1
		}
	}
	return append(out, s[last:])
}

// tokenizeSelector splits a complex selector into compounds and ">".
func tokenizeSelector(s string) []string {
	var out []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, cur.String())
			cur.Reset()
		}
	}
	depth, quote := 0, byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
			cur.WriteByte(c)
		case c == '"' || c == '\'':
			quote = c
			cur.WriteByte(c)
		case c == '[':
			depth++
			cur.WriteByte(c)
		case c == ']':
			depth--
			cur.WriteByte(c)
		case depth == 0 && (c == ' ' || c == '\t' || c == '\n'):
			flush()
		case depth == 0 && c == '>':
			flush()
			out = append(out, ">")
		default:
			cur.WriteByte(c)
		}
	}
	flush()
	return out
}

func isIdent(c byte) bool {
	return c == '-' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

func parseCompound(s string) (compound, error) {
	var c compound
	i := 0
	ident := func() string {
		start := i
		for i < len(s) && isIdent(s[i]) {
			i++
		}
		return s[start:i]
	}
	if i < len(s) && s[i] == '*' {
		c.tag = "*"
		i++
	} else {
		c.tag = strings.ToLower(ident())
	}
	for i < len(s) {
		switch s[i] {
		case '#':
			i++
			if c.id = ident(); c.id == "" {
				return c, errors.New("empty id")
			}
		case '.':
			i++
			cl := ident()
			if cl == "" {
				return c, errors.New("empty class")
			}
			c.classes = append(c.classes, cl)
		case '[':
			end := strings.IndexByte(s[i:], ']')
			if end < 0 {
				return c, errors.New("unclosed [")
			}
			a, err := parseAttrSel(s[i+1 : i+end])
			if err != nil {
				return c, err
			}
			c.attrs = append(c.attrs, a)
			i += end + 1
		default:
			return c, fmt.Errorf("unsupported %q", s[i:])
		}
	}
	return c, nil
}

func parseAttrSel(s string) (attrSel, error) {
	for _, op := range []string{"~=", "^=", "$=", "*=", "|=", "="} {
		if k := strings.Index(s, op); k > 0 {
			val := strings.TrimSpace(s[k+len(op):])
			if len(val) >= 2 && (val[0] == '"' || val[0] == '\'') && val[len(val)-1] == val[0] {
				val = val[1 : len(val)-1]
			}
			return attrSel{name: strings.ToLower(strings.TrimSpace(s[:k])), op: op, val: val}, nil
		}
	}
	name := strings.ToLower(strings.TrimSpace(s))
	if name == "" {
		return attrSel{}, errors.New("empty attribute")
	}
	return attrSel{name: name}, nil
}

// all returns the elements of doc matching any group, in document order.
func (sel selector) all(doc *html.Node) []*html.Node {
	var out []*html.Node
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			for _, cx := range sel {
				if cx.match(c) {
					out = append(out, c)
					break
				}
			}
			walk(c)
		}
	}
	walk(doc)
	return out
}

func (cx complexSel) match(n *html.Node) bool {
	return cx.matchFrom(n, len(cx.parts)-1)
}

// matchFrom matches parts[:i+1] with parts[i] on n.
func (cx complexSel) matchFrom(n *html.Node, i int) bool {
	if !cx.parts[i].match(n) {
		return false
	}
	if i == 0 {
		return true
	}
	for p := n.Parent; p != nil && p.Type == html.ElementNode; p = p.Parent {
		if cx.matchFrom(p, i-1) {
			return true
		}
		if cx.child[i-1] {
			return false
		}
	}
	return false
}

func (c compound) match(n *html.Node) bool {
	if c.tag != "" && c.tag != "*" && n.Data != c.tag {
		return false
	}
	if c.id != "" && attr(n, "id") != c.id {
		return false
	}
	if len(c.classes) > 0 {
		have := strings.Fields(attr(n, "class"))
		for _, want := range c.classes {
			found := false
			for _, h := range have {
				found = found || h == want
			}
			if !found {
				return false
			}
		}
	}
	for _, a := range c.attrs {
		v, ok := attrOK(n, a.name)
		if !ok {
			return false
		}
		switch a.op {
		case "=":
			ok = v == a.val
		case "~=":
			ok = false
			for _, f := range strings.Fields(v) {
				ok = ok || f == a.val
			}
		case "^=":
			ok = a.val != "" && strings.HasPrefix(v, a.val)
		case "$=":
			ok = a.val != "" && strings.HasSuffix(v, a.val)
		case "*=":
			ok = a.val != "" && strings.Contains(v, a.val)
		case "|=":
			ok = v == a.val || strings.HasPrefix(v, a.val+"-")
		}
		if !ok {
			return false
		}
	}
	return true
}

func attr(n *html.Node, name string) string {
	v, _ := attrOK(n, name)
	return v
}

func attrOK(n *html.Node, name string) (string, bool) {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == name {
			return a.Val, true
		}
	}
	return "", false
}
