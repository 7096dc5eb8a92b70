package sequence

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/flowgate/flowgate/engine"
)

func joinSpec() engine.Spec {
	return engine.Spec{
		Type: "join", Category: "sequence", Color: "#E2D96E", Icon: "join.svg", LabelProp: "name",
		Inputs: 1, Outputs: 1,
		Props: []engine.Prop{
			{Name: "name", Kind: engine.KindString, Default: ""},
			{Name: "mode", Label: "Mode", Kind: engine.KindSelect, Default: "auto", Options: []engine.Option{
				{Value: "auto", Label: "automatic"}, {Value: "custom", Label: "manual"}, {Value: "reduce", Label: "reduce sequence"},
			}},
			{Name: "build", Label: "Combine each", Kind: engine.KindSelect, Default: "object", Options: []engine.Option{
				{Value: "string", Label: "a String"}, {Value: "buffer", Label: "a Buffer"}, {Value: "array", Label: "an Array"},
				{Value: "object", Label: "a key/value Object"}, {Value: "merged", Label: "a merged Object"},
			}},
			{Name: "property", Label: "using the value of", Kind: engine.KindTyped, TypeProp: "propertyType", Types: []string{"msg", "full"}, Default: "payload"},
			{Name: "propertyType", Kind: engine.KindString, Default: "msg", Hidden: true},
			{Name: "key", Label: "as the key", Kind: engine.KindTyped, Types: []string{"msg"}, Default: "topic"},
			{Name: "joiner", Label: "joined using", Kind: engine.KindTyped, TypeProp: "joinerType", Types: []string{"str", "bin"}, Default: `\n`},
			{Name: "joinerType", Kind: engine.KindString, Default: "str", Hidden: true},
			{Name: "useparts", Label: "Use existing msg.parts property", Kind: engine.KindBool, Default: false},
			{Name: "accumulate", Label: "and every subsequent message", Kind: engine.KindBool, Default: "false"},
			{Name: "timeout", Label: "After a timeout following the first message (seconds)", Kind: engine.KindNumber, Default: ""},
			{Name: "count", Label: "After a number of message parts", Kind: engine.KindNumber, Default: ""},
			{Name: "reduceRight", Label: "Evaluate in reverse order", Kind: engine.KindBool, Default: false},
			{Name: "reduceExp", Label: "Reduce exp", Kind: engine.KindCode, Lang: "jsonata", Default: nil},
			{Name: "reduceInit", Label: "Initial value", Kind: engine.KindTyped, TypeProp: "reduceInitType", Types: []string{"flow", "global", "str", "num", "bool", "json", "bin", "date", "jsonata"}, Default: nil},
			{Name: "reduceInitType", Kind: engine.KindString, Default: nil, Hidden: true},
			{Name: "reduceFixup", Label: "Fix-up exp", Kind: engine.KindCode, Lang: "jsonata", Default: nil},
		},
		Help: help("join"),
	}
}

// join modes and builds, Node-RED's values.
const (
	joinAuto   = "auto"
	joinCustom = "custom"
	joinReduce = "reduce"

	buildString = "string"
	buildArray  = "array"
	buildObject = "object"
	buildMerged = "merged"
	buildBuffer = "buffer"
)

// join rebuilds a sequence into one message: automatically from msg.parts,
// or by count, timeout or msg.complete with a configured build.
type join struct {
	res          *engine.Resources
	mode         string
	build        string
	full         bool // propertyType "full": the whole message is the value
	property     engine.Path
	propName     string
	key          engine.Path
	joiner       any // string or []byte
	useParts     bool
	accumulate   bool
	timer        time.Duration
	count        float64
	countIsEmpty bool         // count was "": use msg.parts.count and msg.parts.id
	reduce       *joinReducer // mode "reduce"

	// the last msg.parts.property of auto mode, compiled (every part of a
	// sequence names the same one); used by Handle only
	lastProp string
	lastPath engine.Path

	// mu guards inflight and closed: Handle and group timeouts both use them.
	mu       sync.Mutex
	inflight map[string]*joinGroup
	closed   bool
}

