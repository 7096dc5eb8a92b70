package engine

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// SyntaxError is a JSON syntax error with the byte offset where it was found.
type SyntaxError struct {
	Msg    string
	Offset int
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%s at position %d", e.Msg, e.Offset)
}

// maxJSONDepth bounds nesting, as V8's parser is bounded by its stack.
const maxJSONDepth = 10000

// DecodeJSON parses JSON as JSON.parse does: objects become *Object with
// their keys in JavaScript's order (a duplicated key keeps its first place
// and its last value), numbers float64, arrays []any.
func DecodeJSON(raw []byte) (any, error) {
	p := jsonParser{s: raw}
	p.ws()
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.ws()
	if p.i < len(p.s) {
		return nil, p.fail("unexpected character after JSON")
	}
	return v, nil
}

type jsonParser struct {
	s []byte
	i int
}

func (p *jsonParser) fail(msg string) error { return &SyntaxError{Msg: msg, Offset: p.i} }

func (p *jsonParser) ws() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonParser) value(depth int) (any, error) {
	if depth > maxJSONDepth {
		return nil, p.fail("JSON nested too deeply")
	}
	if p.i >= len(p.s) {
		return nil, p.fail("unexpected end of JSON input")
	}
	switch c := p.s[p.i]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '"':
		return p.str()
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case p.lit("true"):
		return true, nil
	case p.lit("false"):
		return false, nil
	case p.lit("null"):
		return nil, nil
	}
	return nil, p.fail("unexpected character")
}

func (p *jsonParser) lit(w string) bool {
	if len(p.s)-p.i >= len(w) && string(p.s[p.i:p.i+len(w)]) == w {
		p.i += len(w)
		return true
	}
	return false
}

func (p *jsonParser) object(depth int) (any, error) {
	p.i++ // {
	o := NewObject(4)
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		return o, nil
	}
	for {
		p.ws()
		if p.i >= len(p.s) || p.s[p.i] != '"' {
			return nil, p.fail("expected a property name")
		}
		k, err := p.str()
		if err != nil {
			return nil, err
		}
		p.ws()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return nil, p.fail("expected ':' after a property name")
		}
		p.i++
		p.ws()
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		o.Set(k, v)
		p.ws()
		if p.i >= len(p.s) {
			return nil, p.fail("unexpected end of JSON input")
		}
		switch p.s[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			return o, nil
		default:
			return nil, p.fail("expected ',' or '}' after a property value")
		}
	}
}

func (p *jsonParser) array(depth int) (any, error) {
	p.i++ // [
	out := []any{}
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == ']' {
		p.i++
		return out, nil
	}
	for {
		p.ws()
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		p.ws()
		if p.i >= len(p.s) {
			return nil, p.fail("unexpected end of JSON input")
		}
		switch p.s[p.i] {
		case ',':
			p.i++
		case ']':
			p.i++
			return out, nil
		default:
			return nil, p.fail("expected ',' or ']' after an array element")
		}
	}
}

func (p *jsonParser) number() (any, error) {
	start := p.i
	if p.s[p.i] == '-' {
		p.i++
	}
	digits := func() int {
		n := 0
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	if p.i < len(p.s) && p.s[p.i] == '0' {
		p.i++
	} else if digits() == 0 {
		return nil, p.fail("no number after minus sign")
	}
	if p.i < len(p.s) && p.s[p.i] == '.' {
		p.i++
		if digits() == 0 {
			return nil, p.fail("unterminated fractional number")
		}
	}
	if p.i < len(p.s) && (p.s[p.i] == 'e' || p.s[p.i] == 'E') {
		p.i++
		if p.i < len(p.s) && (p.s[p.i] == '+' || p.s[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return nil, p.fail("exponent part is missing a number")
		}
	}
	f, err := strconv.ParseFloat(string(p.s[start:p.i]), 64)
	if err != nil && !math.IsInf(f, 0) { // 1e400 is Infinity in JavaScript
		return nil, &SyntaxError{Msg: "bad number", Offset: start}
	}
	return f, nil
}

func (p *jsonParser) str() (string, error) {
	p.i++ // "
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == '"' {
			s := p.s[start:p.i]
			p.i++
			if !utf8.Valid(s) {
				return string([]rune(string(s))), nil // invalid bytes as U+FFFD
			}
			return string(s), nil
		}
		if c == '\\' {
			return p.strEscaped(start)
		}
		if c < 0x20 {
			return "", p.fail("bad control character in string literal")
		}
		p.i++
	}
	return "", p.fail("unterminated string in JSON")
}

func (p *jsonParser) strEscaped(start int) (string, error) {
	b := make([]byte, 0, p.i-start+16)
	b = append(b, p.s[start:p.i]...)
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			if !utf8.Valid(b) {
				return string([]rune(string(b))), nil
			}
			return string(b), nil
		case c < 0x20:
			return "", p.fail("bad control character in string literal")
		case c != '\\':
			b = append(b, c)
			p.i++
			continue
		}
		p.i++
		if p.i >= len(p.s) {
			break
		}
		e := p.s[p.i]
		p.i++
		switch e {
		case '"', '\\', '/':
			b = append(b, e)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return "", p.fail("bad Unicode escape")
			}
			if utf16.IsSurrogate(r) && p.i+6 <= len(p.s) && p.s[p.i] == '\\' && p.s[p.i+1] == 'u' {
				save := p.i
				p.i += 2
				if r2, ok := p.hex4(); ok && utf16.DecodeRune(r, r2) != utf8.RuneError {
					r = utf16.DecodeRune(r, r2)
				} else {
					p.i = save
				}
			}
			b = utf8.AppendRune(b, r) // a lone surrogate becomes U+FFFD
		default:
			p.i--
			return "", p.fail("bad escaped character")
		}
	}
	return "", p.fail("unterminated string in JSON")
}

