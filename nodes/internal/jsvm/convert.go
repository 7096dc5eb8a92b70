package jsvm

import (
	"fmt"
	"math/big"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/dop251/goja"

	"github.com/flowgate/flowgate/engine"
)

// ToJS converts a message value to JavaScript (use inside Do): objects and
// arrays are copied, []byte becomes a Buffer over the same bytes (the caller
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
	case map[string]any:
		return vm.objectToJS(t)
	case engine.Msg:
		return vm.objectToJS(t)
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
		for k, e := range t {
			_ = o.Set(k, e)
		}
		return o
	}
	o := rt.NewObject()
	_ = o.DefineDataPropertySymbol(vm.opaque, rt.ToValue(opaque{v}), goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_FALSE)
	return o
}

// opaque boxes a Go value so goja does not reflect into it.
type opaque struct{ v any }

func (vm *VM) objectToJS(m map[string]any) *goja.Object {
	o := vm.rt.NewObject()
	for k, e := range m {
		if req, ok := e.(map[string]any); ok && k == "req" {
			_ = o.Set(k, vm.reqToJS(req))
			continue
		}
		_ = o.Set(k, vm.ToJS(e))
	}
	return o
}

// reqToJS converts an http in request once per request (see VM.reqJS).
// Scripts treat msg.req as read-only, as Node-RED shares it between copies.
func (vm *VM) reqToJS(req map[string]any) *goja.Object {
	if vm.reqJS == nil || !sameMap(vm.reqGo, req) {
		vm.reqGo, vm.reqJS = req, vm.objectToJS(req)
	}
	return vm.reqJS
}

func sameMap(a, b map[string]any) bool {
	return a != nil && reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
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
// undefined properties are dropped as JSON.stringify does, Buffers and
// Uint8Arrays become []byte, Dates time.Time, RegExps, Maps and Sets empty
// objects. A function, symbol, BigInt, a cycle, nesting deeper than
// MaxDepth or more than MaxValues values is a *ConvertError.
func (vm *VM) FromJS(v goja.Value) (any, error) {
	x := exporter{vm: vm}
	out, _, err := x.value(v, 0)
	if err != nil {
		return nil, err
	}
	return out, nil
}

type exporter struct {
	vm    *VM
	stack []*goja.Object // the objects being converted, outermost first
	n     int
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
		x.stack = append(x.stack, o)
		defer func() { x.stack = x.stack[:len(x.stack)-1] }()
		n := o.Get("length").ToInteger()
		out := make([]any, n)
		for i := range n {
			e, _, err := x.value(o.Get(strconv.FormatInt(i, 10)), depth+1)
			if err != nil {
				if ce, ok := err.(*ConvertError); ok {
					return nil, false, ce.at("[" + strconv.FormatInt(i, 10) + "]")
				}
				return nil, false, err
			}
			out[i] = e
		}
		return out, true, nil
	case "Uint8Array":
		b, _ := o.Export().([]byte)
		return append([]byte{}, b...), true, nil
	case "ArrayBuffer":
		ab, _ := o.Export().(goja.ArrayBuffer)
		return append([]byte{}, ab.Bytes()...), true, nil
	case "Date":
		if t, ok := o.Export().(time.Time); ok {
			return t, true, nil
		}
		return nil, true, nil // an invalid date is null in JSON
	case "Number", "String", "Boolean":
		return x.valueOf(o.Export())
	case "RegExp", "Map", "Set", "WeakMap", "WeakSet", "Promise":
		return map[string]any{}, true, nil
	}
	if x.vm.IsPromise(o) {
		return map[string]any{}, true, nil
	}
	if p := o.Prototype(); p != nil && p == x.vm.bufProto {
		b, _ := o.Export().([]byte)
		return append([]byte{}, b...), true, nil
	}
	if h := o.GetSymbol(x.vm.opaque); h != nil {
		if op, ok := h.Export().(opaque); ok {
			return op.v, true, nil
		}
	}
	x.stack = append(x.stack, o)
	defer func() { x.stack = x.stack[:len(x.stack)-1] }()
	keys := o.Keys()
	out := make(map[string]any, len(keys))
	for _, k := range keys {
		e, def, err := x.value(o.Get(k), depth+1)
		if err != nil {
			if ce, ok := err.(*ConvertError); ok {
				return nil, false, ce.at(k)
			}
			return nil, false, err
		}
		if def {
			out[k] = e
		}
	}
	return out, true, nil
}

// valueOf converts the primitive inside a Number, String or Boolean object.
func (x *exporter) valueOf(v any) (any, bool, error) {
	if n, ok := v.(int64); ok {
		return float64(n), true, nil
	}
	return v, true, nil
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