// joinGroup is one sequence being joined.
type joinGroup struct {
	typ          string
	currentCount float64
	targetCount  float64
	slots        []any  // array, string and buffer builds
	set          []bool // which slots hold a value (JavaScript arrays may have holes)
	object       *engine.Object
	msg          engine.Msg // the first message, then Object.assign of the others (fold)
	last         engine.Msg // the latest message, not yet assigned to msg
	joinChar     any
	hasJoinChar  bool
	arrayLen     float64
	bufferLen    int
	prop         string
	timeout      *time.Timer
	held         []engine.Pending
}

func newJoin(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	n := &join{res: res, inflight: map[string]*joinGroup{}}
	n.mode = p.String("mode", joinAuto)
	if n.mode == "" {
		n.mode = joinAuto
	}
	switch n.mode {
	case joinAuto, joinCustom:
	case joinReduce:
		n.reduce = newJoinReducer(p)
	default:
		p.Fail("mode", "unknown mode %q", n.mode)
	}
	n.build = p.String("build", buildArray)
	if n.build == "" {
		n.build = buildArray
	}
	switch n.build {
	case buildString, buildArray, buildObject, buildMerged, buildBuffer:
	default:
		p.Fail("build", "unknown build %q", n.build)
	}
	pt := p.String("propertyType", "msg")
	n.full = pt == "full"
	if n.full {
		n.propName = "payload"
		n.property = engine.MustPath("payload")
	} else {
		n.property = p.Path("property", "payload")
		n.propName = n.property.String()
	}
	n.key = p.Path("key", "topic")
	joiner := p.String("joiner", "")
	switch jt := p.String("joinerType", "str"); jt {
	case "str", "":
		n.joiner = unescapeSeparator.Replace(joiner)
	case "bin":
		if joiner == "" {
			joiner = "[]"
		}
		b, _, ok := byteArray(joiner)
		if !ok {
			p.Fail("joiner", "not an array")
		}
		n.joiner = b
	default:
		p.Fail("joinerType", "unknown joiner type %q", jt)
	}
	n.useParts = !p.Has("useparts") || p.Bool("useparts", false)
	// Node-RED accumulates only for the boolean true the editor's checkbox writes
	n.accumulate = string(p.Raw("accumulate")) == "true"
	if n.mode != joinAuto {
		secs := p.Number("timeout", 0)
		if secs < 0 {
			p.Fail("timeout", "must not be negative")
		}
		n.timer = time.Duration(secs * float64(time.Second))
	}
	n.count = p.Number("count", 0)
	n.countIsEmpty = string(p.Raw("count")) == `""`
	if n.reduce == nil {
		p.Bool("reduceRight", false)
	}
	return n, p.Err()
}

// Close completes every message still held in a group.
func (n *join) Close(context.Context) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.closed = true
	for id, g := range n.inflight {
		if g.timeout != nil {
			g.timeout.Stop()
		}
		g.finish()
		delete(n.inflight, id)
	}
	return nil
}

