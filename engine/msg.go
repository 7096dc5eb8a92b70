package engine

import (
	"math/rand/v2"
	"time"
)

// Msg is a message: a JSON-like object whose values are nil, bool, float64,
// string, []byte, []any, *Object (map[string]any is read too, but nodes
// build *Object so that key order is kept), time.Time, or opaque Go values (such
// as an HTTP response handle) that are shared, not copied, by Clone.
type Msg map[string]any

// NewMsgID returns a fresh random 16-hex-digit message id, as Node-RED's.
func NewMsgID() string {
	// the digits are those of hex.EncodeToString of u's little-endian
	// bytes, written on the stack: one allocation, the string's
	const digits = "0123456789abcdef"
	var d [16]byte
	u := rand.Uint64()
	for i := range 8 {
		b := byte(u >> (8 * i))
		d[2*i], d[2*i+1] = digits[b>>4], digits[b&0xf]
	}
	return string(d[:])
}

// NewMsg returns an empty message with a fresh _msgid.
func NewMsg() Msg { return Msg{"_msgid": NewMsgID()} }

// Clone returns a deep copy of m (Node-RED's RED.util.cloneMessage). As
// there, msg.req and msg.res (the HTTP request and response of an http in
// node) are shared, not copied: nodes treat them as read-only, and a split of
// a large request body must not copy the body once per part.
func (m Msg) Clone() Msg {
	if m == nil {
		return nil
	}
	out := make(Msg, len(m))
	for k, v := range m {
		if k == "req" || k == "res" {
			out[k] = v
			continue
		}
		out[k] = CloneValue(v)
	}
	return out
}

// Object returns m[key] when it is an object. A Go map there (a message
// built by Go code) is replaced in m by its *Object, so that changes to the
// result are changes to the message.
func (m Msg) Object(key string) (*Object, bool) {
	switch t := m[key].(type) {
	case *Object:
		return t, t != nil
	case map[string]any:
		o := ObjectFromMap(t)
		m[key] = o
		return o, true
	}
	return nil, false
}

// Payload returns msg.payload.
func (m Msg) Payload() any { return m["payload"] }

// CloneValue deep-copies JSON-like values; any other value is returned as is.
func CloneValue(v any) any {
	switch t := v.(type) {
	case *Object:
		return t.Clone()
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = CloneValue(e)
		}
		return out
	case Msg:
		return t.Clone()
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = CloneValue(e)
		}
		return out
	case []byte:
		out := make([]byte, len(t))
		copy(out, t)
		return out
	case []string:
		out := make([]string, len(t))
		copy(out, t)
		return out
	case time.Time:
		return t
	default:
		return v
	}
}
