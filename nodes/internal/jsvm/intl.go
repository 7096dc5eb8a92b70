package jsvm

import (
	"errors"
	"math"
	"strconv"
	"time"

	"github.com/dop251/goja"

	"github.com/flowgate/flowgate/nodes/internal/intl"
)

// installIntl puts Intl on the global object, built on first use, and the
// locale-aware methods of Date, Number and String on their prototypes.
func (vm *VM) installIntl() {
	rt := vm.rt
	vm.lazyGlobal("Intl", vm.newIntl)
	dateProto := rt.Get("Date").ToObject(rt).Get("prototype").ToObject(rt)
	dateMethod := func(d intl.Defaults) func(goja.FunctionCall) goja.Value {
		return func(call goja.FunctionCall) goja.Value {
			ms := call.This.ToNumber().ToFloat()
			if math.IsNaN(ms) {
				return rt.ToValue("Invalid Date")
			}
			f := vm.dateFormat(call.Argument(0), call.Argument(1), d)
			return rt.ToValue(f.Format(msTime(ms)))
		}
	}
	_ = dateProto.Set("toLocaleString", dateMethod(intl.DefaultsAll))
	_ = dateProto.Set("toLocaleDateString", dateMethod(intl.DefaultsDate))
	_ = dateProto.Set("toLocaleTimeString", dateMethod(intl.DefaultsTime))
	numProto := rt.Get("Number").ToObject(rt).Get("prototype").ToObject(rt)
	_ = numProto.Set("toLocaleString", func(call goja.FunctionCall) goja.Value {
		f := vm.numberFormat(call.Argument(0), call.Argument(1))
		return rt.ToValue(f.Format(call.This.ToFloat()))
	})
	strProto := rt.Get("String").ToObject(rt).Get("prototype").ToObject(rt)
	_ = strProto.Set("localeCompare", func(call goja.FunctionCall) goja.Value {
		c := vm.collator(call.Argument(1), call.Argument(2))
		return rt.ToValue(c.Compare(call.This.String(), call.Argument(0).String()))
	})
}

// lazyGlobal defines a global whose value is built on first read.
func (vm *VM) lazyGlobal(name string, build func() goja.Value) {
	rt := vm.rt
	g := rt.GlobalObject()
	_ = g.DefineAccessorProperty(name, rt.ToValue(func(goja.FunctionCall) goja.Value {
		v := build()
		_ = g.DefineDataProperty(name, v, goja.FLAG_TRUE, goja.FLAG_FALSE, goja.FLAG_TRUE)
		return v
	}), rt.ToValue(func(call goja.FunctionCall) goja.Value {
		_ = g.DefineDataProperty(name, call.Argument(0), goja.FLAG_TRUE, goja.FLAG_FALSE, goja.FLAG_TRUE)
		return goja.Undefined()
	}), goja.FLAG_TRUE, goja.FLAG_FALSE)
}

func msTime(ms float64) time.Time { return time.UnixMilli(int64(ms)) }

// throw turns an intl error into the JavaScript error it stands for.
func (vm *VM) throw(err error) {
	var re *intl.RangeError
	if errors.As(err, &re) {
		ctor, _ := goja.AssertConstructor(vm.rt.Get("RangeError"))
		e, _ := ctor(nil, vm.rt.ToValue(re.Msg))
		panic(e)
	}
	panic(vm.rt.NewTypeError(err.Error()))
}

func (vm *VM) locales(v goja.Value) []string {
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return nil
	}
	if s, ok := v.Export().(string); ok {
		return []string{s}
	}
	o := v.ToObject(vm.rt)
	n := o.Get("length").ToInteger()
	out := make([]string, 0, n)
	for i := int64(0); i < n; i++ {
		out = append(out, o.Get(itoa(i)).String())
	}
	return out
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }

// options reads option properties of a JavaScript options object.
type options struct {
	vm *VM
	o  *goja.Object
}

