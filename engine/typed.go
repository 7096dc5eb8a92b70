package engine

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
)

// Typed-value kinds, Node-RED's TypedInput types plus expr.
const (
	TypedMsg     = "msg"
	TypedFlow    = "flow"
	TypedGlobal  = "global"
	TypedStr     = "str"
	TypedNum     = "num"
	TypedBool    = "bool"
	TypedJSON    = "json"
	TypedBin     = "bin"
	TypedDate    = "date"
	TypedEnv     = "env"
	TypedRe      = "re"
	TypedExpr    = "expr"
	TypedJSONata = "jsonata"
)

// TypedKinds lists every typed-value kind in editor order.
var TypedKinds = []string{TypedMsg, TypedFlow, TypedGlobal, TypedStr, TypedNum, TypedBool, TypedJSON, TypedBin, TypedDate, TypedEnv, TypedRe, TypedExpr, TypedJSONata}

// Typed is a compiled typed value (Node-RED's TypedInput): a kind and a value,
// evaluated against a message. Constants are parsed once, paths and
// expressions compiled once.
type Typed struct {
	Kind  string
	Value string

	konst   any
	path    Path
	store   string // flow/global: the context store
	ctxKey  string // flow/global: the key path
	ctxPath Path   // flow/global: ctxKey compiled; [msg.x] parts resolve against the message
	re      *regexp.Regexp
	program *vm.Program
	jsonata JSONataExpr
	err     error // why the value did not compile: every Eval returns it
}

// CompileTyped compiles value of the given kind. A bad number, JSON text,
// regular expression or expression is an error; the returned value then
// fails every Eval with it, as Node-RED's evaluateNodeProperty fails each
// time it runs. A kind Node-RED does not know (older exports' "string",
// "none") is the value itself, unchanged, as evaluateNodeProperty gives it.
func CompileTyped(kind, value string) (*Typed, error) {
	t, err := compileTyped(kind, value)
	t.err = err
	return t, err
}

func compileTyped(kind, value string) (*Typed, error) {
	t := &Typed{Kind: kind, Value: value}
	switch kind {
	case TypedMsg:
		p, err := ParsePath(strings.TrimPrefix(value, "msg."))
		if err != nil {
			return t, err
		}
		t.path = p
	case TypedFlow, TypedGlobal:
		t.store, t.ctxKey = ParseContextKey(value)
		p, err := ParsePath(t.ctxKey)
		if err != nil {
			return t, err
		}
		t.ctxPath = p
	case TypedStr:
		t.konst = value
	case TypedNum:
		f, err := ParseNumberString(value)
		if err != nil {
			return t, err
		}
		t.konst = f
	case TypedBool:
		t.konst = strings.EqualFold(value, "true") // Node-RED: /^true$/i
	case TypedJSON:
		if strings.TrimSpace(value) == "" {
			value = "null"
		}
		v, err := DecodeJSON([]byte(value))
		if err != nil {
			return t, fmt.Errorf("invalid JSON: %w", err)
		}
		t.konst = v
	case TypedBin:
		b, err := parseBin(value)
		if err != nil {
			return t, err
		}
		t.konst = b
	case TypedDate:
		switch value {
		case "", "iso", "object":
		default:
			return t, fmt.Errorf("unknown date format %q", value)
		}
	case TypedEnv:
	case TypedRe:
		re, err := CompileJSRegexp(value, false)
		if err != nil {
			return t, fmt.Errorf("invalid regular expression: %w", err)
		}
		t.re = re
	case TypedExpr:
		opts := append(exprFunctions(), expr.AllowUndefinedVariables(), expr.DisableBuiltin("now"))
		prog, err := expr.Compile(value, opts...)
		if err != nil {
			return t, fmt.Errorf("invalid expression: %w", err)
		}
		t.program = prog
	case TypedJSONata:
		return t, errNoJSONata
	default:
		t.konst = value
	}
	return t, nil
}

// MustTyped is CompileTyped for constants in Go code; it panics on error.
func MustTyped(kind, value string) *Typed {
	t, err := CompileTyped(kind, value)
	if err != nil {
		panic(err)
	}
	return t
}

func parseBin(value string) ([]byte, error) {
	if strings.TrimSpace(value) == "" {
		return []byte{}, nil
	}
	v, err := DecodeJSON([]byte(value))
	if err != nil {
		return []byte(value), nil
	}
	switch t := v.(type) {
	case []any:
		b := make([]byte, len(t))
		for i, e := range t {
			f, ok := e.(float64)
			if !ok {
				return nil, fmt.Errorf("invalid buffer: element %d is not a number", i)
			}
			b[i] = byte(int(f))
		}
		return b, nil
	case string:
		return []byte(t), nil
	}
	return nil, fmt.Errorf("invalid buffer: expected an array of bytes")
}

// Path returns the compiled message path of a msg-kind value.
func (t *Typed) Path() Path { return t.path }

// Regexp returns the compiled expression of a re-kind value.
func (t *Typed) Regexp() *regexp.Regexp { return t.re }

// IsConst reports whether the value does not depend on the message, context,
// environment or clock.
func (t *Typed) IsConst() bool {
	if t.err != nil {
		return false
	}
	switch t.Kind {
	case TypedStr, TypedNum, TypedBool, TypedJSON, TypedBin, TypedRe:
		return true
	case TypedMsg, TypedFlow, TypedGlobal, TypedDate, TypedEnv, TypedExpr, TypedJSONata:
		return false
	}
	return true // a kind Node-RED does not know: the value itself
}

