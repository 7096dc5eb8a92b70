package function

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
)

func TestSwitchFixtures(t *testing.T) {
	replay(t, "switch")
}

func TestSwitch(t *testing.T) {
	r := func(kv ...any) map[string]any { return rule(kv...) }
	tests := []struct {
		name     string
		props    map[string]any
		payloads []any
		want     [][]any // payloads per output
	}{
		{"eq loose number vs string", map[string]any{"rules": []any{r("t", "eq", "v", "5", "vt", "num")}},
			[]any{"5", 5.0, "05", "x"}, [][]any{{"5", 5.0, "05"}}},
		{"eq str is not numeric", map[string]any{"rules": []any{r("t", "eq", "v", "5.0", "vt", "str")}},
			[]any{5.0, "5.0"}, [][]any{{5.0, "5.0"}}},
		{"untyped numeric value is a number", map[string]any{"rules": []any{r("t", "gt", "v", "10")}},
			[]any{9.0, 11.0, "12"}, [][]any{{11.0, "12"}}},
		{"lt strings compare lexically", map[string]any{"rules": []any{r("t", "lt", "v", "b", "vt", "str")}},
			[]any{"a", "c", "B"}, [][]any{{"a", "B"}}},
		{"btwn either order", map[string]any{"rules": []any{r("t", "btwn", "v", "10", "vt", "num", "v2", "1", "v2t", "num")}},
			[]any{0.0, 1.0, 5.0, 10.0, 11.0}, [][]any{{1.0, 5.0, 10.0}}},
		{"cont", map[string]any{"rules": []any{r("t", "cont", "v", "ell", "vt", "str")}},
			[]any{"hello", "help", 1.0}, [][]any{{"hello"}}},
		{"regex case insensitive", map[string]any{"rules": []any{r("t", "regex", "v", "^ab", "vt", "str", "case", true)}},
			[]any{"ABc", "cab"}, [][]any{{"ABc"}}},
		{"true false null nnull", map[string]any{"rules": []any{r("t", "true"), r("t", "false"), r("t", "null"), r("t", "nnull")}},
			[]any{true, false, nil, "true"}, [][]any{{true}, {false}, {nil}, {true, false, "true"}}},
		{"empty and nempty", map[string]any{"rules": []any{r("t", "empty"), r("t", "nempty")}},
			[]any{"", []any{}, map[string]any{}, "a", []any{1.0}, 0.0}, [][]any{{"", []any{}, map[string]any{}}, {"a", []any{1.0}}}},
		{"istype", map[string]any{"rules": []any{r("t", "istype", "v", "number", "vt", "number"), r("t", "istype", "v", "array", "vt", "array"), r("t", "istype", "v", "json", "vt", "json"), r("t", "istype", "v", "object", "vt", "object")}},
			[]any{1.0, []any{}, `{"a":1}`, map[string]any{}}, [][]any{{1.0}, {[]any{}}, {1.0, `{"a":1}`}, {map[string]any{}}}},
		{"hask", map[string]any{"rules": []any{r("t", "hask", "v", "a", "vt", "str")}},
			[]any{map[string]any{"a": 1.0}, map[string]any{"b": 1.0}, "a"}, [][]any{{map[string]any{"a": 1.0}}}},
		{"else only when nothing matched", map[string]any{"rules": []any{r("t", "eq", "v", "a", "vt", "str"), r("t", "else")}},
			[]any{"a", "b"}, [][]any{{"a"}, {"b"}}},
		{"checkall false stops at first match", map[string]any{"checkall": "false", "rules": []any{r("t", "gt", "v", "1", "vt", "num"), r("t", "gt", "v", "0", "vt", "num")}},
			[]any{2.0, 0.5}, [][]any{{2.0}, {0.5}}},
		{"checkall true sends to all", map[string]any{"rules": []any{r("t", "gt", "v", "1", "vt", "num"), r("t", "gt", "v", "0", "vt", "num")}},
			[]any{2.0}, [][]any{{2.0}, {2.0}}},
		{"previous value", map[string]any{"rules": []any{r("t", "gt", "v", "", "vt", "prev")}},
			[]any{1.0, 3.0, 2.0, 4.0}, [][]any{{1.0, 3.0, 4.0}}}, // the first compares with null
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			props := map[string]any{"type": "switch", "property": "payload", "propertyType": "msg"}
			for k, v := range tt.props {
				props[k] = v
			}
			outs := len(tt.props["rules"].([]any))
			bubble(t, props, outs, func(t *testing.T, h *enginetest.Harness) {
				for _, p := range tt.payloads {
					sendAll(h, engine.Msg{"payload": p})
				}
				got := payloads(h, outs)
				want := make([][]any, outs)
				for i := range want {
					want[i] = []any{}
					if i < len(tt.want) {
						want[i] = tt.want[i]
					}
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("outputs mismatch (-want +got):\n%s", diff)
				}
			})
		})
	}
}

// TestSwitchBadRegexDeploys pins Node-RED: a rule's bad pattern does not stop
// the node; each message fails with V8's text (fixture
// switch/regex-invalid-pattern-errors), and the deploy warns.
func TestSwitchBadRegexDeploys(t *testing.T) {
	cfg := config("switch", map[string]any{"rules": []any{rule("t", "regex", "v", "(", "vt", "str", "case", true)}})
	n, err := newSwitch(cfg, &engine.Resources{})
	if err != nil {
		t.Fatalf("construct: %v", err)
	}
	sw := n.(*switchNode)
	_, err = sw.rules[0].match("x", "(", nil, nil, false)
	if want := "SyntaxError: Invalid regular expression: /(/i: Unterminated group"; err == nil || err.Error() != want {
		t.Errorf("match error = %v, want %q", err, want)
	}
}

func TestSwitchConstructErrors(t *testing.T) {
	tests := []struct {
		name  string
		props map[string]any
	}{
		{"jsonata rule syntax error", map[string]any{"rules": []any{rule("t", "jsonata_exp", "v", "payload >", "vt", "jsonata")}}},
		{"jsonata property syntax error", map[string]any{"property": "payload.(", "propertyType": "jsonata", "rules": []any{}}},
		{"unknown operator", map[string]any{"rules": []any{rule("t", "frob")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := newSwitch(config("switch", tt.props), &engine.Resources{}); err == nil {
				t.Error("constructed, want an error")
			}
		})
	}
}
