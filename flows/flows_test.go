package flows

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files produced by this package (never the ones captured from Node-RED)")

// The files under testdata/nodered were captured from Node-RED 4.1.15
// (Node.js 20) started with a fresh user directory: input.json was POSTed
// to /flows and every other file is a response of its admin API or a
// file it wrote. testdata/examples holds examples shipped with
// @node-red/nodes (*.json) and GET /flows after POSTing each (*.golden).

// The rev Node-RED 4.1.15 reported (GET /flows, API v2) for input.json.
const inputRev = "efd631dd45e8c9ffde21f732cc95409da8e26e9dafa5a544e79d04af848dd35b"

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustParse(t testing.TB, data []byte) *Config {
	t.Helper()
	c, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRoundTripExamples(t *testing.T) {
	inputs, err := filepath.Glob("testdata/examples/*.json")
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	for _, in := range inputs {
		t.Run(filepath.Base(in), func(t *testing.T) {
			data := readFile(t, in)
			c := mustParse(t, data)
			got := c.MarshalV1()
			want := readFile(t, strings.TrimSuffix(in, ".json")+".golden")
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("MarshalV1 differs from Node-RED's GET /flows (-nodered +got):\n%s", diff)
			}
			var compact bytes.Buffer
			if err := json.Compact(&compact, data); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, compact.Bytes()) {
				t.Errorf("MarshalV1 is not the compact form of the export")
			}
			if c.Rev != ComputeRev(data) || c.Rev != revOf(want) {
				t.Errorf("Rev = %s, want sha256 of the GET /flows body", c.Rev)
			}
		})
	}
}

// TestNodeREDValues checks a hand-written flow full of values JSON.parse
// and JSON.stringify change (1e21, 0.10, -0, 1e400, big integers, escapes,
// lone surrogates, integer-like and duplicate keys): MarshalV1 prints them
// as Node-RED's GET /flows did, and the rev is the one Node-RED reported.
func TestNodeREDValues(t *testing.T) {
	c := mustParse(t, readFile(t, "testdata/nodered/input.json"))
	if diff := cmp.Diff(string(readFile(t, "testdata/nodered/get_flows_v1.json")), string(c.MarshalV1())); diff != "" {
		t.Errorf("MarshalV1 (-nodered +got):\n%s", diff)
	}
	if diff := cmp.Diff(string(readFile(t, "testdata/nodered/get_flows_v2.json")), string(c.MarshalV2())); diff != "" {
		t.Errorf("MarshalV2 (-nodered +got):\n%s", diff)
	}
	if c.Rev != inputRev {
		t.Errorf("Rev = %s, want %s", c.Rev, inputRev)
	}
	if got := ComputeRev(readFile(t, "testdata/nodered/input.json")); got != inputRev {
		t.Errorf("ComputeRev = %s, want %s", got, inputRev)
	}
}

func TestCanonical(t *testing.T) {
	var cases []struct{ In, Out string }
	if err := json.Unmarshal(readFile(t, "testdata/nodered/canonical.json"), &cases); err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.In, func(t *testing.T) {
			v, err := parseJS([]byte(tc.In))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.Out, string(encodeJS(v))); diff != "" {
				t.Errorf("JSON.stringify(JSON.parse(%s)) (-node +got):\n%s", tc.In, diff)
			}
		})
	}
}

