package jsvm

import (
	"fmt"
	"maps"
	"math/big"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dop251/goja"

	"github.com/flowgate/flowgate/engine"
)

// ToJS converts a message value to JavaScript (use inside Do): objects and
// arrays are copied, an *engine.Object keeping its key order (a Go map in
// JavaScript's order for index keys, then sorted), []byte becomes a Buffer over the same bytes (the caller
// hands them over), time.Time a Date, and any other Go value (an HTTP
// response handle) an opaque object that converts back to the same value.
func (vm *VM) ToJS(v any) goja.Value {
	rt := vm.rt
	switch t := v.(type) {
	case nil:
		return goja.Null()
	case string:
		return rt.ToValue(t)
	case float64:
		return rt.ToValue(t)
	case bool:
		return rt.ToValue(t)
	case *engine.Object:
		return vm.orderedToJS(t)
	case map[string]any:
		return vm.mapToJS(t)
	case engine.Msg:
		return vm.mapToJS(t)
	case []any:
		vals := make([]any, len(t))
		for i, e := range t {
			vals[i] = vm.ToJS(e)
		}
		return rt.NewArray(vals...)
	case []byte:
		b, err := vm.newBuf(goja.Undefined(), rt.ToValue(rt.NewArrayBuffer(t)))
		if err != nil {
			return goja.Null()
		}
		return b
	case time.Time:
		d, err := rt.New(vm.dateNew, rt.ToValue(t.UnixMilli()))
		if err != nil {
			return goja.Null()
		}
		return d
	case int:
		return rt.ToValue(float64(t))
	case int64:
		return rt.ToValue(float64(t))
	case []string:
		vals := make([]any, len(t))
		for i, e := range t {
			vals[i] = e
		}
		return rt.NewArray(vals...)
	case map[string]string:
		o := rt.NewObject()
		for _, k := range slices.Sorted(maps.Keys(t)) {
			_ = o.Set(k, t[k])
		}
		return o
	}
	o := rt.NewObject()
	_ = o.DefineDataPropertySymbol(vm.opaque, rt.ToValue(opaque{v}), goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_FALSE)
	return o
}

// opaque boxes a Go value so goja does not reflect into it.
type opaque struct{ v any }

func (vm *VM) orderedToJS(src *engine.Object) *goja.Object {
	o := vm.rt.NewObject()
	for k, e := range src.All() {
		vm.setJS(o, k, e)
	}
	return o
}

func (vm *VM) mapToJS(m map[string]any) *goja.Object {
	o := vm.rt.NewObject()
	for _, k := range engine.SortedKeys(m) {
		vm.setJS(o, k, m[k])
	}
	return o
}

// setJS sets o[k] to e converted, msg.req through the request cache.
func (vm *VM) setJS(o *goja.Object, k string, e any) {
	if k == "req" && isObject(e) {
		_ = o.Set(k, vm.reqToJS(e))
		return
	}
	_ = o.Set(k, vm.ToJS(e))
}

func isObject(v any) bool {
	switch v.(type) {
	case *engine.Object, map[string]any:
		return true
	}
	return false
}

// reqToJS converts an http in request (an *engine.Object or a Go map) once
// per request (see VM.reqJS). Scripts treat msg.req as read-only, as
// Node-RED shares it between copies.
func (vm *VM) reqToJS(req any) *goja.Object {
	if vm.reqJS == nil || !sameRef(vm.reqGo, req) {
		vm.reqGo, vm.reqJS = req, vm.ToJS(req).(*goja.Object)
	}
	return vm.reqJS
}

// sameRef reports whether a and b are the same object or map.
func sameRef(a, b any) bool {
	switch x := a.(type) {
	case *engine.Object:
		y, ok := b.(*engine.Object)
		return ok && x != nil && x == y
	case map[string]any:
		y, ok := b.(map[string]any)
		return ok && x != nil && reflect.ValueOf(x).UnsafePointer() == reflect.ValueOf(y).UnsafePointer()
	}
	return false
}

