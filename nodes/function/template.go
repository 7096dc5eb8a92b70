package function

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/flowgate/flowgate/nodes/internal/yamlvalue"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/nodes/internal/mustache"
)

func templateSpec() engine.Spec {
	return engine.Spec{
		Type: "template", Category: "function", Color: "rgb(243, 181, 103)", Icon: "template.svg",
		Inputs: 1, Outputs: 1, LabelProp: "name",
		Props: []engine.Prop{
			{Name: "name", Kind: engine.KindString, Default: ""},
			{Name: "field", Kind: engine.KindTyped, Default: "payload", TypeProp: "fieldType", Types: []string{"msg", "flow", "global"}},
			{Name: "fieldType", Kind: engine.KindString, Default: "msg", Hidden: true},
			{Name: "format", Kind: engine.KindSelect, Default: "handlebars", Options: []engine.Option{
				{Value: "handlebars", Label: "Mustache template"}, {Value: "html", Label: "HTML"},
				{Value: "json", Label: "JSON"}, {Value: "javascript", Label: "JavaScript"},
				{Value: "css", Label: "CSS"}, {Value: "markdown", Label: "Markdown"},
				{Value: "python", Label: "Python"}, {Value: "sql", Label: "SQL"},
				{Value: "yaml", Label: "YAML"}, {Value: "text", Label: "none"}}},
			{Name: "syntax", Kind: engine.KindSelect, Default: "mustache", Options: []engine.Option{
				{Value: "mustache", Label: "Mustache template"}, {Value: "plain", Label: "Plain text"}}},
			{Name: "template", Kind: engine.KindCode, Lang: "mustache", Default: "This is the payload: {{payload}} !"},
			{Name: "output", Kind: engine.KindSelect, Default: "str", Options: []engine.Option{
				{Value: "str", Label: "Plain text"}, {Value: "json", Label: "Parsed JSON"}, {Value: "yaml", Label: "Parsed YAML"}}},
		},
		Help: help("template"),
	}
}

type templateNode struct {
	hasName   bool // for KeepsName
	res       *engine.Resources
	field     msgProp // fieldType msg
	fieldType string
	store     string // fieldType flow/global
	key       string
	text      string
	mustache  bool
	compiled  *mustache.Template // nil when the node's template is empty
	output    string
}

// KeepsName implements engine.NameKeeper.
func (n *templateNode) KeepsName() bool { return n.hasName }

func newTemplate(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	n := &templateNode{res: res, hasName: p.Has("name")}
	n.fieldType = p.String("fieldType", "msg")
	field := p.String("field", "payload")
	if field == "" {
		field = "payload"
	}
	switch n.fieldType {
	case "", "msg":
		n.fieldType = "msg"
		mp, err := compileMsgProp(field)
		if err != nil {
			p.Fail("field", "%v", err)
		}
		n.field = mp
	case "flow", "global":
		n.store, n.key = engine.ParseContextKey(field)
		if _, err := engine.ParsePath(n.key); err != nil {
			p.Fail("field", "%v", err)
		}
	default:
		p.Fail("fieldType", "unknown field type %q", n.fieldType)
	}
	n.text = p.String("template", "")
	syntax := p.String("syntax", "mustache")
	n.mustache = syntax == "" || syntax == "mustache"
	if n.mustache && n.text != "" {
		t, err := mustache.Parse(n.text)
		if err != nil {
			p.Fail("template", "%v", err)
		}
		n.compiled = t
	}
	n.output = p.String("output", "str")
	switch n.output {
	case "", "str", "json", "yaml":
	default:
		p.Fail("output", "unknown output format %q", n.output)
	}
	return n, p.Err()
}

// Handle renders the template (msg.template when the node's is empty) and
// stores the result in the field.
func (n *templateNode) Handle(_ context.Context, m engine.Msg, out *engine.Output) error {
	text, compiled := n.text, n.compiled
	if mt, ok := m["template"]; ok && n.text == "" {
		text = jsText(mt)
		compiled = nil
	}
	value := text
	if n.mustache {
		if compiled == nil {
			t, err := mustache.Parse(text)
			if err != nil {
				return err
			}
			compiled = t
		}
		value = compiled.RenderNested(n.lookup(m))
	}
	var result any = value
	switch n.output {
	case "json":
		v, err := jsonParse(value)
		if err != nil {
			return err
		}
		result = v
	case "yaml":
		v, _, err := yamlvalue.Load(value)
		if err != nil {
			return err
		}
		result = v
	}
	if n.fieldType == "msg" {
		n.field.path.Set(m, result, true)
	} else if err := contextOf(n.res, n.fieldType).Set(n.store, n.key, result); err != nil {
		return err
	}
	out.Send(0, m)
	return nil
}

var (
	contextToken = regexp.MustCompile(`^(flow|global)(\[(\w+)\])?\.(.+)`)
	jsonEscaper  = strings.NewReplacer(`\`, `\\`, "\n", `\n`, "\t", `\t`, "\r", `\r`, "\f", `\f`, "\b", `\b`)
)

// lookup resolves mustache names as Node-RED's template node: msg
// properties first, then env.X, flow.x and global.x, else "".
func (n *templateNode) lookup(m engine.Msg) func(name string, nested bool) (any, bool) {
	escape := n.output == "json"
	return func(name string, nested bool) (any, bool) {
		var v any
		var ok bool
		if name == "." {
			v, ok = m, true
		} else {
			v, ok = mustache.Property(m, name)
		}
		if ok {
			if s, isStr := v.(string); isStr && escape && !nested {
				v = jsonEscaper.Replace(s)
			}
			return v, true
		}
		if env, found := strings.CutPrefix(name, "env."); found && env != "" {
			val, set := n.res.Env(env)
			return val, set
		}
		if match := contextToken.FindStringSubmatch(name); match != nil {
			c := contextOf(n.res, match[1])
			if c == nil {
				return "", true
			}
			val, err := c.Get(match[3], match[4])
			if err != nil || val == nil {
				return nil, false
			}
			return val, true
		}
		return "", true
	}
}

// literalPrefix is how many bytes of s begin true, false or null.
func literalPrefix(s string) int {
	best := 0
	for _, w := range []string{"true", "false", "null"} {
		n := 0
		for n < len(s) && n < len(w) && s[n] == w[n] {
			n++
		}
		best = max(best, n)
	}
	return best
}

// jsonParse is JSON.parse with V8's error texts for the common cases.
func jsonParse(s string) (any, error) {
	v, err := engine.DecodeJSON([]byte(s))
	if err == nil {
		return v, nil
	}
	if strings.TrimSpace(s) == "" {
		return nil, errors.New("Unexpected end of JSON input")
	}
	var se *engine.SyntaxError
	if errors.As(err, &se) {
		off := se.Offset
		if off < len(s) && se.Msg == "unexpected character" {
			off += literalPrefix(s[off:]) // V8 names the first byte no literal continues with
		}
		switch {
		case off >= len(s) || strings.Contains(se.Msg, "unexpected end"):
			return nil, errors.New("Unexpected end of JSON input")
		case strings.Contains(se.Msg, "after JSON"):
			return nil, fmt.Errorf("Unexpected non-whitespace character after JSON at position %d", off)
		}
		return nil, fmt.Errorf("Unexpected token '%c', \"%s\" is not valid JSON", s[off], s)
	}
	return nil, err
}
