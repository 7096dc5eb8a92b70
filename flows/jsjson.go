package flows

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// This file reproduces JSON.stringify(JSON.parse(text)) as V8 (Node.js)
// does it, because that is what Node-RED stores, serves from GET /flows and
// hashes into the flows revision. The differences from "compact the input"
// are small but observable:
//
//   - numbers are printed as ECMAScript Number::toString prints doubles
//     (1e21 → 1e+21, 1.0 → 1, 0.10 → 0.1, -0 → 0, 1e400 → null);
//   - strings are re-escaped: only ", \, control characters and lone
//     surrogates are escaped (é, U+2028 and / are written literally);
//   - object keys that are array indices ("7", "123") come first in
//     ascending numeric order, then the other keys in insertion order;
//   - a duplicated key keeps its first position and its last value.
//
// Text that Node-RED itself wrote is already in this form, so for real
// exports the result is the input with whitespace removed.

// jsKind is the type of a decoded JSON value.
type jsKind uint8

const (
	jsNull jsKind = iota
	jsBool
	jsNumber
	jsString
	jsArray
	jsObject
)

// jsValue is a decoded JSON value with JavaScript semantics. Strings hold
// WTF-8: valid UTF-8, except that a lone surrogate decoded from a \u escape
// is kept as its 3-byte generalized UTF-8 form so it can be written back.
type jsValue struct {
	kind jsKind
	b    bool
	num  string // canonical Number::toString text; "null" for non-finite
	str  string
	arr  []*jsValue
	obj  *jsProps
}

// jsProps is a JavaScript object with own data properties only.
type jsProps struct {
	keys []string
	vals []*jsValue
	idx  map[string]int
}

func newJSObject() *jsProps { return &jsProps{idx: map[string]int{}} }

// get returns the value of key, or nil.
func (o *jsProps) get(key string) *jsValue {
	if i, ok := o.idx[key]; ok {
		return o.vals[i]
	}
	return nil
}

// has reports whether key is an own property.
func (o *jsProps) has(key string) bool {
	_, ok := o.idx[key]
	return ok
}

// set assigns key like a JavaScript property assignment: an existing key
// keeps its position, a new key is added last.
func (o *jsProps) set(key string, v *jsValue) {
	if i, ok := o.idx[key]; ok {
		o.vals[i] = v
		return
	}
	o.idx[key] = len(o.keys)
	o.keys = append(o.keys, key)
	o.vals = append(o.vals, v)
}

// del removes key, like the delete operator.
func (o *jsProps) del(key string) {
	i, ok := o.idx[key]
	if !ok {
		return
	}
	o.keys = slices.Delete(o.keys, i, i+1)
	o.vals = slices.Delete(o.vals, i, i+1)
	delete(o.idx, key)
	for j := i; j < len(o.keys); j++ {
		o.idx[o.keys[j]] = j
	}
}

// order returns the indices of o's properties in JavaScript enumeration
// order: array-index keys ascending, then string keys in insertion order.
func (o *jsProps) order() []int {
	out := make([]int, 0, len(o.keys))
	var ints []int
	for i, k := range o.keys {
		if _, ok := arrayIndex(k); ok {
			ints = append(ints, i)
			continue
		}
		out = append(out, i)
	}
	if len(ints) == 0 {
		return out
	}
	slices.SortFunc(ints, func(a, b int) int {
		x, _ := arrayIndex(o.keys[a])
		y, _ := arrayIndex(o.keys[b])
		return int(int64(x) - int64(y))
	})
	return append(ints, out...)
}

// clone returns a deep copy of v.
func (v *jsValue) clone() *jsValue {
	if v == nil {
		return nil
	}
	c := *v
	switch v.kind {
	case jsArray:
		c.arr = make([]*jsValue, len(v.arr))
		for i, e := range v.arr {
			c.arr[i] = e.clone()
		}
	case jsObject:
		o := &jsProps{keys: slices.Clone(v.obj.keys), vals: make([]*jsValue, len(v.obj.vals)), idx: make(map[string]int, len(v.obj.idx))}
		for i, e := range v.obj.vals {
			o.vals[i] = e.clone()
		}
		for k, i := range v.obj.idx {
			o.idx[k] = i
		}
		c.obj = o
	}
	return &c
}

// truthy reports JavaScript truthiness.
func (v *jsValue) truthy() bool {
	if v == nil {
		return false
	}
	switch v.kind {
	case jsNull:
		return false
	case jsBool:
		return v.b
	case jsNumber:
		// "null" is a non-finite number; Node-RED only ever sees it after
		// its own JSON round trip, as null, which is falsy.
		return v.num != "0" && v.num != "null"
	case jsString:
		return v.str != ""
	}
	return true
}

