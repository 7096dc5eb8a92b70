package storage

import (
	"encoding/binary"
	"errors"
	"math"
	"math/bits"
)

// The column codecs of a time-series chunk, after Facebook's Gorilla paper
// (Pelkonen et al., VLDB 2015): integers (times, ids, decimal values) as
// deltas or deltas of deltas in variable-width bit buckets, other floats as
// the XOR of each value with the previous one.

// errCorrupt reports a chunk that does not decode.
var errCorrupt = errors.New("time-series chunk is corrupt")

// bitWriter appends bits, most significant first.
type bitWriter struct {
	b     []byte
	nfree uint // free bits in the last byte
}

func (w *bitWriter) bit(on bool) {
	if w.nfree == 0 {
		w.b = append(w.b, 0)
		w.nfree = 8
	}
	w.nfree--
	if on {
		w.b[len(w.b)-1] |= 1 << w.nfree
	}
}

// bits writes the low n bits of v.
func (w *bitWriter) bits(v uint64, n uint) {
	for n > 0 {
		if w.nfree == 0 {
			w.b = append(w.b, 0)
			w.nfree = 8
		}
		take := min(n, w.nfree)
		chunk := (v >> (n - take)) & (1<<take - 1)
		w.nfree -= take
		w.b[len(w.b)-1] |= byte(chunk << w.nfree)
		n -= take
	}
}

// bitReader reads what a bitWriter wrote.
type bitReader struct {
	b   []byte
	pos uint // next bit
	err error
}

func (r *bitReader) bit() bool {
	i := r.pos >> 3
	if int(i) >= len(r.b) {
		r.err = errCorrupt
		return false
	}
	on := r.b[i]&(0x80>>(r.pos&7)) != 0
	r.pos++
	return on
}

func (r *bitReader) bits(n uint) uint64 {
	var v uint64
	for n > 0 {
		i := r.pos >> 3
		if int(i) >= len(r.b) {
			r.err = errCorrupt
			return 0
		}
		off := r.pos & 7
		avail := 8 - off
		take := min(n, avail)
		chunk := uint64(r.b[i]>>(avail-take)) & (1<<take - 1)
		v = v<<take | chunk
		r.pos += take
		n -= take
	}
	return v
}

func zigzag(v int64) uint64   { return uint64(v<<1) ^ uint64(v>>63) }
func unzigzag(u uint64) int64 { return int64(u>>1) ^ -int64(u&1) }

// buckets are the widths a zigzagged delta is written in, each after its
// prefix: 0 → "0", then "10"+7 bits, "110"+9, "1110"+12, "11110"+32, "11111"+64.
var buckets = [...]uint{7, 9, 12, 32}

func putBucketed(w *bitWriter, d int64) {
	if d == 0 {
		w.bit(false)
		return
	}
	z := zigzag(d)
	for i, n := range buckets {
		if z < 1<<n {
			w.bits(1<<(i+2)-2, uint(i+2)) // i+1 ones then a zero
			w.bits(z, n)
			return
		}
	}
	w.bits(0x1f, 5)
	w.bits(z, 64)
}

func getBucketed(r *bitReader) int64 {
	ones := 0
	for ones < len(buckets)+1 && r.bit() {
		ones++
	}
	if ones == 0 {
		return 0
	}
	if ones <= len(buckets) {
		return unzigzag(r.bits(buckets[ones-1]))
	}
	return unzigzag(r.bits(64))
}

// appendInts encodes vals: the first as a varint, then each difference of
// the given order (1: deltas, for values that wander; 2: deltas of deltas,
// for times and ids that tick regularly) bucketed.
func appendInts(b []byte, vals []int64, order int) []byte {
	if len(vals) == 0 {
		return b
	}
	b = binary.AppendVarint(b, vals[0])
	w := bitWriter{b: b}
	prev, prevDelta := vals[0], int64(0)
	for _, v := range vals[1:] {
		d := v - prev
		if order == 2 {
			putBucketed(&w, d-prevDelta)
		} else {
			putBucketed(&w, d)
		}
		prev, prevDelta = v, d
	}
	return w.b
}