func TestParseV2(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
		baseRev  string
	}{
		{"v1", `[{"id":"a","type":"tab"}]`, []string{"a"}, ""},
		{"v2", `{"flows":[{"id":"a","type":"tab"}],"rev":"abc"}`, []string{"a"}, "abc"},
		{"v2 with credentials", `{"credentials":{"a":{"user":"x"}},"flows":[{"id":"a","type":"tab"},{"id":"b","type":"inject","z":"a"}],"rev":"r"}`, []string{"a", "b"}, "r"},
		{"v2 without rev", `{"flows":[]}`, nil, ""},
		{"byte order mark", "\xEF\xBB\xBF[]", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := mustParse(t, []byte(tc.in))
			var ids []string
			for _, n := range c.Nodes {
				ids = append(ids, n.ID)
			}
			if diff := cmp.Diff(tc.want, ids); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
			if c.BaseRev != tc.baseRev {
				t.Errorf("BaseRev = %q, want %q", c.BaseRev, tc.baseRev)
			}
			if c.Rev != ComputeRev(c.MarshalV1()) {
				t.Errorf("Rev %s is not the rev of MarshalV1", c.Rev)
			}
			if bytes.Contains(c.MarshalV2(), []byte("credentials")) {
				t.Errorf("MarshalV2 leaks credentials: %s", c.MarshalV2())
			}
			want := `{"flows":` + string(c.MarshalV1()) + `,"rev":"` + c.Rev + `"}`
			if got := string(c.MarshalV2()); got != want {
				t.Errorf("MarshalV2 = %s, want %s", got, want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty", ``, "line 1, column 1"},
		{"syntax", "[\n  {\"id\":\"a\",\n   \"type\": tab}\n]", "line 3, column 12"},
		{"trailing comma", `[{"id":"a","type":"t"},]`, "line 1, column 24"},
		{"trailing data", `[] x`, "line 1, column 4"},
		{"not an object", `[{"id":"a","type":"t"}, 3]`, "element 1: not an object"},
		{"missing id", `[{"type":"t"}]`, `element 0: "id" missing`},
		{"numeric id", `[{"id":1,"type":"t"}]`, `element 0: "id" missing or not a non-empty string`},
		{"missing type", `[{"id":"a"},{"id":"b"}]`, `element 0: "type" missing`},
		{"object without flows", `{"rev":"x"}`, `no "flows" array`},
		{"scalar", `"flows"`, "expected an array"},
		{"flows not array", `{"flows":{}}`, "expected an array"},
		{"bad escape", `["\x"]`, "line 1, column 4: invalid escape"},
		{"leading zero", `[01]`, "line 1, column 3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.in))
			if err == nil {
				t.Fatalf("Parse(%q) succeeded", tc.in)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Parse(%q) = %q, want it to contain %q", tc.in, err, tc.want)
			}
		})
	}
}

func TestNodeFields(t *testing.T) {
	c := mustParse(t, readFile(t, "testdata/nodered/input.json"))
	tests := []struct {
		id   string
		want Node
	}{
		{"t2", Node{ID: "t2", Type: "tab", Disabled: true}},
		{"inj1", Node{ID: "inj1", Type: "inject", Z: "t1", Name: "tick", G: "grp1", Wires: [][]string{{"fn1", "dbg1"}}}},
		{"dbg2", Node{ID: "dbg2", Type: "debug", Z: "t2", Disabled: true, Wires: [][]string{}}},
		{"cfg1", Node{ID: "cfg1", Type: "mqtt-broker", Name: "global broker"}},
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			n, ok := c.ByID(tc.id)
			if !ok {
				t.Fatalf("ByID(%q) not found", tc.id)
			}
			n.Raw = nil
			if diff := cmp.Diff(tc.want, n); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if _, ok := c.ByID("ghost"); ok {
		t.Errorf("ByID found the implicit tab")
	}
	fn, _ := c.ByID("fn1")
	props, err := fn.Props()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"e": "1e+21", "obj": `{"1":"one","2":"two","b":3,"a":{"z":1,"y":2}}`, "lone": `"\ud800x"`, "name": `"café ☕"`}
	for k, v := range want {
		if string(props[k]) != v {
			t.Errorf("Props()[%q] = %s, want %s", k, props[k], v)
		}
	}
	if len(props) != 20 {
		t.Errorf("Props() has %d keys, want 20", len(props))
	}
}

func TestNewNode(t *testing.T) {
	n, err := NewNode([]byte(` {"id": "a", "type":"debug", "z":"t", "x":1.0, "wires": [["b"]] } `))
	if err != nil {
		t.Fatal(err)
	}
	want := Node{ID: "a", Type: "debug", Z: "t", Wires: [][]string{{"b"}}, Raw: json.RawMessage(`{"id":"a","type":"debug","z":"t","x":1,"wires":[["b"]]}`)}
	if diff := cmp.Diff(want, n); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for _, in := range []string{`[]`, `{"type":"x"}`, `{"id":"x"}`, `{`} {
		if _, err := NewNode([]byte(in)); err == nil {
			t.Errorf("NewNode(%s) succeeded", in)
		}
	}
	// A Node without Raw marshals from its fields.
	c := New([]Node{{ID: "t", Type: "tab", Disabled: true}, {ID: "a", Type: "debug", Z: "t", Disabled: true, Wires: [][]string{{}}}})
	if got, want := string(c.MarshalV1()), `[{"id":"t","type":"tab","disabled":true},{"id":"a","type":"debug","z":"t","d":true,"wires":[[]]}]`; got != want {
		t.Errorf("MarshalV1 = %s, want %s", got, want)
	}
}

// TestTabs pins Node-RED's implicit tabs. Finding (Node-RED 4.1.15): after
// POSTing input.json, whose nodes "orph1" and "orphc" have z "ghost" and
// no tab "ghost" exists, GET /flows returned exactly the posted nodes (no
// tab was added; get_flows_v1.json), while GET /flow/ghost answered 200
// with the two nodes (get_flow_ghost.json) and DELETE /flow/ghost removed
// them. So implicit tabs exist for the flow API and the runtime, never in
// the flows array.
func TestTabs(t *testing.T) {
	tests := []struct {
		file string
		want []Node
	}{
		{"testdata/nodered/input.json", []Node{
			{ID: "t1", Type: "tab", Name: "Flow 1"},
			{ID: "t2", Type: "tab", Disabled: true},
			{ID: "ghost", Type: "tab", Implicit: true},
		}},
		// Node-RED's examples carry the z of the author's tab but no tab.
		{"testdata/examples/network_udp_01.json", []Node{{ID: "92236e19.9e4cb", Type: "tab", Implicit: true}}},
		{"testdata/examples/common_link_02.json", []Node{{ID: "f51b8a1a.95b448", Type: "tab", Name: "TAB: 1st"}, {ID: "ec5fae59.42a3b", Type: "tab", Name: "TAB: 2nd"}}},
	}
	for _, tc := range tests {
		t.Run(filepath.Base(tc.file), func(t *testing.T) {
			in := readFile(t, tc.file)
			c := mustParse(t, in)
			got := c.Tabs()
			for i := range got {
				got[i].Raw = nil
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Tabs (-want +got):\n%s", diff)
			}
			var before, after []json.RawMessage
			if err := json.Unmarshal(in, &before); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(c.MarshalV1(), &after); err != nil {
				t.Fatal(err)
			}
			if len(after) != len(before) {
				t.Errorf("MarshalV1 has %d nodes, input %d: implicit tabs leaked", len(after), len(before))
			}
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Problems
	}{
		{"clean", `[{"id":"t","type":"tab"},{"id":"a","type":"inject","z":"t","wires":[["b"]]},{"id":"b","type":"debug","z":"t","wires":[]}]`, nil},
		{"implicit tab is fine", `[{"id":"a","type":"inject","z":"nowhere","wires":[]}]`, nil},
		{"duplicate id", `[{"id":"a","type":"tab"},{"id":"a","type":"debug","z":"a"}]`, Problems{
			{Node: "a", Type: "debug", Field: "id", Reason: "duplicate id: nodes at index 0 and 1", Severity: SeverityError}}},
		{"wires not an array", `[{"id":"a","type":"inject","wires":"b"}]`, Problems{
			{Node: "a", Type: "inject", Field: "wires", Reason: "must be an array of arrays of node ids", Severity: SeverityError}}},
		{"wires port not an array", `[{"id":"a","type":"inject","wires":["b"]}]`, Problems{
			{Node: "a", Type: "inject", Field: "wires", Reason: "must be an array of arrays of node ids", Severity: SeverityError}}},
		{"wires id not a string", `[{"id":"a","type":"inject","wires":[[1]]}]`, Problems{
			{Node: "a", Type: "inject", Field: "wires", Reason: "must be an array of arrays of node ids", Severity: SeverityError}}},
		{"wire to missing node", `[{"id":"a","type":"inject","wires":[[],["a","gone"]]}]`, Problems{
			{Node: "a", Type: "inject", Field: "wires", Reason: `output 1 wired to missing node "gone": ignored`, Severity: SeverityWarning}}},
		{"z names a config node", `[{"id":"c","type":"mqtt-broker"},{"id":"a","type":"debug","z":"c","x":1,"y":1}]`, Problems{
			{Node: "a", Type: "debug", Field: "z", Reason: `names node "c" of type "mqtt-broker", not a tab or subflow`, Severity: SeverityError}}},
		{"z not a string", `[{"id":"a","type":"debug","z":5}]`, Problems{
			{Node: "a", Type: "debug", Field: "z", Reason: "must be a string", Severity: SeverityError}}},
		{"z names a subflow", `[{"id":"s","type":"subflow"},{"id":"a","type":"debug","z":"s"}]`, nil},
		{"group member missing", `[{"id":"t","type":"tab"},{"id":"g","type":"group","z":"t","nodes":["a","gone"]},{"id":"a","type":"debug","z":"t","g":"g"}]`, Problems{
			{Node: "g", Type: "group", Field: "nodes", Reason: `member "gone" does not exist`, Severity: SeverityWarning}}},
		{"group nodes not an array", `[{"id":"g","type":"group","nodes":"a"}]`, Problems{
			{Node: "g", Type: "group", Field: "nodes", Reason: "must be an array of node ids", Severity: SeverityWarning}}},
		{"g names missing group", `[{"id":"a","type":"debug","g":"gone"}]`, Problems{
			{Node: "a", Type: "debug", Field: "g", Reason: `group "gone" does not exist`, Severity: SeverityWarning}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Validate(mustParse(t, []byte(tc.in)))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Validate (-want +got):\n%s", diff)
			}
		})
	}
	// Parse rejects nodes without id or type, but Configs built in code
	// may have them.
	t.Run("missing id and type", func(t *testing.T) {
		got := Validate(New([]Node{{Type: "debug"}, {ID: "b"}}))
		want := Problems{
			{Type: "debug", Field: "id", Reason: "node at index 0 has no id", Severity: SeverityError},
			{Node: "b", Field: "type", Reason: "node at index 1 has no type: kept, not running", Severity: SeverityWarning},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Validate (-want +got):\n%s", diff)
		}
	})
}

func TestProblemsErr(t *testing.T) {
	warn := Problem{Node: "g", Field: "nodes", Reason: "member \"x\" does not exist", Severity: SeverityWarning}
	bad := Problem{Node: "a", Type: "debug", Field: "id", Reason: "duplicate id: nodes at index 0 and 1", Severity: SeverityError}
	if err := (Problems{}).Err(); err != nil {
		t.Errorf("empty: Err() = %v", err)
	}
	if err := (Problems{warn}).Err(); err != nil {
		t.Errorf("warnings only: Err() = %v", err)
	}
	err := Problems{warn, bad}.Err()
	if err == nil {
		t.Fatal("Err() = nil with an error problem")
	}
	want := `invalid flows: warning: node "g" nodes: member "x" does not exist; error: node "a" (debug) id: duplicate id: nodes at index 0 and 1`
	if err.Error() != want {
		t.Errorf("Error() = %q, want %q", err, want)
	}
}

// TestValidateExamples pins Validate's findings on the shipped examples in
// a golden file (regenerate with -update).
func TestValidateExamples(t *testing.T) {
	inputs, _ := filepath.Glob("testdata/examples/*.json")
	var b bytes.Buffer
	for _, in := range inputs {
		ps := Validate(mustParse(t, readFile(t, in)))
		out, err := json.Marshal(ps)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s: %s\n", filepath.Base(in), out)
	}
	golden := "testdata/validate_examples.golden"
	if *update {
		if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff(string(readFile(t, golden)), b.String()); diff != "" {
		t.Errorf("(-golden +got):\n%s", diff)
	}
}
