package engine

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// nrParts renders a compiled path as Node-RED's normalisePropertyExpression
// returns it: keys as strings, indexes as numbers, a nested reference as its
// own parts starting with "msg".
func nrParts(p Path) []any {
	out := make([]any, 0, len(p.segs))
	for _, s := range p.segs {
		switch s.kind {
		case segKey:
			out = append(out, s.key)
		case segIndex:
			out = append(out, float64(s.index))
		case segRef:
			out = append(out, append([]any{"msg"}, nrParts(*s.ref)...))
		}
	}
	return out
}

// TestParsePathMatchesNodeRED compares ParsePath with the parts (or the
// error) of Node-RED 4's normalisePropertyExpression, generated with node -e.
func TestParsePathMatchesNodeRED(t *testing.T) {
	tests := []struct {
		expr string
		want string // Node-RED's parts as JSON; "" = Node-RED throws
	}{
		{`a`, `["a"]`},
		{`a.b`, `["a","b"]`},
		{`a["b c"]`, `["a","b c"]`},
		{`a['b']`, `["a","b"]`},
		{`a[0]`, `["a",0]`},
		{`a[msg.b]`, `["a",["msg","b"]]`},
		{`a.b[0]["c"].d`, `["a","b",0,"c","d"]`},
		{`a.`, ``},
		{`a..b`, ``},
		{`.a`, ``},
		{`a[`, ``},
		{`a["b]`, ``},
		{`a[0`, ``},
		{`a[0]b`, `["a",0,"b"]`},
		{`a["b"]c`, `["a","b","c"]`},
		{`a[0].b`, `["a",0,"b"]`},
		{`a[-1]`, ``},
		{`a[ 0 ]`, ``},
		{`[0]`, ``},
		{`["a"]`, ``},
		{`a b`, ``},
		{`a]`, ``},
		{`a[]`, ``},
		{`a[""]`, ``},
		{`a.0`, `["a","0"]`},
		{`a.0.b`, `["a",0,"b"]`},
		{`a.b.`, ``},
		{`a[1][2]`, `["a",1,2]`},
		{`a[msg.b][0]`, `["a",["msg","b"],0]`},
		{`a-b.c`, `["a-b","c"]`},
		{`a["a.b"]`, `["a","a.b"]`},
		{`a[0x1]`, ``},
		{`a[1.5]`, `["a",1,5]`},
		{`"a"`, `["a"]`},
		{`a["b" ]`, ``},
		{`a[msg.]`, ``},
		{`a.b[msg.c].d`, `["a","b",["msg","c"],"d"]`},
		{`a[msg["b"]]`, `["a",["msg","b"]]`},
		{`a[msg.b.c]`, `["a",["msg","b","c"]]`},
		{`a[b]`, ``},
		{`a.-b`, ``},
		{`a.$b`, `["a","$b"]`},
		{`a._b`, `["a","_b"]`},
		{`a.é`, ``},
		{`$a`, `["$a"]`},
		{`a[msg.b`, ``},
		{`a["b\"c"]`, ``},
		{`a.b["c"].`, ``},
		{`x:y.z`, `["x:y","z"]`},
		{`a[007]`, `["a",7]`},
		{``, ``},
		{` `, ``},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			p, err := ParsePath(tt.expr)
			if tt.want == "" {
				if err == nil {
					t.Fatalf("ParsePath(%q) = %v, want an error", tt.expr, nrParts(p))
				}
				return
			}
			if err != nil {
				t.Fatalf("ParsePath(%q): %v", tt.expr, err)
			}
			var want []any
			if err := json.Unmarshal([]byte(tt.want), &want); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, nrParts(p)); diff != "" {
				t.Errorf("ParsePath(%q) parts (-node-red +got):\n%s", tt.expr, diff)
			}
			if p.String() != tt.expr {
				t.Errorf("String() = %q, want %q", p.String(), tt.expr)
			}
		})
	}
}

func testPathMsg() Msg {
	return Msg{
		"payload": map[string]any{
			"a":   map[string]any{"b": []any{1.0, map[string]any{"c": "x"}}},
			"s":   "héllo",
			"arr": []any{1.0, 2.0, 3.0},
			"n":   5.0,
			"nul": nil,
			"buf": []byte{7, 8},
		},
		"key": "s",
		"idx": 1.0,
	}
}

