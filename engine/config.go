package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"regexp/syntax"
	"strings"
)

// Config is one node's configuration as deployed: its identity and every
// property of its JSON object.
type Config struct {
	ID    string
	Type  string
	Name  string
	Flow  string // the tab (z); "" for config nodes
	Group string // the group (g), if any
	Props map[string]json.RawMessage

	jsonata  JSONata       // set by the engine from Options.JSONata
	deferred []*FieldError // problems the node reports when it starts or runs (Props.Defer)
}

// Reader returns a property reader for c that collects field errors.
func (c *Config) Reader() *Props { return &Props{c: c} }

// Props reads properties the way Node-RED's editor writes them (numbers often
// as strings, booleans as "true"), collecting a *FieldError per bad field.
type Props struct {
	c    *Config
	errs []error
}

// Fail records a field error.
func (p *Props) Fail(field, format string, args ...any) {
	p.errs = append(p.errs, &FieldError{Node: p.c.ID, Type: p.c.Type, Field: field, Reason: fmt.Sprintf(format, args...)})
}

// Err returns every recorded field error, joined, or nil.
func (p *Props) Err() error { return errors.Join(p.errs...) }

// Defer records a problem the node reports itself when it runs, as
// Node-RED's node does (a bad regular expression of a switch rule fails each
// message): the node is constructed, the deploy goes on, and the problem is a
// warning in the deploy answer. It returns the problem's reason as an error
// for the node to report.
func (p *Props) Defer(field, format string, args ...any) error {
	fe := &FieldError{Node: p.c.ID, Type: p.c.Type, Field: field, Reason: fmt.Sprintf(format, args...)}
	p.c.deferred = append(p.c.deferred, fe)
	return errors.New(fe.Reason)
}

// Has reports whether the property is present and not null.
func (p *Props) Has(name string) bool {
	raw, ok := p.c.Props[name]
	return ok && string(raw) != "null"
}

// Raw returns the property's JSON.
func (p *Props) Raw(name string) json.RawMessage { return p.c.Props[name] }

// Any returns the property decoded as a JSON value (nil when absent).
func (p *Props) Any(name string) any {
	raw, ok := p.c.Props[name]
	if !ok {
		return nil
	}
	v, err := decodeConfigJSON(raw)
	if err != nil {
		p.Fail(name, "invalid JSON: %v", err)
	}
	return v
}

// String returns a string property; numbers and booleans are given as text.
func (p *Props) String(name, def string) string {
	v := p.Any(name)
	switch t := v.(type) {
	case nil:
		return def
	case string:
		return t
	case float64, bool:
		return ToString(t)
	}
	p.Fail(name, "must be a string")
	return def
}

// Number returns a number property written as a number or numeric string;
// absent or "" gives def, anything else is a field error.
func (p *Props) Number(name string, def float64) float64 {
	v := p.Any(name)
	switch t := v.(type) {
	case nil:
		return def
	case float64:
		return t
	case bool:
		p.Fail(name, "must be a number, got %v", t)
		return def
	case string:
		if strings.TrimSpace(t) == "" {
			return def
		}
		f := ToNumber(t)
		if math.IsNaN(f) {
			p.Fail(name, "must be a number, got %q", t)
			return def
		}
		return f
	}
	p.Fail(name, "must be a number")
	return def
}

// Int is Number truncated to an int.
func (p *Props) Int(name string, def int) int {
	return int(p.Number(name, float64(def)))
}

// Bool returns a boolean property written as true/false or "true"/"false".
func (p *Props) Bool(name string, def bool) bool {
	switch t := p.Any(name).(type) {
	case nil:
		return def
	case bool:
		return t
	case string:
		switch t {
		case "true":
			return true
		case "false", "":
			return false
		}
		p.Fail(name, "must be true or false, got %q", t)
	case float64:
		return t != 0
	}
	return def
}

// Decode unmarshals the property into v (absent: v is left alone).
func (p *Props) Decode(name string, v any) {
	raw, ok := p.c.Props[name]
	if !ok || string(raw) == "null" {
		return
	}
	if err := json.Unmarshal(raw, v); err != nil {
		p.Fail(name, "invalid value: %v", err)
	}
}

