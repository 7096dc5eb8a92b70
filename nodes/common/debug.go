package common

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flowgate/flowgate/engine"
)

func debugSpec() engine.Spec {
	return engine.Spec{
		Type: "debug", Category: "common", KeepsName: true, Color: "#87a980", Icon: "debug.svg", LabelProp: "name",
		Inputs: 1, Align: "right", Button: "toggle",
		Props: []engine.Prop{
			{Name: "name", Kind: engine.KindString, Default: ""},
			{Name: "active", Kind: engine.KindBool, Default: true},
			{Name: "tosidebar", Kind: engine.KindBool, Default: true},
			{Name: "console", Kind: engine.KindBool, Default: false},
			{Name: "tostatus", Kind: engine.KindBool, Default: false},
			{Name: "complete", Kind: engine.KindTyped, Default: "false", Required: true, TypeProp: "targetType", Types: []string{"msg", "full", engine.TypedJSONata}},
			{Name: "targetType", Kind: engine.KindString, Default: nil, Hidden: true},
			{Name: "statusVal", Kind: engine.KindTyped, Default: "", TypeProp: "statusType", Types: []string{"auto", "msg", engine.TypedJSONata, "counter"}},
			{Name: "statusType", Kind: engine.KindString, Default: statusAuto, Hidden: true},
		},
		Help: help("debug"),
	}
}

// Node-RED's debug settings: debugMaxLength and debugStatusLength.
const (
	debugMaxLength    = 1000
	debugStatusLength = 32
)

// Debug status kinds (statusType).
const (
	statusAuto    = "auto"
	statusMsg     = "msg"
	statusCounter = "counter"
)

// debug shows messages in the editor's debug sidebar, in the log and in its
// status, as Node-RED's debug node.
type debug struct {
	id, name, flow string
	hasName        bool
	res            *engine.Resources

	whole      bool        // complete "true": the whole message
	property   string      // the property shown when not whole
	path       engine.Path // compiled property
	console    bool
	toSidebar  bool
	toStatus   bool
	statusType string
	statusPath engine.Path        // statusType "msg"
	expr       engine.JSONataExpr // targetType "jsonata": the value shown
	exprText   string
	statExpr   engine.JSONataExpr // statusType "jsonata"

	active atomic.Bool // switched by the editor while messages flow

	timers timerSet
	mu     sync.Mutex // guards the fields below (counter status, timers)
	count  int
	last   time.Time
	stop   func() bool // pending debounced counter status
	shown  string      // last status sent, to send only changes
}

var (
	_ engine.Handler   = (*debug)(nil)
	_ engine.Starter   = (*debug)(nil)
	_ engine.Closer    = (*debug)(nil)
	_ engine.Activator = (*debug)(nil)
)

func newDebug(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	n := &debug{id: cfg.ID, name: cfg.Name, flow: cfg.Flow, hasName: p.Has("name"), res: res}
	complete := p.String("complete", "payload")
	isExpr := p.String("targetType", "") == engine.TypedJSONata && complete != ""
	switch {
	case isExpr:
		// Node-RED reports a bad expression at start and shows nothing
		n.exprText = complete
		n.expr = debugExpr(p, cfg, "complete", complete)
	case complete == "true":
		n.whole = true
	case complete == "false" || complete == "":
		complete = "payload"
	}
	n.property = complete
	if !n.whole && !isExpr {
		path, err := engine.ParsePath(strings.TrimPrefix(complete, "msg."))
		if err != nil {
			p.Fail("complete", "%v", err)
		}
		n.path = path
	}
	n.console = p.Bool("console", false)
	n.toSidebar = p.Bool("tosidebar", true)
	n.toStatus = p.Bool("tostatus", false)
	n.active.Store(!p.Has("active") || p.Bool("active", true))
	n.statusType = p.String("statusType", statusAuto)
	switch n.statusType {
	case "":
		n.statusType = statusAuto
	case statusAuto, statusCounter:
	case statusMsg:
		val := p.String("statusVal", "")
		if val == "" {
			val = complete
		}
		path, err := engine.ParsePath(strings.TrimPrefix(val, "msg."))
		if err != nil {
			p.Fail("statusVal", "%v", err)
		}
		n.statusPath = path
	case engine.TypedJSONata:
		val := p.String("statusVal", "")
		if val == "" {
			val = complete
		}
		n.statExpr = debugExpr(p, cfg, "statusVal", val)
	default:
		p.Fail("statusType", `must be "auto", "msg", "jsonata" or "counter", got %q`, n.statusType)
	}
	return n, p.Err()
}