func (vm *VM) optionsOf(v goja.Value) options {
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return options{vm: vm}
	}
	return options{vm: vm, o: v.ToObject(vm.rt)}
}

func (p options) get(name string) goja.Value {
	if p.o == nil {
		return nil
	}
	v := p.o.Get(name)
	if v == nil || goja.IsUndefined(v) {
		return nil
	}
	return v
}

func (p options) str(name string) string {
	if v := p.get(name); v != nil {
		return v.String()
	}
	return ""
}

func (p options) boolPtr(name string) *bool {
	if v := p.get(name); v != nil {
		b := v.ToBoolean()
		return &b
	}
	return nil
}

func (p options) digits(name string) int {
	if v := p.get(name); v != nil {
		f := v.ToFloat()
		if math.IsNaN(f) {
			p.vm.throw(&intl.RangeError{Msg: name + " value is out of range."})
		}
		return int(f)
	}
	return intl.NoDigits
}

func (vm *VM) dateFormat(locales, o goja.Value, d intl.Defaults) *intl.DateFormat {
	p := vm.optionsOf(o)
	fsd := 0
	if v := p.get("fractionalSecondDigits"); v != nil {
		fsd = int(v.ToInteger())
		if fsd < 1 || fsd > 3 {
			vm.throw(&intl.RangeError{Msg: "fractionalSecondDigits value is out of range."})
		}
	}
	f, err := intl.NewDateFormat(vm.locales(locales), intl.DateOptions{
		Weekday: p.str("weekday"), Era: p.str("era"), Year: p.str("year"), Month: p.str("month"), Day: p.str("day"),
		Hour: p.str("hour"), Minute: p.str("minute"), Second: p.str("second"), TimeZoneName: p.str("timeZoneName"),
		HourCycle: p.str("hourCycle"), Hour12: p.boolPtr("hour12"), DateStyle: p.str("dateStyle"), TimeStyle: p.str("timeStyle"),
		TimeZone: p.str("timeZone"), FractionalSecondDigits: fsd,
	}, d)
	if err != nil {
		vm.throw(err)
	}
	return f
}

func (vm *VM) numberFormat(locales, o goja.Value) *intl.NumberFormat {
	p := vm.optionsOf(o)
	f, err := intl.NewNumberFormat(vm.locales(locales), vm.numberOptions(p))
	if err != nil {
		vm.throw(err)
	}
	return f
}

func (vm *VM) numberOptions(p options) intl.NumberOptions {
	return intl.NumberOptions{
		Style: p.str("style"), Currency: p.str("currency"), CurrencyDisplay: p.str("currencyDisplay"),
		CurrencySign: p.str("currencySign"), SignDisplay: p.str("signDisplay"), UseGrouping: p.boolPtr("useGrouping"),
		MinInt: p.digits("minimumIntegerDigits"), MinFrac: p.digits("minimumFractionDigits"), MaxFrac: p.digits("maximumFractionDigits"),
		MinSig: p.digits("minimumSignificantDigits"), MaxSig: p.digits("maximumSignificantDigits"),
	}
}

func (vm *VM) collator(locales, o goja.Value) *intl.Collator {
	p := vm.optionsOf(o)
	num := p.boolPtr("numeric")
	ip := p.boolPtr("ignorePunctuation")
	c, err := intl.NewCollator(vm.locales(locales), p.str("sensitivity"), num != nil && *num, ip != nil && *ip)
	if err != nil {
		vm.throw(err)
	}
	return c
}

// toTime is a DateTimeFormat argument as a time: undefined is now.
func (vm *VM) toTime(v goja.Value) time.Time {
	if v == nil || goja.IsUndefined(v) {
		return time.Now()
	}
	ms := v.ToNumber().ToFloat()
	if math.IsNaN(ms) || math.IsInf(ms, 0) {
		vm.throw(&intl.RangeError{Msg: "Invalid time value"})
	}
	return msTime(ms)
}

