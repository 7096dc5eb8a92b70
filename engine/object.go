package engine

import (
	"iter"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"unsafe"
)

// Object is a JSON object as JavaScript keeps it: keys that are array
// indices ("0", "17") first in ascending numeric order, then the other keys
// in the order they were first set. Every object a message carries is an
// *Object (parsers, nodes, the function node and JSONata all build them), so
// writers (JSON, CSV, YAML, XML, the debug sidebar) give Node-RED's key order.
//
// A nil *Object reads as empty. An Object is not safe for concurrent
// mutation; like any message value it belongs to one node at a time.
type Object struct {
	m    []member
	idx  map[string]int // key → position, built once the object is large
	nIdx int            // how many leading keys are array indices
}

type member struct {
	k string
	v any
}

// indexAt is the size from which lookups go through a map instead of a scan.
const indexAt = 12

// NewObject returns an empty object with room for n keys: a small one is
// one allocation (object and members together), as objectOfLen.
func NewObject(n int) *Object {
	if n <= 0 || n > 8 {
		return &Object{m: make([]member, 0, n)}
	}
	o := objectOfLen(n)
	o.m = o.m[:0]
	return o
}

// ObjectOf returns an object of alternating keys and values:
// ObjectOf("a", 1.0, "b", "x"). It panics on an odd count or a non-string
// key (a programming error).
func ObjectOf(kv ...any) *Object {
	if len(kv)%2 != 0 {
		panic("engine.ObjectOf: odd number of arguments")
	}
	o := NewObject(len(kv) / 2)
	if len(o.m) == 0 && cap(o.m) > indexAt {
		// one index of the final size, not one built at the threshold
		// and grown after it
		o.idx = make(map[string]int, cap(o.m))
	}
	for i := 0; i < len(kv); i += 2 {
		o.Set(kv[i].(string), kv[i+1])
	}
	return o
}

// ObjectFromMap returns an object with the entries of m, in JavaScript's
// order for index keys and sorted order for the rest (a Go map has no
// insertion order to keep).
func ObjectFromMap(m map[string]any) *Object {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	o := NewObject(len(m))
	for _, k := range keys {
		o.Set(k, m[k])
	}
	return o
}

// Len returns the number of keys.
func (o *Object) Len() int {
	if o == nil {
		return 0
	}
	return len(o.m)
}

func (o *Object) find(k string) int {
	if o == nil {
		return -1
	}
	if o.idx != nil {
		if i, ok := o.idx[k]; ok {
			return i
		}
		return -1
	}
	for i := range o.m {
		if o.m[i].k == k {
			return i
		}
	}
	return -1
}

// Get returns the value of key k.
func (o *Object) Get(k string) (any, bool) {
	if i := o.find(k); i >= 0 {
		return o.m[i].v, true
	}
	return nil, false
}

// Value returns the value of key k, or nil.
func (o *Object) Value(k string) any {
	v, _ := o.Get(k)
	return v
}

// Has reports whether k is a key.
func (o *Object) Has(k string) bool { return o.find(k) >= 0 }

// Set assigns k as a JavaScript property assignment does: an existing key
// keeps its place, a new one goes last (an array-index key among the other
// index keys, in numeric order).
func (o *Object) Set(k string, v any) {
	if i := o.find(k); i >= 0 {
		o.m[i].v = v
		return
	}
	n, isIndex := arrayIndexKey(k)
	if !isIndex {
		o.m = append(o.m, member{k, v})
		if o.idx != nil {
			o.idx[k] = len(o.m) - 1
		} else if len(o.m) > indexAt {
			o.reindex()
		}
		return
	}
	at := o.nIdx
	for i := 0; i < o.nIdx; i++ {
		if m, _ := arrayIndexKey(o.m[i].k); m > n {
			at = i
			break
		}
	}
	o.m = slices.Insert(o.m, at, member{k, v})
	o.nIdx++
	if o.idx != nil || len(o.m) > indexAt {
		o.reindex()
	}
}

// Delete removes k and reports whether it was there.
func (o *Object) Delete(k string) bool {
	i := o.find(k)
	if i < 0 {
		return false
	}
	if _, isIndex := arrayIndexKey(k); isIndex {
		o.nIdx--
	}
	o.m = slices.Delete(o.m, i, i+1)
	if o.idx != nil {
		o.reindex()
	}
	return true
}

func (o *Object) reindex() {
	if o.idx == nil {
		o.idx = make(map[string]int, len(o.m))
	} else {
		clear(o.idx)
	}
	for i := range o.m {
		o.idx[o.m[i].k] = i
	}
}