// readInts decodes n values appendInts wrote into dst.
func readInts(b []byte, n, order int, dst []int64) ([]int64, error) {
	if n == 0 {
		return dst, nil
	}
	first, k := binary.Varint(b)
	if k <= 0 {
		return dst, errCorrupt
	}
	dst = append(dst, first)
	r := bitReader{b: b[k:]}
	prev, delta := first, int64(0)
	for range n - 1 {
		d := getBucketed(&r)
		if order == 2 {
			delta += d
		} else {
			delta = d
		}
		prev += delta
		dst = append(dst, prev)
	}
	return dst, r.err
}

// pow10 are the decimal scales a float column may be stored at as integers.
var pow10 = [...]float64{1, 10, 100, 1e3, 1e4, 1e5, 1e6}

// decimalScale returns the smallest k for which every value is an integer
// number of 10^-k exactly (21.5 at k=1 round-trips as 215), or -1.
func decimalScale(vals []float64) int {
	k := 0
	for _, v := range vals {
		for ; k < len(pow10); k++ {
			x := math.Round(v * pow10[k])
			if math.Abs(x) < 1<<53 && x/pow10[k] == v && !(v == 0 && math.Signbit(v)) {
				break
			}
		}
		if k == len(pow10) {
			return -1
		}
	}
	return k
}

// Float column modes (the column's first byte).
const (
	floatXOR = 0xff // Gorilla XOR; otherwise the decimal scale k
)

// appendFloats encodes a float column: as scaled integers in deltas when
// every value is a short decimal (sensor readings are), else by XOR.
func appendFloats(b []byte, vals []float64) []byte {
	if k := decimalScale(vals); k >= 0 {
		ints := make([]int64, len(vals))
		for i, v := range vals {
			ints[i] = int64(math.Round(v * pow10[k]))
		}
		return appendInts(append(b, byte(k)), ints, 1)
	}
	b = append(b, floatXOR)
	w := bitWriter{b: b}
	prev := math.Float64bits(vals[0])
	w.bits(prev, 64)
	lead, trail := uint(65), uint(0) // no window yet
	for _, v := range vals[1:] {
		x := math.Float64bits(v) ^ prev
		prev = math.Float64bits(v)
		if x == 0 {
			w.bit(false)
			continue
		}
		w.bit(true)
		l, t := uint(bits.LeadingZeros64(x)), uint(bits.TrailingZeros64(x))
		l = min(l, 31)
		if lead <= 64 && l >= lead && t >= trail {
			w.bit(false)
			w.bits(x>>trail, 64-lead-trail)
			continue
		}
		w.bit(true)
		lead, trail = l, t
		n := 64 - l - t
		w.bits(uint64(l), 5)
		w.bits(uint64(n&63), 6) // 64 is written as 0
		w.bits(x>>t, n)
	}
	return w.b
}

// readFloats decodes n values appendFloats wrote into dst.
func readFloats(b []byte, n int, dst []float64) ([]float64, error) {
	if n == 0 {
		return dst, nil
	}
	if len(b) == 0 {
		return dst, errCorrupt
	}
	if k := b[0]; k != floatXOR {
		if int(k) >= len(pow10) {
			return dst, errCorrupt
		}
		ints, err := readInts(b[1:], n, 1, make([]int64, 0, n))
		for _, v := range ints {
			dst = append(dst, float64(v)/pow10[k])
		}
		return dst, err
	}
	r := bitReader{b: b[1:]}
	prev := r.bits(64)
	dst = append(dst, math.Float64frombits(prev))
	var lead, trail uint
	for range n - 1 {
		if r.bit() {
			if r.bit() {
				lead = uint(r.bits(5))
				m := uint(r.bits(6))
				if m == 0 {
					m = 64
				}
				if lead+m > 64 {
					return dst, errCorrupt
				}
				trail = 64 - lead - m
			}
			prev ^= r.bits(64-lead-trail) << trail
		}
		dst = append(dst, math.Float64frombits(prev))
	}
	return dst, r.err
}
