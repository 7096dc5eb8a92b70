package common

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/nodes/internal/shutdown"
)

// injectTypes are the typed-value kinds an inject property may have.
var injectTypes = []string{
	engine.TypedFlow, engine.TypedGlobal, engine.TypedStr, engine.TypedNum, engine.TypedBool,
	engine.TypedJSON, engine.TypedBin, engine.TypedDate, engine.TypedJSONata, engine.TypedEnv, engine.TypedExpr,
}

func injectSpec() engine.Spec {
	return engine.Spec{
		Type: "inject", Category: "common", Color: "#a6bbcf", Icon: "inject.svg", LabelProp: "name",
		Outputs: 1, Button: "inject",
		Props: []engine.Prop{
			{Name: "name", Kind: engine.KindString, Default: ""},
			{Name: "props", Kind: engine.KindList, Widget: "inject-props", Types: slices.Clone(injectTypes),
				Default: []any{map[string]any{"p": "payload"}, map[string]any{"p": "topic", "vt": "str"}}},
			{Name: "repeat", Kind: engine.KindNumber, Default: ""},
			{Name: "crontab", Kind: engine.KindString, Default: ""},
			{Name: "once", Kind: engine.KindBool, Default: false},
			{Name: "onceDelay", Kind: engine.KindNumber, Default: 0.1},
			// the values of the payload and topic entries of props
			{Name: "topic", Kind: engine.KindString, Default: ""},
			{Name: "payload", Kind: engine.KindTyped, Default: "", TypeProp: "payloadType", Types: slices.Clone(injectTypes)},
			{Name: "payloadType", Kind: engine.KindString, Default: engine.TypedDate, Hidden: true},
		},
		Help: help("inject"),
	}
}

// maxRepeat is Node-RED's largest repeat interval in seconds (setInterval's
// 2^31 ms limit).
const maxRepeat = 2147483

// minRepeat is the shortest repeat interval: Node.js's timers clamp any
// delay under 1 ms to 1 ms.
const minRepeat = time.Millisecond

// injectProp is one {p, v, vt} entry of an inject node, compiled.
type injectProp struct {
	p      string // the message property, as written
	path   engine.Path
	value  *engine.Typed
	moment string // a date value with a moment.js format
	err    error  // why the entry did not compile: each injection reports it, as Node-RED
}

// injectPropJSON is an entry of the props list as the editor writes it.
type injectPropJSON struct {
	P  string  `json:"p"`
	V  any     `json:"v"`
	VT *string `json:"vt"`
}