// Keys returns the keys in order (a new slice).
func (o *Object) Keys() []string {
	if o == nil {
		return nil
	}
	out := make([]string, len(o.m))
	for i := range o.m {
		out[i] = o.m[i].k
	}
	return out
}

// At returns the i-th key and value (0 ≤ i < Len()).
func (o *Object) At(i int) (string, any) { return o.m[i].k, o.m[i].v }

// All iterates over the keys and values in order. The object must not be
// changed during the iteration.
func (o *Object) All() iter.Seq2[string, any] {
	return func(yield func(string, any) bool) {
		if o == nil {
			return
		}
		for _, e := range o.m {
			if !yield(e.k, e.v) {
				return
			}
		}
	}
}

// Clone returns a deep copy (values copied as CloneValue copies them).
func (o *Object) Clone() *Object {
	if o == nil {
		return nil
	}
	out := objectOfLen(len(o.m))
	out.nIdx = o.nIdx
	for i, e := range o.m {
		out.m[i] = member{e.k, CloneValue(e.v)}
	}
	if o.idx != nil {
		out.reindex()
	}
	return out
}

// objectOfLen returns an object of n zero members. A small one is
// allocated with its members in one piece, of the size the two pieces
// would have (a copy of msg.parts per message part is common).
func objectOfLen(n int) *Object {
	switch n {
	case 1:
		return newInlineObject[[1]member](n)
	case 2:
		return newInlineObject[[2]member](n)
	case 3:
		return newInlineObject[[3]member](n)
	case 4:
		return newInlineObject[[4]member](n)
	case 5:
		return newInlineObject[[5]member](n)
	case 6:
		return newInlineObject[[6]member](n)
	case 7:
		return newInlineObject[[7]member](n)
	case 8:
		return newInlineObject[[8]member](n)
	}
	return &Object{m: make([]member, n)}
}

// inlineObject is an object and the array of its members; A is [n]member.
type inlineObject[A any] struct {
	o Object
	b A
}

func newInlineObject[A any](n int) *Object {
	p := new(inlineObject[A])
	p.o.m = unsafe.Slice((*member)(unsafe.Pointer(&p.b)), n)
	return &p.o
}

// ShallowClone returns a copy sharing the values.
func (o *Object) ShallowClone() *Object {
	if o == nil {
		return nil
	}
	out := objectOfLen(len(o.m)) // one allocation when small
	copy(out.m, o.m)
	out.nIdx = o.nIdx
	if o.idx != nil {
		out.reindex()
	}
	return out
}

// Equal reports whether o and p have the same keys in the same order and
// deeply equal values (go-cmp uses it to compare objects).
func (o *Object) Equal(p *Object) bool {
	if o.Len() != p.Len() {
		return false
	}
	for i := range o.Len() {
		if o.m[i].k != p.m[i].k || !reflect.DeepEqual(o.m[i].v, p.m[i].v) {
			return false
		}
	}
	return true
}

// Map returns the entries as a Go map (order lost; values shared).
func (o *Object) Map() map[string]any {
	out := make(map[string]any, o.Len())
	for k, v := range o.All() {
		out[k] = v
	}
	return out
}

// MarshalJSON writes the object as JSON.stringify does, keys in order.
func (o *Object) MarshalJSON() ([]byte, error) { return AppendJSON(nil, o, "") }

// UnmarshalJSON reads a JSON object keeping its key order.
func (o *Object) UnmarshalJSON(data []byte) error {
	v, err := DecodeJSON(data)
	if err != nil {
		return err
	}
	obj, ok := v.(*Object)
	if !ok {
		return &SyntaxError{Msg: "not a JSON object", Offset: 0}
	}
	*o = *obj
	return nil
}

// arrayIndexKey reports whether k is an array index as JavaScript orders
// keys: a canonical decimal integer below 2³²−1.
func arrayIndexKey(k string) (uint64, bool) {
	if k == "" || len(k) > 10 || k[0] < '0' || k[0] > '9' || (len(k) > 1 && k[0] == '0') {
		return 0, false
	}
	n, err := strconv.ParseUint(k, 10, 64)
	if err != nil || n >= 1<<32-1 {
		return 0, false
	}
	return n, true
}

// AsObject returns v as an object: an *Object as is, a Msg or a Go map
// converted (ObjectFromMap). ok is false for anything else.
func AsObject(v any) (*Object, bool) {
	switch t := v.(type) {
	case *Object:
		return t, t != nil
	case Msg:
		return ObjectFromMap(t), true
	case map[string]any:
		return ObjectFromMap(t), true
	}
	return nil, false
}
