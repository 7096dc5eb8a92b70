package jsvm

import (
	"maps"
	"reflect"

	"github.com/dop251/goja"

	"github.com/flowgate/flowgate/engine"
)

// MsgToJS exposes a message to a script without converting it (use inside
// Do): a property is converted when the script first reads it, and FromJS
// converts back only what the script read or assigned, so a large payload
// or msg.req the script never looks at costs nothing. The VM takes m over:
// the caller must not use it afterwards. Every export deep-copies the
// untouched values, so the object stays usable after it was sent.
//
// It behaves as a plain object for property reads, assignments, delete, in,
// Object.keys, for-in, spreading and JSON.stringify; unlike one it cannot
// be frozen, sealed or given symbol-keyed properties.
func (vm *VM) MsgToJS(m map[string]any) *goja.Object {
	l := &lazyMsg{vm: vm, src: m}
	l.touched = l.buf[:0]
	l.obj = vm.rt.NewDynamicObject(l)
	return l.obj
}

// DetachMsg makes a MsgToJS object stop sharing the message map it was
// given (a shallow copy: its untouched values are only ever read and
// deep-copied by exports), so the caller may change that map again; other
// values are left alone. Use inside Do.
func (vm *VM) DetachMsg(v goja.Value) {
	if o, ok := v.(*goja.Object); ok && o.ExportType() == lazyMsgType {
		if l, ok := o.Export().(*lazyMsg); ok {
			l.src = maps.Clone(l.src)
		}
	}
}

// IsMsg reports whether v is a message MsgToJS made. Use inside Do.
func (vm *VM) IsMsg(v goja.Value) bool {
	o, ok := v.(*goja.Object)
	return ok && o.ExportType() == lazyMsgType
}

var lazyMsgType = reflect.TypeFor[*lazyMsg]()

// lazyMsg is the goja.DynamicObject behind MsgToJS.
type lazyMsg struct {
	vm  *VM
	obj *goja.Object
	src map[string]any // the message as received; keys in touched shadow it
	// touched holds, in order, every property the script read, assigned
	// or deleted (few per message: a slice beats a map).
	touched []lazyProp
	buf     [2]lazyProp // touched's first room
}

type lazyProp struct {
	key     string
	val     goja.Value
	deleted bool
}

func (l *lazyMsg) find(key string) *lazyProp {
	for i := range l.touched {
		if l.touched[i].key == key {
			return &l.touched[i]
		}
	}
	return nil
}

// Get converts a property on its first read; the script may change what it
// got, so it counts as touched.
func (l *lazyMsg) Get(key string) goja.Value {
	if p := l.find(key); p != nil {
		if p.deleted {
			return nil
		}
		return p.val
	}
	v, ok := l.src[key]
	if !ok {
		return nil
	}
	var jv goja.Value
	if key == "req" && isObject(v) {
		jv = l.vm.reqToJS(v)
	} else {
		jv = l.vm.ToJS(v)
	}
	l.touched = append(l.touched, lazyProp{key: key, val: jv})
	return jv
}

func (l *lazyMsg) Set(key string, val goja.Value) bool {
	if p := l.find(key); p != nil {
		p.val, p.deleted = val, false
		return true
	}
	l.touched = append(l.touched, lazyProp{key: key, val: val})
	return true
}

func (l *lazyMsg) Has(key string) bool {
	if p := l.find(key); p != nil {
		return !p.deleted
	}
	_, ok := l.src[key]
	return ok
}

func (l *lazyMsg) Delete(key string) bool {
	if p := l.find(key); p != nil {
		p.val, p.deleted = nil, true
		return true
	}
	if _, ok := l.src[key]; ok {
		l.touched = append(l.touched, lazyProp{key: key, deleted: true})
	}
	return true
}

// Keys lists the received properties (a message is a Go map, so in
// JavaScript's order for index keys, then sorted), then the ones the script
// added in the order it added them.
func (l *lazyMsg) Keys() []string {
	keys := make([]string, 0, len(l.src)+len(l.touched))
	for _, k := range engine.SortedKeys(l.src) {
		if p := l.find(k); p == nil || !p.deleted {
			keys = append(keys, k)
		}
	}
	for _, p := range l.touched {
		if _, ok := l.src[p.key]; !ok && !p.deleted {
			keys = append(keys, p.key)
		}
	}
	return keys
}

// lazy converts l back: untouched values deep-copied (msg.req and msg.res
// shared, as engine.Msg.Clone does), touched ones converted. It is a Go map
// as the message itself, an *engine.Object (in Keys order) inside another
// value.
func (x *exporter) lazy(l *lazyMsg, depth int) (any, bool, error) {
	out := x.sink(depth, len(l.src)+len(l.touched))
	x.stack = append(x.stack, l.obj)
	defer func() { x.stack = x.stack[:len(x.stack)-1] }()
	if out.m != nil {
		for k, v := range l.src {
			if l.find(k) == nil {
				out.set(k, untouched(k, v))
			}
		}
		for i := range l.touched {
			if err := x.lazyProp(out, &l.touched[i], depth); err != nil {
				return nil, false, err
			}
		}
		return out.value(), true, nil
	}
	for _, k := range l.Keys() {
		if p := l.find(k); p != nil {
			if err := x.lazyProp(out, p, depth); err != nil {
				return nil, false, err
			}
		} else {
			out.set(k, untouched(k, l.src[k]))
		}
	}
	return out.value(), true, nil
}

// untouched is the copy of a property the script never touched.
func untouched(k string, v any) any {
	if k == "req" || k == "res" {
		return v
	}
	return engine.CloneValue(v)
}

func (x *exporter) lazyProp(out sink, p *lazyProp, depth int) error {
	if p.deleted {
		return nil
	}
	e, def, err := x.value(p.val, depth+1)
	if err != nil {
		return wrapAt(err, p.key)
	}
	if def {
		out.set(p.key, e)
	}
	return nil
}