// toPropertyKey returns String(v), the key JavaScript uses for obj[v].
func (v *jsValue) toPropertyKey() string {
	switch v.kind {
	case jsNull:
		return "null"
	case jsBool:
		return strconv.FormatBool(v.b)
	case jsNumber:
		return v.num
	case jsString:
		return v.str
	case jsArray:
		parts := make([]string, len(v.arr))
		for i, e := range v.arr {
			if e.kind != jsNull {
				parts[i] = e.toPropertyKey()
			}
		}
		return strings.Join(parts, ",")
	}
	return "[object Object]"
}

func jsStr(s string) *jsValue { return &jsValue{kind: jsString, str: s} }

func jsArr(vs ...*jsValue) *jsValue {
	if vs == nil {
		vs = []*jsValue{}
	}
	return &jsValue{kind: jsArray, arr: vs}
}

// arrayIndex reports whether k is a canonical array index ("0".."4294967294").
func arrayIndex(k string) (uint32, bool) {
	if k == "" || len(k) > 10 || (len(k) > 1 && k[0] == '0') {
		return 0, false
	}
	n, err := strconv.ParseUint(k, 10, 64)
	if err != nil || n >= math.MaxUint32 {
		return 0, false
	}
	return uint32(n), true
}

// syntaxError is a JSON syntax error at a byte offset.
type syntaxError struct {
	msg string
	off int
}

func (e *syntaxError) Error() string { return e.msg }

// jsParser is a strict JSON parser (the grammar JSON.parse accepts).
type jsParser struct {
	data []byte
	pos  int
}

// parseJS parses data as one JSON text. A leading byte order mark is
// skipped, as Node-RED's file storage does.
func parseJS(data []byte) (*jsValue, error) {
	p := &jsParser{data: data}
	if len(data) >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF {
		p.pos = 3
	}
	v, err := p.value(0)
	if err == nil {
		p.ws()
		if p.pos < len(p.data) {
			err = p.fail("unexpected data after the top-level value")
		}
	}
	if err != nil {
		se := err.(*syntaxError)
		line, col := lineCol(data, se.off)
		return nil, fmt.Errorf("invalid JSON at line %d, column %d: %s", line, col, se.msg)
	}
	return v, nil
}

// lineCol converts a byte offset to a 1-based line and a 1-based column
// counted in characters.
func lineCol(data []byte, off int) (int, int) {
	off = min(off, len(data))
	line, start := 1, 0
	for i := 0; i < off; i++ {
		if data[i] == '\n' {
			line++
			start = i + 1
		}
	}
	return line, utf8.RuneCount(data[start:off]) + 1
}

const maxDepth = 10000

func (p *jsParser) fail(msg string) error { return &syntaxError{msg: msg, off: p.pos} }

func (p *jsParser) ws() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *jsParser) value(depth int) (*jsValue, error) {
	if depth > maxDepth {
		return nil, p.fail("nesting too deep")
	}
	p.ws()
	if p.pos >= len(p.data) {
		return nil, p.fail("unexpected end of input")
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '"':
		s, err := p.string()
		if err != nil {
			return nil, err
		}
		return jsStr(s), nil
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case p.literal("true"):
		return &jsValue{kind: jsBool, b: true}, nil
	case p.literal("false"):
		return &jsValue{kind: jsBool}, nil
	case p.literal("null"):
		return &jsValue{kind: jsNull}, nil
	}
	return nil, p.fail(fmt.Sprintf("unexpected character %q", p.peekRune()))
}

func (p *jsParser) peekRune() rune {
	r, _ := utf8.DecodeRune(p.data[p.pos:])
	return r
}

func (p *jsParser) literal(s string) bool {
	if strings.HasPrefix(string(p.data[p.pos:min(len(p.data), p.pos+len(s))]), s) {
		p.pos += len(s)
		return true
	}
	return false
}

func (p *jsParser) object(depth int) (*jsValue, error) {
	p.pos++ // {
	o := newJSObject()
	p.ws()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		return &jsValue{kind: jsObject, obj: o}, nil
	}
	for {
		p.ws()
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return nil, p.fail("expected a string key")
		}
		k, err := p.string()
		if err != nil {
			return nil, err
		}
		p.ws()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return nil, p.fail("expected ':' after object key")
		}
		p.pos++
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		o.set(k, v)
		p.ws()
		if p.pos >= len(p.data) {
			return nil, p.fail("unexpected end of input in object")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case '}':
			p.pos++
			return &jsValue{kind: jsObject, obj: o}, nil
		default:
			return nil, p.fail("expected ',' or '}' in object")
		}
	}
}