func (vm *VM) parts(ps []intl.Part) goja.Value {
	out := make([]any, len(ps))
	for i, p := range ps {
		o := vm.rt.NewObject()
		_ = o.Set("type", p.Type)
		_ = o.Set("value", p.Value)
		out[i] = o
	}
	return vm.rt.NewArray(out...)
}

func (vm *VM) resolved(r [][2]any) goja.Value {
	o := vm.rt.NewObject()
	for _, kv := range r {
		_ = o.Set(kv[0].(string), kv[1])
	}
	return o
}

// class makes a constructor whose instances carry a Go value, with the
// given methods and getters (a getter's function is bound to the instance,
// as Intl's format and compare are).
func (vm *VM) class(name string, build func(call goja.ConstructorCall) any,
	methods map[string]func(self any, call goja.FunctionCall) goja.Value, getters map[string]func(self any) goja.Value) goja.Value {
	rt := vm.rt
	key := goja.NewSymbol(name)
	var proto *goja.Object
	ctor := rt.ToValue(func(call goja.ConstructorCall) *goja.Object {
		self := build(call)
		this := call.This
		if this.Prototype() != proto { // called without new
			this = rt.CreateObject(proto)
		}
		_ = this.DefineDataPropertySymbol(key, rt.ToValue(self), goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_FALSE)
		return this
	}).ToObject(rt)
	proto = ctor.Get("prototype").ToObject(rt)
	selfOf := func(this goja.Value) any {
		if o, ok := this.(*goja.Object); ok {
			if v := o.GetSymbol(key); v != nil {
				return v.Export()
			}
		}
		panic(rt.NewTypeError("Method Intl." + name + " called on incompatible receiver"))
	}
	for m, fn := range methods {
		_ = proto.Set(m, func(call goja.FunctionCall) goja.Value { return fn(selfOf(call.This), call) })
	}
	for g, fn := range getters {
		_ = proto.DefineAccessorProperty(g, rt.ToValue(func(call goja.FunctionCall) goja.Value { return fn(selfOf(call.This)) }),
			nil, goja.FLAG_TRUE, goja.FLAG_FALSE)
	}
	_ = proto.DefineDataPropertySymbol(goja.SymToStringTag, rt.ToValue("Intl."+name), goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_TRUE)
	_ = ctor.Set("supportedLocalesOf", func(call goja.FunctionCall) goja.Value {
		s := intl.Supported(vm.locales(call.Argument(0)))
		out := make([]any, len(s))
		for i, t := range s {
			out[i] = t
		}
		return rt.NewArray(out...)
	})
	return ctor
}