// ConvertError is a value a script produced that cannot become part of a
// message; Path says where (msg.a.b).
type ConvertError struct {
	Path   []string
	Reason string
}

func (e *ConvertError) Error() string {
	if len(e.Path) == 0 {
		return e.Reason
	}
	var b strings.Builder
	for _, p := range e.Path {
		if p != "" && p[0] == '[' {
			b.WriteString(p)
		} else {
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(p)
		}
	}
	return e.Reason + " at " + b.String()
}

func (e *ConvertError) at(seg string) *ConvertError {
	e.Path = append([]string{seg}, e.Path...)
	return e
}

// FromJS converts a JavaScript value to a message value (use inside Do):
// objects become *engine.Object in JavaScript's key order, undefined
// properties are dropped as JSON.stringify does, Buffers and Uint8Arrays
// become []byte, Dates time.Time, RegExps, Maps and Sets empty objects. A
// function, symbol, BigInt, a cycle, nesting deeper than MaxDepth or more
// than MaxValues values is a *ConvertError.
func (vm *VM) FromJS(v goja.Value) (any, error) {
	x := exporter{vm: vm}
	x.stack = x.buf[:0]
	out, _, err := x.value(v, 0)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// MsgFromJS converts a message from JavaScript (use inside Do): as FromJS,
// but the object itself becomes a Go map (engine.Msg is one) while the
// objects inside it stay ordered. ok is false when v is not an object (a
// primitive, an array, a Buffer, a Date, an opaque Go value).
func (vm *VM) MsgFromJS(v goja.Value) (m map[string]any, ok bool, err error) {
	x := exporter{vm: vm, msg: true}
	x.stack = x.buf[:0]
	out, _, err := x.value(v, 0)
	if err != nil {
		return nil, false, err
	}
	switch t := out.(type) {
	case map[string]any:
		return t, true, nil
	case *engine.Object: // a RegExp, Map, Set: {} as JSON.stringify writes it
		return t.Map(), true, nil
	}
	return nil, false, nil
}

type exporter struct {
	vm    *VM
	msg   bool           // the outermost object is a message: a Go map
	stack []*goja.Object // the objects being converted, outermost first
	n     int
	buf   [4]*goja.Object // stack's first room
}

// sink collects the members of an object being converted: a Go map for a
// message, an *engine.Object for anything inside one.
type sink struct {
	m map[string]any
	o *engine.Object
}

func (x *exporter) sink(depth, n int) sink {
	if depth == 0 && x.msg {
		return sink{m: make(map[string]any, n)}
	}
	return sink{o: engine.NewObject(n)}
}

func (s sink) set(k string, v any) {
	if s.m != nil {
		s.m[k] = v
		return
	}
	s.o.Set(k, v)
}

func (s sink) value() any {
	if s.m != nil {
		return s.m
	}
	return s.o
}

// value converts v; the boolean is false for undefined.
func (x *exporter) value(v goja.Value, depth int) (any, bool, error) {
	x.n++
	if x.n > MaxValues {
		return nil, false, &ConvertError{Reason: fmt.Sprintf("message has more than %d values", MaxValues)}
	}
	if v == nil || goja.IsUndefined(v) {
		return nil, false, nil
	}
	o, ok := v.(*goja.Object)
	if !ok {
		return primitive(v)
	}
	if o == x.vm.reqJS && x.vm.reqJS != nil {
		return x.vm.reqGo, true, nil // the shared request, unconverted
	}
	if depth >= MaxDepth {
		return nil, false, &ConvertError{Reason: fmt.Sprintf("message nested deeper than %d levels", MaxDepth)}
	}
	for _, p := range x.stack {
		if p == o {
			return nil, false, &ConvertError{Reason: "cannot send a cyclic object"}
		}
	}
	if o.ExportType() == lazyMsgType {
		if l, ok := o.Export().(*lazyMsg); ok {
			return x.lazy(l, depth)
		}
	}
	switch o.ClassName() {
	case "Function":
		return nil, false, &ConvertError{Reason: "cannot send a function"}
	case "Array":
		return x.array(o, depth)
	}
	if v, done := x.special(o); done {
		return v, true, nil
	}
	return x.object(o, depth)
}

func primitive(v goja.Value) (any, bool, error) {
	if goja.IsNumber(v) {
		return v.ToFloat(), true, nil // an integer is exported as int64: no boxing of it first
	}
	switch t := v.Export().(type) {
	case nil:
		return nil, true, nil
	case int64:
		return float64(t), true, nil
	case float64, string, bool:
		return t, true, nil
	case *big.Int:
		return nil, false, &ConvertError{Reason: "cannot send a BigInt"}
	default:
		return nil, false, &ConvertError{Reason: "cannot send a symbol"}
	}
}

// special converts the objects that are not plain objects or arrays:
// buffers, dates, boxed primitives, the opaque Go values of ToJS, and the
// built-ins JSON.stringify writes as {}.
func (x *exporter) special(o *goja.Object) (any, bool) {
	switch o.ClassName() {
	case "Uint8Array":
		b, _ := o.Export().([]byte)
		return append([]byte{}, b...), true
	case "ArrayBuffer":
		ab, _ := o.Export().(goja.ArrayBuffer)
		return append([]byte{}, ab.Bytes()...), true
	case "Date":
		if t, ok := o.Export().(time.Time); ok {
			return t, true
		}
		return nil, true // an invalid date is null in JSON
	case "Number", "String", "Boolean":
		return valueOf(o.Export()), true
	case "RegExp", "Map", "Set", "WeakMap", "WeakSet", "Promise":
		return engine.NewObject(0), true
	}
	if x.vm.IsPromise(o) {
		return engine.NewObject(0), true
	}
	if p := o.Prototype(); p != nil && p == x.vm.bufProto {
		b, _ := o.Export().([]byte)
		return append([]byte{}, b...), true
	}
	if h := o.GetSymbol(x.vm.opaque); h != nil {
		if op, ok := h.Export().(opaque); ok {
			return op.v, true
		}
	}
	return nil, false
}

func (x *exporter) array(o *goja.Object, depth int) (any, bool, error) {
	x.stack = append(x.stack, o)
	defer func() { x.stack = x.stack[:len(x.stack)-1] }()
	n := o.Get("length").ToInteger()
	out := make([]any, n)
	for i := range n {
		e, _, err := x.value(o.Get(strconv.FormatInt(i, 10)), depth+1)
		if err != nil {
			return nil, false, wrapAt(err, "["+strconv.FormatInt(i, 10)+"]")
		}
		out[i] = e
	}
	return out, true, nil
}

func (x *exporter) object(o *goja.Object, depth int) (any, bool, error) {
	x.stack = append(x.stack, o)
	defer func() { x.stack = x.stack[:len(x.stack)-1] }()
	keys := o.Keys()
	out := x.sink(depth, len(keys))
	for _, k := range keys {
		e, def, err := x.value(o.Get(k), depth+1)
		if err != nil {
			return nil, false, wrapAt(err, k)
		}
		if def {
			out.set(k, e)
		}
	}
	return out.value(), true, nil
}

// wrapAt adds seg to the path of a *ConvertError.
func wrapAt(err error, seg string) error {
	if ce, ok := err.(*ConvertError); ok {
		return ce.at(seg)
	}
	return err
}

// valueOf converts the primitive inside a Number, String or Boolean object.
func valueOf(v any) any {
	if n, ok := v.(int64); ok {
		return float64(n)
	}
	return v
}

// IsBuffer reports whether o is a Buffer or a Uint8Array.
func (vm *VM) IsBuffer(o *goja.Object) bool {
	if o.ClassName() == "Uint8Array" {
		return true
	}
	p := o.Prototype()
	return p != nil && p == vm.bufProto
}

// IsPromise reports whether o is a Promise.
func (vm *VM) IsPromise(o *goja.Object) bool {
	p := o.Prototype()
	return p != nil && p == vm.promiseProto
}
