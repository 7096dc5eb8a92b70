package storage

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"github.com/flowgate/flowgate/engine"
)

// rec is one reading in memory: its payload in the canonical form a JSON
// round trip gives (numbers float64, objects *engine.Object).
type rec struct {
	id, ts int64
	p      any
}

// canonical returns payload as decoding its JSON text gives it, so a
// reading reads back exactly as the row-per-reading store answered it.
// Flat objects of numbers and plain finite numbers skip the round trip.
func canonical(payload any) (any, error) {
	switch t := payload.(type) {
	case float64:
		if !math.IsInf(t, 0) && !math.IsNaN(t) {
			return t, nil
		}
	case string, bool, nil:
		return t, nil
	case *engine.Object:
		flat := true
		for _, v := range t.All() {
			switch x := v.(type) {
			case float64:
				flat = flat && !math.IsInf(x, 0) && !math.IsNaN(x)
			case string, bool, nil:
			default:
				flat = false
			}
		}
		if flat {
			return t.ShallowClone(), nil
		}
	}
	text, err := engine.AppendJSON(nil, payload, "")
	if err != nil {
		return nil, err
	}
	v, err := engine.DecodeJSON(text)
	if err != nil {
		return string(text), nil
	}
	return v, nil
}

// Shape kinds: the first byte of a shape.
const (
	shapeNumber = 'N' // the payload is one number
	shapeObject = 'O' // an object; its top-level numbers are columns, the rest is the JSON template
	shapeJSON   = 'J' // anything else, as JSON text
)

// split returns the shape of p and appends its numbers to nums.
func split(p any, nums []float64, buf []byte) (shape []byte, _ []float64) {
	switch t := p.(type) {
	case float64:
		return append(buf, shapeNumber), append(nums, t)
	case *engine.Object:
		tmpl := t
		copied := false
		for i := range t.Len() {
			k, v := t.At(i)
			if f, ok := v.(float64); ok {
				nums = append(nums, f)
				if !copied {
					tmpl, copied = t.ShallowClone(), true
				}
				tmpl.Set(k, 0.0)
			}
		}
		if copied {
			b, _ := engine.AppendJSON(append(buf, shapeObject), tmpl, "")
			return b, nums
		}
	}
	b, _ := engine.AppendJSON(append(buf, shapeJSON), p, "")
	return b, nums
}

// shapeDecoder rebuilds payloads of one shape.
type shapeDecoder struct {
	kind  byte
	value any      // the decoded template (or whole payload)
	keys  []string // the template's numeric keys, in order
	deep  bool     // the template holds objects or arrays: clone per reading
}

func newShapeDecoder(shape string) (*shapeDecoder, error) {
	if shape == "" {
		return nil, errCorrupt
	}
	d := &shapeDecoder{kind: shape[0]}
	if d.kind == shapeNumber {
		return d, nil
	}
	v, err := engine.DecodeJSON([]byte(shape[1:]))
	if err != nil {
		return nil, fmt.Errorf("%w: shape: %v", errCorrupt, err)
	}
	d.value = v
	switch t := v.(type) {
	case *engine.Object:
		for i := range t.Len() {
			k, x := t.At(i)
			switch x.(type) {
			case float64:
				if d.kind == shapeObject {
					d.keys = append(d.keys, k)
				}
			case *engine.Object, []any:
				d.deep = true
			}
		}
	case []any:
		d.deep = true
	}
	return d, nil
}

func (d *shapeDecoder) numbers() int {
	if d.kind == shapeNumber {
		return 1
	}
	return len(d.keys)
}

// payload builds a payload from the shape and its numbers.
func (d *shapeDecoder) payload(nums []float64) any {
	switch d.kind {
	case shapeNumber:
		return nums[0]
	case shapeObject:
		t := d.value.(*engine.Object)
		var o *engine.Object
		if d.deep {
			o = t.Clone()
		} else {
			o = t.ShallowClone()
		}
		for i, k := range d.keys {
			o.Set(k, nums[i])
		}
		return o
	}
	if d.deep {
		return engine.CloneValue(d.value)
	}
	return d.value
}

// columns are a chunk's readings column by column: what encodeChunk
// writes and decodeColumns reads, and what open segments merge by, with
// no payload built.
type columns struct {
	ts, ids []int64
	shapes  []string
	idx     []int       // the shape of each reading
	cols    [][]float64 // column j: the j-th number of each reading that has one
}

