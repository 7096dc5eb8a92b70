package parser

import (
	"context"
	"fmt"
	"unicode/utf16"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/nodes/internal/jsonschema"
)

func jsonSpec() engine.Spec {
	return engine.Spec{
		Type: "json", Category: "parser", Color: "#DEBD5C", Icon: "parser-json.svg", LabelProp: "name",
		Inputs: 1, Outputs: 1,
		Props: []engine.Prop{
			{Name: "name", Kind: engine.KindString, Default: ""},
			propertyProp(),
			{Name: "action", Label: "Action", Kind: engine.KindSelect, Default: "", Options: []engine.Option{
				{Value: "", Label: "Convert between JSON String & Object"},
				{Value: "str", Label: "Always convert to JSON String"},
				{Value: "obj", Label: "Always convert to JavaScript Object"},
			}},
			{Name: "pretty", Label: "Format JSON string", Kind: engine.KindBool, Default: false},
		},
		Help: help("json"),
	}
}

// jsonNode converts a property between JSON text and a value.
type jsonNode struct {
	res      *engine.Resources
	property engine.Path
	action   string
	indent   string

	// the last msg.schema, compiled (Node-RED compiles again when the
	// schema's JSON changes)
	schemaJSON string
	schema     *jsonschema.Schema
}

func newJSON(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	n := &jsonNode{res: res}
	n.property = p.Path("property", "payload")
	n.action = p.String("action", "")
	switch n.action {
	case "", "str", "obj":
	default:
		p.Fail("action", "unknown action %q", n.action)
	}
	if p.Bool("pretty", false) {
		n.indent = "    "
	}
	return n, p.Err()
}

func (n *jsonNode) Handle(_ context.Context, msg engine.Msg, out *engine.Output) error {
	var schema *jsonschema.Schema
	if engine.Truthy(msg["schema"]) {
		var err error
		if schema, err = n.compileSchema(msg["schema"]); err != nil {
			return err
		}
	}
	value, ok := n.property.Get(msg)
	if !ok {
		out.Send(0, msg)
		return nil
	}
	switch v := value.(type) {
	case string, []byte:
		text, _ := v.(string)
		if b, isBuf := v.([]byte); isBuf {
			text = string(b)
		}
		if n.action == "str" {
			if schema != nil {
				parsed, err := parseJSON(text)
				if err != nil {
					return err
				}
				if err := validate(schema, msg, parsed); err != nil {
					return err
				}
			}
			out.Send(0, msg)
			return nil
		}
		parsed, err := parseJSON(text)
		if err != nil {
			return err
		}
		n.property.Set(msg, parsed, true)
		if err := validate(schema, msg, parsed); err != nil {
			return err
		}
	case *engine.Object, map[string]any, []any, float64, bool, nil, engine.Msg:
		if err := validate(schema, msg, v); err != nil {
			return err
		}
		if n.action == "obj" {
			out.Send(0, msg)
			return nil
		}
		s, err := stringifyJSON(v, n.indent)
		if err != nil {
			return userError("Failed to convert payload")
		}
		n.property.Set(msg, s, true)
	default:
		n.res.Log.Warn("Ignored unsupported payload type")
		return nil
	}
	out.Send(0, msg)
	return nil
}

// compileSchema returns msg.schema compiled, from the last one when its JSON
// is the same.
func (n *jsonNode) compileSchema(v any) (*jsonschema.Schema, error) {
	text, _ := engine.JSONString(v, "")
	if n.schema != nil && text == n.schemaJSON {
		return n.schema, nil
	}
	s, err := jsonschema.Compile(v)
	if err != nil {
		n.schema, n.schemaJSON = nil, ""
		n.res.Log.Debug("schema refused", "err", err)
		return nil, userError("JSON Schema error: failed to compile schema")
	}
	n.schema, n.schemaJSON = s, text
	return s, nil
}

// validate checks v against schema (nil: nothing to check) as Node-RED's
// json node: valid, msg.schema is removed; invalid, msg.schemaError holds
// ajv's errors and the error text lists them.
func validate(schema *jsonschema.Schema, msg engine.Msg, v any) error {
	if schema == nil {
		return nil
	}
	errs := schema.Validate(v)
	if len(errs) == 0 {
		delete(msg, "schema")
		return nil
	}
	msg["schemaError"] = errs
	return userError("JSON Schema error: " + jsonschema.Text(errs))
}

// stringifyJSON is JSON.stringify(v, null, indent): objects in their key
// order, buffers in Node's {"type":"Buffer","data":[...]} form, U+2028 and
// U+2029 unescaped.
func stringifyJSON(v any, indent string) (string, error) {
	return engine.JSONString(v, indent)
}

// parseJSON is JSON.parse: on failure the error has V8's wording.
func parseJSON(text string) (any, error) {
	v, err := engine.DecodeJSON([]byte(text))
	if err == nil {
		return v, nil
	}
	return nil, userError(v8JSONError(text))
}

// v8JSONError scans text as V8's JSON parser does and returns the message
// V8 gives for the first problem.
func v8JSONError(text string) string {
	s := &jsonScan{src: utf16.Encode([]rune(text))}
	s.skipSpace()
	msg := s.value()
	if msg == "" {
		s.skipSpace()
		if s.pos < len(s.src) {
			msg = fmt.Sprintf("Unexpected non-whitespace character after JSON at position %d", s.pos)
		}
	}
	if msg == "" {
		msg = "Unexpected token in JSON"
	}
	return msg
}

// jsonScan walks JSON text in UTF-16 code units, as V8 counts positions.
type jsonScan struct {
	src []uint16
	pos int
}

