package mustache

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/flowgate/flowgate/engine"
)

// Template is a parsed template, safe for concurrent rendering.
type Template struct {
	tokens []token
}

// token types, as mustache.js names them.
const (
	tText     = 't'
	tName     = 'n' // {{name}}: escaped
	tRaw      = '&' // {{{name}}} and {{& name}}: unescaped
	tSection  = '#'
	tInverted = '^'
	tClose    = '/'
	tPartial  = '>'
	tComment  = '!'
	tDelims   = '='
)

type token struct {
	typ      byte
	value    string
	start    int // byte offset of the tag in the template
	children []token
	deleted  bool // a standalone line's whitespace, stripped
}

// jsSpace is JavaScript's \s class.
const jsSpace = `[\t\n\v\f\r \x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}\x{feff}]`

var (
	whiteRe  = regexp.MustCompile(`^` + jsSpace + `*`)
	spaceRe  = regexp.MustCompile(jsSpace + `+`)
	equalsRe = regexp.MustCompile(jsSpace + `*=`)
	curlyRe  = regexp.MustCompile(jsSpace + `*\}`)
)

// isSpace reports whether r is in JavaScript's \s class.
func isSpace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', ' ', 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff:
		return true
	}
	return r >= 0x2000 && r <= 0x200a
}

// tags are the compiled delimiter expressions of the current tags.
type tags struct {
	opening, closing, closingCurly *regexp.Regexp
}

func compileTags(open, close string) tags {
	return tags{
		opening:      regexp.MustCompile(regexp.QuoteMeta(open) + jsSpace + `*`),
		closing:      regexp.MustCompile(jsSpace + `*` + regexp.QuoteMeta(close)),
		closingCurly: regexp.MustCompile(jsSpace + `*` + regexp.QuoteMeta("}"+close)),
	}
}

// scanner walks the template as mustache.js's Scanner does.
type scanner struct {
	tail string
	pos  int
}

// scan consumes a match of re at the start of the tail.
func (s *scanner) scan(re *regexp.Regexp) string {
	loc := re.FindStringIndex(s.tail)
	if loc == nil || loc[0] != 0 {
		return ""
	}
	m := s.tail[:loc[1]]
	s.tail = s.tail[loc[1]:]
	s.pos += len(m)
	return m
}

// scanUntil consumes everything before the first match of re (all of the
// tail when there is none).
func (s *scanner) scanUntil(re *regexp.Regexp) string {
	loc := re.FindStringIndex(s.tail)
	var m string
	switch {
	case loc == nil:
		m, s.tail = s.tail, ""
	case loc[0] == 0:
		return ""
	default:
		m, s.tail = s.tail[:loc[0]], s.tail[loc[0]:]
	}
	s.pos += len(m)
	return m
}