func (n *join) Handle(_ context.Context, msg engine.Msg, out *engine.Output) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.reduce != nil {
		return n.reduce.handle(n.res, msg, out)
	}
	var property any
	hasProperty := true
	if n.full {
		property = msg
	} else {
		property, hasProperty = n.property.Get(msg)
	}
	parts, hasParts := msg.Object("parts")
	_, hasPartsKey := msg["parts"]
	_, isReset := msg["reset"]
	_, isComplete := msg["complete"]
	partID := "_"

	if n.mode == joinAuto && (!hasParts || !parts.Has("id")) {
		if isReset {
			n.clear()
		} else {
			n.res.Log.Warn("Message missing msg.parts property - cannot join in 'auto' mode")
		}
		return nil
	}
	if n.mode == joinCustom && hasPartsKey && !n.useParts {
		if inner, ok := parts.Get("parts"); ok && hasParts {
			msg["parts"] = engine.ObjectOf("parts", inner)
		} else {
			delete(msg, "parts")
		}
		parts, hasParts = msg.Object("parts")
		_, hasPartsKey = msg["parts"]
	}

	var (
		payloadType   string
		propertyKey   any
		targetCount   float64
		joinChar      any
		hasJoinChar   bool
		arrayLen      float64
		propertyIndex = math.NaN()
	)
	if n.mode == joinAuto {
		partID = engine.ToString(parts.Value("id"))
		payloadType, _ = parts.Value("type").(string)
		targetCount, _ = num(parts.Value("count"))
		joinChar, hasJoinChar = parts.Get("ch")
		propertyKey = parts.Value("key")
		arrayLen, _ = num(parts.Value("len"))
		if idx, ok := parts.Get("index"); ok {
			propertyIndex = engine.ToNumber(idx)
		}
		prop := "payload"
		if s, ok := parts.Value("property").(string); ok && s != "" {
			prop = s
		}
		path, err := n.autoPath(prop)
		if err != nil {
			return err
		}
		property, hasProperty = path.Get(msg)
	} else {
		payloadType = n.build
		targetCount = n.count
		joinChar, hasJoinChar = n.joiner, true
		if n.countIsEmpty && hasPartsKey {
			targetCount = 0
			if hasParts {
				if c, ok := num(parts.Value("count")); ok {
					targetCount = c
				}
				if id, ok := parts.Get("id"); ok {
					partID = engine.ToString(id)
				}
			}
		}
		if n.build == buildObject {
			propertyKey, _ = n.key.Get(msg)
		}
	}

	if _, ok := msg["restartTimeout"]; ok {
		if g := n.inflight[partID]; g != nil {
			if g.timeout != nil {
				g.timeout.Stop()
				g.timeout = nil
			}
			n.startTimer(partID, g)
		}
	}
	if isReset {
		if g := n.inflight[partID]; g != nil {
			if g.timeout != nil {
				g.timeout.Stop()
			}
			g.finish()
			delete(n.inflight, partID)
		}
		return nil
	}

	if payloadType == buildObject && (propertyKey == nil || propertyKey == "") {
		if n.mode == joinAuto {
			n.res.Log.Warn("Message missing 'msg.parts.key' property - cannot add to object")
			return nil
		}
		if isComplete {
			if g := n.inflight[partID]; g != nil {
				g.fold()
				g.msg["complete"] = msg["complete"]
				return n.completeSend(partID, out.Send)
			}
			return nil
		}
		n.res.Log.Warn(fmt.Sprintf("Message missing key property 'msg.%s' - cannot add to object", n.key.String()))
		return nil
	}

	if payloadType == buildBuffer && hasProperty {
		switch property.(type) {
		case []byte, string, []any:
		default:
			return fmt.Errorf("Cannot join %s to buffer", jsTypeOf(property))
		}
	}

	g := n.inflight[partID]
	if g == nil {
		g = &joinGroup{typ: payloadType, targetCount: targetCount, msg: msg.Clone()}
		switch payloadType {
		case buildObject, buildMerged:
			g.typ = buildObject
			g.object = engine.NewObject(0)
		case buildString:
			g.joinChar, g.hasJoinChar = joinChar, hasJoinChar
		case buildArray:
			g.arrayLen = arrayLen
			// room for the parts announced (a count from outside the
			// flow reserves no more than maxReserve)
			if c := reserve(targetCount); c > 0 {
				g.slots = make([]any, 0, c)
				g.set = make([]bool, 0, c)
			}
		case buildBuffer:
			g.joinChar, g.hasJoinChar = joinChar, hasJoinChar
		}
		if n.mode == joinAuto {
			g.prop, _ = parts.Value("property").(string)
		} else {
			g.prop = n.propName
		}
		g.held = make([]engine.Pending, 0, reserve(targetCount))
		n.inflight[partID] = g
		n.startTimer(partID, g)
	}
	g.held = append(g.held, out.Hold())

	if payloadType == buildBuffer && hasProperty {
		g.bufferLen += jsLength(property)
	}
	switch payloadType {
	case buildObject:
		g.object.Set(engine.ToString(propertyKey), property)
		g.currentCount = float64(g.object.Len())
	case buildMerged:
		switch obj := property.(type) {
		case *engine.Object:
			mergeInto(g.object, obj)
		case map[string]any:
			mergeInto(g.object, engine.ObjectFromMap(obj))
		case engine.Msg:
			mergeInto(g.object, engine.ObjectFromMap(obj))
		case nil:
		default:
			if !isComplete {
				n.res.Log.Warn("Cannot merge non-object types")
			}
		}
		g.currentCount = float64(g.object.Len())
	default:
		if !math.IsNaN(propertyIndex) && propertyIndex >= 0 && propertyIndex == math.Trunc(propertyIndex) && propertyIndex < 1<<24 {
			i := int(propertyIndex)
			for len(g.slots) <= i {
				g.slots = append(g.slots, nil)
				g.set = append(g.set, false)
			}
			if !g.set[i] || g.slots[i] == nil {
				g.currentCount++
			}
			g.slots[i], g.set[i] = property, true
		} else if hasProperty {
			g.slots = append(g.slots, property)
			g.set = append(g.set, true)
			g.currentCount++
		}
	}
	g.assign(msg)
	tcnt := g.targetCount
	if hasPartsKey {
		if tcnt == 0 || math.IsNaN(tcnt) {
			if hasParts {
				tcnt, _ = num(parts.Value("count"))
			}
		}
		g.targetCount = tcnt
	}
	if (tcnt > 0 && g.currentCount >= tcnt) || isComplete {
		return n.completeSend(partID, out.Send)
	}
	return nil
}