// Eval evaluates the value for message m. res may be nil for kinds that need
// no context or environment. A missing msg property or context key is nil.
func (t *Typed) Eval(res *Resources, m Msg) (any, error) {
	if t.err != nil {
		return nil, t.err
	}
	switch t.Kind {
	case TypedMsg:
		v, _ := t.path.Get(m)
		return v, nil
	case TypedFlow, TypedGlobal:
		if res == nil {
			return nil, fmt.Errorf("no context")
		}
		c := res.Flow
		if t.Kind == TypedGlobal {
			c = res.Global
		}
		if c == nil {
			return nil, fmt.Errorf("no %s context", t.Kind)
		}
		p, ok := t.ctxPath.resolveRefs(m)
		if !ok {
			return nil, fmt.Errorf("invalid expression: undefined reference in %q", t.ctxKey)
		}
		return c.getPath(t.store, t.ctxKey, p)
	case TypedStr, TypedNum, TypedBool:
		return t.konst, nil
	case TypedJSON, TypedBin:
		return CloneValue(t.konst), nil
	case TypedRe:
		return t.re, nil
	case TypedDate:
		now := time.Now()
		if res != nil && res.Now != nil {
			now = res.Now()
		}
		switch t.Value {
		case "iso":
			return now.UTC().Format("2006-01-02T15:04:05.000Z"), nil
		case "object":
			return now, nil
		}
		return float64(now.UnixMilli()), nil
	case TypedEnv:
		if res == nil {
			return ExpandEnv(res, t.Value), nil
		}
		return ExpandEnvValue(res, t.Value), nil
	case TypedExpr:
		return t.evalExpr(res, m)
	case TypedJSONata:
		if t.jsonata == nil {
			return nil, errNoJSONata
		}
		return t.jsonata.Eval(res, m, nil)
	}
	return t.konst, nil // a kind Node-RED does not know: the value itself
}

// ExpandEnv resolves an env typed value as Node-RED: `${A}` references inside
// text are replaced (unset ones by ""), otherwise the whole value (or a lone
// `${A}`) names one variable.
func ExpandEnv(res *Resources, value string) string {
	lookup := func(name string) string {
		if res != nil {
			if v, ok := res.Env(name); ok {
				return v
			}
			return ""
		}
		return os.Getenv(name)
	}
	switch {
	case envWhole.MatchString(value):
		return lookup(value[2 : len(value)-1])
	case !envAny.MatchString(value):
		return lookup(value)
	}
	return envRef.ReplaceAllStringFunc(value, func(s string) string { return lookup(s[2 : len(s)-1]) })
}

var (
	envWhole = regexp.MustCompile(`^\$\{[^}]+\}$`)
	envAny   = regexp.MustCompile(`\$\{\S+\}`)
)

var envRef = regexp.MustCompile(`\$\{[^}]+\}`)

func (t *Typed) evalExpr(res *Resources, m Msg) (any, error) {
	env := map[string]any{
		"msg": plainMsg(m),
		"env": func(name string) string { return ExpandEnv(res, name) },
		"flow": func(key string) any {
			if res == nil || res.Flow == nil {
				return nil
			}
			store, k := ParseContextKey(key)
			v, _ := res.Flow.Get(store, k)
			return v
		},
		"now": func() float64 {
			if res != nil && res.Now != nil {
				return float64(res.Now().UnixMilli())
			}
			return float64(time.Now().UnixMilli())
		},
		"global": func(key string) any {
			if res == nil || res.Global == nil {
				return nil
			}
			store, k := ParseContextKey(key)
			v, _ := res.Global.Get(store, k)
			return v
		},
	}
	out, err := expr.Run(t.program, env)
	if err != nil {
		return nil, fmt.Errorf("expression %q: %w", t.Value, err)
	}
	return normalize(out), nil
}

// plainMsg is m as expr-lang reads it: objects as Go maps (expr navigates
// maps and structs, not *Object).
func plainMsg(m Msg) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = PlainValue(v)
	}
	return out
}

// PlainValue converts *Object values, at any depth, to Go maps (key order
// lost), for libraries that read Go maps; other values are returned as they
// are, arrays copied only when they hold objects.
func PlainValue(v any) any {
	switch t := v.(type) {
	case *Object:
		out := make(map[string]any, t.Len())
		for k, e := range t.All() {
			out[k] = PlainValue(e)
		}
		return out
	case []any:
		var out []any
		for i, e := range t {
			pe := PlainValue(e)
			if _, conv := e.(*Object); (conv || isArray(e)) && out == nil {
				out = make([]any, len(t))
				copy(out, t[:i])
			}
			if out != nil {
				out[i] = pe
			}
		}
		if out == nil {
			return t
		}
		return out
	}
	return v
}

func isArray(v any) bool {
	_, ok := v.([]any)
	return ok
}

// normalize converts Go values an expression may produce into Msg values.
func normalize(v any) any {
	switch t := v.(type) {
	case int:
		return float64(t)
	case int64:
		return float64(t)
	case int32:
		return float64(t)
	case uint:
		return float64(t)
	case float32:
		return float64(t)
	case []any:
		for i, e := range t {
			t[i] = normalize(e)
		}
		return t
	case []string:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = e
		}
		return out
	case map[string]any:
		o := ObjectFromMap(t)
		for i := range o.m {
			o.m[i].v = normalize(o.m[i].v)
		}
		return o
	case time.Duration:
		return float64(t.Milliseconds())
	case json.Number:
		f, _ := t.Float64()
		return f
	}
	return v
}