// debugExpr compiles a JSONata expression of the debug node; one that does
// not compile is Node-RED's "Invalid JSONata expression" at start.
func debugExpr(p *engine.Props, cfg *engine.Config, field, src string) engine.JSONataExpr {
	if j := cfg.JSONata(); j != nil {
		if e, err := j.Compile(src); err == nil {
			return e
		}
	}
	p.Fail(field, "Invalid JSONata expression: %s", src)
	return nil
}

// value is the property or expression result the node shows for m; an
// expression that fails is Node-RED's error naming the expression.
func (n *debug) value(m engine.Msg) (any, bool, error) {
	if n.expr == nil {
		v, ok := n.path.Get(m)
		return v, ok, nil
	}
	v, err := n.expr.Eval(n.res, m, nil)
	if err != nil {
		return nil, false, fmt.Errorf("Invalid JSONata expression: %s", n.exprText)
	}
	return v, v != nil, nil
}

// Start shows Node-RED's statuses of a new debug node with its status
// option on: a grey ring, then cleared (or the counter at 0).
func (n *debug) Start(context.Context) error {
	if !n.toStatus {
		return nil
	}
	n.res.Status(engine.Status{Fill: "grey", Shape: "ring"})
	if n.statusType == statusCounter {
		n.res.Status(engine.Status{Fill: "blue", Shape: "ring", Text: "0"})
	} else {
		n.res.Status(engine.Status{})
	}
	return nil
}

// Close stops a pending counter status and clears the node's status.
func (n *debug) Close(ctx context.Context) error {
	n.mu.Lock()
	if n.stop != nil {
		n.stop()
		n.stop = nil
	}
	n.mu.Unlock()
	err := n.timers.close(ctx)
	if n.toStatus {
		n.res.Status(engine.Status{})
	}
	return err
}

// SetActive implements engine.Activator: an inactive debug node publishes
// nothing to the sidebar.
func (n *debug) SetActive(on bool) { n.active.Store(on) }

// Handle shows m.
func (n *debug) Handle(_ context.Context, m engine.Msg, _ *engine.Output) error {
	if st, ok := engine.AsObject(m["status"]); ok {
		if src, ok := engine.AsObject(st.Value("source")); ok && src.Value("id") == n.id {
			return nil // its own status, coming back through a status node
		}
	}
	if n.toStatus {
		n.showStatus(m)
	}
	if n.whole {
		if n.console {
			n.res.Log.Info("\n" + inspect(m, 10))
		}
		if n.active.Load() && n.toSidebar {
			n.publish(m, m, false)
		}
		return nil
	}
	v, ok, err := n.value(m)
	if err != nil {
		n.res.Error(err, nil) // Node-RED: node.error(err), no message
		return nil
	}
	if n.console {
		switch t := v.(type) {
		case string:
			if strings.Contains(t, "\n") {
				t = "\n" + t
			}
			n.res.Log.Info(t)
		case *engine.Object, map[string]any, engine.Msg, []any, []byte:
			n.res.Log.Info("\n" + inspect(v, 10))
		default:
			if !ok {
				n.res.Log.Info("undefined")
			} else {
				n.res.Log.Info(inspect(v, 2))
			}
		}
	}
	if n.active.Load() && n.toSidebar {
		if !ok {
			v = undefined{}
		}
		n.publish(m, v, n.expr == nil) // Node-RED names no property for an expression
	}
	return nil
}

// publish sends one debug message to the sidebar in the shape of Node-RED's
// /comms "debug" topic.
func (n *debug) publish(m engine.Msg, v any, withProperty bool) {
	data := map[string]any{"id": n.id, "z": n.flow, "path": n.flow}
	if n.hasName {
		data["name"] = n.name
	}
	if t, ok := m["topic"]; ok {
		data["topic"] = engine.ToJSONValue(t)
	}
	if withProperty {
		data["property"] = n.property
	}
	data["msg"], data["format"] = encodeObject(v, debugMaxLength)
	if n.res.Events != nil {
		n.res.Events.Publish("debug", data)
	}
}

