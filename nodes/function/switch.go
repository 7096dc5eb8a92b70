package function

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/flowgate/flowgate/engine"
)

func switchSpec() engine.Spec {
	valueTypes := []string{"msg", "flow", "global", "str", "num", "jsonata", "env", "prev"}
	return engine.Spec{
		Type: "switch", Category: "function", Color: color, Icon: "switch.svg",
		Inputs: 1, Outputs: 1, OutputsFrom: "rules", LabelProp: "name",
		Props: []engine.Prop{
			{Name: "name", Kind: engine.KindString, Default: ""},
			{Name: "property", Kind: engine.KindTyped, Default: "payload", Required: true,
				TypeProp: "propertyType", Types: []string{"msg", "flow", "global", "jsonata", "env"}},
			{Name: "propertyType", Kind: engine.KindString, Default: "msg", Hidden: true},
			{Name: "rules", Kind: engine.KindList, Widget: "switch-rules", Types: valueTypes,
				Default: []any{map[string]any{"t": "eq", "v": "", "vt": "str"}}},
			{Name: "checkall", Kind: engine.KindSelect, Default: "true", Required: true, Options: []engine.Option{
				{Value: "true", Label: "checking all rules"}, {Value: "false", Label: "stopping after first match"}}},
			{Name: "repair", Kind: engine.KindBool, Default: false},
			{Name: "outputs", Kind: engine.KindNumber, Default: 1, Hidden: true},
		},
		Help: help("switch"),
	}
}

// switchRuleJSON is one rule as the editor writes it.
type switchRuleJSON struct {
	T    string `json:"t"`
	V    any    `json:"v"`
	VT   string `json:"vt"`
	V2   any    `json:"v2"`
	V2T  string `json:"v2t"`
	Case bool   `json:"case"`
}

// switchValue is a compiled rule operand.
type switchValue struct {
	kind    string // prev, const, msg, or a typed kind
	konst   any
	msgProp msgProp
	typed   *engine.Typed
	parts   bool // jsonata_exp: $I and $N are msg.parts' index and count
}

type switchRule struct {
	t      string
	v, v2  switchValue
	hasV2  bool
	icase  bool
	re     *regexp.Regexp // regex rule with a constant pattern
	reText string
	reErr  error // the constant pattern did not compile: each message fails, as in Node-RED
}

// NoComplete implements engine.NoCompleter: Node-RED's switch never calls
// done, so a complete node scoped to it never fires.
func (n *switchNode) NoComplete() {}

type switchNode struct {
	res        *engine.Resources
	propKind   string
	prop       msgProp
	propTyped  *engine.Typed
	rules      []switchRule
	stopFirst  bool
	repair     bool
	needsCount bool

	// Only Handle touches these (one message at a time).
	previous   any
	pendingIn  map[string]*switchGroup   // needsCount: messages waiting for their sequence
	pendingOut map[string][][]engine.Msg // repair: results waiting for their sequence
}

type switchGroup struct {
	count float64
	have  bool
	msgs  []engine.Msg
}

// undefined is JavaScript's undefined, kept apart from null where the switch
// operators tell them apart (istype, comparisons).
type undefinedValue struct{}

var undefined = undefinedValue{}

func newSwitch(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	n := &switchNode{res: res, previous: nil, pendingIn: map[string]*switchGroup{}, pendingOut: map[string][][]engine.Msg{}}
	n.propKind = p.String("propertyType", "msg")
	if n.propKind == "" {
		n.propKind = "msg"
	}
	prop := p.String("property", "payload")
	switch n.propKind {
	case "msg":
		mp, err := compileMsgProp(prop)
		if err != nil {
			p.Fail("property", "%v", err)
		}
		n.prop = mp
	case "jsonata":
		t, err := p.CompileTyped(n.propKind, prop)
		if err != nil {
			p.Fail("property", "Invalid JSONata expression: %v", err)
		}
		n.propTyped = t
	default:
		t, err := engine.CompileTyped(n.propKind, prop)
		if err != nil {
			p.Fail("property", "%v", err)
		}
		n.propTyped = t
	}
	var rules []map[string]json.RawMessage
	p.Decode("rules", &rules)
	for i, raw := range rules {
		r, err := compileSwitchRule(raw, cfg.JSONata())
		if err != nil {
			p.Fail("rules", "rule %d: %v", i+1, err)
			continue
		}
		if r.reErr != nil {
			p.Defer("rules", "rule %d: %v", i+1, r.reErr)
		}
		n.rules = append(n.rules, r)
		n.needsCount = n.needsCount || r.t == "tail"
	}
	n.stopFirst = p.String("checkall", "true") == "false"
	n.repair = p.Bool("repair", false)
	n.needsCount = n.needsCount || n.repair
	return n, p.Err()
}

