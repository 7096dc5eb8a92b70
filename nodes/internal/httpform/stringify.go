package httpform

import (
	"math"
	"strconv"
	"strings"

	"github.com/flowgate/flowgate/engine"
)

// Stringify is Node's querystring.stringify for a message value: keys in
// the object's order, strings, finite numbers and booleans as text, arrays
// as repeated keys, anything else as an empty value.
func Stringify(obj *engine.Object) string {
	var b strings.Builder
	for k, v := range obj.All() {
		ks := Escape(k) + "="
		if arr, ok := v.([]any); ok {
			for _, e := range arr {
				if b.Len() > 0 {
					b.WriteByte('&')
				}
				b.WriteString(ks)
				b.WriteString(Escape(primitive(e)))
			}
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(ks)
		b.WriteString(Escape(primitive(v)))
	}
	return b.String()
}

// primitive is querystring's stringifyPrimitive.
func primitive(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case float64:
		if math.IsInf(t, 0) || math.IsNaN(t) {
			return ""
		}
		return engine.FormatNumber(t)
	case bool:
		return strconv.FormatBool(t)
	}
	return ""
}

// Escape is Node's querystring.escape: percent-encodes UTF-8 bytes except
// A-Z a-z 0-9 - . _ ~ ! ' ( ) *.
func Escape(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~!'()*", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}
