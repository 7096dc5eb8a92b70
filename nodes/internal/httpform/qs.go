package httpform

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/flowgate/flowgate/engine"
)

// Options tune Parse as the qs options of the same names.
type Options struct {
	// ArrayLimit is the highest array index kept as an array; beyond it
	// the array becomes an object with numeric keys.
	ArrayLimit int
	// Depth is how many bracket levels become nested objects; the rest of
	// the key stays one literal key (or is an error with StrictDepth).
	Depth       int
	StrictDepth bool
	// ParameterLimit is how many &-separated parts are read.
	ParameterLimit int
}

// Query is how Express 4 parses req.query ("extended" query parser).
var Query = Options{ArrayLimit: 1000, Depth: 5, ParameterLimit: 1000}

// Body is how body-parser's extended urlencoded parser is configured in
// Node-RED (its ArrayLimit is raised to the parameter count, see BodyFor).
var Body = Options{ArrayLimit: 100, Depth: 32, StrictDepth: true, ParameterLimit: 1000}

// ErrTooManyParameters is returned by ParseBody when a body has more
// parameters than the limit (body-parser answers 413).
var ErrTooManyParameters = errors.New("too many parameters")

// ErrDepth is returned when a key nests deeper than Depth with StrictDepth
// (body-parser answers 400 "The input exceeded the depth").
var ErrDepth = errors.New("The input exceeded the depth")

// ParseBody parses an application/x-www-form-urlencoded body as Node-RED's
// body-parser configuration does.
func ParseBody(body string) (*engine.Object, error) {
	n := strings.Count(body, "&") + 1
	if n > Body.ParameterLimit {
		return nil, ErrTooManyParameters
	}
	o := Body
	o.ArrayLimit = max(100, n)
	return Parse(body, o)
}

// Parse parses a query string into nested values (string leaves, []any
// arrays, *engine.Object objects in JavaScript's key order) as qs.parse
// does with allowPrototypes.
func Parse(s string, o Options) (*engine.Object, error) {
	p := parser{o: o}
	if s == "" {
		return engine.NewObject(0), nil
	}
	keys, vals := p.values(s)
	if flat(keys) {
		// no brackets: qs's result is the keys in order with their values
		// (a repeated key's values already combined by values)
		out := engine.NewObject(len(keys))
		for _, k := range keys {
			out.Set(k, export(vals[k]))
		}
		return out, nil
	}
	var root any = &jsObj{m: engine.NewObject(len(keys))}
	for _, k := range keys {
		v, err := p.parseKey(k, vals[k])
		if err != nil {
			return nil, err
		}
		root = p.merge(root, v)
	}
	out, _ := export(root).(*engine.Object)
	if out == nil {
		out = engine.NewObject(0)
	}
	return out, nil
}

// flat reports whether every key is a plain name, which parseKey and merge
// would set as it is: no brackets, not empty, not __proto__.
func flat(keys []string) bool {
	for _, k := range keys {
		if k == "" || k == "__proto__" || strings.IndexByte(k, '[') >= 0 {
			return false
		}
	}
	return true
}

// jsArr is a sparse JavaScript array.
type jsArr struct {
	items  map[int]any
	length int
}

// jsObj is a JavaScript object; overflow marks one made from an array that
// grew past the limit (qs then keeps appending by numeric key).
type jsObj struct {
	m        *engine.Object
	overflow bool
	maxIndex int
}

func newObj() *jsObj { return &jsObj{m: engine.NewObject(4)} }
func newArr() *jsArr { return &jsArr{items: map[int]any{}} }

type parser struct{ o Options }

// values splits s into decoded keys (in first-seen order) and values,
// combining repeated keys into arrays.
func (p *parser) values(s string) ([]string, map[string]any) {
	s = replaceFold(replaceFold(s, "%5B", "["), "%5D", "]")
	parts := strings.Split(s, "&")
	if p.o.ParameterLimit > 0 && len(parts) > p.o.ParameterLimit {
		parts = parts[:p.o.ParameterLimit]
	}
	var keys []string
	vals := map[string]any{}
	for _, part := range parts {
		pos := strings.Index(part, "]=")
		if pos >= 0 {
			pos++
		} else {
			pos = strings.IndexByte(part, '=')
		}
		var key, val string
		if pos < 0 {
			key = decode(part)
		} else {
			key, val = decode(part[:pos]), decode(part[pos+1:])
		}
		if old, ok := vals[key]; ok {
			vals[key] = p.combine(old, val)
			continue
		}
		keys = append(keys, key)
		vals[key] = val
	}
	return keys, vals
}

