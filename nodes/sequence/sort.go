package sequence

import (
	"context"
	"errors"
	"math"
	"reflect"
	"slices"
	"strings"
	"unicode/utf16"

	"github.com/flowgate/flowgate/engine"
)

func sortSpec() engine.Spec {
	return engine.Spec{
		Type: "sort", Category: "sequence", Color: "#E2D96E", Icon: "sort.svg", LabelProp: "name",
		Inputs: 1, Outputs: 1,
		Props: []engine.Prop{
			{Name: "name", Kind: engine.KindString, Default: ""},
			{Name: "order", Label: "Order", Kind: engine.KindSelect, Default: "ascending", Options: []engine.Option{
				{Value: "ascending", Label: "ascending"}, {Value: "descending", Label: "descending"},
			}},
			{Name: "as_num", Label: "as number", Kind: engine.KindBool, Default: false},
			{Name: "target", Label: "Sort", Kind: engine.KindTyped, TypeProp: "targetType", Types: []string{"msg", "seq"}, Default: "payload"},
			{Name: "targetType", Kind: engine.KindString, Default: "msg", Hidden: true},
			{Name: "msgKey", Label: "Key", Kind: engine.KindTyped, TypeProp: "msgKeyType", Types: []string{"elem", "jsonata"}, Default: "payload"},
			{Name: "msgKeyType", Kind: engine.KindString, Default: "elem", Hidden: true},
			{Name: "seqKey", Label: "Key", Kind: engine.KindTyped, TypeProp: "seqKeyType", Types: []string{"msg", "jsonata"}, Default: "payload"},
			{Name: "seqKeyType", Kind: engine.KindString, Default: "msg", Hidden: true},
		},
		Help: help("sort"),
	}
}

// sortNode sorts an array property of a message, or a sequence of messages
// (held until the sequence is complete) by a message property.
type sortNode struct {
	dir     int // 1 ascending, -1 descending
	asNum   bool
	seq     bool // sort a message sequence rather than a property
	target  engine.Path
	key     engine.Path
	keyExp  engine.JSONataExpr // msgKey/seqKey of type jsonata
	res     *engine.Resources
	pending map[string]*sortGroup
}

type sortGroup struct {
	count float64 // NaN until a message says
	msgs  []engine.Msg
}

func newSort(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	n := &sortNode{dir: 1, res: res, pending: map[string]*sortGroup{}}
	switch o := p.String("order", "ascending"); o {
	case "ascending", "":
	case "descending":
		n.dir = -1
	default:
		// Node-RED sorts descending for anything but "ascending"
		n.dir = -1
	}
	n.asNum = p.Bool("as_num", false)
	n.seq = p.String("targetType", "msg") != "msg"
	if n.seq {
		if p.String("seqKeyType", "msg") == engine.TypedJSONata {
			n.keyExp = sortKeyExp(p, "seqKey")
		} else {
			n.key = p.Path("seqKey", "payload")
		}
	} else {
		if p.String("msgKeyType", "elem") == engine.TypedJSONata {
			n.keyExp = sortKeyExp(p, "msgKey")
		} else {
			p.String("msgKey", "")
		}
		n.target = p.Path("target", "payload")
	}
	return n, p.Err()
}

// Close forgets the incomplete sequences.
func (n *sortNode) Close(context.Context) error {
	clear(n.pending)
	return nil
}

func (n *sortNode) Handle(_ context.Context, msg engine.Msg, out *engine.Output) error {
	if !n.seq {
		data, ok := n.target.Get(msg)
		arr, isArr := data.([]any)
		if !ok || !isArr {
			return nil
		}
		if n.keyExp != nil {
			keys, err := n.evalKeys(arr)
			if err != nil {
				return err
			}
			sortByKeys(arr, keys, n.compare)
			out.Send(0, msg)
			return nil
		}
		n.sortValues(arr, func(v any) any { return v })
		out.Send(0, msg)
		return nil
	}
	parts, ok := msg.Object("parts")
	if !ok || !parts.Has("id") || !parts.Has("index") {
		return nil
	}
	gid := engine.ToString(parts.Value("id"))
	g := n.pending[gid]
	if g == nil {
		g = &sortGroup{count: math.NaN()}
		n.pending[gid] = g
	}
	g.msgs = append(g.msgs, msg)
	if c, has := parts.Get("count"); has {
		g.count = engine.ToNumber(c)
	}
	if g.count != float64(len(g.msgs)) {
		return nil
	}
	delete(n.pending, gid)
	if n.keyExp != nil {
		in := make([]any, len(g.msgs))
		for i, m := range g.msgs {
			in[i] = m
		}
		keys, err := n.evalKeys(in)
		if err != nil {
			return err
		}
		sortByKeys(g.msgs, keys, n.compare)
	} else {
		slices.SortStableFunc(g.msgs, func(a, b engine.Msg) int {
			return n.compare(n.keyOf(a), n.keyOf(b))
		})
	}
	for i, m := range g.msgs {
		p, _ := m.Object("parts")
		p.Set("index", float64(i))
		out.Send(0, m)
	}
	return nil
}

