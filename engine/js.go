package engine

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// FormatNumber formats f as JavaScript's String(number) does.
func FormatNumber(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		return "0"
	}
	abs := math.Abs(f)
	if abs >= 1e21 || abs < 1e-6 {
		s := strconv.FormatFloat(f, 'e', -1, 64)
		// Go: 1e+21, 1.5e-07; JS: 1e+21, 1.5e-7
		if i := strings.IndexByte(s, 'e'); i >= 0 {
			mant, exp := s[:i], s[i+1:]
			sign := exp[0]
			digits := strings.TrimLeft(exp[1:], "0")
			if digits == "" {
				digits = "0"
			}
			return mant + "e" + string(sign) + digits
		}
		return s
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// ToNumber converts v as JavaScript's Number(v) does; NaN when it cannot.
func ToNumber(v any) float64 {
	switch t := v.(type) {
	case float64:
		return t
	case int:
		return float64(t)
	case int64:
		return float64(t)
	case bool:
		if t {
			return 1
		}
		return 0
	case nil:
		return 0
	case string:
		s := strings.TrimSpace(t)
		if s == "" {
			return 0
		}
		if len(s) > 2 && s[0] == '0' {
			base := 0
			switch s[1] {
			case 'x', 'X':
				base = 16
			case 'o', 'O':
				base = 8
			case 'b', 'B':
				base = 2
			}
			if base != 0 {
				if n, err := strconv.ParseUint(s[2:], base, 64); err == nil && s[2] != '+' {
					return float64(n)
				}
				return math.NaN()
			}
		}
		switch s {
		case "Infinity", "+Infinity":
			return math.Inf(1)
		case "-Infinity":
			return math.Inf(-1)
		}
		if strings.ContainsAny(s, "iInN_xXpP") { // reject Go-only spellings (inf, nan, 1_000, 0x1p3)
			return math.NaN()
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) { // out of range: ±Infinity or 0, as JavaScript
			return math.NaN()
		}
		return f
	case []any:
		switch len(t) {
		case 0:
			return 0
		case 1:
			return ToNumber(ToString(t[0]))
		}
		return math.NaN()
	case time.Time:
		return float64(t.UnixMilli())
	}
	return math.NaN()
}

// ToString converts v as JavaScript's String(v) does (objects become
// "[object Object]", arrays join their elements with commas).
func ToString(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case float64:
		return FormatNumber(t)
	case int:
		return strconv.Itoa(t)
	case bool:
		return strconv.FormatBool(t)
	case nil:
		return "null"
	case []any:
		parts := make([]string, len(t))
		for i, e := range t {
			if e != nil {
				parts[i] = ToString(e)
			}
		}
		return strings.Join(parts, ",")
	case []byte:
		return string(t)
	case map[string]any, Msg, *Object:
		return "[object Object]"
	case *regexp.Regexp:
		return "/" + t.String() + "/"
	case time.Time:
		return t.Format("Mon Jan 02 2006 15:04:05 GMT-0700 (MST)")
	}
	return "[object Object]"
}

// ToJSONValue rewrites v as JSON.stringify would see it, keeping object key
// order: []byte becomes Node's Buffer object, time.Time an ISO string,
// NaN/Infinity null, a Go map an *Object (index keys, then sorted), values
// JSON.stringify leaves out are left out.
func ToJSONValue(v any) any {
	switch t := v.(type) {
	case Msg:
		return ToJSONValue(map[string]any(t))
	case map[string]any:
		return ToJSONValue(ObjectFromMap(t))
	case *Object:
		out := NewObject(t.Len())
		for k, e := range t.All() {
			if _, skip := e.(jsonOmit); skip {
				continue
			}
			out.Set(k, ToJSONValue(e))
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = ToJSONValue(e)
		}
		return out
	case []byte:
		data := make([]any, len(t))
		for i, c := range t {
			data[i] = float64(c)
		}
		return ObjectOf("type", "Buffer", "data", data)
	case float64:
		if math.IsNaN(t) || math.IsInf(t, 0) {
			return nil
		}
		return t
	case time.Time:
		return t.UTC().Format("2006-01-02T15:04:05.000Z")
	case *regexp.Regexp:
		return NewObject(0)
	case string, bool, nil, int, int64, json.Number, json.RawMessage:
		return t
	}
	if m, ok := v.(json.Marshaler); ok {
		return m
	}
	return NewObject(0)
}

// jsonOmit marks values JSON.stringify leaves out (functions, undefined).
type jsonOmit interface{ jsonOmit() }

// Truthy reports whether v is truthy in JavaScript.
func Truthy(v any) bool {
	switch t := v.(type) {
	case nil:
		return false
	case bool:
		return t
	case float64:
		return t != 0 && !math.IsNaN(t)
	case int:
		return t != 0
	case string:
		return t != ""
	}
	return true
}

// TypeOf returns JavaScript's typeof for v, with "array", "buffer" and "null"
// distinguished as Node-RED's switch `istype` does.
func TypeOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64, int, int64:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case []byte:
		return "buffer"
	case map[string]any, Msg, *Object:
		return "object"
	}
	return "object"
}

// LooseEqual is JavaScript's == for JSON-like values.
func LooseEqual(a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	switch x := a.(type) {
	case string:
		switch y := b.(type) {
		case string:
			return x == y
		case float64, bool:
			return ToNumber(x) == ToNumber(y)
		case []any, map[string]any, *Object, []byte:
			return x == ToString(y)
		}
	case float64:
		switch y := b.(type) {
		case float64:
			return x == y
		case string, bool:
			return x == ToNumber(y)
		case []any:
			return x == ToNumber(ToString(y))
		}
	case bool:
		return LooseEqual(ToNumber(x), b)
	case []any, map[string]any, *Object, []byte:
		switch b.(type) {
		case string, float64, bool:
			return LooseEqual(b, a)
		}
		return sameRef(a, b)
	}
	return false
}

// sameRef is JavaScript's identity comparison for objects and arrays.
func sameRef(a, b any) bool {
	if oa, ok := a.(*Object); ok {
		ob, ok := b.(*Object)
		return ok && oa == ob
	}
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	if va.Kind() != vb.Kind() || (va.Kind() != reflect.Map && va.Kind() != reflect.Slice) {
		return false
	}
	return va.UnsafePointer() == vb.UnsafePointer() && va.Len() == vb.Len()
}
