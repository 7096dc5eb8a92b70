package function

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/flowgate/flowgate/engine"
)

func changeSpec() engine.Spec {
	return engine.Spec{
		Type: "change", Category: "function", Color: color, Icon: "swap.svg",
		Inputs: 1, Outputs: 1, LabelProp: "name",
		Props: []engine.Prop{
			{Name: "name", Kind: engine.KindString, Default: ""},
			{Name: "rules", Kind: engine.KindList, Widget: "change-rules",
				Default: []any{map[string]any{"t": "set", "p": "payload", "pt": "msg", "to": "", "tot": "str"}}},
			{Name: "action", Kind: engine.KindString, Default: "", Hidden: true},
			{Name: "property", Kind: engine.KindString, Default: "", Hidden: true},
			{Name: "from", Kind: engine.KindString, Default: "", Hidden: true},
			{Name: "to", Kind: engine.KindString, Default: "", Hidden: true},
			{Name: "reg", Kind: engine.KindBool, Default: false, Hidden: true},
		},
		Help: help("change"),
	}
}

// changeRuleJSON is one rule as the editor writes it.
type changeRuleJSON struct {
	T     string `json:"t"`
	P     string `json:"p"`
	PT    string `json:"pt"`
	To    any    `json:"to"`
	ToT   string `json:"tot"`
	From  any    `json:"from"`
	FromT string `json:"fromt"`
	Re    any    `json:"re"` // legacy: change with a regular expression
	DC    bool   `json:"dc"`
}

// changeStep is one compiled rule; a move becomes set and delete steps.
type changeStep struct {
	t  string // set, change, delete
	pt string // msg, flow, global
	p  msgProp
	// flow/global target
	store, key string

	to      *engine.Typed // nil for str/num/bool constants
	toConst any           // str/num/bool: the constant (num may be NaN)
	toMsg   msgProp       // to of kind msg, read with Node-RED's semantics
	toBool  bool          // tot is bool (a replaced "true"/"false" becomes a boolean)
	dc      bool

	fromt  string         // the from kind
	from   string         // the from text (str/num/bool/re)
	fromRE *regexp.Regexp // str/num/bool/re: the pattern to replace
	fromV  *engine.Typed  // flow/global: evaluated per message
	fromM  msgProp        // msg: read per message
}

type change struct {
	res   *engine.Resources
	steps []changeStep
}

func newChange(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	var rules []changeRuleJSON
	if p.Has("rules") {
		p.Decode("rules", &rules)
	} else if r := legacyChangeRule(p); r.T != "" {
		rules = []changeRuleJSON{r}
	}
	n := &change{res: res}
	for _, r := range rules {
		steps, err := compileChangeRule(r, cfg.JSONata())
		if err != nil {
			// Node-RED's text alone: it is the error the node reports at start
			p.Fail("rules", "%v", err)
			continue
		}
		n.steps = append(n.steps, steps...)
	}
	return n, p.Err()
}

// legacyChangeRule migrates the single-rule form of Node-RED 0.x.
func legacyChangeRule(p *engine.Props) changeRuleJSON {
	r := changeRuleJSON{T: p.String("action", ""), P: p.String("property", "")}
	if r.T == "replace" {
		r.T = "set"
	}
	switch r.T {
	case "set", "move":
		r.To = p.String("to", "")
	case "change":
		r.From, r.To = p.String("from", ""), p.String("to", "")
		reg := p.Any("reg")
		r.Re = reg == nil || engine.Truthy(reg)
	}
	return r
}

