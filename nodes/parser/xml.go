package parser

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/flowgate/flowgate/engine"
)

func xmlSpec() engine.Spec {
	return engine.Spec{
		Type: "xml", Category: "parser", Color: "#DEBD5C", Icon: "parser-xml.svg", LabelProp: "name",
		Inputs: 1, Outputs: 1,
		Props: []engine.Prop{
			{Name: "name", Kind: engine.KindString, Default: ""},
			propertyProp(),
			{Name: "attr", Label: "Property name for XML tag attributes", Kind: engine.KindString, Default: ""},
			{Name: "chr", Label: "Property name for tag text content", Kind: engine.KindString, Default: ""},
		},
		Help: help("xml"),
	}
}

// xmlNode converts a property between XML text and an object, with the
// conventions of xml2js that Node-RED uses.
type xmlNode struct {
	res      *engine.Resources
	property engine.Path
	attrKey  string
	charKey  string
}

func newXML(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	n := &xmlNode{res: res}
	n.property = p.Path("property", "payload")
	n.attrKey = p.String("attr", "")
	n.charKey = p.String("chr", "")
	return n, p.Err()
}

func (n *xmlNode) Handle(_ context.Context, msg engine.Msg, out *engine.Output) error {
	value, ok := n.property.Get(msg)
	if !ok {
		out.Send(0, msg)
		return nil
	}
	userOpts, hasOpts := engine.AsObject(msg["options"])
	if hasOpts {
		msg["options"] = userOpts // Node-RED sets async and the keys on msg.options
	}
	switch v := value.(type) {
	case *engine.Object, map[string]any, []any, nil, []byte, engine.Msg:
		opts := engine.ObjectOf("renderOpts", engine.ObjectOf("pretty", false))
		if hasOpts {
			opts = userOpts
		}
		opts.Set("async", false)
		text, err := buildXML(v, opts)
		if err != nil {
			return err
		}
		n.property.Set(msg, text, true)
	case string:
		opts := engine.NewObject(3)
		if hasOpts {
			opts = userOpts
		}
		opts.Set("async", true)
		opts.Set("attrkey", firstNonEmpty(n.attrKey, opts.Value("attrkey"), "$"))
		opts.Set("charkey", firstNonEmpty(n.charKey, opts.Value("charkey"), "_"))
		parsed, err := parseXML(v, opts)
		if err != nil {
			return err
		}
		n.property.Set(msg, parsed, true)
	default:
		n.res.Log.Warn("This node only handles xml strings or js objects.")
		return nil
	}
	out.Send(0, msg)
	return nil
}

// firstNonEmpty is JavaScript's a || b || c for option values.
func firstNonEmpty(vals ...any) string {
	for _, v := range vals {
		if engine.Truthy(v) {
			return engine.ToString(v)
		}
	}
	return ""
}

// xmlParseOptions are the xml2js parser options Flowgate honours.
type xmlParseOptions struct {
	attrKey, charKey string
	explicitArray    bool
	explicitRoot     bool
	explicitCharkey  bool
	mergeAttrs       bool
	ignoreAttrs      bool
	trim, normalize  bool
	normalizeTags    bool
	emptyTag         any
}

func optBool(opts *engine.Object, name string, def bool) bool {
	if v, ok := opts.Get(name); ok {
		return engine.Truthy(v)
	}
	return def
}

// xmlElement is an element being parsed: its object so far, and its name.
// The object starts with the text key, as xml2js's does, so that text comes
// first in the element's value.
type xmlElement struct {
	name string
	obj  *engine.Object
	text strings.Builder
}