// replaceFold replaces old (ASCII, any case) with repl.
func replaceFold(s, old, repl string) string {
	if !strings.Contains(strings.ToUpper(s), old) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if i+len(old) <= len(s) && strings.EqualFold(s[i:i+len(old)], old) {
			b.WriteString(repl)
			i += len(old)
			continue
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

// decode is qs's decoder: '+' is a space, then decodeURIComponent, keeping
// the text as is when it is not valid percent-encoded UTF-8.
func decode(s string) string {
	s = strings.ReplaceAll(s, "+", " ")
	if !strings.Contains(s, "%") {
		return s
	}
	out, ok := DecodeURIComponent(s)
	if !ok {
		return s
	}
	return out
}

// DecodeURIComponent is JavaScript's decodeURIComponent; ok is false where
// it would throw (a bad escape or invalid UTF-8).
func DecodeURIComponent(s string) (string, bool) {
	if !strings.Contains(s, "%") {
		return s, true
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b = append(b, s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", false
		}
		v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
		if err != nil {
			return "", false
		}
		b = append(b, byte(v))
		i += 2
	}
	if !utf8.Valid(b) {
		return "", false
	}
	return string(b), true
}

// combine is qs's utils.combine: [].concat(a, b), overflowing to an object.
func (p *parser) combine(a, b any) any {
	if o, ok := a.(*jsObj); ok && o.overflow {
		o.maxIndex++
		o.m.Set(strconv.Itoa(o.maxIndex), b)
		return o
	}
	res := newArr()
	concat(res, a)
	concat(res, b)
	if res.length > p.o.ArrayLimit {
		return arrToObj(res, true)
	}
	return res
}

// concat appends v to dst as Array.prototype.concat does (arrays spread).
func concat(dst *jsArr, v any) {
	if a, ok := v.(*jsArr); ok {
		for i, e := range a.items {
			dst.items[dst.length+i] = e
		}
		dst.length += a.length
		return
	}
	dst.items[dst.length] = v
	dst.length++
}

// arrToObj is qs's arrayToObject.
func arrToObj(a *jsArr, overflow bool) *jsObj {
	o := newObj()
	for _, i := range sortedIndexes(a) {
		o.m.Set(strconv.Itoa(i), a.items[i])
	}
	if overflow {
		o.overflow, o.maxIndex = true, a.length-1
	}
	return o
}

// parseKey turns one key and its value into a nested value.
func (p *parser) parseKey(key string, val any) (any, error) {
	if key == "" {
		return nil, nil
	}
	chain, err := p.split(key)
	if err != nil {
		return nil, err
	}
	leaf := val
	for i := len(chain) - 1; i >= 0; i-- {
		root := chain[i]
		if root == "[]" {
			if o, ok := leaf.(*jsObj); ok && o.overflow {
				continue
			}
			leaf = p.combine(newArr(), leaf)
			continue
		}
		clean := root
		if len(root) >= 2 && root[0] == '[' && root[len(root)-1] == ']' {
			clean = root[1 : len(root)-1]
		}
		idx, err := strconv.Atoi(clean)
		isIndex := err == nil && root != clean && strconv.Itoa(idx) == clean && idx >= 0
		switch {
		case isIndex && idx < p.o.ArrayLimit:
			a := newArr()
			a.items[idx], a.length = leaf, idx+1
			leaf = a
		case isIndex:
			o := &jsObj{m: engine.NewObject(1)}
			o.m.Set(clean, leaf)
			o.overflow, o.maxIndex = true, idx
			leaf = o
		case clean == "__proto__":
			leaf = newObj()
		default:
			o := &jsObj{m: engine.NewObject(1)}
			o.m.Set(clean, leaf)
			leaf = o
		}
	}
	return leaf, nil
}

// split cuts "a[b][c]" into "a", "[b]", "[c]", keeping what lies deeper
// than Depth as one literal segment.
func (p *parser) split(key string) ([]string, error) {
	if p.o.Depth <= 0 {
		return []string{key}, nil
	}
	var segs []string
	open := strings.IndexByte(key, '[')
	parent := key
	if open >= 0 {
		parent = key[:open]
	}
	if parent != "" {
		segs = append(segs, parent)
	}
	for collected := 0; open >= 0 && collected < p.o.Depth; collected++ {
		level, closeAt := 1, -1
		for i := open + 1; i < len(key) && closeAt < 0; i++ {
			switch key[i] {
			case '[':
				level++
			case ']':
				level--
				if level == 0 {
					closeAt = i
				}
			}
		}
		if closeAt < 0 {
			return append(segs, "["+key[open:]+"]"), nil
		}
		segs = append(segs, key[open:closeAt+1])
		next := strings.IndexByte(key[closeAt+1:], '[')
		if next < 0 {
			open = -1
		} else {
			open = closeAt + 1 + next
		}
	}
	if open >= 0 {
		if p.o.StrictDepth {
			return nil, fmt.Errorf("%w", ErrDepth)
		}
		segs = append(segs, "["+key[open:]+"]")
	}
	return segs, nil
}

// merge is qs's utils.merge.
func (p *parser) merge(target, source any) any {
	if source == nil {
		return target
	}
	if s, ok := source.(string); ok {
		if s == "" {
			return target
		}
		switch t := target.(type) {
		case *jsArr:
			if t.length >= p.o.ArrayLimit {
				c := newArr()
				concat(c, t)
				concat(c, s)
				o := arrToObj(c, true)
				o.maxIndex = t.length
				return o
			}
			t.items[t.length] = s
			t.length++
			return t
		case *jsObj:
			if t.overflow {
				t.maxIndex++
				t.m.Set(strconv.Itoa(t.maxIndex), s)
				return t
			}
		}
		a := newArr()
		concat(a, target)
		concat(a, s)
		return a
	}
	if _, ok := target.(string); ok || target == nil {
		if so, ok := source.(*jsObj); ok && so.overflow {
			o := newObj()
			o.m.Set("0", target)
			for k, v := range so.m.All() {
				if n, err := strconv.Atoi(k); err == nil {
					o.m.Set(strconv.Itoa(n+1), v)
				}
			}
			o.overflow, o.maxIndex = true, so.maxIndex+1
			return o
		}
		c := newArr()
		concat(c, target)
		concat(c, source)
		if c.length > p.o.ArrayLimit {
			return arrToObj(c, true)
		}
		return c
	}
	ta, tIsArr := target.(*jsArr)
	sa, sIsArr := source.(*jsArr)
	if tIsArr && sIsArr {
		for _, i := range sortedIndexes(sa) {
			item := sa.items[i]
			if cur, has := ta.items[i]; has {
				if isComposite(cur) && isComposite(item) {
					ta.items[i] = p.merge(cur, item)
				} else {
					ta.items[ta.length] = item
					ta.length++
				}
			} else {
				ta.items[i] = item
				if i >= ta.length {
					ta.length = i + 1
				}
			}
		}
		if ta.length > p.o.ArrayLimit {
			return arrToObj(ta, true)
		}
		return ta
	}
	var acc *jsObj
	if tIsArr {
		acc = arrToObj(ta, false)
	} else {
		acc = target.(*jsObj)
	}
	each(source, func(k string, v any) {
		if cur, has := acc.m.Get(k); has {
			acc.m.Set(k, p.merge(cur, v))
		} else {
			acc.m.Set(k, v)
		}
	})
	if so, ok := source.(*jsObj); ok && so.overflow && !acc.overflow {
		acc.overflow, acc.maxIndex = true, so.maxIndex
	}
	if acc.overflow {
		for k := range acc.m.All() {
			if n, err := strconv.Atoi(k); err == nil && strconv.Itoa(n) == k && n > acc.maxIndex {
				acc.maxIndex = n
			}
		}
	}
	return acc
}

func isComposite(v any) bool {
	switch v.(type) {
	case *jsArr, *jsObj:
		return true
	}
	return false
}

func sortedIndexes(a *jsArr) []int {
	idx := make([]int, 0, len(a.items))
	for i := range a.items {
		idx = append(idx, i)
	}
	slices.Sort(idx)
	return idx
}

// each calls f for every own key of an object or defined index of an array.
func each(v any, f func(string, any)) {
	switch t := v.(type) {
	case *jsObj:
		for k, e := range t.m.All() {
			f(k, e)
		}
	case *jsArr:
		for _, i := range sortedIndexes(t) {
			f(strconv.Itoa(i), t.items[i])
		}
	}
}

// export converts parsed values to Msg values, compacting sparse arrays.
func export(v any) any {
	switch t := v.(type) {
	case *jsObj:
		// in place: replacing values keeps every key where it is
		for i := range t.m.Len() {
			k, e := t.m.At(i)
			if isComposite(e) {
				t.m.Set(k, export(e))
			}
		}
		return t.m
	case *jsArr:
		out := make([]any, 0, len(t.items))
		for _, i := range sortedIndexes(t) {
			out = append(out, export(t.items[i]))
		}
		return out
	}
	return v
}