func compileSwitchRule(raw map[string]json.RawMessage, j engine.JSONata) (switchRule, error) {
	var r switchRuleJSON
	b, _ := json.Marshal(raw)
	if err := json.Unmarshal(b, &r); err != nil {
		return switchRule{}, err
	}
	_, hasV2 := raw["v2"]
	sr := switchRule{t: r.T, icase: r.Case, hasV2: hasV2}
	switch r.T {
	case "eq", "neq", "lt", "lte", "gt", "gte", "btwn", "cont", "regex", "true", "false", "null", "nnull",
		"istype", "empty", "nempty", "head", "tail", "index", "hask", "else", "jsonata_exp":
	default:
		return sr, fmt.Errorf("unknown rule type %q", r.T)
	}
	var err error
	if sr.v, err = compileSwitchValue(r.V, r.VT, j); err != nil {
		return sr, err
	}
	if hasV2 {
		if sr.v2, err = compileSwitchValue(r.V2, r.V2T, j); err != nil {
			return sr, err
		}
	}
	if r.T == "regex" && sr.v.kind == "const" {
		sr.reText = engine.ToString(sr.v.konst)
		// a pattern that does not compile fails each message, as in
		// Node-RED: sr.re stays nil and the rule compiles it when it runs
		re, err := engine.CompileJSRegexp(sr.reText, r.Case)
		sr.re = re
		if err != nil {
			sr.reErr = engine.JSRegexpError(sr.reText, "", err)
		}
	}
	sr.v.parts = r.T == "jsonata_exp"
	return sr, nil
}

// compileSwitchValue compiles a rule operand as Node-RED's switch reads it:
// without a type a numeric text is a number, "json" and "null" types give
// their own names (as Node-RED does), unknown types give the text.
func compileSwitchValue(v any, vt string, j engine.JSONata) (switchValue, error) {
	text := jsText(v)
	if v == nil {
		text = "undefined"
	}
	if vt == "" {
		vt = "str"
		if !math.IsNaN(engine.ToNumber(v)) {
			vt = "num"
		}
	}
	switch vt {
	case "prev":
		return switchValue{kind: "prev"}, nil
	case "json", "null":
		return switchValue{kind: "const", konst: vt}, nil
	case "str":
		return switchValue{kind: "const", konst: text}, nil
	case "num":
		return switchValue{kind: "const", konst: engine.ToNumber(text)}, nil
	case "bool":
		return switchValue{kind: "const", konst: strings.EqualFold(text, "true")}, nil
	case "msg":
		mp, err := compileMsgProp(text)
		if err != nil {
			return switchValue{}, err
		}
		return switchValue{kind: "msg", msgProp: mp}, nil
	case "jsonata":
		t, err := engine.CompileTypedWith(vt, text, j)
		if err != nil {
			return switchValue{}, fmt.Errorf("Invalid JSONata expression: %v", err)
		}
		return switchValue{kind: vt, typed: t}, nil
	case "flow", "global", "env", "re", "date", "bin", "expr":
		t, err := engine.CompileTyped(vt, text)
		if err != nil {
			return switchValue{}, err
		}
		return switchValue{kind: vt, typed: t}, nil
	}
	return switchValue{kind: "const", konst: text}, nil
}

// Handle evaluates the rules and sends the message to every matching
// output (the first match only with checkall "false").
func (n *switchNode) Handle(_ context.Context, m engine.Msg, out *engine.Output) error {
	if n.needsCount && hasParts(m) {
		return n.addToPending(m, out)
	}
	return n.process(m, out)
}