// columnsOf splits recs into columns.
func columnsOf(recs []rec) *columns {
	c := &columns{ts: make([]int64, len(recs)), ids: make([]int64, len(recs)), idx: make([]int, len(recs))}
	shapeIdx := map[string]int{}
	var nums []float64
	var buf []byte
	var prev *engine.Object // the last flat object of numbers, and its shape
	prevShape := -1
	for i, r := range recs {
		c.ts[i], c.ids[i] = r.ts, r.id
		nums = nums[:0]
		j := -1
		if o, ok := r.p.(*engine.Object); ok && prevShape >= 0 && sameNumberKeys(o, prev) {
			for k := range o.Len() {
				_, v := o.At(k)
				nums = append(nums, v.(float64))
			}
			j = prevShape
		} else {
			var shape []byte
			shape, nums = split(r.p, nums, buf[:0])
			buf = shape
			var ok bool
			if j, ok = shapeIdx[string(shape)]; !ok {
				j = len(c.shapes)
				c.shapes = append(c.shapes, string(shape))
				shapeIdx[string(shape)] = j
			}
			prev, prevShape = nil, -1
			if o, ok := r.p.(*engine.Object); ok && allNumbers(o) {
				prev, prevShape = o, j
			}
		}
		c.idx[i] = j
		for k, v := range nums {
			if k == len(c.cols) {
				c.cols = append(c.cols, make([]float64, 0, len(recs)))
			}
			c.cols[k] = append(c.cols[k], v)
		}
	}
	return c
}

func allNumbers(o *engine.Object) bool {
	for i := range o.Len() {
		if _, v := o.At(i); !isFloat(v) {
			return false
		}
	}
	return o.Len() > 0
}

func isFloat(v any) bool { _, ok := v.(float64); return ok }

// sameNumberKeys reports whether o has p's keys in p's order, all numbers.
func sameNumberKeys(o, p *engine.Object) bool {
	if o.Len() != p.Len() {
		return false
	}
	for i := range o.Len() {
		k, v := o.At(i)
		pk, _ := p.At(i)
		if k != pk || !isFloat(v) {
			return false
		}
	}
	return true
}

// append adds d's readings to c, mapping d's shapes onto c's.
func (c *columns) append(d *columns) {
	remap := make([]int, len(d.shapes))
	for i, sh := range d.shapes {
		remap[i] = slices.Index(c.shapes, sh)
		if remap[i] < 0 {
			remap[i] = len(c.shapes)
			c.shapes = append(c.shapes, sh)
		}
	}
	c.ts = append(c.ts, d.ts...)
	c.ids = append(c.ids, d.ids...)
	for _, j := range d.idx {
		c.idx = append(c.idx, remap[j])
	}
	for k, col := range d.cols {
		if k == len(c.cols) {
			c.cols = append(c.cols, nil)
		}
		c.cols[k] = append(c.cols[k], col...)
	}
}

// encodeChunk encodes recs column by column (encodeColumns).
func encodeChunk(b []byte, recs []rec) []byte {
	if len(recs) == 0 {
		return binary.AppendUvarint(b, 0)
	}
	return columnsOf(recs).encode(b)
}

// encode writes n, the shapes (count, then each as length and bytes),
// the shape of each reading (only with more than one shape), the times
// and the ids (deltas of deltas), then the numeric columns.
func (c *columns) encode(b []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(c.ts)))
	if len(c.ts) == 0 {
		return b
	}
	b = binary.AppendUvarint(b, uint64(len(c.shapes)))
	for _, s := range c.shapes {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	if len(c.shapes) > 1 {
		for _, j := range c.idx {
			b = binary.AppendUvarint(b, uint64(j))
		}
	}
	b = appendSection(b, func(b []byte) []byte { return appendInts(b, c.ts, 2) })
	b = appendSection(b, func(b []byte) []byte { return appendInts(b, c.ids, 2) })
	b = binary.AppendUvarint(b, uint64(len(c.cols)))
	for _, col := range c.cols {
		b = appendSection(b, func(b []byte) []byte { return appendFloats(b, col) })
	}
	return b
}

// appendSection appends what f writes, after its length.
func appendSection(b []byte, f func([]byte) []byte) []byte {
	sec := f(nil)
	b = binary.AppendUvarint(b, uint64(len(sec)))
	return append(b, sec...)
}

// chunkReader reads a chunk's bytes front to back.
type chunkReader struct {
	b   []byte
	err error
}

func (r *chunkReader) uvarint() uint64 {
	v, k := binary.Uvarint(r.b)
	if k <= 0 {
		r.err = errCorrupt
		r.b = nil
		return 0
	}
	r.b = r.b[k:]
	return v
}

func (r *chunkReader) bytes(n uint64) []byte {
	if n > uint64(len(r.b)) {
		r.err = errCorrupt
		r.b = nil
		return nil
	}
	s := r.b[:n]
	r.b = r.b[n:]
	return s
}

