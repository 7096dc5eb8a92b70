package engine

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Path is a compiled property expression such as `payload.a[0]["b c"]` or
// `payload[msg.key]`, parsed once by ParsePath and applied to many messages.
type Path struct {
	raw  string
	segs []seg
}

type seg struct {
	key   string
	index int
	kind  segKind
	ref   *Path // kind == segRef: the key is the value of this msg path
}

type segKind uint8

const (
	segKey segKind = iota
	segIndex
	segRef
)

// ParsePath compiles a Node-RED property expression, accepting and rejecting
// exactly what Node-RED's normalisePropertyExpression does. The leading "msg."
// of an expression is not part of the path: callers strip it where Node-RED does.
func ParsePath(s string) (Path, error) {
	p := Path{raw: s}
	fail := func(format string, args ...any) (Path, error) {
		return Path{raw: s}, fmt.Errorf("invalid property expression %q: "+format, append([]any{s}, args...)...)
	}
	n := len(s)
	if n == 0 {
		return fail("zero-length")
	}
	start := 0
	inString, inBox := false, false
	var quote byte
	for i := 0; i < n; i++ {
		c := s[i]
		if inString {
			if c != quote {
				continue
			}
			if i == start {
				return fail("zero-length string at position %d", start)
			}
			p.segs = append(p.segs, seg{key: s[start:i]})
			if inBox && (i+1 >= n || s[i+1] != ']') {
				return fail("unexpected array expression at position %d", start)
			}
			if !inBox && i+1 != n && s[i+1] != '[' && s[i+1] != '.' {
				return fail("unexpected %c expression at position %d", s[i+1], i+1)
			}
			start = i + 1
			inString = false
			continue
		}
		switch c {
		case '\'', '"':
			if i != start {
				return fail("unexpected %c at position %d", c, i)
			}
			inString, quote, start = true, c, i+1
		case '.':
			if i == 0 {
				return fail("unexpected . at position 0")
			}
			if start != i {
				p.segs = append(p.segs, numberOrKey(s[start:i]))
			}
			if i == n-1 {
				return fail("unterminated expression")
			}
			if !identStart(s[i+1]) {
				return fail("unexpected %c at position %d", s[i+1], i+1)
			}
			start = i + 1
		case '[':
			if i == 0 {
				return fail("unexpected [ at position 0")
			}
			if start != i {
				p.segs = append(p.segs, seg{key: s[start:i]})
			}
			if i == n-1 {
				return fail("unterminated expression")
			}
			rest := s[i+1:]
			if strings.HasPrefix(rest, "msg.") || strings.HasPrefix(rest, "msg[") {
				j, ok := matchBracket(s, i)
				if !ok {
					return fail("unmatched '[' at position %d", i)
				}
				ref, err := ParsePath(s[i+1 : j])
				if err != nil || len(ref.segs) < 2 {
					return fail("invalid expression started at position %d", i+1)
				}
				ref = Path{raw: s[i+4 : j], segs: ref.segs[1:]} // drop "msg"
				p.segs = append(p.segs, seg{kind: segRef, ref: &ref})
				i = j
				start = j + 1
				continue
			}
			if d := s[i+1]; d != '"' && d != '\'' && (d < '0' || d > '9') {
				return fail("unexpected %c at position %d", d, i+1)
			}
			start = i + 1
			inBox = true
		case ']':
			if !inBox {
				return fail("unexpected ] at position %d", i)
			}
			if start != i {
				v := s[start:i]
				if !allDigits(v) {
					return fail("unexpected array expression at position %d", start)
				}
				p.segs = append(p.segs, numberOrKey(v))
			}
			start = i + 1
			inBox = false
		case ' ':
			return fail("unexpected ' ' at position %d", i)
		}
	}
	if inBox || inString {
		return fail("unterminated expression")
	}
	if start < n {
		p.segs = append(p.segs, seg{key: s[start:]})
	}
	return p, nil
}

// matchBracket returns the index of the ] closing the [ at s[i]. Like
// Node-RED it counts every bracket, even one inside a quoted string.
func matchBracket(s string, i int) (int, bool) {
	depth := 1
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '[':
			depth++
		case ']':
			depth--
		}
		if depth == 0 {
			return j, true
		}
	}
	return 0, false
}