// inject sends a message built from its properties when the editor's button
// is pressed, once after deploy, every repeat seconds or on a cron schedule.
type inject struct {
	res       *engine.Resources
	jsonata   engine.JSONata // compiles the jsonata props a user sends with the button
	props     []injectProp
	repeat    time.Duration
	schedule  cron.Schedule
	once      bool
	onceDelay time.Duration

	mu     sync.Mutex // guards cancel
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

var (
	_ engine.Starter  = (*inject)(nil)
	_ engine.Closer   = (*inject)(nil)
	_ engine.Injector = (*inject)(nil)
)

func newInject(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	n := &inject{res: res}
	n.jsonata = cfg.JSONata()
	n.props = compileInjectProps(p, cfg)

	secs := p.Number("repeat", 0)
	switch {
	case math.IsNaN(secs) || secs < 0:
		p.Fail("repeat", "must be a number of seconds, not negative")
	case secs > maxRepeat:
		p.Fail("repeat", "interval too large (max %d seconds)", maxRepeat)
	case secs > 0:
		// Node-RED hands repeat*1000 ms to setInterval, which runs a delay
		// under 1 ms every 1 ms: a tiny repeat must not spin a core
		n.repeat = max(time.Duration(secs*float64(time.Second)), minRepeat)
	}
	if spec := strings.TrimSpace(p.String("crontab", "")); spec != "" && n.repeat == 0 {
		sched, err := cronParser.Parse(spec)
		if err != nil {
			p.Fail("crontab", "invalid cron expression %q: %v", spec, err)
		}
		n.schedule = sched
	}
	n.once = p.Bool("once", false)
	delay := p.Number("onceDelay", 0.1)
	if math.IsNaN(delay) || delay < 0 {
		p.Fail("onceDelay", "must be a number of seconds, not negative")
	}
	if delay == 0 {
		delay = 0.1 // Node-RED: (n.onceDelay || 0.1)
	}
	n.onceDelay = time.Duration(delay * float64(time.Second))
	return n, p.Err()
}

// cronParser reads the editor's five fields, or six with seconds first.
var cronParser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// Start starts the once timer and the repeat or cron schedule.
func (n *inject) Start(ctx context.Context) error {
	if !n.once && n.repeat == 0 && n.schedule == nil {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	n.mu.Lock()
	n.cancel = cancel
	n.mu.Unlock()
	n.wg.Go(func() { n.run(ctx) })
	return nil
}

// Close stops the timers and waits for a message being built.
func (n *inject) Close(ctx context.Context) error {
	n.mu.Lock()
	if n.cancel != nil {
		n.cancel()
	}
	n.mu.Unlock()
	return shutdown.Wait(ctx, &n.wg)
}

// Inject implements engine.Injector: the editor's button. A body holding
// __user_inject_props__ becomes the message, and an array there replaces the
// configured properties for this one message.
func (n *inject) Inject(_ context.Context, body engine.Msg) error {
	user, ok := body["__user_inject_props__"]
	if !ok || !engine.Truthy(user) {
		n.fire(engine.Msg{}, n.props)
		return nil
	}
	m := body.Clone()
	delete(m, "__user_inject_props__")
	props := n.props
	if list, isList := user.([]any); isList {
		var err error
		if props, err = compileUserProps(list, n.jsonata); err != nil {
			n.res.Error(err, m)
			return nil
		}
	}
	n.fire(m, props)
	return nil
}

// run fires once after onceDelay if asked, then on the repeat interval or
// the cron schedule, until ctx ends.
func (n *inject) run(ctx context.Context) {
	if n.once {
		t := time.NewTimer(n.onceDelay)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
			n.fire(engine.Msg{}, n.props)
		}
	}
	switch {
	case n.repeat > 0:
		tick := time.NewTicker(n.repeat)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				n.fire(engine.Msg{}, n.props)
			}
		}
	case n.schedule != nil:
		for {
			now := n.res.Now()
			next := n.schedule.Next(now)
			if next.IsZero() {
				return
			}
			t := time.NewTimer(next.Sub(now))
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
				n.fire(engine.Msg{}, n.props)
			}
		}
	}
}

// fire sets every property on m and sends it; any failed property stops the
// message and is reported, all failures joined with "; " as Node-RED.
func (n *inject) fire(m engine.Msg, props []injectProp) {
	if _, ok := m["_msgid"]; !ok {
		m["_msgid"] = engine.NewMsgID()
	}
	var errs []string
	for _, pr := range props {
		if pr.p == "" {
			continue
		}
		var v any
		var err error
		if pr.err != nil {
			errs = append(errs, pr.err.Error())
			continue
		}
		if pr.value == nil {
			now := time.Now()
			if n.res.Now != nil {
				now = n.res.Now()
			}
			v = formatMoment(now, pr.moment)
		} else {
			v, err = pr.value.Eval(n.res, m)
		}
		if err != nil && pr.value.Kind == engine.TypedJSONata {
			err = fmt.Errorf("Invalid JSONata expression: %v", err)
		}
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		pr.path.Set(m, v, true)
	}
	if len(errs) > 0 {
		n.res.Error(errors.New(strings.Join(errs, "; ")), m)
		return
	}
	n.res.Send(0, m)
}

