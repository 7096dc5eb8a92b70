package flows

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func nodeRED(t *testing.T, name string) string {
	t.Helper()
	return string(readFile(t, "testdata/nodered/"+name))
}

// TestFlow compares GET /flow/:id with Node-RED's answers for input.json.
// Observed shape: keys id, label (only when non-empty), disabled and info
// (whenever the tab has them), env, nodes (groups first, then nodes with x
// and y; link out nodes without wires; subflow instances gain "subflow";
// array-index-like ids such as "7" and "123" sort first), configs (only
// when non-empty). "global" has no nodes key; its configs carry "_users"
// and its subflows end with "configs" and "nodes". A subflow id is 404.
func TestFlow(t *testing.T) {
	c := mustParse(t, readFile(t, "testdata/nodered/input.json"))
	for _, id := range []string{"t1", "t2", "global", "ghost"} {
		t.Run(id, func(t *testing.T) {
			doc, ok := c.Flow(id)
			if !ok {
				t.Fatalf("Flow(%q) not found", id)
			}
			// MarshalJSON directly: json.Marshal would re-escape U+2028.
			got, err := doc.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(nodeRED(t, "get_flow_"+id+".json"), string(got)); diff != "" {
				t.Errorf("Flow(%q) (-nodered +got):\n%s", id, diff)
			}
			var back FlowDoc
			if err := json.Unmarshal(got, &back); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(doc, back); diff != "" {
				t.Errorf("FlowDoc JSON round trip (-want +got):\n%s", diff)
			}
		})
	}
	for _, id := range []string{"sf1", "nope", "inj1"} {
		if _, ok := c.Flow(id); ok {
			t.Errorf("Flow(%q) found; Node-RED answers 404", id)
		}
	}
	if got := c.MarshalV1(); string(got) != nodeRED(t, "get_flows_v1.json") {
		t.Errorf("Flow modified the Config")
	}
}