// identStart is Node-RED's test for the character after a dot: [a-z0-9$_]/i.
func identStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '$' || c == '_'
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// numberOrKey is Node-RED's parseInt of an all-digit part: an index segment.
func numberOrKey(v string) seg {
	if allDigits(v) {
		if n, err := strconv.Atoi(v); err == nil {
			return seg{index: n, kind: segIndex}
		}
	}
	return seg{key: v}
}

// MustPath is ParsePath for constant expressions in Go code; it panics on error.
func MustPath(s string) Path {
	p, err := ParsePath(s)
	if err != nil {
		panic(err)
	}
	return p
}

// String returns the expression as written.
func (p Path) String() string { return p.raw }

// IsZero reports whether p was never compiled.
func (p Path) IsZero() bool { return len(p.segs) == 0 }

// resolve turns a segment into a concrete key or index against the root.
func (s seg) resolve(root any) (seg, bool) {
	if s.kind != segRef {
		return s, true
	}
	v, ok := s.ref.Get(root)
	if !ok {
		return seg{}, false
	}
	switch t := v.(type) {
	case float64:
		if t >= 0 && t == float64(int(t)) {
			return seg{index: int(t), kind: segIndex}, true
		}
		return seg{key: FormatNumber(t)}, true
	case int:
		return seg{index: t, kind: segIndex}, true
	case string:
		return seg{key: t}, true
	}
	return seg{}, false
}

// resolveRefs returns p with every [msg.x] segment replaced by its value in
// m, for paths applied to something other than m (context keys).
func (p Path) resolveRefs(m Msg) (Path, bool) {
	if !slices.ContainsFunc(p.segs, func(s seg) bool { return s.kind == segRef }) {
		return p, true
	}
	out := Path{raw: p.raw, segs: make([]seg, len(p.segs))}
	for i, s := range p.segs {
		r, ok := s.resolve(map[string]any(m))
		if !ok {
			return p, false
		}
		out.segs[i] = r
	}
	return out, true
}

// Get returns the value at p in root (a Msg, map or slice) and whether it exists.
// As in JavaScript, `length` of a string, array or buffer is its length.
func (p Path) Get(root any) (any, bool) {
	if m, ok := root.(Msg); ok && len(p.segs) == 1 && p.segs[0].kind == segKey {
		v, ok := m[p.segs[0].key]
		return v, ok
	}
	cur := root
	for _, s := range p.segs {
		s, ok := s.resolve(root)
		if !ok {
			return nil, false
		}
		cur, ok = child(cur, s)
		if !ok {
			return nil, false
		}
	}
	return cur, true
}

func child(cur any, s seg) (any, bool) {
	switch cur.(type) {
	case map[string]any, *Object:
	default:
		s = s.asIndex()
	}
	switch c := cur.(type) {
	case *Object:
		return c.Get(s.objectKey())
	case Msg:
		return mapChild(c, s)
	case map[string]any:
		return mapChild(c, s)
	case []any:
		if s.kind == segIndex {
			if s.index < len(c) {
				return c[s.index], true
			}
			return nil, false
		}
		if s.key == "length" {
			return float64(len(c)), true
		}
	case string:
		if s.kind == segIndex {
			r := []rune(c)
			if s.index < len(r) {
				return string(r[s.index]), true
			}
			return nil, false
		}
		if s.key == "length" {
			return float64(len([]rune(c))), true
		}
	case []byte:
		if s.kind == segIndex {
			if s.index < len(c) {
				return float64(c[s.index]), true
			}
			return nil, false
		}
		if s.key == "length" {
			return float64(len(c)), true
		}
	}
	return nil, false
}

// asIndex turns a key that is a canonical array index ("0", "12") into an
// index segment: in JavaScript arr["1"] is arr[1].
func (s seg) asIndex() seg {
	if s.kind == segKey && allDigits(s.key) {
		if n, err := strconv.Atoi(s.key); err == nil && strconv.Itoa(n) == s.key {
			return seg{index: n, kind: segIndex}
		}
	}
	return s
}

// objectKey is the property name of s: an index segment names its digits.
func (s seg) objectKey() string {
	if s.kind == segIndex {
		return strconv.Itoa(s.index)
	}
	return s.key
}

func mapChild(m map[string]any, s seg) (any, bool) {
	v, ok := m[s.objectKey()]
	return v, ok
}