func compileChangeRule(r changeRuleJSON, j engine.JSONata) ([]changeStep, error) {
	if r.PT == "" {
		r.PT = "msg"
	}
	to := jsText(r.To)
	if r.T == "change" && engine.Truthy(r.Re) {
		r.FromT = "re"
	}
	if r.T == "set" && r.ToT == "" && strings.HasPrefix(to, "msg.") {
		to, r.ToT = to[4:], "msg"
	}
	if r.ToT == "" {
		r.ToT = "str"
	}
	if r.FromT == "" {
		r.FromT = "str"
	}
	switch r.T {
	case "set", "change", "delete":
		s, err := compileChangeStep(r.T, r.P, r.PT, to, r.ToT, r.DC, j)
		if err != nil {
			return nil, err
		}
		if _, isText := r.To.(string); r.T == "set" && r.ToT == "str" && r.To != nil && !isText {
			s.toConst = r.To // a `${VAR}` replaced by a typed env value: Node-RED sets it as it is
		}
		if r.T == "change" {
			if err := s.compileFrom(jsText(r.From), r.FromT); err != nil {
				return nil, err
			}
		}
		return []changeStep{s}, nil
	case "move":
		// as Node-RED: set the target from the source, then delete the
		// source; via a temporary when the target contains the source
		type step struct{ t, p, pt, to, tot string }
		var plan []step
		if r.ToT != r.PT || (strings.Contains(r.P, to) && r.P != to) {
			plan = []step{{"set", to, r.ToT, r.P, r.PT}, {"delete", r.P, r.PT, "", ""}}
		} else {
			plan = []step{
				{"set", "_temp_move", r.ToT, r.P, r.PT}, {"delete", r.P, r.PT, "", ""},
				{"set", to, r.ToT, "_temp_move", r.PT}, {"delete", "_temp_move", r.PT, "", ""},
			}
		}
		steps := make([]changeStep, 0, len(plan))
		for _, st := range plan {
			s, err := compileChangeStep(st.t, st.p, st.pt, st.to, st.tot, false, j)
			if err != nil {
				return nil, err
			}
			steps = append(steps, s)
		}
		return steps, nil
	}
	return nil, fmt.Errorf("unknown rule type %q", r.T)
}

func compileChangeStep(t, prop, pt, to, tot string, dc bool, j engine.JSONata) (changeStep, error) {
	s := changeStep{t: t, pt: pt, dc: dc}
	switch pt {
	case "msg":
		mp, err := compileMsgProp(prop)
		if err != nil {
			return s, fmt.Errorf("Invalid property expression: %s", prop)
		}
		s.p = mp
	case "flow", "global":
		s.store, s.key = engine.ParseContextKey(prop)
		if _, err := engine.ParsePath(s.key); err != nil {
			return s, fmt.Errorf("Invalid property expression: %s", prop)
		}
	default:
		return s, fmt.Errorf("unknown property type %q", pt)
	}
	if t == "delete" {
		return s, nil
	}
	switch tot {
	case "str":
		s.toConst = to
	case "num":
		s.toConst = engine.ToNumber(to)
	case "bool":
		s.toConst, s.toBool = strings.EqualFold(to, "true"), true
	case "json", "bin":
		typed, err := engine.CompileTyped(tot, to)
		if err != nil || (tot == "bin" && !isJSON(to)) {
			return s, fmt.Errorf("Invalid 'to' JSON property")
		}
		s.to = typed
	case "jsonata":
		typed, err := engine.CompileTypedWith(tot, to, j)
		if err != nil {
			return s, fmt.Errorf("Invalid JSONata expression: %v", err)
		}
		s.to = typed
	default:
		typed, err := engine.CompileTyped(tot, to)
		if err != nil {
			return s, err
		}
		s.to = typed
		if tot == "msg" {
			s.toMsg, _ = compileMsgProp(to)
		}
	}
	return s, nil
}

func (s *changeStep) compileFrom(from, fromt string) error {
	s.fromt, s.from = fromt, from
	switch fromt {
	case "msg":
		mp, err := compileMsgProp(from)
		if err != nil {
			return fmt.Errorf("Invalid 'from' property: %v", err)
		}
		s.fromM = mp
		return nil
	case "flow", "global":
		typed, err := engine.CompileTyped(fromt, from)
		if err != nil {
			return fmt.Errorf("Invalid 'from' property: %v", err)
		}
		s.fromV = typed
		return nil
	}
	pattern := from
	if fromt != "re" {
		pattern = regexp.QuoteMeta(from)
	}
	re, err := engine.CompileJSRegexp(pattern, false)
	if err != nil {
		return fmt.Errorf("Invalid 'from' property: %v", engine.JSRegexpError(pattern, "g", err))
	}
	s.fromRE = re
	return nil
}

// Handle applies the rules in order and sends the message; a rule that
// fails reports the error and drops the message, as Node-RED does.
func (n *change) Handle(_ context.Context, m engine.Msg, out *engine.Output) error {
	for i := range n.steps {
		if err := n.apply(&n.steps[i], m); err != nil {
			return err
		}
	}
	out.Send(0, m)
	return nil
}