// startTimer arms the group's timeout, if the node has one. Called with mu held.
func (n *join) startTimer(partID string, g *joinGroup) {
	if n.timer <= 0 {
		return
	}
	g.timeout = time.AfterFunc(n.timer, func() {
		n.mu.Lock()
		defer n.mu.Unlock()
		if n.closed || n.inflight[partID] != g {
			return
		}
		if err := n.completeSend(partID, n.res.Send); err != nil {
			n.res.Error(err, g.msg)
		}
	})
}

// clear drops every group (a reset without parts in auto mode). Called with mu held.
func (n *join) clear() {
	for id, g := range n.inflight {
		if g.timeout != nil {
			g.timeout.Stop()
		}
		g.finish()
		delete(n.inflight, id)
	}
}

// completeSend builds the joined value of a group and sends it. Called with mu held.
func (n *join) completeSend(partID string, send func(int, engine.Msg)) error {
	g := n.inflight[partID]
	if g.timeout != nil {
		g.timeout.Stop()
		g.timeout = nil
	}
	g.fold()
	_, completeFlag := g.msg["complete"]
	done := n.mode == joinAuto || !n.accumulate || completeFlag
	if done {
		delete(n.inflight, partID)
	}
	prop := g.prop
	if prop == "" {
		prop = "payload"
	}
	path, err := engine.ParsePath(strings.TrimPrefix(prop, "msg."))
	if err != nil {
		g.finish()
		return err
	}
	var value any
	switch g.typ {
	case buildObject:
		value = g.object
	case buildArray:
		value = g.array()
	case buildBuffer:
		value = g.buffer()
	case buildString:
		if !g.hasJoinChar {
			g.finish()
			return errors.New("Cannot read properties of undefined (reading 'toString')")
		}
		sep := engine.ToString(g.joinChar)
		strs := make([]string, len(g.slots))
		for i, v := range g.slots {
			if v != nil && g.set[i] {
				strs[i] = engine.ToString(v)
			}
		}
		value = strings.Join(strs, sep)
	default:
		value = g.array()
	}
	// Node-RED sets the value in the group's message and sends a copy.
	// A value that is new and the group's alone (not an object the group
	// goes on filling) is set in the copy instead: it is not copied twice.
	key, top := path.TopKey()
	top = top && key != "parts" && key != "complete" && (g.typ != buildObject || done)
	if top {
		g.msg[key] = nil
	} else {
		path.Set(g.msg, value, true)
	}
	if p, ok := g.msg.Object("parts"); ok && p.Has("parts") {
		g.msg["parts"] = p.Value("parts")
	} else {
		delete(g.msg, "parts")
	}
	delete(g.msg, "complete")
	m := g.msg.Clone()
	if top {
		m[key] = value
	}
	send(0, m)
	g.finish()
	return nil
}