// sortKeyExp compiles the key expression in field.
func sortKeyExp(p *engine.Props, field string) engine.JSONataExpr {
	t, err := p.CompileTyped(engine.TypedJSONata, p.String(field, ""))
	if err != nil {
		p.Fail(field, "Invalid JSONata expression in sort node: %v", err)
		return nil
	}
	return t.JSONataExpr()
}

// evalKeys evaluates the key expression for each item (an element or a
// message), as Node-RED does before sorting. Node-RED reports a failure with
// the error object's toString, which for JSONata's errors is
// "[object Object]".
func (n *sortNode) evalKeys(items []any) ([]any, error) {
	keys := make([]any, len(items))
	for i, it := range items {
		k, err := n.keyExp.Eval(n.res, it, nil)
		if err != nil {
			return nil, errors.New("Invalid JSONata expression in sort node: [object Object]")
		}
		if k == nil {
			k = undefined{}
		}
		keys[i] = k
	}
	return keys, nil
}

// sortByKeys sorts items stably by their keys.
func sortByKeys[T any](items []T, keys []any, cmp func(a, b any) int) {
	idx := make([]int, len(items))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp(keys[a], keys[b]) })
	sorted := make([]T, len(items))
	for i, j := range idx {
		sorted[i] = items[j]
	}
	copy(items, sorted)
}

func (n *sortNode) keyOf(m engine.Msg) any {
	v, ok := n.key.Get(m)
	if !ok {
		return undefined{}
	}
	return v
}

func (n *sortNode) sortValues(arr []any, key func(any) any) {
	slices.SortStableFunc(arr, func(a, b any) int { return n.compare(key(a), key(b)) })
}

// compare is Node-RED's comparison function: equal (===) is 0, greater (>)
// is dir, anything else -dir, with JavaScript's comparison rules.
func (n *sortNode) compare(x, y any) int {
	if n.asNum {
		x, y = jsToNumber(x), jsToNumber(y)
	}
	if strictEqual(x, y) {
		return 0
	}
	if jsGreater(x, y) {
		return n.dir
	}
	return -n.dir
}

// undefined is a missing value, which compares as NaN.
type undefined struct{}

func jsToNumber(v any) float64 {
	if _, ok := v.(undefined); ok {
		return math.NaN()
	}
	return engine.ToNumber(toPrimitive(v))
}

// strictEqual is JavaScript's ===.
func strictEqual(x, y any) bool {
	switch a := x.(type) {
	case float64:
		b, ok := y.(float64)
		return ok && a == b
	case string:
		b, ok := y.(string)
		return ok && a == b
	case bool:
		b, ok := y.(bool)
		return ok && a == b
	case nil:
		return y == nil
	case undefined:
		_, ok := y.(undefined)
		return ok
	}
	if y == nil {
		return false
	}
	vx, vy := reflect.ValueOf(x), reflect.ValueOf(y)
	if vx.Kind() != vy.Kind() || (vx.Kind() != reflect.Map && vx.Kind() != reflect.Slice) {
		return false
	}
	return vx.UnsafePointer() == vy.UnsafePointer() && vx.Len() == vy.Len()
}

// toPrimitive is JavaScript's ToPrimitive for JSON-like values: objects and
// arrays become their string form.
func toPrimitive(v any) any {
	switch t := v.(type) {
	case float64, string, bool, nil, undefined:
		return t
	}
	return engine.ToString(v)
}

// jsGreater is JavaScript's x > y.
func jsGreater(x, y any) bool {
	px, py := toPrimitive(x), toPrimitive(y)
	sx, xs := px.(string)
	sy, ys := py.(string)
	if xs && ys {
		return compareUTF16(sx, sy) > 0
	}
	var fx, fy float64
	if _, ok := px.(undefined); ok {
		fx = math.NaN()
	} else {
		fx = engine.ToNumber(px)
	}
	if _, ok := py.(undefined); ok {
		fy = math.NaN()
	} else {
		fy = engine.ToNumber(py)
	}
	return fx > fy
}

// compareUTF16 orders strings by UTF-16 code units, as JavaScript does.
func compareUTF16(a, b string) int {
	if isASCII(a) && isASCII(b) {
		return strings.Compare(a, b)
	}
	return slices.Compare(utf16.Encode([]rune(a)), utf16.Encode([]rune(b)))
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