func (p *jsonParser) hex4() (rune, bool) {
	if p.i+4 > len(p.s) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(p.s[p.i:p.i+4]), 16, 32)
	if err != nil {
		return 0, false
	}
	p.i += 4
	return rune(n), true
}

// JSONString encodes v as JavaScript's JSON.stringify(v, null, indent)
// does: objects in their key order (a Go map: index keys, then sorted), no
// HTML escaping, byte buffers as {"type":"Buffer","data":[...]}, dates as
// ISO strings, NaN and Infinity as null, functions and undefined left out.
func JSONString(v any, indent string) (string, error) {
	b, err := AppendJSON(nil, v, indent)
	return string(b), err
}

// AppendJSON appends JSONString(v, indent) to b.
func AppendJSON(b []byte, v any, indent string) ([]byte, error) {
	w := jsonWriter{b: b, indent: indent}
	err := w.value(v, "", 0)
	return w.b, err
}

type jsonWriter struct {
	b      []byte
	indent string
}

func (w *jsonWriter) open(c byte, pad string) string {
	w.b = append(w.b, c)
	return pad + w.indent
}

func (w *jsonWriter) item(i int, inner string) {
	if i > 0 {
		w.b = append(w.b, ',')
	}
	if w.indent != "" {
		w.b = append(w.b, '\n')
		w.b = append(w.b, inner...)
	}
}

func (w *jsonWriter) close(c byte, n int, pad string) {
	if w.indent != "" && n > 0 {
		w.b = append(w.b, '\n')
		w.b = append(w.b, pad...)
	}
	w.b = append(w.b, c)
}

func (w *jsonWriter) key(k string) {
	w.b = AppendJSONQuote(w.b, k)
	w.b = append(w.b, ':')
	if w.indent != "" {
		w.b = append(w.b, ' ')
	}
}

func (w *jsonWriter) value(v any, pad string, depth int) error {
	if depth > maxJSONDepth {
		return fmt.Errorf("converting circular structure to JSON")
	}
	switch t := v.(type) {
	case nil:
		w.b = append(w.b, "null"...)
	case string:
		w.b = AppendJSONQuote(w.b, t)
	case bool:
		w.b = strconv.AppendBool(w.b, t)
	case float64:
		w.number(t)
	case int:
		w.b = strconv.AppendInt(w.b, int64(t), 10)
	case int64:
		w.b = strconv.AppendInt(w.b, t, 10)
	case float32:
		w.number(float64(t))
	case *Object:
		return w.object(t, pad, depth)
	case Msg:
		return w.object(ObjectFromMap(t), pad, depth)
	case map[string]any:
		return w.object(ObjectFromMap(t), pad, depth)
	case []any:
		inner := w.open('[', pad)
		for i, e := range t {
			w.item(i, inner)
			if isOmitted(e) {
				e = nil // JSON.stringify writes undefined in arrays as null
			}
			if err := w.value(e, inner, depth+1); err != nil {
				return err
			}
		}
		w.close(']', len(t), pad)
	case []byte:
		inner := w.open('{', pad)
		w.item(0, inner)
		w.key("type")
		w.b = append(w.b, `"Buffer"`...)
		w.item(1, inner)
		w.key("data")
		in2 := w.open('[', inner)
		for i, c := range t {
			w.item(i, in2)
			w.b = strconv.AppendInt(w.b, int64(c), 10)
		}
		w.close(']', len(t), inner)
		w.close('}', 2, pad)
	case time.Time:
		w.b = AppendJSONQuote(w.b, t.UTC().Format("2006-01-02T15:04:05.000Z"))
	case *regexp.Regexp:
		w.b = append(w.b, "{}"...)
	case json.RawMessage:
		w.b = append(w.b, t...)
	case json.Number:
		w.b = append(w.b, t...)
	case []string:
		a := make([]any, len(t))
		for i, s := range t {
			a[i] = s
		}
		return w.value(a, pad, depth)
	case json.Marshaler:
		raw, err := t.MarshalJSON()
		if err != nil {
			return err
		}
		dec, err := DecodeJSON(raw)
		if err != nil {
			return err
		}
		return w.value(dec, pad, depth)
	default:
		w.b = append(w.b, "{}"...)
	}
	return nil
}

func (w *jsonWriter) object(o *Object, pad string, depth int) error {
	inner := w.open('{', pad)
	n := 0
	for k, e := range o.All() {
		if isOmitted(e) {
			continue
		}
		w.item(n, inner)
		n++
		w.key(k)
		if err := w.value(e, inner, depth+1); err != nil {
			return err
		}
	}
	w.close('}', n, pad)
	return nil
}

func (w *jsonWriter) number(f float64) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		w.b = append(w.b, "null"...)
		return
	}
	w.b = append(w.b, FormatNumber(f)...)
}

func isOmitted(v any) bool {
	_, ok := v.(jsonOmit)
	return ok
}

// AppendJSONQuote appends s as a JSON string the way JSON.stringify writes
// it: only ", \ and control characters are escaped.
func AppendJSONQuote(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		case '\b':
			b = append(b, '\\', 'b')
		case '\f':
			b = append(b, '\\', 'f')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigit(c>>4), hexDigit(c&0xf))
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func hexDigit(c byte) byte { return "0123456789abcdef"[c] }

// SortedKeys returns the keys of a Go map in JavaScript's order for index
// keys, then sorted: the order ObjectFromMap gives.
func SortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, aIdx := arrayIndexKey(keys[i])
		b, bIdx := arrayIndexKey(keys[j])
		switch {
		case aIdx && bIdx:
			return a < b
		case aIdx != bIdx:
			return aIdx
		}
		return keys[i] < keys[j]
	})
	return keys
}