// TestPathGet follows Node-RED's getMessageProperty (expectations from node -e).
func TestPathGet(t *testing.T) {
	tests := []struct {
		expr   string
		want   any
		wantOK bool
	}{
		{"payload.a.b[1].c", "x", true},
		{"payload.s.length", 5.0, true},
		{"payload.arr.length", 3.0, true},
		{"payload.a.b.length", 2.0, true},
		{"payload.buf.length", 2.0, true},
		{"payload.buf[1]", 8.0, true},
		{"payload.arr[1]", 2.0, true},
		{"payload.arr.1", 2.0, true},
		{"payload.s[1]", "é", true},
		{"payload.missing", nil, false},
		{"payload.missing.x", nil, false},
		{"payload[msg.key]", "héllo", true},
		{"payload.arr[msg.idx]", 2.0, true},
		{"payload.n.x", nil, false},
		{"payload.nul", nil, true},
		{"payload['a'].b[0]", 1.0, true},
		{"payload.arr[9]", nil, false},
		{"payload[msg.nokey]", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			got, ok := MustPath(tt.expr).Get(testPathMsg())
			if ok != tt.wantOK || !cmp.Equal(got, tt.want) {
				t.Errorf("Get = %v, %v; want %v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

// TestPathSet follows Node-RED's setMessageProperty: the result and the
// payload afterwards, as JSON (array holes show as null).
func TestPathSet(t *testing.T) {
	const unchanged = `{"a":{"b":[1,{"c":"x"}]},"arr":[1,2,3],"buf":{"type":"Buffer","data":[7,8]},"n":5,"nul":null,"s":"héllo"}`
	tests := []struct {
		name    string
		expr    string
		v       any
		create  bool
		wantOK  bool
		payload string
	}{
		{"create object", "payload.x.y", 1.0, true, true, `{"a":{"b":[1,{"c":"x"}]},"arr":[1,2,3],"buf":{"type":"Buffer","data":[7,8]},"n":5,"nul":null,"s":"héllo","x":{"y":1}}`},
		{"no create", "payload.x.y", 1.0, false, false, unchanged},
		{"create array with holes", "payload.x[2]", 1.0, true, true, `{"a":{"b":[1,{"c":"x"}]},"arr":[1,2,3],"buf":{"type":"Buffer","data":[7,8]},"n":5,"nul":null,"s":"héllo","x":[null,null,1]}`},
		{"create array of objects", "payload.x[0].y", 1.0, true, true, `{"a":{"b":[1,{"c":"x"}]},"arr":[1,2,3],"buf":{"type":"Buffer","data":[7,8]},"n":5,"nul":null,"s":"héllo","x":[{"y":1}]}`},
		{"dotted number creates array", "payload.x.0.y", 1.0, true, true, `{"a":{"b":[1,{"c":"x"}]},"arr":[1,2,3],"buf":{"type":"Buffer","data":[7,8]},"n":5,"nul":null,"s":"héllo","x":[{"y":1}]}`},
		{"number in the way", "payload.n.x", 1.0, true, false, unchanged},
		{"null in the way", "payload.nul.x", 1.0, true, false, unchanged},
		{"string in the way", "payload.s.x", 1.0, true, false, unchanged},
		{"grow array", "payload.arr[5]", 9.0, true, true, `{"a":{"b":[1,{"c":"x"}]},"arr":[1,2,3,null,null,9],"buf":{"type":"Buffer","data":[7,8]},"n":5,"nul":null,"s":"héllo"}`},
		{"dotted index into array", "payload.arr.1", 9.0, true, true, `{"a":{"b":[1,{"c":"x"}]},"arr":[1,9,3],"buf":{"type":"Buffer","data":[7,8]},"n":5,"nul":null,"s":"héllo"}`},
		{"existing without create", "payload.a.b[1].c", "z", false, true, `{"a":{"b":[1,{"c":"z"}]},"arr":[1,2,3],"buf":{"type":"Buffer","data":[7,8]},"n":5,"nul":null,"s":"héllo"}`},
		{"reference key", "payload[msg.key]", 7.0, true, true, `{"a":{"b":[1,{"c":"x"}]},"arr":[1,2,3],"buf":{"type":"Buffer","data":[7,8]},"n":5,"nul":null,"s":7}`},
		{"top level", "payload", "p", false, true, `"p"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := testPathMsg()
			ok := MustPath(tt.expr).Set(m, tt.v, tt.create)
			if ok != tt.wantOK {
				t.Errorf("Set = %v, want %v", ok, tt.wantOK)
			}
			got, err := JSONString(m["payload"], "")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.payload, got); diff != "" {
				t.Errorf("payload (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPathDelete follows setMessageProperty(msg, p, undefined): array
// elements are spliced out.
func TestPathDelete(t *testing.T) {
	tests := []struct {
		expr string
		want string
	}{
		{"payload.arr[1]", `{"a":{"b":[1,{"c":"x"}]},"arr":[1,3],"n":5,"nul":null,"s":"héllo"}`},
		{"payload.a.b[0]", `{"a":{"b":[{"c":"x"}]},"arr":[1,2,3],"n":5,"nul":null,"s":"héllo"}`},
		{"payload.s", `{"a":{"b":[1,{"c":"x"}]},"arr":[1,2,3],"n":5,"nul":null}`},
		{"payload.missing.x", `{"a":{"b":[1,{"c":"x"}]},"arr":[1,2,3],"n":5,"nul":null,"s":"héllo"}`},
		{"payload.arr[7]", `{"a":{"b":[1,{"c":"x"}]},"arr":[1,2,3],"n":5,"nul":null,"s":"héllo"}`},
		{"payload[msg.key]", `{"a":{"b":[1,{"c":"x"}]},"arr":[1,2,3],"n":5,"nul":null}`},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			m := testPathMsg()
			delete(m["payload"].(map[string]any), "buf")
			MustPath(tt.expr).Delete(m)
			got, _ := JSONString(m["payload"], "")
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("payload (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("top level", func(t *testing.T) {
		m := testPathMsg()
		MustPath("payload").Delete(m)
		if _, ok := m["payload"]; ok {
			t.Error("payload still present")
		}
	})
}