// maxReserve is the most parts a group makes room for in advance.
const maxReserve = 1 << 16

// reserve is the room to make for a group of count parts.
func reserve(count float64) int {
	if count > 0 {
		return int(min(count, maxReserve))
	}
	return 0
}

// finish completes the messages of the group.
func (g *joinGroup) finish() {
	for _, p := range g.held {
		p.Done(nil)
	}
	g.held = nil
}

// assign is Node-RED's Object.assign(group.msg, msg), done lazily: msg is
// kept as the latest, and the one it replaces is assigned to g.msg only if
// it has a key msg lacks (else msg overwrites all it set). Parts of one
// sequence mostly have the same keys, so one message's keys are copied, not
// every message's.
func (g *joinGroup) assign(msg engine.Msg) {
	if last := g.last; last != nil && !hasKeysOf(msg, last) {
		for k, v := range last {
			g.msg[k] = v
		}
	}
	g.last = msg
}

// fold assigns the latest message to g.msg.
func (g *joinGroup) fold() {
	for k, v := range g.last {
		g.msg[k] = v
	}
	g.last = nil
}

// hasKeysOf reports whether every key of b is a key of a.
func hasKeysOf(a, b engine.Msg) bool {
	if len(b) > len(a) {
		return false
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			return false
		}
	}
	return true
}

// array returns the parts in index order; chunks of split arrays (len > 1)
// are concatenated, skipping holes as Array.prototype.concat does.
func (g *joinGroup) array() []any {
	if g.arrayLen > 1 {
		out := make([]any, 0, len(g.slots))
		for i, v := range g.slots {
			if !g.set[i] {
				continue
			}
			if a, ok := v.([]any); ok {
				out = append(out, a...)
			} else {
				out = append(out, v)
			}
		}
		return out
	}
	out := make([]any, len(g.slots))
	copy(out, g.slots)
	return out
}

// buffer concatenates the parts, with the joiner between them when there is one.
func (g *joinGroup) buffer() []byte {
	var sep []byte
	if g.hasJoinChar {
		sep = bufferFrom(g.joinChar)
	}
	out := make([]byte, 0, g.bufferLen+len(sep)*len(g.slots))
	for i, v := range g.slots {
		if i > 0 && g.hasJoinChar {
			out = append(out, sep...)
		}
		out = append(out, bufferFrom(v)...)
	}
	return out
}

// bufferFrom is Buffer.from(v) for the values join accepts.
func bufferFrom(v any) []byte {
	switch t := v.(type) {
	case []byte:
		return t
	case string:
		return []byte(t)
	case []any:
		return toBytes(t)
	}
	return nil
}

func mergeInto(dst, src *engine.Object) {
	for k, v := range src.All() {
		if k != "_msgid" {
			dst.Set(k, v)
		}
	}
}

// jsLength is the length property of a string, array or buffer.
func jsLength(v any) int {
	switch t := v.(type) {
	case []byte:
		return len(t)
	case string:
		return len([]rune(t))
	case []any:
		return len(t)
	}
	return 0
}

// jsTypeOf is JavaScript's typeof.
func jsTypeOf(v any) string {
	switch v.(type) {
	case nil:
		return "object"
	case bool:
		return "boolean"
	case float64, int:
		return "number"
	case string:
		return "string"
	}
	return "object"
}

// joinReducer is reduce mode: each sequence (by msg.parts.id, complete at
// msg.parts.count messages) is folded with a JSONata expression ($A the
// accumulator, $I the part index, $N the count), in index order or its
// reverse, then optionally fixed up; the last message folded carries the
// result as its payload. Its state is guarded by join.mu.
type joinReducer struct {
	exp, fixup engine.JSONataExpr
	init       *engine.Typed // nil: $A starts undefined
	right      bool
	groups     map[string]*reduceGroup
}