// apply runs one step on m. Problems Node-RED swallows (reading below a
// missing parent) skip the step; context failures are errors.
func (n *change) apply(s *changeStep, m engine.Msg) error {
	var (
		value     any
		undefined bool // JavaScript's undefined: a set deletes
	)
	if s.t != "delete" {
		switch {
		case s.to == nil:
			value = engine.CloneValue(s.toConst)
		case s.to.Kind == "msg":
			v, ok, throws := s.toMsg.get(m)
			if throws {
				return nil
			}
			value, undefined = v, !ok
		default:
			v, err := s.to.Eval(n.res, m)
			if err != nil {
				if s.to.Kind == engine.TypedJSONata {
					return fmt.Errorf("Invalid JSONata expression: %v", err)
				}
				return err
			}
			value = v
			undefined = v == nil && (s.to.Kind == "flow" || s.to.Kind == "global" || s.to.Kind == engine.TypedJSONata)
		}
		if s.dc {
			value = engine.CloneValue(value)
		}
	}
	var from fromValue
	if s.t == "change" {
		f, err := n.fromValue(s, m)
		if err != nil {
			return err
		}
		if f.skip {
			return nil
		}
		from = f
	}
	if s.pt == "msg" {
		switch s.t {
		case "delete":
			s.p.path.Delete(m)
		case "set":
			if undefined {
				// Node-RED's setMessageProperty deletes on undefined
				s.p.path.Delete(m)
				return nil
			}
			if !s.p.path.Set(m, value, true) {
				n.res.Log.Warn(fmt.Sprintf("Cannot set property of non-object type: %s", s.p.path))
			}
		case "change":
			current, _, throws := s.p.get(m)
			if throws {
				return nil
			}
			if nv, ok := changeValue(current, from, value, s.toBool); ok {
				s.p.path.Set(m, nv, true)
			}
		}
		return nil
	}
	c := contextOf(n.res, s.pt)
	if c == nil {
		return fmt.Errorf("no %s context", s.pt)
	}
	switch s.t {
	case "delete":
		return c.Set(s.store, s.key, nil)
	case "set":
		if undefined {
			value = nil
		}
		return c.Set(s.store, s.key, value)
	}
	current, err := c.Get(s.store, s.key)
	if err != nil {
		return err
	}
	if nv, ok := changeValue(current, from, value, false); ok {
		return c.Set(s.store, s.key, nv)
	}
	return nil
}

// fromValue is the evaluated "from" of a change rule.
type fromValue struct {
	kind  string // str, num, bool, re, env, ...
	value any
	re    *regexp.Regexp // nil: JavaScript's replace(undefined) searches "undefined"
	skip  bool           // reading it threw in Node-RED: the rule does nothing
}

func (n *change) fromValue(s *changeStep, m engine.Msg) (fromValue, error) {
	var v any
	switch s.fromt {
	case "msg":
		got, _, throws := s.fromM.get(m)
		if throws {
			return fromValue{skip: true}, nil
		}
		v = got
	case "flow", "global":
		got, err := s.fromV.Eval(n.res, m)
		if err != nil {
			return fromValue{}, err
		}
		v = got
	default:
		return fromValue{kind: s.fromt, value: s.from, re: s.fromRE}, nil
	}
	switch t := v.(type) {
	case float64:
		return fromValue{kind: "num", value: t}, nil
	case bool:
		return fromValue{kind: "bool", value: t}, nil
	case *regexp.Regexp:
		return fromValue{kind: "re", value: t, re: t}, nil
	case string:
		return fromValue{kind: "str", value: t, re: regexp.MustCompile(regexp.QuoteMeta(t))}, nil
	}
	typ := "undefined"
	if v != nil {
		typ = "object"
	}
	return fromValue{}, fmt.Errorf("Invalid 'from' property: unsupported type: %s", typ)
}

// changeValue is Node-RED's change of the current value: a string has the
// pattern replaced everywhere (or is replaced whole when it equals the
// from text of a str/num/bool rule); a number or boolean is replaced when it
// equals the from value. The boolean reports whether to store the result.
func changeValue(current any, from fromValue, value any, toBool bool) (any, bool) {
	switch c := current.(type) {
	case string:
		switch from.kind {
		case "num", "bool", "str":
			if fs, ok := from.value.(string); ok && fs == c {
				return value, true
			}
		}
		repl := engine.ToString(value)
		var nv string
		if from.re == nil {
			nv = strings.Replace(c, "undefined", repl, 1)
		} else {
			nv = jsReplace(from.re, c, repl)
		}
		if toBool && nv == repl {
			return value, true
		}
		return nv, true
	case float64:
		if from.kind == "num" && c == engine.ToNumber(from.value) {
			return value, true
		}
	case bool:
		if from.kind == "bool" {
			if fs, ok := from.value.(string); ok && fs == fmt.Sprint(c) {
				return value, true
			}
		}
	}
	return nil, false
}

// jsText is a rule value as JavaScript's string concatenation sees it.
func jsText(v any) string {
	if v == nil {
		return ""
	}
	return engine.ToString(v)
}

func isJSON(s string) bool {
	_, err := engine.DecodeJSON([]byte(s))
	return err == nil
}