// showStatus updates the node's status from m.
func (n *debug) showStatus(m engine.Msg) {
	if n.statusType == statusCounter {
		n.countMessage()
		return
	}
	var out any
	var ok bool
	switch {
	case n.statusType == statusAuto && n.whole:
		out, ok = m["payload"]
	case n.statusType == statusAuto:
		var err error
		if out, ok, err = n.value(m); err != nil {
			n.res.Error(err, nil)
			return
		}
	case n.statExpr != nil:
		var err error
		if out, err = n.statExpr.Eval(n.res, m, nil); err != nil {
			// Node-RED names the output expression here, not the status one
			n.res.Error(fmt.Errorf("Invalid JSONata expression: %s", n.exprText), nil)
			return
		}
		ok = out != nil
	default:
		out, ok = n.statusPath.Get(m)
	}
	var text string
	if s, isStr := out.(string); isStr {
		text = s
	} else if !ok {
		text = "undefined"
	} else {
		text = inspect(out, 2)
	}
	fill, shape := "grey", "dot"
	if o, isObj := engine.AsObject(out); isObj && engine.Truthy(o.Value("fill")) && engine.Truthy(o.Value("shape")) && engine.Truthy(o.Value("text")) {
		fill, shape, text = engine.ToString(o.Value("fill")), engine.ToString(o.Value("shape")), engine.ToString(o.Value("text"))
	}
	if n.statusType == statusAuto {
		if e, has := m["error"]; has {
			fill = "red"
			text = "undefined"
			if em, isObj := engine.AsObject(e); isObj {
				if msgText, has := em.Get("message"); has {
					text = engine.ToString(msgText)
				}
			}
		}
		if s, has := m["status"]; has {
			sm, _ := engine.AsObject(s)
			fill, shape, text = orString(sm.Value("fill"), "grey"), orString(sm.Value("shape"), "ring"), orString(sm.Value("text"), "")
		}
	}
	text, _ = engine.CutText(text, debugStatusLength)
	key := fill + "\x00" + shape + "\x00" + text
	n.mu.Lock()
	changed := key != n.shown
	n.shown = key
	n.mu.Unlock()
	if changed {
		n.res.Status(engine.Status{Fill: fill, Shape: shape, Text: text})
	}
}

// countMessage counts m; the status shows the count at once when messages
// are more than 100ms apart, else 200ms after the last one.
func (n *debug) countMessage() {
	now := n.res.Now()
	n.mu.Lock()
	gap := now.Sub(n.last)
	n.last = now
	n.count++
	if gap > 100*time.Millisecond {
		text := fmt.Sprint(n.count)
		n.mu.Unlock()
		n.res.Status(engine.Status{Fill: "blue", Shape: "ring", Text: text})
		return
	}
	defer n.mu.Unlock()
	if n.stop != nil {
		n.stop()
	}
	n.stop = n.timers.after(200*time.Millisecond, func() {
		n.mu.Lock()
		text := fmt.Sprint(n.count)
		n.stop = nil
		n.mu.Unlock()
		n.res.Status(engine.Status{Fill: "blue", Shape: "ring", Text: text})
	})
}

func orString(v any, def string) string {
	if !engine.Truthy(v) {
		return def
	}
	return engine.ToString(v)
}

// undefined stands for a missing property (JavaScript's undefined).
type undefined struct{}

// encodeObject encodes a value for the debug sidebar as Node-RED's
// util.encodeObject: it returns the msg text and its format.
func encodeObject(v any, maxLen int) (string, string) {
	switch t := v.(type) {
	case undefined:
		return "(undefined)", "undefined"
	case nil:
		return "(undefined)", "null"
	case bool:
		return engine.ToString(t), "boolean"
	case float64, int, int64:
		return engine.ToString(t), "number"
	case string:
		text, units := engine.CutText(t, maxLen)
		return text, fmt.Sprintf("string[%d]", units)
	case []byte:
		h := fmt.Sprintf("%x", t)
		if len(h) > maxLen {
			h = h[:maxLen]
		}
		return h, fmt.Sprintf("buffer[%d]", len(t))
	case time.Time:
		return engine.ToString(t), "Date"
	case *regexp.Regexp:
		return engine.ToString(t), "regexp"
	case *engine.ErrorValue:
		s, _ := engine.JSONString(t.Encoded(), "")
		return s, "error"
	case []any:
		format := fmt.Sprintf("array[%d]", len(t))
		var top any = t
		if len(t) > maxLen {
			top = encArray(t[:maxLen], len(t))
		}
		s, _ := engine.JSONString(encodeNested(top, maxLen), "")
		return s, format
	}
	s, err := engine.JSONString(encodeNested(v, maxLen), "")
	if err != nil {
		return fmt.Sprintf(`{"__enc__":true,"type":"error","data":{"message":"[Type not serializable]"}}`), "error"
	}
	return s, "Object"
}