func (n *switchNode) process(m engine.Msg, out *engine.Output) error {
	onward, err := n.evaluate(m)
	if err != nil {
		return err
	}
	if n.repair && hasParts(m) {
		n.sendGroupMessages(onward, m, out)
		return nil
	}
	var ports []int
	for port, match := range onward {
		if match != nil {
			ports = append(ports, port)
		}
	}
	// every matching output gets the message: copies first, the original last
	for i, port := range ports {
		if i < len(ports)-1 {
			out.Send(port, m.Clone())
		} else {
			out.Send(port, m)
		}
	}
	return nil
}

// evaluate returns, per rule up to the last one evaluated, m when the rule
// matched and nil when not.
func (n *switchNode) evaluate(m engine.Msg) ([]engine.Msg, error) {
	if len(n.rules) == 0 {
		return nil, nil
	}
	property, err := n.property(m)
	if err != nil {
		n.res.Warn(err.Error())
		return nil, nil
	}
	parts, _ := m.Object("parts")
	_, partsSet := m["parts"]
	onward := make([]engine.Msg, 0, len(n.rules))
	elseFlag := true
	for i := range n.rules {
		r := &n.rules[i]
		v1, err := n.operand(r.v, m)
		if err != nil {
			return nil, err
		}
		var v2 any = undefined
		if r.hasV2 {
			if v2, err = n.operand(r.v2, m); err != nil {
				return nil, err
			}
		}
		a := property
		if r.t == "else" {
			a = elseFlag
			elseFlag = true
		}
		ok, err := r.match(a, v1, v2, parts, partsSet)
		if err != nil {
			return nil, err
		}
		if ok {
			onward = append(onward, m)
			elseFlag = false
			if n.stopFirst {
				break
			}
		} else {
			onward = append(onward, nil)
		}
	}
	n.previous = property
	return onward, nil
}

// property reads the switched-on value; a failed context read is undefined.
func (n *switchNode) property(m engine.Msg) (any, error) {
	if n.propKind == "msg" {
		v, ok, _ := n.prop.get(m)
		if !ok {
			return undefined, nil
		}
		return v, nil
	}
	v, err := n.propTyped.Eval(n.res, m)
	if err != nil {
		if n.propKind == engine.TypedJSONata {
			return nil, fmt.Errorf("Invalid JSONata expression: %v", err)
		}
		return undefined, nil
	}
	if v == nil && (n.propKind == "flow" || n.propKind == "global") {
		return undefined, nil
	}
	return v, nil
}

func (n *switchNode) operand(v switchValue, m engine.Msg) (any, error) {
	switch v.kind {
	case "prev":
		return n.previous, nil
	case "const":
		return v.konst, nil
	case "msg":
		got, ok, _ := v.msgProp.get(m)
		if !ok {
			return undefined, nil
		}
		return got, nil
	case engine.TypedJSONata:
		var vars map[string]any
		if parts, ok := m.Object("parts"); ok && v.parts {
			vars = map[string]any{"I": parts.Value("index"), "N": parts.Value("count")}
		}
		got, err := v.typed.JSONataExpr().Eval(n.res, m, vars)
		if err != nil {
			return nil, fmt.Errorf("Invalid JSONata expression: %v", err)
		}
		if got == nil {
			return undefined, nil
		}
		return got, nil
	}
	got, err := v.typed.Eval(n.res, m)
	if err != nil {
		return undefined, nil
	}
	if got == nil && (v.kind == "flow" || v.kind == "global") {
		return undefined, nil
	}
	return got, nil
}