// numbersOf is how many numbers a payload of the shape carries.
func numbersOf(shape string) int {
	switch {
	case shape == "":
		return 0
	case shape[0] == shapeNumber:
		return 1
	case shape[0] == shapeObject:
		d, err := newShapeDecoder(shape)
		if err != nil {
			return 0
		}
		return d.numbers()
	}
	return 0
}

// decodeColumns decodes a chunk into columns.
func decodeColumns(b []byte) (*columns, error) {
	r := chunkReader{b: b}
	n := int(r.uvarint())
	c := &columns{}
	if n == 0 || r.err != nil {
		return c, r.err
	}
	if n > len(b)*8 {
		return nil, errCorrupt
	}
	ns := r.uvarint()
	if ns == 0 || ns > uint64(n) {
		return nil, errCorrupt
	}
	c.shapes = make([]string, ns)
	counts := make([]int, ns) // numbers per shape
	for i := range c.shapes {
		c.shapes[i] = string(r.bytes(r.uvarint()))
		if r.err != nil {
			return nil, r.err
		}
		if c.shapes[i] == "" {
			return nil, errCorrupt
		}
		counts[i] = numbersOf(c.shapes[i])
	}
	c.idx = make([]int, n)
	if ns > 1 {
		for i := range c.idx {
			j := r.uvarint()
			if j >= ns {
				return nil, errCorrupt
			}
			c.idx[i] = int(j)
		}
	}
	tsb := r.bytes(r.uvarint())
	idb := r.bytes(r.uvarint())
	if r.err != nil {
		return nil, r.err
	}
	var err error
	if c.ts, err = readInts(tsb, n, 2, make([]int64, 0, n)); err != nil {
		return nil, err
	}
	if c.ids, err = readInts(idb, n, 2, make([]int64, 0, n)); err != nil {
		return nil, err
	}
	ncols := int(r.uvarint())
	if ncols > 1<<16 {
		return nil, errCorrupt
	}
	per := make([]int, ncols)
	for _, j := range c.idx {
		if counts[j] > ncols {
			return nil, errCorrupt
		}
		for k := range counts[j] {
			per[k]++
		}
	}
	c.cols = make([][]float64, ncols)
	for k := range c.cols {
		sec := r.bytes(r.uvarint())
		if r.err != nil {
			return nil, r.err
		}
		if c.cols[k], err = readFloats(sec, per[k], make([]float64, 0, per[k])); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// decodeChunk decodes a chunk; keep (when not nil) tells from a reading's
// time and id whether its payload is wanted, so a query builds only the
// payloads it returns. It returns the readings kept.
func decodeChunk(b []byte, dst []rec, keep func(ts, id int64) bool) ([]rec, error) {
	c, err := decodeColumns(b)
	if err != nil || len(c.ts) == 0 {
		return dst, err
	}
	shapes := make([]*shapeDecoder, len(c.shapes))
	for i, s := range c.shapes {
		if shapes[i], err = newShapeDecoder(s); err != nil {
			return dst, err
		}
	}
	pos := make([]int, len(c.cols))
	nums := make([]float64, 0, len(c.cols))
	for i, ts := range c.ts {
		d := shapes[c.idx[i]]
		nums = nums[:0]
		for k := range d.numbers() {
			nums = append(nums, c.cols[k][pos[k]])
			pos[k]++
		}
		if keep != nil && !keep(ts, c.ids[i]) {
			continue
		}
		dst = append(dst, rec{id: c.ids[i], ts: ts, p: d.payload(nums)})
	}
	return dst, nil
}

// encodeBatch encodes the readings of one insert for the write-ahead
// table: per topic, its name and its readings as a chunk.
func encodeBatch(topics []string, groups map[string][]rec) []byte {
	b := binary.AppendUvarint(nil, uint64(len(topics)))
	for _, t := range topics {
		b = binary.AppendUvarint(b, uint64(len(t)))
		b = append(b, t...)
		b = appendSection(b, func(b []byte) []byte { return encodeChunk(b, groups[t]) })
	}
	return b
}

// decodeBatch calls f with each topic of an encoded batch and its readings.
func decodeBatch(b []byte, f func(topic string, recs []rec) error) error {
	r := chunkReader{b: b}
	n := r.uvarint()
	for range n {
		topic := string(r.bytes(r.uvarint()))
		sec := r.bytes(r.uvarint())
		if r.err != nil {
			return r.err
		}
		recs, err := decodeChunk(sec, nil, nil)
		if err != nil {
			return err
		}
		if err := f(topic, recs); err != nil {
			return err
		}
	}
	return r.err
}