// TopKey returns the key when p is one plain key of the message
// ("payload", not "payload.a" or "payload[msg.k]").
func (p Path) TopKey() (string, bool) {
	if len(p.segs) == 1 && p.segs[0].kind == segKey {
		return p.segs[0].key, true
	}
	return "", false
}

// Set stores v at p in m. With createMissing, missing intermediate levels are
// created (an array when the next segment is an index, an object otherwise).
// It reports false when the path crosses a value that cannot hold properties.
func (p Path) Set(m Msg, v any, createMissing bool) bool {
	if len(p.segs) == 0 {
		return false
	}
	if len(p.segs) == 1 && p.segs[0].kind == segKey {
		m[p.segs[0].key] = v // msg.topic = v: the common case
		return true
	}
	_, ok := p.setIn(map[string]any(m), 0, v, createMissing, m)
	return ok
}

// setIn sets the value below cur and returns cur, possibly reallocated (slices).
func (p Path) setIn(cur any, i int, v any, create bool, root Msg) (any, bool) {
	s, ok := p.segs[i].resolve(root)
	if !ok {
		return cur, false
	}
	last := i == len(p.segs)-1
	switch c := cur.(type) {
	case *Object:
		return p.setInObject(c, s, i, v, create, root)
	case Msg:
		return p.setInMap(c, s, i, v, create, root)
	case map[string]any:
		return p.setInMap(c, s, i, v, create, root)
	case []any:
		s = s.asIndex()
		if s.kind != segIndex {
			return cur, false
		}
		if s.index >= len(c) {
			if !create && !last {
				return cur, false
			}
			grown := make([]any, s.index+1)
			copy(grown, c)
			c = grown
		}
		if last {
			c[s.index] = v
			return c, true
		}
		next := c[s.index]
		if next == nil {
			if !create {
				return c, false
			}
			next = newContainer(p.segs[i+1])
		}
		nv, ok := p.setIn(next, i+1, v, create, root)
		if !ok {
			return c, false
		}
		c[s.index] = nv
		return c, true
	}
	return cur, false
}

func (p Path) setInMap(m map[string]any, s seg, i int, v any, create bool, root Msg) (any, bool) {
	k := s.objectKey()
	if i == len(p.segs)-1 {
		m[k] = v
		return m, true
	}
	next, exists := m[k]
	if !exists {
		if !create {
			return m, false
		}
		next = newContainer(p.segs[i+1])
	} else if !isContainer(next) {
		return m, false
	}
	nv, ok := p.setIn(next, i+1, v, create, root)
	if !ok {
		return m, false
	}
	m[k] = nv
	return m, true
}

func (p Path) setInObject(o *Object, s seg, i int, v any, create bool, root Msg) (any, bool) {
	k := s.objectKey()
	if i == len(p.segs)-1 {
		o.Set(k, v)
		return o, true
	}
	next, exists := o.Get(k)
	if !exists {
		if !create {
			return o, false
		}
		next = newContainer(p.segs[i+1])
	} else if !isContainer(next) {
		return o, false
	}
	nv, ok := p.setIn(next, i+1, v, create, root)
	if !ok {
		return o, false
	}
	o.Set(k, nv)
	return o, true
}

func isContainer(v any) bool {
	switch v.(type) {
	case *Object, map[string]any, Msg, []any:
		return true
	}
	return false
}

func newContainer(next seg) any {
	if next.kind == segIndex {
		return []any{}
	}
	return NewObject(2)
}

// Delete removes the value at p from m; deleting an array element splices
// the array, as Node-RED does.
func (p Path) Delete(m Msg) {
	if len(p.segs) == 0 {
		return
	}
	parentPath := Path{segs: p.segs[:len(p.segs)-1]}
	last, ok := p.segs[len(p.segs)-1].resolve(m)
	if !ok {
		return
	}
	if len(parentPath.segs) == 0 {
		delete(m, last.key)
		return
	}
	parent, ok := parentPath.Get(m)
	if !ok {
		return
	}
	switch c := parent.(type) {
	case *Object:
		c.Delete(last.objectKey())
	case map[string]any:
		delete(c, last.objectKey())
	case []any:
		if last.kind == segIndex && last.index < len(c) {
			spliced := append(c[:last.index:last.index], c[last.index+1:]...)
			parentPath.Set(m, spliced, false)
		}
	}
}
