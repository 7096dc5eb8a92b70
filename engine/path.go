package engine

import (
	"fmt"
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

// ParsePath compiles a Node-RED property expression. The leading "msg." of
// an expression is not part of the path: callers strip it where Node-RED does.
func ParsePath(s string) (Path, error) {
	p := Path{raw: s}
	if strings.TrimSpace(s) == "" {
		return p, fmt.Errorf("invalid property expression: empty")
	}
	i := 0
	expectKey := true
	for i < len(s) {
		c := s[i]
		switch {
		case c == '.':
			if expectKey || i == len(s)-1 {
				return p, fmt.Errorf("invalid property expression %q: unexpected . at position %d", s, i)
			}
			expectKey = true
			i++
		case c == '[':
			if expectKey && i != 0 {
				return p, fmt.Errorf("invalid property expression %q: unexpected [ at position %d", s, i)
			}
			end, sg, err := parseBracket(s, i)
			if err != nil {
				return p, err
			}
			p.segs = append(p.segs, sg)
			i = end
			expectKey = false
		case c == ']' || c == '"' || c == '\'':
			return p, fmt.Errorf("invalid property expression %q: unexpected %c at position %d", s, c, i)
		default:
			if !expectKey {
				return p, fmt.Errorf("invalid property expression %q: unexpected %c at position %d", s, c, i)
			}
			j := i
			for j < len(s) && s[j] != '.' && s[j] != '[' {
				if s[j] == ']' || s[j] == '"' || s[j] == '\'' {
					return p, fmt.Errorf("invalid property expression %q: unexpected %c at position %d", s, s[j], j)
				}
				j++
			}
			p.segs = append(p.segs, seg{key: s[i:j]})
			i = j
			expectKey = false
		}
	}
	return p, nil
}

// parseBracket parses `[0]`, `["k"]`, `['k']` or `[msg.x]` starting at s[i]=='['.
func parseBracket(s string, i int) (int, seg, error) {
	j := i + 1
	if j >= len(s) {
		return 0, seg{}, fmt.Errorf("invalid property expression %q: unterminated [", s)
	}
	switch q := s[j]; {
	case q == '"' || q == '\'':
		var b strings.Builder
		k := j + 1
		for ; k < len(s) && s[k] != q; k++ {
			if s[k] == '\\' && k+1 < len(s) {
				k++
			}
			b.WriteByte(s[k])
		}
		if k+1 >= len(s) || s[k+1] != ']' {
			return 0, seg{}, fmt.Errorf("invalid property expression %q: unterminated string at position %d", s, j)
		}
		return k + 2, seg{key: b.String()}, nil
	case q >= '0' && q <= '9':
		k := j
		for k < len(s) && s[k] >= '0' && s[k] <= '9' {
			k++
		}
		if k >= len(s) || s[k] != ']' {
			return 0, seg{}, fmt.Errorf("invalid property expression %q: bad index at position %d", s, j)
		}
		n, _ := strconv.Atoi(s[j:k])
		return k + 1, seg{index: n, kind: segIndex}, nil
	default:
		// nested reference: [msg.a.b]; find the matching bracket
		depth := 1
		k := j
		for ; k < len(s) && depth > 0; k++ {
			switch s[k] {
			case '[':
				depth++
			case ']':
				depth--
			}
		}
		if depth != 0 {
			return 0, seg{}, fmt.Errorf("invalid property expression %q: unterminated [", s)
		}
		inner := strings.TrimSpace(s[j : k-1])
		if !strings.HasPrefix(inner, "msg.") {
			return 0, seg{}, fmt.Errorf("invalid property expression %q: unexpected %q at position %d", s, inner, j)
		}
		ref, err := ParsePath(inner[4:])
		if err != nil {
			return 0, seg{}, err
		}
		return k, seg{kind: segRef, ref: &ref}, nil
	}
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

// Get returns the value at p in root (a Msg, map or slice) and whether it exists.
// As in JavaScript, `length` of a string, array or buffer is its length.
func (p Path) Get(root any) (any, bool) {
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
	switch c := cur.(type) {
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

func mapChild(m map[string]any, s seg) (any, bool) {
	k := s.key
	if s.kind == segIndex {
		k = strconv.Itoa(s.index)
	}
	v, ok := m[k]
	return v, ok
}

// Set stores v at p in m. With createMissing, missing intermediate levels are
// created (an array when the next segment is an index, an object otherwise).
// It reports false when the path crosses a value that cannot hold properties.
func (p Path) Set(m Msg, v any, createMissing bool) bool {
	if len(p.segs) == 0 {
		return false
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
	case Msg:
		return p.setInMap(c, s, i, v, create, root)
	case map[string]any:
		return p.setInMap(c, s, i, v, create, root)
	case []any:
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
	k := s.key
	if s.kind == segIndex {
		k = strconv.Itoa(s.index)
	}
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

func isContainer(v any) bool {
	switch v.(type) {
	case map[string]any, Msg, []any:
		return true
	}
	return false
}

func newContainer(next seg) any {
	if next.kind == segIndex {
		return []any{}
	}
	return map[string]any{}
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
	case map[string]any:
		k := last.key
		if last.kind == segIndex {
			k = strconv.Itoa(last.index)
		}
		delete(c, k)
	case []any:
		if last.kind == segIndex && last.index < len(c) {
			spliced := append(c[:last.index:last.index], c[last.index+1:]...)
			parentPath.Set(m, spliced, false)
		}
	}
}
