package function

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/flowgate/flowgate/engine"
)

// msgProp is a compiled msg property expression with its parent, so a read
// can tell a missing leaf (undefined in JavaScript) from a missing parent
// (where Node-RED's getMessageProperty throws).
type msgProp struct {
	path      engine.Path
	parent    engine.Path
	hasParent bool
}

func compileMsgProp(expr string) (msgProp, error) {
	expr = strings.TrimPrefix(expr, "msg.")
	p, err := engine.ParsePath(expr)
	if err != nil {
		return msgProp{}, err
	}
	mp := msgProp{path: p}
	if parent, ok := parentExpr(expr); ok {
		if pp, err := engine.ParsePath(parent); err == nil {
			mp.parent, mp.hasParent = pp, true
		}
	}
	return mp, nil
}

// get returns the value and whether it exists; throws reports that Node-RED
// would have thrown (a parent is undefined or null).
func (mp msgProp) get(m engine.Msg) (v any, ok, throws bool) {
	v, ok = mp.path.Get(m)
	if ok {
		return v, true, false
	}
	if mp.hasParent {
		pv, pok := mp.parent.Get(m)
		if !pok || pv == nil {
			return nil, false, true
		}
	}
	return nil, false, false
}

// parentExpr returns the expression of the object holding expr's last
// segment ("a.b[0]" → "a.b"), false for a top-level property.
func parentExpr(expr string) (string, bool) {
	depth, last := 0, -1
	var quote byte
	for i := 0; i < len(expr); i++ {
		c := expr[i]
		switch {
		case quote != 0:
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '[':
			if depth == 0 {
				last = i
			}
			depth++
		case c == ']':
			depth--
		case c == '.' && depth == 0:
			last = i
		}
	}
	if last <= 0 {
		return "", false
	}
	return expr[:last], true
}

// jsReplace is JavaScript's s.replace(re, repl) for a global regexp: every
// match is replaced, with $$, $&, $`, $', $n and $<name> in repl expanded.
func jsReplace(re *regexp.Regexp, s, repl string) string {
	if !strings.Contains(repl, "$") {
		return re.ReplaceAllLiteralString(s, repl)
	}
	var b strings.Builder
	last := 0
	for _, loc := range re.FindAllStringSubmatchIndex(s, -1) {
		b.WriteString(s[last:loc[0]])
		expandJS(&b, re, repl, s, loc)
		last = loc[1]
	}
	b.WriteString(s[last:])
	return b.String()
}

// expandJS writes repl with JavaScript's replacement patterns expanded for
// the match at loc.
func expandJS(b *strings.Builder, re *regexp.Regexp, repl, s string, loc []int) {
	groups := len(loc)/2 - 1
	group := func(n int) string {
		if loc[2*n] < 0 {
			return ""
		}
		return s[loc[2*n]:loc[2*n+1]]
	}
	for i := 0; i < len(repl); i++ {
		c := repl[i]
		if c != '$' || i+1 >= len(repl) {
			b.WriteByte(c)
			continue
		}
		n := repl[i+1]
		switch {
		case n == '$':
			b.WriteByte('$')
			i++
		case n == '&':
			b.WriteString(s[loc[0]:loc[1]])
			i++
		case n == '`':
			b.WriteString(s[:loc[0]])
			i++
		case n == '\'':
			b.WriteString(s[loc[1]:])
			i++
		case n >= '0' && n <= '9':
			if i+2 < len(repl) && repl[i+2] >= '0' && repl[i+2] <= '9' {
				if g, _ := strconv.Atoi(repl[i+1 : i+3]); g >= 1 && g <= groups {
					b.WriteString(group(g))
					i += 2
					continue
				}
			}
			if g := int(n - '0'); g >= 1 && g <= groups {
				b.WriteString(group(g))
				i++
				continue
			}
			b.WriteByte(c)
		case n == '<' && len(re.SubexpNames()) > 1 && hasNamed(re):
			end := strings.IndexByte(repl[i+2:], '>')
			if end < 0 {
				b.WriteByte(c)
				continue
			}
			name := repl[i+2 : i+2+end]
			if g := re.SubexpIndex(name); g > 0 {
				b.WriteString(group(g))
			}
			i += 2 + end
		default:
			b.WriteByte(c)
		}
	}
}

func hasNamed(re *regexp.Regexp) bool {
	for _, n := range re.SubexpNames() {
		if n != "" {
			return true
		}
	}
	return false
}

// contextOf returns the flow or global context of res.
func contextOf(res *engine.Resources, scope string) *engine.Context {
	if scope == engine.TypedGlobal {
		return res.Global
	}
	return res.Flow
}
