package function

import (
	"testing"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/nodes/jsonata"
)

// BenchmarkExpressions compares the same computation (Celsius to
// Fahrenheit) as an expr typed value, a JSONata typed value and a function
// node: first one evaluation, then one message through a node (a change node
// setting msg.payload, or the function node).
func BenchmarkExpressions(b *testing.B) {
	msg := engine.Msg{"payload": 21.5, "topic": "t"}
	j := jsonata.New(0)
	defer j.Close()
	eval := map[string]*engine.Typed{}
	for kind, src := range map[string]string{"expr": "msg.payload * 1.8 + 32", "jsonata": "payload * 1.8 + 32"} {
		t, err := engine.CompileTypedWith(kind, src, j)
		if err != nil {
			b.Fatal(err)
		}
		eval[kind] = t
	}
	for _, kind := range []string{"expr", "jsonata"} {
		b.Run("eval/"+kind, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if v, err := eval[kind].Eval(nil, msg); err != nil || v != 70.7 {
					b.Fatal(v, err)
				}
			}
		})
	}
	set := func(tot, to string) map[string]any {
		return map[string]any{"rules": []any{map[string]any{"t": "set", "p": "payload", "pt": "msg", "to": to, "tot": tot}}}
	}
	b.Run("node/change-expr", func(b *testing.B) { benchChain(b, "change", set("expr", "msg.payload * 1.8 + 32"), 1) })
	b.Run("node/change-jsonata", func(b *testing.B) { benchChain(b, "change", set("jsonata", "payload * 1.8 + 32"), 1) })
	b.Run("node/function", func(b *testing.B) {
		benchChain(b, "function", fnProps("msg.payload = msg.payload * 1.8 + 32;\nreturn msg;", nil), 1)
	})
}