// compileInjectProps reads props, or the payload/topic of a Node-RED 1.x
// node without props, as Node-RED's inject constructor does.
func compileInjectProps(p *engine.Props, cfg *engine.Config) []injectProp {
	var list []injectPropJSON
	var raws []map[string]json.RawMessage
	if raw := p.Raw("props"); len(raw) > 0 && raw[0] == '[' {
		if err := json.Unmarshal(raw, &list); err != nil {
			p.Fail("props", "invalid property list: %v", err)
			return nil
		}
		_ = json.Unmarshal(raw, &raws)
	} else {
		payloadType := p.Any("payloadType")
		list = []injectPropJSON{
			{P: "payload", V: p.Any("payload"), VT: jsString(payloadType)},
			{P: "topic", V: p.Any("topic"), VT: ptr(engine.TypedStr)},
		}
		raws = []map[string]json.RawMessage{{"v": nil, "vt": nil}, {"v": nil, "vt": nil}}
	}
	var out []injectProp
	for i, e := range list {
		rawV, hasV := raws[i]["v"]
		if len(rawV) > 0 && (rawV[0] == '{' || rawV[0] == '[') {
			e.V = string(rawV) // the JSON text as written, keys in order
		}
		switch {
		case e.P == "payload" && !hasV:
			e.V, e.VT = p.Any("payload"), jsString(p.Any("payloadType"))
		case e.P == "topic" && e.VT != nil && *e.VT == engine.TypedStr && !hasV:
			e.V = p.Any("topic")
		}
		pr, err := compileInjectProp(e, cfg.JSONata())
		if err != nil {
			field := "props"
			switch e.P {
			case "payload":
				field = "payload"
			case "topic":
				field = "topic"
			}
			pr.err = p.Defer(field, "msg.%s: %v", e.P, err)
		}
		out = append(out, pr)
	}
	return out
}

// compileUserProps compiles the props a user sends with the inject button.
func compileUserProps(list []any, j engine.JSONata) ([]injectProp, error) {
	var out []injectProp
	var errs []string
	for _, item := range list {
		o, ok := engine.AsObject(item)
		if !ok {
			continue
		}
		e := injectPropJSON{V: o.Value("v")}
		e.P, _ = o.Value("p").(string)
		if vt, ok := o.Get("vt"); ok {
			e.VT = jsString(vt)
		}
		pr, err := compileInjectProp(e, j)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		out = append(out, pr)
	}
	if len(errs) > 0 {
		return nil, errors.New(strings.Join(errs, "; "))
	}
	return out, nil
}

// compileInjectProp compiles one entry: a missing value is "", a missing
// type "str", as Node-RED evaluates them.
func compileInjectProp(e injectPropJSON, j engine.JSONata) (injectProp, error) {
	pr := injectProp{p: e.P}
	if e.P == "" {
		return pr, nil
	}
	path, err := engine.ParsePath(strings.TrimPrefix(e.P, "msg."))
	if err != nil {
		return pr, err
	}
	pr.path = path
	kind := engine.TypedStr
	if e.VT != nil {
		kind = *e.VT
	}
	value := ""
	switch v := e.V.(type) {
	case nil:
	case string:
		value = v
	case float64, bool:
		value = engine.ToString(v)
	default: // a JSON value written as JSON rather than text
		value, _ = engine.JSONString(v, "")
	}
	switch kind {
	case engine.TypedMsg:
		return pr, fmt.Errorf("msg values are not allowed in an inject node")
	case engine.TypedRe:
		return pr, fmt.Errorf("unknown value type %q", kind)
	case engine.TypedBool:
		value = fmt.Sprint(strings.EqualFold(value, "true"))
	case engine.TypedDate:
		switch value {
		case "", "iso", "object":
		default:
			pr.moment = value
			return pr, nil
		}
	case engine.TypedJSONata:
		if value == "" { // Node-RED leaves the property unset
			pr.p = ""
			return pr, nil
		}
		pr.value, err = engine.CompileTypedWith(kind, value, j)
		if err != nil {
			return pr, fmt.Errorf("Invalid JSONata expression: %v", err)
		}
		return pr, nil
	}
	pr.value, err = engine.CompileTyped(kind, value)
	return pr, err
}

// jsString returns v as a *string when it is a string (an absent or null
// type is nil, "str" to Node-RED).
func jsString(v any) *string {
	if s, ok := v.(string); ok {
		return &s
	}
	return nil
}

func ptr[T any](v T) *T { return &v }