// match applies the rule's operator as Node-RED's switch does, with
// JavaScript's loose comparisons.
func (r *switchRule) match(a, b, c any, parts *engine.Object, partsSet bool) (bool, error) {
	switch r.t {
	case "eq":
		return engine.LooseEqual(jsNull(a), jsNull(b)), nil
	case "jsonata_exp":
		return b == true, nil
	case "neq":
		return !engine.LooseEqual(jsNull(a), jsNull(b)), nil
	case "lt":
		return jsLess(a, b), nil
	case "lte":
		return jsLessEq(a, b), nil
	case "gt":
		return jsLess(b, a), nil
	case "gte":
		return jsLessEq(b, a), nil
	case "btwn":
		return (jsLessEq(b, a) && jsLessEq(a, c)) || (jsLessEq(a, b) && jsLessEq(c, a)), nil
	case "cont":
		return strings.Contains(jsString(a), jsString(b)), nil
	case "regex":
		re := r.re
		if re == nil {
			var err error
			if re, err = engine.CompileJSRegexp(jsString(b), r.icase); err != nil {
				flags := ""
				if r.icase {
					flags = "i"
				}
				return false, fmt.Errorf("SyntaxError: %w", engine.JSRegexpError(jsString(b), flags, err))
			}
		}
		return re.MatchString(jsString(a)), nil
	case "true":
		return a == true, nil
	case "false":
		return a == false, nil
	case "null":
		return a == nil || a == undefined, nil
	case "nnull":
		return a != nil && a != undefined, nil
	case "empty", "nempty":
		size, ok := jsSize(a)
		if !ok {
			return false, nil
		}
		return (size == 0) == (r.t == "empty"), nil
	case "istype":
		return isType(a, jsString(b)), nil
	case "head", "tail", "index":
		if !partsSet || parts == nil {
			field := "index"
			if r.t == "tail" {
				field = "count"
			}
			kind := "undefined"
			if partsSet {
				kind = "null"
			}
			return false, fmt.Errorf("Cannot read properties of %s (reading '%s')", kind, field)
		}
		index := partNumber(parts, "index")
		switch r.t {
		case "head":
			return index < engine.ToNumber(jsNull(b)), nil
		case "tail":
			return partNumber(parts, "count")-engine.ToNumber(jsNull(b)) <= index, nil
		}
		return engine.ToNumber(jsNull(b)) <= index && index <= engine.ToNumber(jsNull(c)), nil
	case "hask":
		if a == nil || a == undefined {
			return false, nil
		}
		switch b.(type) {
		case nil, *engine.Object, map[string]any, []any, *regexp.Regexp, []byte:
			return false, nil
		}
		return hasOwn(a, jsString(b)), nil
	case "else":
		return a == true, nil
	}
	return false, nil
}

// jsNull turns undefined into nil for engine helpers (== treats them alike).
func jsNull(v any) any {
	if v == undefined {
		return nil
	}
	return v
}

// jsString is JavaScript's v + "".
func jsString(v any) string {
	if v == undefined {
		return "undefined"
	}
	return engine.ToString(v)
}

// jsPrimitive converts v as JavaScript's ToPrimitive (hint number) for the
// relational operators: objects and arrays become strings.
func jsPrimitive(v any) any {
	switch t := v.(type) {
	case undefinedValue:
		return math.NaN()
	case nil, bool, float64, string:
		return t
	case int:
		return float64(t)
	}
	if f := engine.ToNumber(v); !math.IsNaN(f) {
		if _, isArr := v.([]any); !isArr {
			return f // Date
		}
	}
	return engine.ToString(v)
}

// jsLess is JavaScript's a < b.
func jsLess(a, b any) bool {
	pa, pb := jsPrimitive(a), jsPrimitive(b)
	sa, aStr := pa.(string)
	sb, bStr := pb.(string)
	if aStr && bStr {
		return sa < sb
	}
	return engine.ToNumber(pa) < engine.ToNumber(pb)
}

// jsLessEq is JavaScript's a <= b (false when either side is NaN).
func jsLessEq(a, b any) bool {
	pa, pb := jsPrimitive(a), jsPrimitive(b)
	sa, aStr := pa.(string)
	sb, bStr := pb.(string)
	if aStr && bStr {
		return sa <= sb
	}
	return engine.ToNumber(pa) <= engine.ToNumber(pb)
}

// jsSize is the length of a string, array or buffer, or the key count of an
// object; false for anything else.
func jsSize(v any) (int, bool) {
	switch t := v.(type) {
	case string:
		return utf16Len(t), true
	case []any:
		return len(t), true
	case []byte:
		return len(t), true
	case *engine.Object:
		return t.Len(), true
	case map[string]any:
		return len(t), true
	case engine.Msg:
		return len(t), true
	}
	return 0, false
}

// utf16Len is a string's JavaScript length.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return n
}

