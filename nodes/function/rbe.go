package function

import (
	"context"
	"math"
	"strconv"
	"strings"

	"github.com/flowgate/flowgate/engine"
)

func rbeSpec() engine.Spec {
	return engine.Spec{
		Type: "rbe", Category: "function", Color: color, Icon: "rbe.png", PaletteLabel: "filter",
		Inputs: 1, Outputs: 1, LabelProp: "name",
		Props: []engine.Prop{
			{Name: "name", Kind: engine.KindString, Default: ""},
			{Name: "func", Kind: engine.KindSelect, Default: "rbe", Options: []engine.Option{
				{Value: "rbe", Label: "block unless value changes"},
				{Value: "rbei", Label: "block unless value changes (ignore initial value)"},
				{Value: "deadbandEq", Label: "block unless value change is greater than or equal to"},
				{Value: "deadband", Label: "block unless value change is greater than"},
				{Value: "narrowbandEq", Label: "block if value change is greater than or equal to"},
				{Value: "narrowband", Label: "block if value change is greater than"}}},
			{Name: "gap", Kind: engine.KindString, Default: ""},
			{Name: "start", Kind: engine.KindString, Default: ""},
			{Name: "inout", Kind: engine.KindSelect, Default: "out", Options: []engine.Option{
				{Value: "out", Label: "last valid output value"}, {Value: "in", Label: "last input value"}}},
			{Name: "septopics", Kind: engine.KindBool, Default: true},
			{Name: "property", Kind: engine.KindString, Default: "payload", Required: true},
			{Name: "topi", Kind: engine.KindString, Default: "topic", Required: true},
		},
		Help: help("rbe"),
	}
}

// NoComplete implements engine.NoCompleter: Node-RED's filter never calls
// done, so a complete node scoped to it never fires.
func (n *rbeNode) NoComplete() {}

type rbeNode struct {
	res       *engine.Resources
	fn        string
	percent   bool    // gap is a percentage of the previous value
	gap       float64 // absolute gap, or the percentage
	start     any     // narrowband start value (nil: none)
	inout     string
	septopics bool
	prop      msgProp
	topic     msgProp

	// previous is the last value per topic; only Handle touches it.
	previous map[string]any
}

func newRBE(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	n := &rbeNode{res: res, previous: map[string]any{}}
	n.fn = p.String("func", "rbe")
	if n.fn == "" {
		n.fn = "rbe"
	}
	switch n.fn {
	case "rbe", "rbei", "deadband", "deadbandEq", "narrowband", "narrowbandEq":
	default:
		p.Fail("func", "unknown mode %q", n.fn)
	}
	gap := p.String("gap", "")
	if gap == "" {
		gap = "0"
	}
	if strings.HasSuffix(gap, "%") {
		n.percent, n.gap = true, jsParseFloat(gap)
	} else {
		n.gap = engine.ToNumber(gap)
	}
	if s := p.String("start", ""); s != "" {
		n.start = engine.ToNumber(s)
	}
	n.inout = p.String("inout", "out")
	if n.inout == "" {
		n.inout = "out"
	}
	n.septopics = true
	if v, ok := p.Any("septopics").(bool); ok && !v {
		n.septopics = false
	}
	for _, f := range []struct {
		name string
		dst  *msgProp
		def  string
	}{{"property", &n.prop, "payload"}, {"topi", &n.topic, "topic"}} {
		expr := p.String(f.name, f.def)
		if expr == "" {
			expr = f.def
		}
		mp, err := compileMsgProp(expr)
		if err != nil {
			p.Fail(f.name, "%v", err)
		}
		*f.dst = mp
	}
	return n, p.Err()
}