func (p *jsParser) array(depth int) (*jsValue, error) {
	p.pos++ // [
	a := []*jsValue{}
	p.ws()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		return jsArr(a...), nil
	}
	for {
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		a = append(a, v)
		p.ws()
		if p.pos >= len(p.data) {
			return nil, p.fail("unexpected end of input in array")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			return jsArr(a...), nil
		default:
			return nil, p.fail("expected ',' or ']' in array")
		}
	}
}

func (p *jsParser) number() (*jsValue, error) {
	start := p.pos
	d := p.data
	if d[p.pos] == '-' {
		p.pos++
	}
	digits := func() int {
		n := 0
		for p.pos < len(d) && d[p.pos] >= '0' && d[p.pos] <= '9' {
			p.pos++
			n++
		}
		return n
	}
	if p.pos < len(d) && d[p.pos] == '0' {
		p.pos++
	} else if digits() == 0 {
		return nil, p.fail("invalid number")
	}
	if p.pos < len(d) && d[p.pos] == '.' {
		p.pos++
		if digits() == 0 {
			return nil, p.fail("invalid number")
		}
	}
	if p.pos < len(d) && (d[p.pos] == 'e' || d[p.pos] == 'E') {
		p.pos++
		if p.pos < len(d) && (d[p.pos] == '+' || d[p.pos] == '-') {
			p.pos++
		}
		if digits() == 0 {
			return nil, p.fail("invalid number")
		}
	}
	f, err := strconv.ParseFloat(string(d[start:p.pos]), 64)
	if err != nil && !math.IsInf(f, 0) {
		return nil, &syntaxError{msg: "invalid number", off: start}
	}
	return &jsValue{kind: jsNumber, num: formatJSNumber(f)}, nil
}

// formatJSNumber prints f as JSON.stringify does (Number::toString for
// finite values, null otherwise).
func formatJSNumber(f float64) string {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return "null"
	}
	if f == 0 {
		return "0"
	}
	var sign string
	if f < 0 {
		sign, f = "-", -f
	}
	// Shortest round-trip digits, as both Go and V8 produce them.
	e := strconv.FormatFloat(f, 'e', -1, 64) // d.ddde±XX
	mant, exp, _ := strings.Cut(e, "e")
	digits := strings.Replace(mant, ".", "", 1)
	x, _ := strconv.Atoi(exp)
	k, n := len(digits), x+1
	var b strings.Builder
	b.WriteString(sign)
	switch {
	case k <= n && n <= 21:
		b.WriteString(digits)
		b.WriteString(strings.Repeat("0", n-k))
	case 0 < n && n <= 21:
		b.WriteString(digits[:n])
		b.WriteByte('.')
		b.WriteString(digits[n:])
	case -6 < n && n <= 0:
		b.WriteString("0.")
		b.WriteString(strings.Repeat("0", -n))
		b.WriteString(digits)
	default:
		b.WriteByte(digits[0])
		if k > 1 {
			b.WriteByte('.')
			b.WriteString(digits[1:])
		}
		b.WriteByte('e')
		if n-1 >= 0 {
			b.WriteByte('+')
		}
		b.WriteString(strconv.Itoa(n - 1))
	}
	return b.String()
}

func (p *jsParser) string() (string, error) {
	p.pos++ // opening quote
	d := p.data
	var b []byte
	start := p.pos
	// Fast path: no escapes and valid UTF-8.
	for p.pos < len(d) {
		c := d[p.pos]
		if c == '"' {
			if utf8.Valid(d[start:p.pos]) {
				s := string(d[start:p.pos])
				p.pos++
				return s, nil
			}
			break
		}
		if c == '\\' || c < 0x20 {
			break
		}
		p.pos++
	}
	p.pos = start
	for {
		if p.pos >= len(d) {
			return "", p.fail("unterminated string")
		}
		c := d[p.pos]
		switch {
		case c == '"':
			p.pos++
			return string(b), nil
		case c < 0x20:
			return "", p.fail("control character in string")
		case c >= 0x80:
			// Invalid UTF-8 becomes U+FFFD, as Node.js decodes request bodies.
			r, size := utf8.DecodeRune(d[p.pos:])
			if r == utf8.RuneError && size == 1 {
				b = utf8.AppendRune(b, utf8.RuneError)
			} else {
				b = append(b, d[p.pos:p.pos+size]...)
			}
			p.pos += size
			continue
		case c != '\\':
			b = append(b, c)
			p.pos++
			continue
		}
		p.pos++
		if p.pos >= len(d) {
			return "", p.fail("unterminated string")
		}
		esc := d[p.pos]
		p.pos++
		switch esc {
		case '"', '\\', '/':
			b = append(b, esc)
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
				return "", p.fail("invalid \\u escape")
			}
			if utf16.IsSurrogate(r) && r < 0xDC00 && p.pos+6 <= len(d) && d[p.pos] == '\\' && d[p.pos+1] == 'u' {
				save := p.pos
				p.pos += 2
				r2, ok := p.hex4()
				if ok && r2 >= 0xDC00 && r2 <= 0xDFFF {
					b = utf8.AppendRune(b, utf16.DecodeRune(r, r2))
					continue
				}
				p.pos = save
			}
			if utf16.IsSurrogate(r) {
				b = append(b, 0xED, byte(0x80|(r>>6)&0x3F), byte(0x80|r&0x3F))
				continue
			}
			b = utf8.AppendRune(b, r)
		default:
			p.pos--
			return "", p.fail("invalid escape in string")
		}
	}
}

