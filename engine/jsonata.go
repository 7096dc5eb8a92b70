package engine

import (
	"errors"
	"fmt"
)

// JSONata compiles JSONata expressions. The engine has none of its own (the
// reference implementation runs on a JavaScript VM, which the engine does not
// import): the runtime supplies one in Options.JSONata, and typed values of
// kind jsonata compile through it.
type JSONata interface {
	// Compile parses src; a syntax error is a *JSONataError.
	Compile(src string) (JSONataExpr, error)
}

// JSONataExpr is a compiled JSONata expression, safe for concurrent use.
type JSONataExpr interface {
	// Eval evaluates the expression against input (a message: Node-RED's
	// legacy form, an expression naming msg, sees {msg: input}) with vars
	// bound as $name. res gives $flowContext, $globalContext and $env; it may
	// be nil. A nil var is left undefined; an undefined result is nil.
	Eval(res *Resources, input any, vars map[string]any) (any, error)
}

// JSONataError is a JSONata compile or evaluation error: its code (S0202,
// T2001, ...), the character position and token, and JSONata's message.
type JSONataError struct {
	Code     string
	Position int
	Token    string
	Message  string
}

// Error is JSONata's message, as Node-RED shows an evaluation error.
func (e *JSONataError) Error() string { return e.Message }

// withPosition adds the position of a compile error to its text (a deploy
// error names the place).
func withPosition(err error) error {
	var je *JSONataError
	if errors.As(err, &je) && je.Position > 0 {
		return fmt.Errorf("%w at position %d", err, je.Position)
	}
	return err
}

// errNoJSONata is returned when jsonata is compiled without an implementation.
var errNoJSONata = errors.New("jsonata expressions are not supported: the runtime has no JSONata implementation")

// CompileTypedWith is CompileTyped with the JSONata implementation that
// jsonata values compile with (nil: they are an error).
func CompileTypedWith(kind, value string, j JSONata) (*Typed, error) {
	if kind != TypedJSONata {
		return CompileTyped(kind, value)
	}
	t := &Typed{Kind: kind, Value: value}
	if j == nil {
		t.err = errNoJSONata
		return t, t.err
	}
	e, err := j.Compile(value)
	if err != nil {
		t.err = withPosition(err)
		return t, t.err
	}
	t.jsonata = e
	return t, nil
}

// JSONataExpr returns the compiled expression of a jsonata-kind value.
func (t *Typed) JSONataExpr() JSONataExpr { return t.jsonata }

// JSONata returns the JSONata implementation the node's typed values compile
// with (nil when the runtime has none).
func (c *Config) JSONata() JSONata { return c.jsonata }

// CompileTyped compiles a typed value that is not a property of its own (a
// rule of a switch or change node), with the node's JSONata implementation.
func (p *Props) CompileTyped(kind, value string) (*Typed, error) {
	return CompileTypedWith(kind, value, p.c.jsonata)
}

// JSONataExpr compiles the JSONata expression src of property field (a code
// property such as join's reduceExp); a syntax error is a field error and nil.
func (p *Props) JSONataExpr(field, src string) JSONataExpr {
	if p.c.jsonata == nil {
		p.Fail(field, "%v", errNoJSONata)
		return nil
	}
	e, err := p.c.jsonata.Compile(src)
	if err != nil {
		p.Fail(field, "%v", withPosition(err))
		return nil
	}
	return e
}