func TestFlowDocJSON(t *testing.T) {
	tests := []struct {
		name string
		doc  FlowDoc
		want string
	}{
		{"zero", FlowDoc{}, `{"id":""}`},
		{"empty nodes", FlowDoc{ID: "a", Nodes: []json.RawMessage{}}, `{"id":"a","nodes":[]}`},
		{"present but empty", FlowDoc{ID: "a", HasLabel: true, HasDisabled: true, HasInfo: true}, `{"id":"a","label":"","disabled":false,"info":""}`},
		{"values", FlowDoc{ID: "a", Label: "L\u2028</>", Disabled: true, Info: "i", Env: json.RawMessage(`[]`),
			Nodes: []json.RawMessage{json.RawMessage(`{"id":"n"}`)}, Configs: []json.RawMessage{json.RawMessage(`{"id":"c"}`)}},
			"{\"id\":\"a\",\"label\":\"L\u2028</>\",\"disabled\":true,\"info\":\"i\",\"env\":[],\"nodes\":[{\"id\":\"n\"}],\"configs\":[{\"id\":\"c\"}]}"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.doc.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, string(got)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	var d FlowDoc
	for _, bad := range []string{`[]`, `{"nodes":{}}`, `{"configs":3}`, `{`} {
		if err := json.Unmarshal([]byte(bad), &d); err == nil {
			t.Errorf("Unmarshal(%s) succeeded", bad)
		}
	}
}

func unmarshalDoc(t *testing.T, s string) FlowDoc {
	t.Helper()
	var d FlowDoc
	if err := json.Unmarshal([]byte(s), &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// TestAddFlow replays POST /flow. Observed in Node-RED: the flow id is
// always generated (the "id" in the body is ignored), node ids are kept,
// "z" is set (or appended) on every node and config node, the tab is
// {"type":"tab","label":…,"id":…} plus info/disabled/env when given, and
// it is appended with its nodes after the existing flows. A node id that
// already exists → 400 "duplicate id"; no nodes → 400 "missing nodes
// property"; a tab or subflow node → 400 "invalid node type: tab".
func TestAddFlow(t *testing.T) {
	base := mustParse(t, readFile(t, "testdata/nodered/input.json"))
	var resp struct{ ID string }
	if err := json.Unmarshal(readFile(t, "testdata/nodered/post_flow_resp.json"), &resp); err != nil {
		t.Fatal(err)
	}
	t.Run("nodered", func(t *testing.T) {
		doc := unmarshalDoc(t, nodeRED(t, "post_flow_req.json"))
		got, id, err := base.AddFlow(doc, func() string { return resp.ID })
		if err != nil {
			t.Fatal(err)
		}
		if id != resp.ID {
			t.Errorf("id = %q, want %q", id, resp.ID)
		}
		if diff := cmp.Diff(nodeRED(t, "post_flow_after.json"), string(got.MarshalV1())); diff != "" {
			t.Errorf("flows after POST /flow (-nodered +got):\n%s", diff)
		}
		if got.Rev != revOf(got.MarshalV1()) {
			t.Errorf("Rev not recomputed")
		}
		if string(base.MarshalV1()) != nodeRED(t, "get_flows_v1.json") {
			t.Errorf("AddFlow modified its receiver")
		}
	})
	t.Run("generated id", func(t *testing.T) {
		_, id, err := base.AddFlow(FlowDoc{Nodes: []json.RawMessage{}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(id) != 16 || strings.Trim(id, "0123456789abcdef") != "" {
			t.Errorf("generated id %q is not 16 hex digits", id)
		}
	})
	errs := []struct{ name, body, want string }{
		{"missing nodes", `{"label":"X"}`, "missing nodes property"},
		{"duplicate id", `{"label":"Dup","nodes":[{"id":"inj1","type":"debug","x":1,"y":1,"wires":[]}]}`, `duplicate id "inj1"`},
		{"duplicate config id", `{"nodes":[],"configs":[{"id":"cfg1","type":"mqtt-broker"}]}`, `duplicate id "cfg1"`},
		{"duplicate within doc", `{"nodes":[{"id":"q","type":"debug"},{"id":"q","type":"debug"}]}`, `duplicate id "q"`},
		{"tab node", `{"label":"X","nodes":[{"id":"qq","type":"tab"}]}`, "invalid node type: tab"},
		{"subflow node", `{"nodes":[],"configs":[{"id":"qq","type":"subflow"}]}`, "invalid node type: subflow"},
		{"not an object", `{"nodes":[1]}`, "nodes[0]: not an object"},
		{"no type", `{"nodes":[{"id":"x"}]}`, `nodes[0]: "type" missing`},
	}
	for _, tc := range errs {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := base.AddFlow(unmarshalDoc(t, tc.body), func() string { return "newflow" })
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("AddFlow error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

// TestUpdateFlow replays PUT /flow/:id. Observed: the old tab and its
// nodes are removed and the new tab (key order type, label, id, info,
// disabled, env; the body's id ignored) is appended with its nodes, whose
// z is rewritten. PUT /flow/global drops global config nodes and subflows
// (keeping nodes whose z names a tab, even an implicit one) and appends
// the configs, then each subflow's nodes, configs and the subflow itself.
func TestUpdateFlow(t *testing.T) {
	base := mustParse(t, readFile(t, "testdata/nodered/input.json"))
	for _, id := range []string{"t2", "global"} {
		t.Run(id, func(t *testing.T) {
			doc := unmarshalDoc(t, nodeRED(t, "put_flow_"+id+"_req.json"))
			got, err := base.UpdateFlow(id, doc)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(nodeRED(t, "put_flow_"+id+"_after.json"), string(got.MarshalV1())); diff != "" {
				t.Errorf("flows after PUT /flow/%s (-nodered +got):\n%s", id, diff)
			}
		})
	}
	if string(base.MarshalV1()) != nodeRED(t, "get_flows_v1.json") {
		t.Errorf("UpdateFlow modified its receiver")
	}
	errs := []struct {
		name, id, body string
		is             error
		want           string
	}{
		{"unknown flow", "nope", `{"label":"x","nodes":[]}`, ErrNotFound, "not found"},
		{"subflow is not a flow", "sf1", `{"nodes":[]}`, ErrNotFound, "not found"},
		{"bad node", "t1", `{"nodes":[{"id":"a"}]}`, nil, `nodes[0]: "type" missing`},
		{"bad subflow nodes", "global", `{"subflows":[{"id":"s","type":"subflow","nodes":{}}]}`, nil, "subflows[0].nodes must be an array"},
	}
	for _, tc := range errs {
		t.Run(tc.name, func(t *testing.T) {
			_, err := base.UpdateFlow(tc.id, unmarshalDoc(t, tc.body))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("UpdateFlow error = %v, want it to contain %q", err, tc.want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v is not %v", err, tc.is)
			}
		})
	}
}

// TestDeleteFlow replays DELETE /flow/:id (204 in Node-RED), including an
// implicit tab; "global" is refused (400) and an unknown id is 404.
func TestDeleteFlow(t *testing.T) {
	base := mustParse(t, readFile(t, "testdata/nodered/input.json"))
	for _, id := range []string{"t1", "ghost"} {
		t.Run(id, func(t *testing.T) {
			got, err := base.DeleteFlow(id)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(nodeRED(t, "delete_flow_"+id+"_after.json"), string(got.MarshalV1())); diff != "" {
				t.Errorf("flows after DELETE /flow/%s (-nodered +got):\n%s", id, diff)
			}
		})
	}
	if _, err := base.DeleteFlow("global"); err == nil || !strings.Contains(err.Error(), "not allowed to remove global") {
		t.Errorf("DeleteFlow(global) = %v", err)
	}
	for _, id := range []string{"nope", "sf1"} {
		if _, err := base.DeleteFlow(id); !errors.Is(err, ErrNotFound) {
			t.Errorf("DeleteFlow(%q) = %v, want ErrNotFound", id, err)
		}
	}
	if string(base.MarshalV1()) != nodeRED(t, "get_flows_v1.json") {
		t.Errorf("DeleteFlow modified its receiver")
	}
}