// Handle passes or blocks the message by comparing its value with the
// previous one of its topic.
func (n *rbeNode) Handle(_ context.Context, m engine.Msg, out *engine.Output) error {
	topic, _, _ := n.topic.get(m)
	if _, ok := m["reset"]; ok {
		if s, isStr := topic.(string); n.septopics && isStr && s != "" {
			delete(n.previous, engine.ToString(m["topic"]))
		} else {
			n.previous = map[string]any{}
		}
	}
	value, ok, _ := n.prop.get(m)
	if !ok {
		return nil
	}
	t := "_no_topic"
	if n.septopics && engine.Truthy(topic) {
		t = engine.ToString(topic)
	}
	if n.fn == "rbe" || n.fn == "rbei" {
		prev, seen := n.previous[t]
		doSend := n.fn != "rbei" || seen
		if isJSObject(value) {
			if !seen || !isJSObject(prev) {
				prev = engine.NewObject(0)
			}
			if !compareObjects(value, prev) {
				n.previous[t] = engine.CloneValue(value)
				if doSend {
					out.Send(0, m)
				}
			} else {
				n.previous[t] = prev
			}
			return nil
		}
		if !seen || !strictEqual(value, prev) {
			n.previous[t] = value
			if doSend {
				out.Send(0, m)
			}
		}
		return nil
	}

	x := jsParseFloat(engine.ToString(value))
	if math.IsNaN(x) {
		n.res.Log.Warn("no number found in payload")
		return nil
	}
	prevV, seen := n.previous[t]
	if !seen && (n.fn == "narrowband" || n.fn == "narrowbandEq") {
		if n.start == nil {
			prevV = x
		} else {
			prevV = n.start
		}
		seen = true
	}
	gap := n.gap
	if n.percent {
		gap = math.Abs(engine.ToNumber(prevV) * n.gap / 100)
		if math.IsNaN(gap) {
			gap = 0
		}
	}
	if !seen {
		prevV = x - gap - 1
	}
	prev := engine.ToNumber(prevV)
	n.previous[t] = prev
	diff := math.Abs(x - prev)
	send := false
	switch {
	case diff == gap:
		send = n.fn == "deadbandEq" || n.fn == "narrowband"
	case diff > gap:
		send = n.fn == "deadband" || n.fn == "deadbandEq"
	case diff < gap:
		send = n.fn == "narrowband" || n.fn == "narrowbandEq"
	}
	if send && n.inout == "out" {
		n.previous[t] = x
	}
	if n.inout == "in" {
		n.previous[t] = x
	}
	if send {
		out.Send(0, m)
	}
	return nil
}

// isJSObject reports typeof v === "object" (null, arrays and buffers too).
func isJSObject(v any) bool {
	switch v.(type) {
	case nil, *engine.Object, map[string]any, engine.Msg, []any, []byte:
		return true
	}
	return false
}

// strictEqual is JavaScript's === for primitive values.
func strictEqual(a, b any) bool {
	switch x := a.(type) {
	case float64:
		y, ok := b.(float64)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	}
	return false
}

// compareObjects is Node-RED's RED.util.compareObjects (deep equality).
func compareObjects(a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	switch x := a.(type) {
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !compareObjects(x[i], y[i]) {
				return false
			}
		}
		return true
	case []byte:
		y, ok := b.([]byte)
		return ok && string(x) == string(y)
	case *engine.Object, map[string]any, engine.Msg:
		return compareKeyed(a, b)
	}
	return strictEqual(a, b)
}

// compareKeyed compares two objects key by key, in any key order.
func compareKeyed(a, b any) bool {
	x, okA := engine.AsObject(a)
	y, okB := engine.AsObject(b)
	if !okA || !okB || x.Len() != y.Len() {
		return false
	}
	for k, v := range x.All() {
		w, ok := y.Get(k)
		if !ok || !compareObjects(v, w) {
			return false
		}
	}
	return true
}

// jsParseFloat is JavaScript's parseFloat: the longest numeric prefix after
// leading whitespace, NaN when there is none.
func jsParseFloat(s string) float64 {
	s = strings.TrimLeft(s, " \t\n\v\f\r\u00a0\ufeff")
	for _, inf := range []string{"Infinity", "+Infinity", "-Infinity"} {
		if strings.HasPrefix(s, inf) {
			if inf[0] == '-' {
				return math.Inf(-1)
			}
			return math.Inf(1)
		}
	}
	end, digits, i := 0, false, 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i, digits, end = i+1, true, i+1
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i, digits, end = i+1, true, i+1
		}
		if digits && end < i {
			end = i
		}
	}
	if !digits {
		return math.NaN()
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		k := j
		for k < len(s) && s[k] >= '0' && s[k] <= '9' {
			k++
		}
		if k > j {
			end = k
		}
	}
	f, err := strconv.ParseFloat(strings.TrimSuffix(s[:end], "."), 64)
	if err != nil {
		return math.NaN()
	}
	return f
}
