package engine

import (
	"reflect"
	"testing"
)

// FuzzParsePath checks that ParsePath never panics and that a parsed
// path's String() parses again to the same path.
func FuzzParsePath(f *testing.F) {
	for _, s := range []string{
		"payload", "payload.a[0]", `payload["b c"]`, "payload['x'].y", "a[msg.b.c]",
		"a[msg[\"k\"]]", "a[", "a]", "a..b", "[0]", "a[-1]", "a[1e3]", `a["`, "a[msg.]",
		"", ".", "a.b.c.d[1][2]", "a[msg.b[msg.c]]", "\x00", "a['']", "a[ 1 ]",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePath(s)
		if err != nil {
			return
		}
		if p.String() != s {
			t.Fatalf("ParsePath(%q).String() = %q", s, p.String())
		}
		q, err := ParsePath(p.String())
		if err != nil {
			t.Fatalf("ParsePath(%q) ok, reparse of String() fails: %v", s, err)
		}
		if !reflect.DeepEqual(p, q) {
			t.Fatalf("ParsePath(%q) does not round-trip: %#v != %#v", s, p, q)
		}
		m := Msg{"payload": map[string]any{"a": []any{1.0}}, "b": "x"}
		p.Get(m)
	})
}

// FuzzCompileTyped checks that CompileTyped never panics for any kind but
// jsonata, and that Eval of what compiles never panics on a small message.
func FuzzCompileTyped(f *testing.F) {
	seeds := map[string][]string{
		TypedMsg:    {"payload", "msg.payload.a[0]", "a[msg.b]", "a["},
		TypedFlow:   {"count", "#:(disk)::count", "#:(nope)::x", "obj[msg.key]", "#:("},
		TypedGlobal: {"name", "#:(memory)::name", ""},
		TypedStr:    {"", "x"},
		TypedNum:    {"12", " 1e3 ", "0x10", "abc", "", "-0", "Infinity"},
		TypedBool:   {"true", "TRUE", "x"},
		TypedJSON:   {`{"a":[1,"x",null]}`, `"s"`, ``, `{`, `[1,`},
		TypedBin:    {`[1,2,255]`, `"ab"`, ``, `[256]`, `[-1]`, `[1.5]`, `{"a":1}`},
		TypedDate:   {"", "iso", "object", "bogus"},
		TypedEnv:    {"A", "${A}", "${", "${A}${B}", "$${A}"},
		TypedRe:     {"^a+$", "(", "[a-", `\d`},
		TypedExpr:   {"1+2", "payload.n * 2", "len(topic)", "(", `"a" + 1`, "foo()"},
	}
	for i, kind := range TypedKinds {
		for _, v := range seeds[kind] {
			f.Add(uint8(i), v)
		}
	}
	f.Fuzz(func(t *testing.T, k uint8, value string) {
		kind := TypedKinds[int(k)%len(TypedKinds)]
		if kind == TypedJSONata {
			return
		}
		typed, err := CompileTyped(kind, value)
		if err != nil {
			return
		}
		res := typedResources(t)
		msg := Msg{"payload": map[string]any{"n": 4.0, "s": "hi", "a": []any{1.0, "x"}}, "topic": "a", "key": "b c"}
		_, _ = typed.Eval(res, msg)
		_, _ = typed.Eval(nil, msg)
	})
}