func (p *jsParser) hex4() (rune, bool) {
	if p.pos+4 > len(p.data) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(p.data[p.pos:p.pos+4]), 16, 32)
	if err != nil || strings.ContainsAny(string(p.data[p.pos:p.pos+4]), "+-") {
		return 0, false
	}
	p.pos += 4
	return rune(n), true
}

// jsEncoder writes values as JSON.stringify(value, null, indent) does.
type jsEncoder struct {
	buf    []byte
	indent string // "" for compact output
}

// encodeJS returns the compact JSON.stringify text of v.
func encodeJS(v *jsValue) []byte {
	e := jsEncoder{}
	e.value(v, "")
	return e.buf
}

func (e *jsEncoder) value(v *jsValue, cur string) {
	switch v.kind {
	case jsNull:
		e.buf = append(e.buf, "null"...)
	case jsBool:
		e.buf = strconv.AppendBool(e.buf, v.b)
	case jsNumber:
		e.buf = append(e.buf, v.num...)
	case jsString:
		e.buf = appendJSString(e.buf, v.str)
	case jsArray:
		if len(v.arr) == 0 {
			e.buf = append(e.buf, "[]"...)
			return
		}
		inner := cur + e.indent
		e.buf = append(e.buf, '[')
		for i, x := range v.arr {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			e.newline(inner)
			e.value(x, inner)
		}
		e.newline(cur)
		e.buf = append(e.buf, ']')
	case jsObject:
		if len(v.obj.keys) == 0 {
			e.buf = append(e.buf, "{}"...)
			return
		}
		inner := cur + e.indent
		e.buf = append(e.buf, '{')
		for n, i := range v.obj.order() {
			if n > 0 {
				e.buf = append(e.buf, ',')
			}
			e.newline(inner)
			e.buf = appendJSString(e.buf, v.obj.keys[i])
			e.buf = append(e.buf, ':')
			if e.indent != "" {
				e.buf = append(e.buf, ' ')
			}
			e.value(v.obj.vals[i], inner)
		}
		e.newline(cur)
		e.buf = append(e.buf, '}')
	}
}

func (e *jsEncoder) newline(ind string) {
	if e.indent != "" {
		e.buf = append(e.buf, '\n')
		e.buf = append(e.buf, ind...)
	}
}

const hexDigits = "0123456789abcdef"

// appendJSString appends s (WTF-8) quoted as JSON.stringify quotes strings.
func appendJSString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		var esc string
		switch {
		case c == '"':
			esc = `\"`
		case c == '\\':
			esc = `\\`
		case c == '\b':
			esc = `\b`
		case c == '\f':
			esc = `\f`
		case c == '\n':
			esc = `\n`
		case c == '\r':
			esc = `\r`
		case c == '\t':
			esc = `\t`
		case c < 0x20:
			esc = `\u00` + string(hexDigits[c>>4]) + string(hexDigits[c&0xF])
		case c == 0xED && i+2 < len(s) && s[i+1] >= 0xA0 && s[i+1] <= 0xBF:
			// lone surrogate in WTF-8
			r := 0xD000 | rune(s[i+1]&0x3F)<<6 | rune(s[i+2]&0x3F)
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', hexDigits[r>>12&0xF], hexDigits[r>>8&0xF], hexDigits[r>>4&0xF], hexDigits[r&0xF])
			i += 3
			start = i
			continue
		default:
			i++
			continue
		}
		b = append(b, s[start:i]...)
		b = append(b, esc...)
		i++
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