type reduceGroup struct {
	count any // msg.parts.count of the first message that has one
	msgs  []engine.Msg
	dones []func(error)
}

func newJoinReducer(p *engine.Props) *joinReducer {
	r := &joinReducer{groups: map[string]*reduceGroup{}, right: p.Bool("reduceRight", false)}
	r.exp = joinJSONata(p, "reduceExp")
	if fix := p.String("reduceFixup", ""); fix != "" {
		r.fixup = joinJSONata(p, "reduceFixup")
	}
	if kind := p.String("reduceInitType", ""); kind != "" {
		t, err := p.CompileTyped(kind, p.String("reduceInit", ""))
		if err != nil {
			p.Fail("reduceInit", "%v", joinExprError(kind, err))
		}
		r.init = t
	}
	return r
}

func joinJSONata(p *engine.Props, field string) engine.JSONataExpr {
	t, err := p.CompileTyped(engine.TypedJSONata, p.String(field, ""))
	if err != nil {
		p.Fail(field, "%v", joinExprError(engine.TypedJSONata, err))
		return nil
	}
	return t.JSONataExpr()
}

func joinExprError(kind string, err error) error {
	if kind == engine.TypedJSONata {
		return fmt.Errorf("Invalid JSONata expression: %w", err)
	}
	return err
}

func (r *joinReducer) handle(res *engine.Resources, msg engine.Msg, out *engine.Output) error {
	parts, ok := msg.Object("parts")
	if _, has := msg["parts"]; !has {
		out.Send(0, msg)
		return nil
	}
	gid := engine.ToString(parts.Value("id"))
	g := r.groups[gid]
	if g == nil {
		g = &reduceGroup{}
		r.groups[gid] = g
	}
	if c, has := parts.Get("count"); ok && has && g.count == nil {
		g.count = c
	}
	g.msgs = append(g.msgs, msg)
	if f, isNum := g.count.(float64); !isNum || f != float64(len(g.msgs)) {
		g.dones = append(g.dones, out.Defer())
		return nil
	}
	delete(r.groups, gid)
	defer func() {
		for _, done := range g.dones {
			done(nil)
		}
	}()
	var acc any
	if r.init != nil {
		v, err := r.init.Eval(res, engine.Msg{})
		if err != nil {
			return joinExprError(r.init.Kind, err)
		}
		acc = v
	}
	index := func(m engine.Msg) float64 {
		p, _ := m.Object("parts")
		return engine.ToNumber(p.Value("index"))
	}
	flag := 1
	if r.right {
		flag = -1
	}
	slices.SortStableFunc(g.msgs, func(a, b engine.Msg) int {
		ia, ib := index(a), index(b)
		switch {
		case ia < ib:
			return -flag
		case ia > ib:
			return flag
		}
		return 0
	})
	for _, m := range g.msgs {
		p, _ := m.Object("parts")
		v, err := r.exp.Eval(res, m, map[string]any{"I": p.Value("index"), "N": g.count, "A": acc})
		if err != nil {
			return err
		}
		acc = v
	}
	if r.fixup != nil {
		v, err := r.fixup.Eval(res, map[string]any{}, map[string]any{"N": g.count, "A": acc})
		if err != nil {
			return err
		}
		acc = v
	}
	last := g.msgs[len(g.msgs)-1]
	last["payload"] = acc
	if acc == nil { // undefined: JSON leaves it out
		delete(last, "payload")
	}
	out.Send(0, last)
	return nil
}

// autoPath compiles msg.parts.property of auto mode, once per property.
func (n *join) autoPath(prop string) (engine.Path, error) {
	if prop == n.lastProp && !n.lastPath.IsZero() {
		return n.lastPath, nil
	}
	path, err := engine.ParsePath(strings.TrimPrefix(prop, "msg."))
	if err != nil {
		return path, err
	}
	n.lastProp, n.lastPath = prop, path
	return path, nil
}
