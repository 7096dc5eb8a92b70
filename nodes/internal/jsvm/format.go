package jsvm

import (
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/dop251/goja"
)

// formatNode is Node's util.format: a string first argument is a format
// with %s %d %i %f %j %o %O %c %% placeholders; arguments left over are
// appended, strings as they are and other values inspected.
func (vm *VM) formatNode(args []goja.Value) string {
	rt := vm.rt
	var b strings.Builder
	rest := args
	if len(args) > 0 {
		if f, ok := args[0].Export().(string); ok && goja.IsString(args[0]) {
			rest = args[1:]
			for i := 0; i < len(f); i++ {
				if f[i] != '%' || i+1 == len(f) {
					b.WriteByte(f[i])
					continue
				}
				c := f[i+1]
				if c == '%' {
					b.WriteByte('%')
					i++
					continue
				}
				if !strings.ContainsRune("sdifjoOc", rune(c)) || len(rest) == 0 {
					b.WriteByte('%')
					continue
				}
				a := rest[0]
				rest = rest[1:]
				i++
				switch c {
				case 's':
					b.WriteString(vm.formatS(a))
				case 'd':
					if _, isObj := a.(*goja.Object); isObj {
						b.WriteString("NaN")
					} else {
						b.WriteString(numText(vm.rt, a.ToFloat()))
					}
				case 'i':
					b.WriteString(vm.callGlobal("parseInt", a).String())
				case 'f':
					b.WriteString(numText(rt, vm.callGlobal("parseFloat", a).ToFloat()))
				case 'j':
					b.WriteString(vm.jsonText(a))
				case 'o':
					b.WriteString(inspectNode(rt, a, 4, true))
				case 'O':
					b.WriteString(inspectNode(rt, a, 2, false))
				}
			}
		}
	}
	for i, a := range rest {
		if i > 0 || b.Len() > 0 || len(rest) < len(args) {
			b.WriteByte(' ')
		}
		if goja.IsString(a) {
			b.WriteString(a.String())
		} else {
			b.WriteString(inspectNode(rt, a, 2, false))
		}
	}
	return b.String()
}

func (vm *VM) callGlobal(name string, a goja.Value) goja.Value {
	fn, _ := goja.AssertFunction(vm.rt.Get(name))
	v, err := fn(goja.Undefined(), a)
	if err != nil {
		return goja.NaN()
	}
	return v
}

func (vm *VM) jsonText(a goja.Value) string {
	if goja.IsUndefined(a) {
		return "undefined"
	}
	j := vm.rt.Get("JSON").ToObject(vm.rt)
	fn, _ := goja.AssertFunction(j.Get("stringify"))
	v, err := fn(j, a)
	if err != nil {
		if strings.Contains(err.Error(), "circular") {
			return "[Circular]"
		}
		panic(err)
	}
	return v.String()
}

// formatS is %s: primitives as String() does (-0 as -0), objects without
// a toString of their own inspected to depth 0.
func (vm *VM) formatS(a goja.Value) string {
	o, ok := a.(*goja.Object)
	if !ok {
		if _, num := a.Export().(float64); num {
			return numText(vm.rt, a.ToFloat())
		}
		if _, num := a.Export().(int64); num {
			return numText(vm.rt, a.ToFloat())
		}
		return a.String()
	}
	if o.ClassName() != "Error" && o.ClassName() != "Array" && o.ClassName() != "Date" {
		objProto := vm.rt.Get("Object").ToObject(vm.rt).Get("prototype").ToObject(vm.rt)
		if ts := o.Get("toString"); ts != nil && !ts.SameAs(objProto.Get("toString")) {
			return o.String()
		}
	}
	return inspectNode(vm.rt, a, 0, false)
}

func numText(rt *goja.Runtime, f float64) string {
	if f == 0 && math.Signbit(f) {
		return "-0"
	}
	return rt.ToValue(f).String()
}

var identifier = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]*$`)

// inspectNode renders a value as Node's util.inspect does on one line:
// nested objects past depth are [Object] / [Array]; hidden adds arrays'
// [length] (%o).
func inspectNode(rt *goja.Runtime, v goja.Value, depth int, hidden bool) string {
	if v == nil || goja.IsUndefined(v) {
		return "undefined"
	}
	if goja.IsNull(v) {
		return "null"
	}
	o, ok := v.(*goja.Object)
	if !ok {
		if goja.IsString(v) {
			return "'" + strings.NewReplacer("\\", "\\\\", "'", "\\'", "\n", "\\n").Replace(v.String()) + "'"
		}
		if _, isNum := v.Export().(float64); isNum {
			return numText(rt, v.ToFloat())
		}
		return v.String()
	}
	switch o.ClassName() {
	case "Function":
		name := o.Get("name").String()
		if name == "" {
			return "[Function (anonymous)]"
		}
		return "[Function: " + name + "]"
	case "Error":
		if s := o.Get("stack"); s != nil && !goja.IsUndefined(s) {
			return s.String()
		}
		return o.String()
	case "Date":
		fn, _ := goja.AssertFunction(o.Get("toISOString"))
		if s, err := fn(o); err == nil {
			return s.String()
		}
		return "Invalid Date"
	case "RegExp":
		return o.String()
	case "Array":
		if depth < 0 {
			return "[Array]"
		}
		n := o.Get("length").ToInteger()
		items := make([]string, 0, n+1)
		for i := int64(0); i < n; i++ {
			items = append(items, inspectNode(rt, o.Get(strconv.FormatInt(i, 10)), depth-1, hidden))
		}
		if hidden {
			items = append(items, "[length]: "+strconv.FormatInt(n, 10))
		}
		if len(items) == 0 {
			return "[]"
		}
		return "[ " + strings.Join(items, ", ") + " ]"
	}
	if depth < 0 {
		return "[Object]"
	}
	keys := o.Keys()
	items := make([]string, 0, len(keys))
	for _, k := range keys {
		name := k
		if !identifier.MatchString(k) {
			name = "'" + strings.ReplaceAll(k, "'", "\\'") + "'"
		}
		items = append(items, name+": "+inspectNode(rt, o.Get(k), depth-1, hidden))
	}
	prefix := ""
	if c := o.Get("constructor"); c != nil {
		if co, ok := c.(*goja.Object); ok {
			if n := co.Get("name"); n != nil && n.String() != "Object" && n.String() != "" {
				prefix = n.String() + " "
			}
		}
	}
	if len(items) == 0 {
		return prefix + "{}"
	}
	return prefix + "{ " + strings.Join(items, ", ") + " }"
}
