package storage

import (
	"encoding/binary"
	"fmt"
	"math"

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

// encodeChunk encodes recs column by column:
//
//	n, shapes (count, then each as length and bytes), the shape of each
//	reading (only with more than one shape), the times and the ids (deltas
//	of deltas), then the numeric columns: column j holds the j-th number of
//	every reading that has one.
func encodeChunk(b []byte, recs []rec) []byte {
	b = binary.AppendUvarint(b, uint64(len(recs)))
	if len(recs) == 0 {
		return b
	}
	shapeIdx := map[string]int{}
	var shapes []string
	idx := make([]int, len(recs))
	var cols [][]float64
	var nums []float64
	var buf []byte
	ts := make([]int64, len(recs))
	ids := make([]int64, len(recs))
	for i, r := range recs {
		ts[i], ids[i] = r.ts, r.id
		var shape []byte
		shape, nums = split(r.p, nums[:0], buf[:0])
		buf = shape
		j, ok := shapeIdx[string(shape)]
		if !ok {
			j = len(shapes)
			shapes = append(shapes, string(shape))
			shapeIdx[string(shape)] = j
		}
		idx[i] = j
		for c, v := range nums {
			if c == len(cols) {
				cols = append(cols, make([]float64, 0, len(recs)))
			}
			cols[c] = append(cols[c], v)
		}
	}
	b = binary.AppendUvarint(b, uint64(len(shapes)))
	for _, s := range shapes {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	if len(shapes) > 1 {
		for _, j := range idx {
			b = binary.AppendUvarint(b, uint64(j))
		}
	}
	b = appendSection(b, func(b []byte) []byte { return appendInts(b, ts, 2) })
	b = appendSection(b, func(b []byte) []byte { return appendInts(b, ids, 2) })
	b = binary.AppendUvarint(b, uint64(len(cols)))
	for _, col := range cols {
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

// chunkHeader reads the count of readings of an encoded chunk.
func chunkCount(b []byte) int {
	n, k := binary.Uvarint(b)
	if k <= 0 {
		return 0
	}
	return int(n)
}

// decodeChunk decodes a chunk; keep (when not nil) tells from a reading's
// time and id whether its payload is wanted, so a query builds only the
// payloads it returns. It returns the readings kept.
func decodeChunk(b []byte, dst []rec, keep func(ts, id int64) bool) ([]rec, error) {
	r := chunkReader{b: b}
	n := int(r.uvarint())
	if n == 0 || r.err != nil {
		return dst, r.err
	}
	if n > len(b)*8 {
		return dst, errCorrupt
	}
	ns := r.uvarint()
	if ns == 0 || ns > uint64(n) {
		return dst, errCorrupt
	}
	shapes := make([]*shapeDecoder, ns)
	for i := range shapes {
		s := r.bytes(r.uvarint())
		if r.err != nil {
			return dst, r.err
		}
		d, err := newShapeDecoder(string(s))
		if err != nil {
			return dst, err
		}
		shapes[i] = d
	}
	var idx []int
	if ns > 1 {
		idx = make([]int, n)
		for i := range idx {
			j := r.uvarint()
			if j >= ns {
				return dst, errCorrupt
			}
			idx[i] = int(j)
		}
	}
	tsb := r.bytes(r.uvarint())
	idb := r.bytes(r.uvarint())
	if r.err != nil {
		return dst, r.err
	}
	ts, err := readInts(tsb, n, 2, make([]int64, 0, n))
	if err != nil {
		return dst, err
	}
	ids, err := readInts(idb, n, 2, make([]int64, 0, n))
	if err != nil {
		return dst, err
	}
	shapeOf := func(i int) *shapeDecoder {
		if idx == nil {
			return shapes[0]
		}
		return shapes[idx[i]]
	}
	// how many readings have a j-th number
	ncols := int(r.uvarint())
	counts := make([]int, ncols)
	for i := range n {
		for c := range min(shapeOf(i).numbers(), ncols) {
			counts[c]++
		}
	}
	cols := make([][]float64, ncols)
	for c := range cols {
		sec := r.bytes(r.uvarint())
		if r.err != nil {
			return dst, r.err
		}
		if cols[c], err = readFloats(sec, counts[c], make([]float64, 0, counts[c])); err != nil {
			return dst, err
		}
	}
	pos := make([]int, ncols)
	nums := make([]float64, 0, ncols)
	for i := range n {
		d := shapeOf(i)
		nums = nums[:0]
		if d.numbers() > ncols {
			return dst, errCorrupt
		}
		for c := range d.numbers() {
			nums = append(nums, cols[c][pos[c]])
			pos[c]++
		}
		if keep != nil && !keep(ts[i], ids[i]) {
			continue
		}
		dst = append(dst, rec{id: ids[i], ts: ts[i], p: d.payload(nums)})
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
