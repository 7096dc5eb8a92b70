package jsvm

import (
	"encoding/base64"
	"encoding/hex"
	"strings"
	"unicode/utf8"

	"github.com/dop251/goja"
)

// bufferJS is a small Node Buffer: a Uint8Array subclass with the parts of
// Node's API flows use (from, alloc, concat, isBuffer, byteLength,
// toString with utf8/hex/base64/latin1/ascii, toJSON, equals, slice, and
// the read/write integer and float helpers). Encoding is done in Go.
const bufferJS = `(function(enc, dec) {
class Buffer extends Uint8Array {
	static from(v, encoding, length) {
		if (typeof v === 'string') { return new Buffer(enc(v, encoding || 'utf8')); }
		if (v instanceof ArrayBuffer) { return new Buffer(v, encoding || 0, length === undefined ? v.byteLength - (encoding || 0) : length); }
		if (v && v.type === 'Buffer' && Array.isArray(v.data)) { v = v.data; }
		const b = new Buffer(v.length >>> 0);
		for (let i = 0; i < b.length; i++) { b[i] = v[i]; }
		return b;
	}
	static alloc(n, fill) {
		const b = new Buffer(n);
		if (fill !== undefined) { b.fill(typeof fill === 'string' ? fill.charCodeAt(0) : fill); }
		return b;
	}
	static allocUnsafe(n) { return new Buffer(n); }
	static isBuffer(b) { return b instanceof Buffer; }
	static byteLength(s, encoding) { return typeof s === 'string' ? enc(s, encoding || 'utf8').byteLength : s.byteLength; }
	static concat(list, total) {
		if (total === undefined) { total = 0; for (const b of list) { total += b.length; } }
		const out = Buffer.alloc(total);
		let pos = 0;
		for (const b of list) { if (pos >= total) { break; } out.set(b.subarray(0, total - pos), pos); pos += b.length; }
		return out;
	}
	toString(encoding, start, end) { return dec(this, encoding || 'utf8', start === undefined ? 0 : start, end === undefined ? this.length : end); }
	toJSON() { return { type: 'Buffer', data: Array.from(this) }; }
	equals(o) { if (this.length !== o.length) { return false; } for (let i = 0; i < this.length; i++) { if (this[i] !== o[i]) { return false; } } return true; }
	slice(s, e) { return this.subarray(s, e); }
	write(s, offset, encoding) { const b = enc(s, encoding || 'utf8'); const u = new Uint8Array(b); offset = offset || 0; const n = Math.min(u.length, this.length - offset); this.set(u.subarray(0, n), offset); return n; }
	_dv() { return new DataView(this.buffer, this.byteOffset, this.byteLength); }
}
const rw = [['UInt8', 'Uint8', 1], ['Int8', 'Int8', 1], ['UInt16', 'Uint16', 2], ['Int16', 'Int16', 2], ['UInt32', 'Uint32', 4], ['Int32', 'Int32', 4], ['Float', 'Float32', 4], ['Double', 'Float64', 8]];
for (const [name, dv, size] of rw) {
	const ends = size === 1 ? [['', false]] : [['BE', false], ['LE', true]];
	for (const [suffix, little] of ends) {
		Buffer.prototype['read' + name + suffix] = function(o) { o = o || 0; return this._dv()['get' + dv](o, little); };
		Buffer.prototype['write' + name + suffix] = function(v, o) { o = o || 0; this._dv()['set' + dv](o, v, little); return o + size; };
		if (name.startsWith('UInt')) {
			Buffer.prototype['readUint' + name.slice(4) + suffix] = Buffer.prototype['read' + name + suffix];
			Buffer.prototype['writeUint' + name.slice(4) + suffix] = Buffer.prototype['write' + name + suffix];
		}
	}
}
return Buffer;
})`

func (vm *VM) installBuffer() {
	rt := vm.rt
	encode := func(call goja.FunctionCall) goja.Value {
		s := call.Argument(0).String()
		var b []byte
		switch strings.ToLower(call.Argument(1).String()) {
		case "hex":
			n := len(s) &^ 1
			b = make([]byte, 0, n/2)
			for i := 0; i+1 < n; i += 2 {
				x, err := hex.DecodeString(s[i : i+2])
				if err != nil {
					break // Node stops at the first non-hex pair
				}
				b = append(b, x[0])
			}
		case "base64", "base64url":
			t := strings.TrimRight(strings.NewReplacer("-", "+", "_", "/", "\n", "", "\r", "", " ", "").Replace(s), "=")
			b, _ = base64.RawStdEncoding.DecodeString(t)
		case "latin1", "binary", "ascii":
			b = make([]byte, 0, len(s))
			for _, r := range s {
				b = append(b, byte(r))
			}
		default:
			b = []byte(s)
		}
		return rt.ToValue(rt.NewArrayBuffer(b))
	}
	decode := func(call goja.FunctionCall) goja.Value {
		b, _ := call.Argument(0).Export().([]byte)
		start, end := int(call.Argument(2).ToInteger()), int(call.Argument(3).ToInteger())
		start, end = max(0, min(start, len(b))), max(0, min(end, len(b)))
		if start > end {
			start = end
		}
		b = b[start:end]
		switch strings.ToLower(call.Argument(1).String()) {
		case "hex":
			return rt.ToValue(hex.EncodeToString(b))
		case "base64":
			return rt.ToValue(base64.StdEncoding.EncodeToString(b))
		case "base64url":
			return rt.ToValue(base64.RawURLEncoding.EncodeToString(b))
		case "latin1", "binary":
			r := make([]rune, len(b))
			for i, c := range b {
				r[i] = rune(c)
			}
			return rt.ToValue(string(r))
		case "ascii":
			r := make([]rune, len(b))
			for i, c := range b {
				r[i] = rune(c & 0x7f)
			}
			return rt.ToValue(string(r))
		}
		if utf8.Valid(b) {
			return rt.ToValue(string(b))
		}
		return rt.ToValue(strings.ToValidUTF8(string(b), "\uFFFD"))
	}
	mk, err := rt.RunString(bufferJS)
	if err != nil {
		panic(err) // the embedded source is a constant: a failure is a bug
	}
	f, _ := goja.AssertFunction(mk)
	ctor, err := f(goja.Undefined(), rt.ToValue(encode), rt.ToValue(decode))
	if err != nil {
		panic(err)
	}
	_ = rt.Set("Buffer", ctor)
	vm.bufProto = ctor.ToObject(rt).Get("prototype").ToObject(rt)
	nb, err := rt.RunString(`(function(B) { return function(ab) { return new B(ab); }; })`)
	if err != nil {
		panic(err)
	}
	nbf, _ := goja.AssertFunction(nb)
	v, err := nbf(goja.Undefined(), ctor)
	if err != nil {
		panic(err)
	}
	vm.newBuf, _ = goja.AssertFunction(v)
}