// Parse parses a template with the default {{ }} delimiters. Errors carry
// mustache.js's texts (Unclosed tag at N, Unclosed section "x" at N, ...),
// positions counted in UTF-16 units as JavaScript does.
func Parse(template string) (*Template, error) {
	if template == "" {
		return &Template{}, nil
	}
	jsPos := func(byteOff int) int { return len(utf16.Encode([]rune(template[:byteOff]))) }

	var (
		sections []*token // open section tokens, for nesting checks
		toks     []token
		spaces   []int // indices of whitespace tokens on the current line
		hasTag   bool  // is there a {{tag}} on the current line?
		nonSpace bool  // is there a non-space char on the current line?
	)
	stripSpace := func() {
		if hasTag && !nonSpace {
			for _, i := range spaces {
				toks[i].deleted = true
			}
		}
		spaces = spaces[:0]
		hasTag, nonSpace = false, false
	}

	t := compileTags("{{", "}}")
	s := &scanner{tail: template}
	for s.tail != "" {
		start := s.pos
		value := s.scanUntil(t.opening)
		for i, r := range value {
			size := utf8.RuneLen(r)
			if r == utf8.RuneError {
				_, size = utf8.DecodeRuneInString(value[i:])
			}
			if isSpace(r) {
				spaces = append(spaces, len(toks))
			} else {
				nonSpace = true
			}
			toks = append(toks, token{typ: tText, value: value[i : i+size], start: start})
			start += size
			if r == '\n' {
				stripSpace()
			}
		}

		if s.scan(t.opening) == "" {
			break
		}
		hasTag = true

		typ := byte(tName)
		if s.tail != "" && strings.IndexByte("#^/>{&=!", s.tail[0]) >= 0 {
			typ = s.tail[0]
			s.tail = s.tail[1:]
			s.pos++
		}
		s.scan(whiteRe)

		switch typ {
		case tDelims:
			value = s.scanUntil(equalsRe)
			s.scan(equalsRe)
			s.scanUntil(t.closing)
		case '{':
			value = s.scanUntil(t.closingCurly)
			s.scan(curlyRe)
			s.scanUntil(t.closing)
			typ = tRaw
		default:
			value = s.scanUntil(t.closing)
		}
		if s.scan(t.closing) == "" {
			return nil, errors.New("Unclosed tag at " + strconv.Itoa(jsPos(s.pos)))
		}

		toks = append(toks, token{typ: typ, value: value, start: start})
		switch typ {
		case tSection, tInverted:
			sections = append(sections, &token{value: value})
		case tClose:
			if len(sections) == 0 {
				return nil, errors.New(`Unopened section "` + value + `" at ` + strconv.Itoa(jsPos(start)))
			}
			open := sections[len(sections)-1]
			sections = sections[:len(sections)-1]
			if open.value != value {
				return nil, errors.New(`Unclosed section "` + open.value + `" at ` + strconv.Itoa(jsPos(start)))
			}
		case tName, tRaw:
			nonSpace = true
		case tDelims:
			parts := spaceRe.Split(value, -1)
			if len(parts) < 2 {
				return nil, errors.New("Invalid tags: " + strings.Join(parts, ","))
			}
			t = compileTags(parts[0], parts[1])
		}
	}
	stripSpace()
	if len(sections) > 0 {
		return nil, errors.New(`Unclosed section "` + sections[len(sections)-1].value + `" at ` + strconv.Itoa(jsPos(s.pos)))
	}
	return &Template{tokens: nest(squash(toks))}, nil
}

// squash drops stripped whitespace and joins adjacent text tokens.
func squash(toks []token) []token {
	out := make([]token, 0, len(toks))
	for _, tk := range toks {
		if tk.deleted {
			continue
		}
		if tk.typ == tText && len(out) > 0 && out[len(out)-1].typ == tText {
			out[len(out)-1].value += tk.value
			continue
		}
		out = append(out, tk)
	}
	return out
}

// nest turns the flat token list into a tree: section tokens own the tokens
// up to their closing tag.
func nest(toks []token) []token {
	var build func(i int) ([]token, int)
	build = func(i int) ([]token, int) {
		var out []token
		for i < len(toks) {
			tk := toks[i]
			switch tk.typ {
			case tSection, tInverted:
				tk.children, i = build(i + 1)
				out = append(out, tk)
			case tClose:
				return out, i + 1
			default:
				out = append(out, tk)
				i++
			}
		}
		return out, i
	}
	out, _ := build(0)
	return out
}

// Render renders the template. Names not found in the values of enclosing
// sections are resolved with lookup, whose boolean reports whether the name
// exists (a missing name renders as nothing and is falsy). The name "." at
// the top level is passed to lookup too.
func (t *Template) Render(lookup func(name string) (any, bool)) string {
	return t.RenderNested(func(name string, _ bool) (any, bool) { return lookup(name) })
}

// RenderNested is Render with a lookup that also learns whether the name is
// resolved inside a section that pushed a value (nested), as Node-RED's
// template node needs to escape JSON strings only at the top level.
func (t *Template) RenderNested(lookup func(name string, nested bool) (any, bool)) string {
	var b strings.Builder
	r := renderer{lookup: lookup, b: &b}
	r.render(t.tokens, nil)
	return b.String()
}

// frame is a value pushed by a section, with the frames around it.
type frame struct {
	view   any
	parent *frame
}

type renderer struct {
	lookup func(name string, nested bool) (any, bool)
	b      *strings.Builder
}