func (s *jsonScan) at(what string) string {
	return fmt.Sprintf("%s in JSON at position %d", what, s.pos)
}

func (s *jsonScan) skipSpace() {
	for s.pos < len(s.src) {
		switch s.src[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

func (s *jsonScan) eos() bool { return s.pos >= len(s.src) }

// unexpected is V8's message for an unexpected character at pos.
func (s *jsonScan) unexpected() string {
	if s.eos() {
		return "Unexpected end of JSON input"
	}
	c := s.src[s.pos]
	if c == '"' {
		return s.at("Unexpected string")
	}
	if c >= '0' && c <= '9' || c == '-' {
		return s.at("Unexpected number")
	}
	const ctx = 10
	tok := string(utf16.Decode(s.src[s.pos : s.pos+1]))
	if len(s.src) <= 2*ctx+1 {
		return fmt.Sprintf("Unexpected token '%s', \"%s\" is not valid JSON", tok, string(utf16.Decode(s.src)))
	}
	start, end := max(0, s.pos-ctx), min(len(s.src), s.pos+ctx)
	pre, post := "", ""
	if start > 0 {
		pre = "..."
	}
	if end < len(s.src) {
		post = "..."
	}
	return fmt.Sprintf("Unexpected token '%s', %s\"%s\"%s is not valid JSON", tok, pre, string(utf16.Decode(s.src[start:end])), post)
}

// value scans one value and returns an error message, or "".
func (s *jsonScan) value() string {
	if s.eos() {
		return "Unexpected end of JSON input"
	}
	switch c := s.src[s.pos]; {
	case c == '{':
		return s.object()
	case c == '[':
		return s.array()
	case c == '"':
		return s.str()
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number()
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	}
	return s.unexpected()
}

func (s *jsonScan) literal(word string) string {
	for i := 0; i < len(word); i++ {
		if s.eos() {
			return "Unexpected end of JSON input"
		}
		if s.src[s.pos] != uint16(word[i]) {
			return s.unexpected()
		}
		s.pos++
	}
	return ""
}

func (s *jsonScan) object() string {
	s.pos++
	s.skipSpace()
	if !s.eos() && s.src[s.pos] == '}' {
		s.pos++
		return ""
	}
	first := true
	for {
		if s.eos() || s.src[s.pos] != '"' {
			if first {
				return s.at("Expected property name or '}'")
			}
			return s.at("Expected double-quoted property name")
		}
		first = false
		if m := s.str(); m != "" {
			return m
		}
		s.skipSpace()
		if s.eos() || s.src[s.pos] != ':' {
			return s.at("Expected ':' after property name")
		}
		s.pos++
		s.skipSpace()
		if m := s.value(); m != "" {
			return m
		}
		s.skipSpace()
		if s.eos() {
			return s.at("Expected ',' or '}' after property value")
		}
		switch s.src[s.pos] {
		case ',':
			s.pos++
			s.skipSpace()
		case '}':
			s.pos++
			return ""
		default:
			return s.at("Expected ',' or '}' after property value")
		}
	}
}

func (s *jsonScan) array() string {
	s.pos++
	s.skipSpace()
	if !s.eos() && s.src[s.pos] == ']' {
		s.pos++
		return ""
	}
	for {
		s.skipSpace()
		if m := s.value(); m != "" {
			return m
		}
		s.skipSpace()
		if s.eos() {
			return s.at("Expected ',' or ']' after array element")
		}
		switch s.src[s.pos] {
		case ',':
			s.pos++
		case ']':
			s.pos++
			return ""
		default:
			return s.at("Expected ',' or ']' after array element")
		}
	}
}

func (s *jsonScan) str() string {
	start := s.pos
	s.pos++
	for !s.eos() {
		c := s.src[s.pos]
		switch {
		case c == '"':
			s.pos++
			return ""
		case c < 0x20:
			return s.at("Bad control character in string literal")
		case c == '\\':
			s.pos++
			if s.eos() {
				break
			}
			switch s.src[s.pos] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.pos++
			case 'u':
				for i := 1; i <= 4; i++ {
					if s.pos+i >= len(s.src) || !isHex(s.src[s.pos+i]) {
						s.pos += i
						return s.at("Bad Unicode escape")
					}
				}
				s.pos += 5
			default:
				return s.at("Bad escaped character")
			}
		default:
			s.pos++
		}
	}
	s.pos = start
	return fmt.Sprintf("Unterminated string in JSON at position %d", len(s.src))
}

func isHex(c uint16) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func (s *jsonScan) number() string {
	if s.src[s.pos] == '-' {
		s.pos++
		if s.eos() || !isDigit(s.src[s.pos]) {
			return s.at("No number after minus sign")
		}
	}
	if s.src[s.pos] == '0' {
		s.pos++
	} else {
		for !s.eos() && isDigit(s.src[s.pos]) {
			s.pos++
		}
	}
	if !s.eos() && s.src[s.pos] == '.' {
		s.pos++
		if s.eos() || !isDigit(s.src[s.pos]) {
			return s.at("Unterminated fractional number")
		}
		for !s.eos() && isDigit(s.src[s.pos]) {
			s.pos++
		}
	}
	if !s.eos() && (s.src[s.pos] == 'e' || s.src[s.pos] == 'E') {
		s.pos++
		if !s.eos() && (s.src[s.pos] == '+' || s.src[s.pos] == '-') {
			s.pos++
		}
		if s.eos() || !isDigit(s.src[s.pos]) {
			return s.at("Exponent part is missing a number")
		}
		for !s.eos() && isDigit(s.src[s.pos]) {
			s.pos++
		}
	}
	return ""
}

func isDigit(c uint16) bool { return c >= '0' && c <= '9' }