// index parses a canonical array index below n.
func index(key string, n int) (int, bool) {
	i, err := strconv.Atoi(key)
	if err != nil || i < 0 || i >= n || strconv.Itoa(i) != key {
		return 0, false
	}
	return i, true
}

// isType is the switch's istype operator.
func isType(a any, typ string) bool {
	switch typ {
	case "array":
		_, ok := a.([]any)
		return ok
	case "buffer":
		_, ok := a.([]byte)
		return ok
	case "json":
		if a == undefined {
			return false
		}
		return json.Valid([]byte(engine.ToString(a)))
	case "null":
		return a == nil
	case "undefined":
		return a == undefined
	case "number":
		f, ok := a.(float64)
		return ok && !math.IsNaN(f)
	case "string":
		_, ok := a.(string)
		return ok
	case "boolean":
		_, ok := a.(bool)
		return ok
	case "object":
		switch a.(type) {
		case nil, undefinedValue, []any, []byte, string, float64, bool:
			return false
		}
		return true
	}
	return false
}

// hasOwn is JavaScript's a.hasOwnProperty(key).
func hasOwn(a any, key string) bool {
	switch t := a.(type) {
	case *engine.Object:
		return t.Has(key)
	case map[string]any:
		_, ok := t[key]
		return ok
	case engine.Msg:
		_, ok := t[key]
		return ok
	case []any:
		_, ok := index(key, len(t))
		return ok || key == "length"
	case []byte:
		_, ok := index(key, len(t))
		return ok
	case string:
		_, ok := index(key, utf16Len(t))
		return ok || key == "length"
	}
	return false
}

func partNumber(parts *engine.Object, key string) float64 {
	v, ok := parts.Get(key)
	if !ok {
		return math.NaN()
	}
	return engine.ToNumber(v)
}

// hasParts reports whether m is part of a sequence (msg.parts with id and index).
func hasParts(m engine.Msg) bool {
	parts, ok := m.Object("parts")
	return ok && parts.Has("id") && parts.Has("index")
}

// addToPending holds sequence messages until the sequence is complete (its
// count is needed by tail rules and repair), then processes them in order.
func (n *switchNode) addToPending(m engine.Msg, out *engine.Output) error {
	parts, _ := m.Object("parts")
	id := engine.ToString(parts.Value("id"))
	g := n.pendingIn[id]
	if g == nil {
		g = &switchGroup{}
		n.pendingIn[id] = g
	}
	g.msgs = append(g.msgs, m)
	if c, ok := parts.Get("count"); ok {
		g.count, g.have = engine.ToNumber(c), true
	}
	if !g.have || g.count != float64(len(g.msgs)) {
		return nil
	}
	delete(n.pendingIn, id)
	for _, gm := range g.msgs {
		gp, _ := gm.Object("parts")
		gp.Set("count", g.count)
		if err := n.process(gm, out); err != nil {
			n.res.Error(err, gm)
		}
	}
	return nil
}

// sendGroupMessages collects the results of a sequence and, once all have
// arrived, sends each output's messages as a new sequence (repair).
func (n *switchNode) sendGroupMessages(onward []engine.Msg, m engine.Msg, out *engine.Output) {
	parts, _ := m.Object("parts")
	id := engine.ToString(parts.Value("id"))
	n.pendingOut[id] = append(n.pendingOut[id], onward)
	group := n.pendingOut[id]
	if float64(len(group)) != engine.ToNumber(parts.Value("count")) {
		return
	}
	delete(n.pendingOut, id)
	ports := len(onward)
	counts := make([]int, ports)
	for _, o := range group {
		for j := 0; j < ports && j < len(o); j++ {
			if o[j] != nil {
				counts[j]++
			}
		}
	}
	ids := make([]string, ports)
	for j := range ids {
		ids[j] = engine.NewMsgID()
	}
	indexes := make([]int, ports)
	for _, o := range group {
		for j := 0; j < ports && j < len(o); j++ {
			if o[j] == nil {
				continue
			}
			c := o[j].Clone()
			if p, ok := c.Object("parts"); ok {
				p.Set("id", ids[j])
				p.Set("index", float64(indexes[j]))
				p.Set("count", float64(counts[j]))
			}
			indexes[j]++
			out.Send(j, c)
		}
	}
}