// resolve looks name up as mustache.js's Context.lookup does: innermost
// section value first, then outwards, then the caller's lookup.
func (r *renderer) resolve(name string, f *frame) (any, bool) {
	if name == "." && f != nil {
		return f.view, true
	}
	if name != "." {
		for c := f; c != nil; c = c.parent {
			if v, ok := Property(c.view, name); ok {
				return v, true
			}
		}
	}
	return r.lookup(name, f != nil)
}

func (r *renderer) render(toks []token, f *frame) {
	for i := range toks {
		tk := &toks[i]
		switch tk.typ {
		case tText:
			r.b.WriteString(tk.value)
		case tName:
			if v, ok := r.resolve(tk.value, f); ok && v != nil {
				r.b.WriteString(EscapeHTML(engine.ToString(v)))
			}
		case tRaw:
			if v, ok := r.resolve(tk.value, f); ok && v != nil {
				r.b.WriteString(engine.ToString(v))
			}
		case tSection:
			v, ok := r.resolve(tk.value, f)
			if !ok || !engine.Truthy(v) {
				continue
			}
			switch t := v.(type) {
			case []any:
				for _, e := range t {
					r.render(tk.children, &frame{view: e, parent: f})
				}
			case bool:
				r.render(tk.children, f)
			default:
				r.render(tk.children, &frame{view: v, parent: f})
			}
		case tInverted:
			v, ok := r.resolve(tk.value, f)
			if a, isArr := v.([]any); !ok || !engine.Truthy(v) || (isArr && len(a) == 0) {
				r.render(tk.children, f)
			}
		}
	}
}

// Property looks name up in one view as mustache.js does: a dotted name
// ("a.b.c") walks nested objects, arrays (index, length) and strings; a plain
// name only finds properties of objects and arrays. The boolean reports a hit.
func Property(view any, name string) (any, bool) {
	if strings.Index(name, ".") <= 0 {
		if !isObject(view) {
			return nil, false
		}
		return get(view, name)
	}
	names := strings.Split(name, ".")
	cur, hit := view, false
	for i, n := range names {
		if cur == nil {
			break
		}
		v, ok := get(cur, n)
		if i == len(names)-1 {
			hit = ok
		}
		cur = v
	}
	if !hit {
		return nil, false
	}
	return cur, true
}

func isObject(v any) bool {
	switch v.(type) {
	case *engine.Object, map[string]any, engine.Msg, []any, []byte:
		return true
	}
	return false
}

// get returns v[name] and whether v has that property (for strings: their
// own length and indices, as primitiveHasOwnProperty finds them).
func get(v any, name string) (any, bool) {
	switch t := v.(type) {
	case *engine.Object:
		return t.Get(name)
	case map[string]any:
		e, ok := t[name]
		return e, ok
	case engine.Msg:
		e, ok := t[name]
		return e, ok
	case []any:
		if name == "length" {
			return float64(len(t)), true
		}
		if i, ok := index(name, len(t)); ok {
			return t[i], true
		}
	case []byte:
		if name == "length" {
			return float64(len(t)), true
		}
		if i, ok := index(name, len(t)); ok {
			return float64(t[i]), true
		}
	case string:
		u := utf16.Encode([]rune(t))
		if name == "length" {
			return float64(len(u)), true
		}
		if i, ok := index(name, len(u)); ok {
			return string(utf16.Decode(u[i : i+1])), true
		}
	}
	return nil, false
}

// index parses a canonical array index below n.
func index(name string, n int) (int, bool) {
	i, err := strconv.Atoi(name)
	if err != nil || i < 0 || i >= n || strconv.Itoa(i) != name {
		return 0, false
	}
	return i, true
}

var htmlEscaper = strings.NewReplacer(
	"&", "&amp;",
	"<", "&lt;",
	">", "&gt;",
	`"`, "&quot;",
	"'", "&#39;",
	"/", "&#x2F;",
	"`", "&#x60;",
	"=", "&#x3D;",
)

// EscapeHTML escapes s as mustache.js's escapeHtml does.
func EscapeHTML(s string) string { return htmlEscaper.Replace(s) }