func (vm *VM) newIntl() goja.Value {
	rt := vm.rt
	o := rt.NewObject()
	_ = o.Set("DateTimeFormat", vm.class("DateTimeFormat",
		func(call goja.ConstructorCall) any {
			return vm.dateFormat(call.Argument(0), call.Argument(1), intl.DefaultsDate)
		},
		map[string]func(any, goja.FunctionCall) goja.Value{
			"formatToParts": func(s any, call goja.FunctionCall) goja.Value {
				return vm.parts(s.(*intl.DateFormat).FormatToParts(vm.toTime(call.Argument(0))))
			},
			"resolvedOptions": func(s any, _ goja.FunctionCall) goja.Value { return vm.resolved(s.(*intl.DateFormat).Resolved()) },
		},
		map[string]func(any) goja.Value{
			"format": func(s any) goja.Value {
				f := s.(*intl.DateFormat)
				return rt.ToValue(func(call goja.FunctionCall) goja.Value { return rt.ToValue(f.Format(vm.toTime(call.Argument(0)))) })
			},
		}))
	_ = o.Set("NumberFormat", vm.class("NumberFormat",
		func(call goja.ConstructorCall) any { return vm.numberFormat(call.Argument(0), call.Argument(1)) },
		map[string]func(any, goja.FunctionCall) goja.Value{
			"formatToParts": func(s any, call goja.FunctionCall) goja.Value {
				return vm.parts(s.(*intl.NumberFormat).FormatToParts(call.Argument(0).ToFloat()))
			},
			"resolvedOptions": func(s any, _ goja.FunctionCall) goja.Value { return vm.resolved(s.(*intl.NumberFormat).Resolved()) },
		},
		map[string]func(any) goja.Value{
			"format": func(s any) goja.Value {
				f := s.(*intl.NumberFormat)
				return rt.ToValue(func(call goja.FunctionCall) goja.Value { return rt.ToValue(f.Format(call.Argument(0).ToFloat())) })
			},
		}))
	_ = o.Set("Collator", vm.class("Collator",
		func(call goja.ConstructorCall) any { return vm.collator(call.Argument(0), call.Argument(1)) },
		map[string]func(any, goja.FunctionCall) goja.Value{
			"resolvedOptions": func(s any, _ goja.FunctionCall) goja.Value {
				c := s.(*intl.Collator)
				return vm.resolved([][2]any{{"locale", c.Tag}, {"usage", "sort"}, {"sensitivity", c.Sensitivity},
					{"ignorePunctuation", c.IgnorePunct}, {"collation", "default"}, {"numeric", c.Numeric}, {"caseFirst", "false"}})
			},
		},
		map[string]func(any) goja.Value{
			"compare": func(s any) goja.Value {
				c := s.(*intl.Collator)
				return rt.ToValue(func(call goja.FunctionCall) goja.Value {
					return rt.ToValue(c.Compare(call.Argument(0).String(), call.Argument(1).String()))
				})
			},
		}))
	_ = o.Set("PluralRules", vm.class("PluralRules",
		func(call goja.ConstructorCall) any {
			p := vm.optionsOf(call.Argument(1))
			r, err := intl.NewPluralRules(vm.locales(call.Argument(0)), p.str("type"), vm.numberOptions(p))
			if err != nil {
				vm.throw(err)
			}
			return r
		},
		map[string]func(any, goja.FunctionCall) goja.Value{
			"select": func(s any, call goja.FunctionCall) goja.Value {
				return rt.ToValue(s.(*intl.PluralRules).Select(call.Argument(0).ToFloat()))
			},
			"resolvedOptions": func(s any, _ goja.FunctionCall) goja.Value {
				r := s.(*intl.PluralRules)
				t := "cardinal"
				if r.Ordinal {
					t = "ordinal"
				}
				return vm.resolved([][2]any{{"locale", r.Tag}, {"type", t}})
			},
		}, nil))
	_ = o.Set("ListFormat", vm.class("ListFormat",
		func(call goja.ConstructorCall) any {
			p := vm.optionsOf(call.Argument(1))
			l, err := intl.NewListFormat(vm.locales(call.Argument(0)), p.str("type"), p.str("style"))
			if err != nil {
				vm.throw(err)
			}
			return l
		},
		map[string]func(any, goja.FunctionCall) goja.Value{
			"format": func(s any, call goja.FunctionCall) goja.Value {
				var items []string
				if a := call.Argument(0); !goja.IsUndefined(a) {
					it := a.ToObject(rt)
					n := it.Get("length").ToInteger()
					for i := int64(0); i < n; i++ {
						items = append(items, it.Get(itoa(i)).String())
					}
				}
				return rt.ToValue(s.(*intl.ListFormat).Format(items))
			},
			"resolvedOptions": func(s any, _ goja.FunctionCall) goja.Value {
				l := s.(*intl.ListFormat)
				return vm.resolved([][2]any{{"locale", l.Tag}, {"type", l.Type}, {"style", l.Style}})
			},
		}, nil))
	_ = o.Set("getCanonicalLocales", func(call goja.FunctionCall) goja.Value {
		s := vm.locales(call.Argument(0))
		out := make([]any, 0, len(s))
		for _, t := range intl.Supported(s) {
			out = append(out, t)
		}
		return rt.NewArray(out...)
	})
	_ = o.DefineDataPropertySymbol(goja.SymToStringTag, rt.ToValue("Intl"), goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_TRUE)
	return o
}