// Path compiles a message property expression (a leading "msg." is dropped);
// an absent or empty property gives def.
func (p *Props) Path(name, def string) Path {
	s := strings.TrimPrefix(p.String(name, def), "msg.")
	if s == "" {
		s = def
	}
	path, err := ParsePath(s)
	if err != nil {
		p.Fail(name, "%v", err)
	}
	return path
}

// Typed compiles the typed value in property valueProp whose kind is in
// property typeProp (defaultKind when absent). A value that does not compile
// is deferred (Defer): the node runs and each Eval fails with the problem,
// as Node-RED's evaluateNodeProperty does.
func (p *Props) Typed(valueProp, typeProp, defaultKind string) *Typed {
	kind := p.String(typeProp, defaultKind)
	if kind == "" {
		kind = defaultKind
	}
	value := p.String(valueProp, "")
	if kind == "json" || kind == "bin" {
		// the editor writes json values as text; accept raw JSON too
		if raw := p.Raw(valueProp); len(raw) > 0 && raw[0] != '"' && string(raw) != "null" {
			value = string(raw)
		}
	}
	t, err := CompileTypedWith(kind, value, p.c.jsonata)
	if err != nil {
		p.Defer(valueProp, "%v", err)
	}
	return t
}

// Regexp compiles a regular expression property (JavaScript syntax where Go
// agrees); caseInsensitive adds (?i).
func (p *Props) Regexp(name, pattern string, caseInsensitive bool) *regexp.Regexp {
	re, err := CompileJSRegexp(pattern, caseInsensitive)
	if err != nil {
		p.Fail(name, "invalid regular expression: %v", err)
	}
	return re
}

// CompileJSRegexp compiles a JavaScript-style regular expression.
func CompileJSRegexp(pattern string, caseInsensitive bool) (*regexp.Regexp, error) {
	if caseInsensitive {
		pattern = "(?i)" + pattern
	}
	return regexp.Compile(pattern)
}

// JSRegexpError is JavaScript's SyntaxError text for a pattern that did not
// compile (err from CompileJSRegexp), as Node-RED's nodes report it:
// "Invalid regular expression: /pattern/flags: reason", with V8's reason
// where Go's regexp names the same fault.
func JSRegexpError(pattern, flags string, err error) error {
	reason := err.Error()
	var se *syntax.Error
	if errors.As(err, &se) {
		if js, ok := jsRegexpReasons[se.Code]; ok {
			reason = js
		}
	}
	return fmt.Errorf("Invalid regular expression: /%s/%s: %s", pattern, flags, reason)
}

// jsRegexpReasons are V8's words for the faults Go's regexp also finds.
var jsRegexpReasons = map[syntax.ErrorCode]string{
	syntax.ErrMissingBracket:        "Unterminated character class",
	syntax.ErrMissingParen:          "Unterminated group",
	syntax.ErrUnexpectedParen:       "Unmatched ')'",
	syntax.ErrMissingRepeatArgument: "Nothing to repeat",
	syntax.ErrInvalidRepeatOp:       "Nothing to repeat",
	syntax.ErrInvalidRepeatSize:     "numbers out of order in {} quantifier",
	syntax.ErrTrailingBackslash:     "\\ at end of pattern",
	syntax.ErrInvalidCharRange:      "Range out of order in character class",
}

// ParseNumberString is JavaScript's Number(s) for a property value, with an
// error when it is not a number.
func ParseNumberString(s string) (float64, error) {
	f := ToNumber(s)
	if math.IsNaN(f) {
		return 0, fmt.Errorf("not a number: %q", s)
	}
	return f, nil
}

// decodeConfigJSON decodes a node property for its constructor: objects as
// Go maps (a constructor reads fields, not key order). Values that end up in
// messages are decoded with DecodeJSON, which keeps the order.
func decodeConfigJSON(raw []byte) (any, error) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	return v, nil
}