// parseXML is xml2js's parseString with Node-RED's options.
func parseXML(text string, opts *engine.Object) (any, error) {
	o := xmlParseOptions{
		attrKey: engine.ToString(opts.Value("attrkey")), charKey: engine.ToString(opts.Value("charkey")),
		explicitArray: optBool(opts, "explicitArray", true), explicitRoot: optBool(opts, "explicitRoot", true),
		explicitCharkey: optBool(opts, "explicitCharkey", false), mergeAttrs: optBool(opts, "mergeAttrs", false),
		ignoreAttrs: optBool(opts, "ignoreAttrs", false), trim: optBool(opts, "trim", false),
		normalize: optBool(opts, "normalize", false), normalizeTags: optBool(opts, "normalizeTags", false),
		emptyTag: "",
	}
	if v, ok := opts.Get("emptyTag"); ok {
		o.emptyTag = v
	}
	if strings.TrimSpace(text) == "" {
		return nil, nil
	}
	dec := xml.NewDecoder(strings.NewReader(text))
	dec.Strict = true
	var (
		stack  []*xmlElement
		result any
		done   bool
	)
	for {
		tok, err := dec.RawToken()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("Error: %s", strings.TrimPrefix(err.Error(), "XML syntax error on "))
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if done {
				return nil, errors.New("Error: Text data outside of root node.")
			}
			name := qname(t.Name)
			if o.normalizeTags {
				name = strings.ToLower(name)
			}
			el := &xmlElement{name: name, obj: engine.ObjectOf(o.charKey, "")}
			if !o.ignoreAttrs && len(t.Attr) > 0 {
				attrs := engine.NewObject(len(t.Attr))
				for _, a := range t.Attr {
					if o.mergeAttrs {
						assignOrPush(el.obj, qname(a.Name), a.Value, o.explicitArray)
					} else {
						attrs.Set(qname(a.Name), a.Value)
					}
				}
				if !o.mergeAttrs {
					el.obj.Set(o.attrKey, attrs)
				}
			}
			stack = append(stack, el)
		case xml.EndElement:
			name := qname(t.Name)
			if o.normalizeTags {
				name = strings.ToLower(name)
			}
			if len(stack) == 0 || stack[len(stack)-1].name != name {
				return nil, errors.New("Error: Unexpected close tag")
			}
			el := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			v := closeElement(el, o)
			if len(stack) > 0 {
				assignOrPush(stack[len(stack)-1].obj, el.name, v, o.explicitArray)
				continue
			}
			if o.explicitRoot {
				result = engine.ObjectOf(el.name, v)
			} else {
				result = v
			}
			done = true
		case xml.CharData:
			if len(stack) == 0 {
				if strings.TrimSpace(string(t)) != "" {
					if done {
						return nil, errors.New("Error: Text data outside of root node.")
					}
					return nil, fmt.Errorf("Error: Non-whitespace before first tag.\nLine: 0\nColumn: 1\nChar: %s", firstChar(strings.TrimSpace(string(t))))
				}
				continue
			}
			stack[len(stack)-1].text.Write(t)
		}
	}
	if len(stack) > 0 {
		return nil, fmt.Errorf("Error: Unclosed root tag")
	}
	return result, nil
}

func firstChar(s string) string {
	for _, r := range s {
		return string(r)
	}
	return ""
}

func qname(n xml.Name) string {
	if n.Space != "" {
		return n.Space + ":" + n.Local
	}
	return n.Local
}

var xmlSpaces = regexp.MustCompile(`\s{2,}`)

// closeElement turns a finished element into its value, as xml2js does.
func closeElement(el *xmlElement, o xmlParseOptions) any {
	text := el.text.String()
	obj := el.obj
	var emptyStr string
	if strings.TrimSpace(text) == "" {
		emptyStr = text
		obj.Delete(o.charKey)
	} else {
		if o.trim {
			text = strings.TrimSpace(text)
		}
		if o.normalize {
			text = strings.TrimSpace(xmlSpaces.ReplaceAllString(text, " "))
		}
		obj.Set(o.charKey, text)
		if obj.Len() == 1 && !o.explicitCharkey {
			return text
		}
	}
	if obj.Len() == 0 {
		if s, ok := o.emptyTag.(string); !ok || s != "" {
			return o.emptyTag
		}
		return emptyStr
	}
	return obj
}

func assignOrPush(obj *engine.Object, key string, v any, explicitArray bool) {
	cur, ok := obj.Get(key)
	if !ok {
		if explicitArray {
			obj.Set(key, []any{v})
		} else {
			obj.Set(key, v)
		}
		return
	}
	arr, isArr := cur.([]any)
	if !isArr {
		arr = []any{cur}
	}
	obj.Set(key, append(arr, v))
}

// xmlOut is an element to render.
type xmlOut struct {
	name     string
	attrs    [][2]string
	children []*xmlOut
	text     string
	isText   bool
}

func (e *xmlOut) ele(name string) *xmlOut {
	c := &xmlOut{name: name}
	e.children = append(e.children, c)
	return c
}

func (e *xmlOut) txt(s string) {
	e.children = append(e.children, &xmlOut{text: s, isText: true})
}

