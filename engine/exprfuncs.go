package engine

import (
	"crypto/rand"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/expr-lang/expr"
)

// ExprHelp documents the functions an expr typed value can call beyond
// expr-lang's builtins (https://expr-lang.org/docs/language-definition): the
// editor shows it next to the input.
const ExprHelp = `Variables: msg (the message). Functions:
  env(name)              environment variable (node, group, flow, process)
  flow(key) global(key)  context value; "#:(store)::key" picks a store
  now()                  milliseconds since 1970 (Date.now())
  uuid()                 a random UUID (version 4)
  round(x[, digits])     JavaScript's Math.round at digits decimals
  toNumber(v)            JavaScript's Number(v): NaN when not a number
  toString(v)            JavaScript's String(v)
  has(obj, key)          whether obj has the key (a map) or index (an array)
  keys(obj)              the keys of obj, sorted
  padStart(s, n[, pad])  padEnd(s, n[, pad])   pad s to n characters
  substring(s, start[, end])                   characters start..end-1
  isoDate([ms])          ISO 8601 UTC text of ms (default: now)
  parseDate(text)        milliseconds of an ISO 8601 / RFC 3339 date, NaN when invalid
  formatDate(ms, layout[, zone])               Go time layout, e.g. "2006-01-02 15:04"
Builtins include upper, lower, trim, split, replace, hasPrefix, hasSuffix,
len, abs, floor, ceil, max, min, sum, filter, map, toJSON, fromJSON, and the
operators contains, startsWith, endsWith, matches, in, ?:, ??.`

// exprFunctions are the helpers of ExprHelp, compiled into every expr value.
// now is evaluated against the node's clock when res has one.
func exprFunctions() []expr.Option {
	fn := func(name string, f func(args ...any) (any, error)) expr.Option { return expr.Function(name, f) }
	return []expr.Option{
		fn("uuid", func(...any) (any, error) { return newUUID(), nil }),
		fn("round", func(a ...any) (any, error) {
			if len(a) == 0 || len(a) > 2 {
				return nil, fmt.Errorf("round(x[, digits]) takes 1 or 2 arguments")
			}
			x := ToNumber(normalize(a[0]))
			if len(a) == 1 {
				return math.Floor(x + 0.5), nil
			}
			p := math.Pow(10, math.Trunc(ToNumber(normalize(a[1]))))
			return math.Floor(x*p+0.5) / p, nil
		}),
		fn("toNumber", func(a ...any) (any, error) { return ToNumber(normalize(arg(a, 0))), nil }),
		fn("toString", func(a ...any) (any, error) { return ToString(normalize(arg(a, 0))), nil }),
		fn("has", func(a ...any) (any, error) {
			switch o := arg(a, 0).(type) {
			case *Object:
				return o.Has(ToString(arg(a, 1))), nil
			case map[string]any:
				_, ok := o[ToString(arg(a, 1))]
				return ok, nil
			case Msg:
				_, ok := o[ToString(arg(a, 1))]
				return ok, nil
			case []any:
				i := ToNumber(normalize(arg(a, 1)))
				return i >= 0 && i < float64(len(o)) && i == math.Trunc(i), nil
			}
			return false, nil
		}),
		fn("keys", func(a ...any) (any, error) {
			var m map[string]any
			switch o := arg(a, 0).(type) {
			case *Object:
				out := make([]any, 0, o.Len())
				for k := range o.All() {
					out = append(out, k)
				}
				return out, nil
			case map[string]any:
				m = o
			case Msg:
				m = o
			default:
				return []any{}, nil
			}
			ks := make([]string, 0, len(m))
			for k := range m {
				ks = append(ks, k)
			}
			slices.Sort(ks)
			out := make([]any, len(ks))
			for i, k := range ks {
				out[i] = k
			}
			return out, nil
		}),
		fn("padStart", func(a ...any) (any, error) { return pad(a, true), nil }),
		fn("padEnd", func(a ...any) (any, error) { return pad(a, false), nil }),
		fn("substring", func(a ...any) (any, error) {
			r := []rune(ToString(arg(a, 0)))
			start, end := clampIndex(arg(a, 1), len(r)), len(r)
			if len(a) > 2 {
				end = clampIndex(a[2], len(r))
			}
			if start > end {
				start, end = end, start
			}
			return string(r[start:end]), nil
		}),
		fn("isoDate", func(a ...any) (any, error) {
			t := time.Now()
			if len(a) > 0 {
				t = time.UnixMilli(int64(ToNumber(normalize(a[0]))))
			}
			return t.UTC().Format("2006-01-02T15:04:05.000Z"), nil
		}),
		fn("parseDate", func(a ...any) (any, error) {
			s := ToString(arg(a, 0))
			for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"} {
				if t, err := time.Parse(layout, s); err == nil {
					return float64(t.UnixMilli()), nil
				}
			}
			return math.NaN(), nil
		}),
		fn("formatDate", func(a ...any) (any, error) {
			t := time.UnixMilli(int64(ToNumber(normalize(arg(a, 0)))))
			if len(a) > 2 {
				loc, err := time.LoadLocation(ToString(a[2]))
				if err != nil {
					return nil, err
				}
				t = t.In(loc)
			} else {
				t = t.UTC()
			}
			return t.Format(ToString(arg(a, 1))), nil
		}),
	}
}

func arg(a []any, i int) any {
	if i < len(a) {
		return a[i]
	}
	return nil
}

func clampIndex(v any, n int) int {
	f := ToNumber(normalize(v))
	switch {
	case math.IsNaN(f) || f < 0:
		return 0
	case f > float64(n):
		return n
	}
	return int(f)
}

func pad(a []any, start bool) string {
	s := ToString(arg(a, 0))
	n := int(ToNumber(normalize(arg(a, 1))))
	with := " "
	if len(a) > 2 {
		with = ToString(a[2])
	}
	missing := n - utf8.RuneCountInString(s)
	if missing <= 0 || with == "" {
		return s
	}
	fill := []rune(strings.Repeat(with, missing/utf8.RuneCountInString(with)+1))[:missing]
	if start {
		return string(fill) + s
	}
	return s + string(fill)
}

// newUUID returns a random version 4 UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