// encodeNested applies the replacer of Node-RED's encodeObject to every value
// below the top: long arrays and strings cut to maxLen, buffers and
// non-finite numbers tagged with __enc__, request/response objects hidden.
// Objects keep their key order.
func encodeNested(v any, maxLen int) any {
	switch t := v.(type) {
	case engine.Msg:
		return encodeObjectValue(engine.ObjectFromMap(t), maxLen)
	case map[string]any:
		return encodeObjectValue(engine.ObjectFromMap(t), maxLen)
	case *engine.Object:
		return encodeObjectValue(t, maxLen)
	case []any:
		if len(t) > maxLen {
			return encArray(encodeNested(t[:maxLen], maxLen), len(t))
		}
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = encodeNested(e, maxLen)
		}
		return out
	case string:
		cut, _ := engine.CutText(t, maxLen)
		return cut
	case float64:
		if math.IsNaN(t) || math.IsInf(t, 0) {
			return engine.ObjectOf("__enc__", true, "type", "number", "data", engine.FormatNumber(t))
		}
		return t
	case []byte:
		data := make([]any, min(len(t), maxLen))
		for i := range data {
			data[i] = float64(t[i])
		}
		return engine.ObjectOf("type", "Buffer", "data", data, "__enc__", true, "length", float64(len(t)))
	case *regexp.Regexp:
		return engine.ObjectOf("__enc__", true, "type", "regexp", "data", engine.ToString(t))
	case *engine.ErrorValue:
		return t.Encoded()
	case undefined:
		return engine.ObjectOf("__enc__", true, "type", "undefined")
	}
	return v
}

// encodeObjectValue is encodeNested for an object: a new object with the
// same key order; one whose type is "Buffer" (a buffer's JSON form) tagged.
func encodeObjectValue(t *engine.Object, maxLen int) *engine.Object {
	out := engine.NewObject(t.Len() + 2)
	for k, e := range t.All() {
		if k == "_req" || k == "_res" {
			out.Set(k, engine.ObjectOf("__enc__", true, "type", "internal"))
			continue
		}
		out.Set(k, encodeNested(e, maxLen))
	}
	if out.Value("type") == "Buffer" {
		if data, ok := out.Value("data").([]any); ok {
			out.Set("__enc__", true)
			out.Set("length", float64(len(data)))
			if len(data) > maxLen {
				out.Set("data", data[:maxLen])
			}
		}
	}
	return out
}

// encArray is the form of an array cut to its first elements.
func encArray(data any, length int) *engine.Object {
	return engine.ObjectOf("__enc__", true, "type", "array", "data", data, "length", float64(length))
}

// inspect formats v on one line as Node.js's util.inspect does for short
// values: strings quoted inside containers, objects as { a: 1 }, arrays as
// [ 1, 2 ], buffers as <Buffer 01 02>; below depth, [Object] and [Array].
func inspect(v any, depth int) string {
	var b strings.Builder
	inspectTo(&b, v, depth)
	return b.String()
}

func inspectTo(b *strings.Builder, v any, depth int) {
	switch t := v.(type) {
	case undefined:
		b.WriteString("undefined")
	case string:
		b.WriteString("'" + strings.ReplaceAll(t, "'", `\'`) + "'")
	case float64:
		if t == 0 && math.Signbit(t) {
			b.WriteString("-0")
			return
		}
		b.WriteString(engine.FormatNumber(t))
	case []byte:
		b.WriteString("<Buffer")
		for i, c := range t {
			if i == 50 {
				fmt.Fprintf(b, " ... %d more bytes", len(t)-50)
				break
			}
			fmt.Fprintf(b, " %02x", c)
		}
		b.WriteString(">")
	case time.Time:
		b.WriteString(t.UTC().Format("2006-01-02T15:04:05.000Z"))
	case engine.Msg:
		inspectObject(b, engine.ObjectFromMap(t), depth)
	case map[string]any:
		inspectObject(b, engine.ObjectFromMap(t), depth)
	case *engine.Object:
		inspectObject(b, t, depth)
	case []any:
		if len(t) == 0 {
			b.WriteString("[]")
			return
		}
		if depth < 0 {
			b.WriteString("[Array]")
			return
		}
		b.WriteString("[ ")
		for i, e := range t {
			if i == 100 {
				fmt.Fprintf(b, ", ... %d more items", len(t)-100)
				break
			}
			if i > 0 {
				b.WriteString(", ")
			}
			inspectTo(b, e, depth-1)
		}
		b.WriteString(" ]")
	default:
		b.WriteString(engine.ToString(v))
	}
}

// inspectObject writes an object as util.inspect does, keys in order.
func inspectObject(b *strings.Builder, o *engine.Object, depth int) {
	if o.Len() == 0 {
		b.WriteString("{}")
		return
	}
	if depth < 0 {
		b.WriteString("[Object]")
		return
	}
	b.WriteString("{ ")
	for i := range o.Len() {
		k, e := o.At(i)
		if i > 0 {
			b.WriteString(", ")
		}
		if identRe.MatchString(k) {
			b.WriteString(k)
		} else {
			b.WriteString("'" + strings.ReplaceAll(k, "'", `\'`) + "'")
		}
		b.WriteString(": ")
		inspectTo(b, e, depth-1)
	}
	b.WriteString(" }")
}

var identRe = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]*$`)