// buildXML is xml2js's Builder.buildObject with the given options.
func buildXML(v any, opts *engine.Object) (string, error) {
	attrKey, charKey := "$", "_"
	if s, ok := opts.Value("attrkey").(string); ok {
		attrKey = s
	}
	if s, ok := opts.Value("charkey").(string); ok {
		charKey = s
	}
	rootName := "root"
	customRoot := false
	if s, ok := opts.Value("rootName").(string); ok && s != "root" {
		rootName, customRoot = s, true
	}
	var rootObj = v
	if m, ok := engine.AsObject(v); ok && m.Len() == 1 && !customRoot {
		rootName, rootObj = m.At(0)
	}
	root := &xmlOut{name: rootName}
	renderXML(root, rootObj, attrKey, charKey)

	pretty, indent, newline := true, "  ", "\n"
	if ro, ok := engine.AsObject(opts.Value("renderOpts")); ok {
		pretty = optBool(ro, "pretty", true)
		if s, ok := ro.Value("indent").(string); ok {
			indent = s
		}
		if s, ok := ro.Value("newline").(string); ok {
			newline = s
		}
	}
	if !pretty {
		indent, newline = "", ""
	}
	var b strings.Builder
	if !optBool(opts, "headless", false) {
		version, encoding, standalone := "1.0", "UTF-8", "yes"
		if d, ok := engine.AsObject(opts.Value("xmldec")); ok {
			version, encoding, standalone = "1.0", "", ""
			if v := d.Value("version"); v != nil {
				version = engine.ToString(v)
			}
			if e := d.Value("encoding"); e != nil {
				encoding = engine.ToString(e)
			}
			if s := d.Value("standalone"); s != nil {
				standalone = "no"
				if engine.Truthy(s) {
					standalone = "yes"
				}
			}
		}
		b.WriteString(`<?xml version="` + version + `"`)
		if encoding != "" {
			b.WriteString(` encoding="` + encoding + `"`)
		}
		if standalone != "" {
			b.WriteString(` standalone="` + standalone + `"`)
		}
		b.WriteString("?>" + newline)
	}
	writeXML(&b, root, 0, indent, newline)
	return strings.TrimSuffix(b.String(), newline), nil
}

// renderXML is the render function of xml2js's builder.
func renderXML(el *xmlOut, v any, attrKey, charKey string) {
	if m, ok := engine.AsObject(v); ok {
		for k, child := range m.All() {
			switch {
			case k == attrKey:
				if attrs, ok := engine.AsObject(child); ok {
					for a, av := range attrs.All() {
						el.attrs = append(el.attrs, [2]string{a, xmlText(av)})
					}
				}
			case k == charKey:
				el.txt(xmlText(child))
			default:
				if arr, ok := child.([]any); ok {
					for _, entry := range arr {
						if s, ok := entry.(string); ok {
							el.ele(k).txt(s)
						} else {
							renderXML(el.ele(k), entry, attrKey, charKey)
						}
					}
				} else if _, ok := engine.AsObject(child); ok {
					renderXML(el.ele(k), child, attrKey, charKey)
				} else {
					c := el.ele(k)
					if child != nil {
						c.txt(xmlText(child))
					}
				}
			}
		}
		return
	}
	if arr, ok := v.([]any); ok {
		for _, child := range arr {
			if m, ok := engine.AsObject(child); ok {
				for k, e := range m.All() {
					renderXML(el.ele(k), e, attrKey, charKey)
				}
			}
		}
		return
	}
	if v != nil {
		el.txt(xmlText(v))
	}
}

// xmlText is the text of a value as xmlbuilder writes it.
func xmlText(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case float64:
		return engine.FormatNumber(t)
	case nil:
		return ""
	}
	return engine.ToString(v)
}

var (
	xmlTextEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\r", "&#xD;")
	xmlAttrEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", `"`, "&quot;", "\t", "&#x9;", "\n", "&#xA;", "\r", "&#xD;")
)

// writeXML writes an element as xmlbuilder's string writer does.
func writeXML(b *strings.Builder, e *xmlOut, level int, indent, newline string) {
	pad := strings.Repeat(indent, level)
	b.WriteString(pad + "<" + e.name)
	for _, a := range e.attrs {
		b.WriteString(" " + a[0] + `="` + xmlAttrEscaper.Replace(a[1]) + `"`)
	}
	empty := true
	for _, c := range e.children {
		if !c.isText || c.text != "" {
			empty = false
		}
	}
	if empty {
		b.WriteString("/>" + newline)
		return
	}
	if len(e.children) == 1 && e.children[0].isText {
		b.WriteString(">" + xmlTextEscaper.Replace(e.children[0].text) + "</" + e.name + ">" + newline)
		return
	}
	b.WriteString(">" + newline)
	for _, c := range e.children {
		if c.isText {
			b.WriteString(strings.Repeat(indent, level+1) + xmlTextEscaper.Replace(c.text) + newline)
			continue
		}
		writeXML(b, c, level+1, indent, newline)
	}
	b.WriteString(pad + "</" + e.name + ">" + newline)
}
