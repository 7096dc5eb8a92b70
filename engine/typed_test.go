package engine

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func typedResources(t *testing.T) *Resources {
	t.Helper()
	stores := &Stores{Default: "memory", ByName: map[string]ContextStore{"memory": NewMemoryStore(), "disk": NewMemoryStore()}}
	res := &Resources{
		Flow:   NewContext(stores, "f1"),
		Global: NewContext(stores, "global"),
		Now:    func() time.Time { return time.Date(2024, 5, 6, 7, 8, 9, 10e6, time.UTC) },
		env: func(name string) (string, bool) {
			v, ok := map[string]string{"A": "alpha", "B": "beta", "EMPTY": ""}[name]
			return v, ok
		},
	}
	for _, kv := range []struct {
		c     *Context
		store string
		key   string
		v     any
	}{
		{res.Flow, "", "count", 3.0},
		{res.Flow, "", "obj", map[string]any{"a": []any{"x", "y"}, "b c": true}},
		{res.Flow, "disk", "count", 30.0},
		{res.Global, "", "name", "world"},
		{res.Global, "disk", "name", "disk world"},
	} {
		if err := kv.c.Set(kv.store, kv.key, kv.v); err != nil {
			t.Fatal(err)
		}
	}
	return res
}

func TestTypedEval(t *testing.T) {
	msg := Msg{"payload": map[string]any{"n": 4.0, "s": "hi"}, "topic": "a", "key": "b c"}
	tests := []struct {
		kind, value string
		want        any
	}{
		{"msg", "payload.n", 4.0},
		{"msg", "msg.payload.s", "hi"},
		{"msg", "missing", nil},
		{"msg", "payload[msg.topic]", nil},
		{"flow", "count", 3.0},
		{"flow", "obj.a[1]", "y"},
		{"flow", "obj[msg.key]", true},
		{"flow", "#:(disk)::count", 30.0},
		{"flow", "#:(memory)::count", 3.0},
		{"flow", "nothing", nil},
		{"global", "name", "world"},
		{"global", "#:(disk)::name", "disk world"},
		{"str", "", ""},
		{"str", "12", "12"},
		{"num", "12", 12.0},
		{"num", " 1e3 ", 1000.0},
		{"num", "0x10", 16.0},
		{"num", "", 0.0},
		{"bool", "true", true},
		{"bool", "TRUE", true},
		{"bool", "false", false},
		{"bool", "yes", false},
		{"json", `{"a":[1,"x",null]}`, ObjectOf("a", []any{1.0, "x", nil})},
		{"json", `"s"`, "s"},
		{"json", ``, nil},
		{"bin", `[1,2,255]`, []byte{1, 2, 255}},
		{"bin", `"ab"`, []byte("ab")},
		{"bin", ``, []byte{}},
		{"date", "", float64(time.Date(2024, 5, 6, 7, 8, 9, 10e6, time.UTC).UnixMilli())},
		{"date", "iso", "2024-05-06T07:08:09.010Z"},
		{"date", "object", time.Date(2024, 5, 6, 7, 8, 9, 10e6, time.UTC)},
		{"env", "A", "alpha"},
		{"env", "${A}", "alpha"},
		{"env", "x-${A}-${B}-${NOPE}", "x-alpha-beta-"},
		{"env", "NOPE", ""},
		{"env", "EMPTY", ""},
		{"env", "${A", ""},
		{"expr", "msg.payload.n * 2", 8.0},
		{"expr", "msg.payload.n / 8", 0.5},
		{"expr", "1 + 2", 3.0},
		{"expr", `msg.payload.s + "!"`, "hi!"},
		{"expr", `flow("count") + 1`, 4.0},
		{"expr", `flow("#:(disk)::count")`, 30.0},
		{"expr", `global("name")`, "world"},
		{"expr", `env("A") + env("B")`, "alphabeta"},
		{"expr", `msg.missing`, nil},
		{"expr", `[1, 2]`, []any{1.0, 2.0}},
	}
	for _, tt := range tests {
		t.Run(tt.kind+"/"+tt.value, func(t *testing.T) {
			res := typedResources(t)
			tv, err := CompileTyped(tt.kind, tt.value)
			if err != nil {
				t.Fatalf("CompileTyped: %v", err)
			}
			got, err := tv.Eval(res, msg.Clone())
			if err != nil {
				t.Fatalf("Eval: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Eval (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTypedRegexp(t *testing.T) {
	tv, err := CompileTyped("re", "^a+b$")
	if err != nil {
		t.Fatal(err)
	}
	v, _ := tv.Eval(nil, Msg{})
	if tv.Regexp() == nil || v != tv.Regexp() || !tv.Regexp().MatchString("aab") {
		t.Errorf("re value = %v", v)
	}
}

func TestTypedCompileErrors(t *testing.T) {
	tests := []struct {
		kind, value, wantErr string
	}{
		{"num", "abc", "not a number"},
		{"num", "1_000", "not a number"},
		{"json", "{a:1}", "invalid JSON"},
		{"bin", `{"a":1}`, "invalid buffer"},
		{"bin", `[1,"x"]`, "invalid buffer"},
		{"re", "a(", "invalid regular expression"},
		{"expr", "1 +", "invalid expression"},
		{"jsonata", "$count(payload)", "jsonata"},
		{"date", "YYYY", "unknown date format"},
		{"msg", "a..b", "invalid property expression"},
		{"flow", "#:(disk)::a.", "invalid property expression"},
	}
	for _, tt := range tests {
		t.Run(tt.kind+"/"+tt.value, func(t *testing.T) {
			typed, err := CompileTyped(tt.kind, tt.value)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("CompileTyped(%q, %q) error = %v, want one containing %q", tt.kind, tt.value, err, tt.wantErr)
			}
			// Node-RED fails each evaluation of such a value
			if _, err2 := typed.Eval(nil, Msg{}); err2 == nil || err2.Error() != err.Error() {
				t.Errorf("Eval error = %v, want %v", err2, err)
			}
		})
	}
}

func TestTypedEvalErrors(t *testing.T) {
	tests := []struct {
		name, kind, value string
		res               func(*testing.T) *Resources
	}{
		{"flow without resources", "flow", "a", func(*testing.T) *Resources { return nil }},
		{"global without context", "global", "a", func(*testing.T) *Resources { return &Resources{} }},
		{"unknown store", "flow", "#:(nope)::a", typedResources},
		{"runtime expression error", "expr", `msg.payload.n.x.y()`, typedResources},
		{"unresolved reference", "flow", "obj[msg.nokey]", typedResources},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tt.res(t)
			tv, err := CompileTyped(tt.kind, tt.value)
			if err != nil {
				t.Fatalf("CompileTyped: %v", err)
			}
			if v, err := tv.Eval(res, Msg{"payload": map[string]any{"n": 1.0}}); err == nil {
				t.Errorf("Eval = %v, want an error", v)
			}
		})
	}
}

func TestTypedConstantsAreCopied(t *testing.T) {
	for _, kind := range []string{"json", "bin"} {
		t.Run(kind, func(t *testing.T) {
			tv := MustTyped(kind, `[1,2]`)
			v1, _ := tv.Eval(nil, nil)
			switch x := v1.(type) {
			case []any:
				x[0] = 99.0
			case []byte:
				x[0] = 99
			}
			v2, _ := tv.Eval(nil, nil)
			if diff := cmp.Diff(v2, map[string]any{"json": []any{1.0, 2.0}, "bin": []byte{1, 2}}[kind]); diff != "" {
				t.Errorf("second Eval sees the first one's change:\n%s", diff)
			}
		})
	}
}

func TestTypedIsConst(t *testing.T) {
	for kind, want := range map[string]bool{"str": true, "num": true, "bool": true, "json": true, "bin": true, "re": true, "msg": false, "flow": false, "global": false, "date": false, "env": false, "expr": false} {
		t.Run(kind, func(t *testing.T) {
			value := map[string]string{"num": "1", "json": "1", "bin": "[]", "re": "a", "msg": "payload", "flow": "a", "global": "a", "expr": "1"}[kind]
			if got := MustTyped(kind, value).IsConst(); got != want {
				t.Errorf("IsConst = %v, want %v", got, want)
			}
		})
	}
}

func TestExpandEnvWithoutResources(t *testing.T) {
	t.Setenv("FLOWGATE_TEST_ENV", "from-process")
	if got := ExpandEnv(nil, "${FLOWGATE_TEST_ENV}!"); got != "from-process!" {
		t.Errorf("ExpandEnv = %q", got)
	}
}

// TestTypedUnknownKindsAreTheValue pins evaluateNodeProperty: a type it does
// not know (older exports' "string", "none") gives the value unchanged.
func TestTypedUnknownKindsAreTheValue(t *testing.T) {
	for _, kind := range []string{"string", "none", "number", "boolean"} {
		t.Run(kind, func(t *testing.T) {
			typed, err := CompileTyped(kind, "12")
			if err != nil {
				t.Fatal(err)
			}
			if v, err := typed.Eval(nil, Msg{}); err != nil || v != "12" {
				t.Errorf("Eval = %#v, %v, want the text \"12\"", v, err)
			}
		})
	}
}

// TestJSRegexpError pins V8's messages (node -e 'new RegExp(p, "g")').
func TestJSRegexpError(t *testing.T) {
	tests := map[string]string{
		"([":     "Invalid regular expression: /([/g: Unterminated character class",
		"(":      "Invalid regular expression: /(/g: Unterminated group",
		"a)":     "Invalid regular expression: /a)/g: Unmatched ')'",
		"*":      "Invalid regular expression: /*/g: Nothing to repeat",
		"a{3,1}": "Invalid regular expression: /a{3,1}/g: numbers out of order in {} quantifier",
		`a\`:     `Invalid regular expression: /a\/g: \ at end of pattern`,
		"[z-a]":  "Invalid regular expression: /[z-a]/g: Range out of order in character class",
		"a**":    "Invalid regular expression: /a**/g: Nothing to repeat",
	}
	for pattern, want := range tests {
		t.Run(pattern, func(t *testing.T) {
			_, err := CompileJSRegexp(pattern, false)
			if err == nil {
				t.Fatal("compiled")
			}
			if got := JSRegexpError(pattern, "g", err).Error(); got != want {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}
