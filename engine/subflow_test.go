package engine_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/engine"
)

// sfBase: subflow S (in → a → out 0, a → b → out 1, b → status; env X=1 num)
// with a catch c scoped to a, a config node k that a names, a group sg
// holding b; subflow N holds an instance of S. Tab t: i1 (S) and n1 (N).
func sfBase() []map[string]any {
	return []map[string]any{
		{"id": "t", "type": "tab", "label": "T"},
		{"id": "S", "type": "subflow", "name": "Sub", "in": []any{map[string]any{"wires": []any{map[string]any{"id": "a"}}}},
			"out": []any{
				map[string]any{"wires": []any{map[string]any{"id": "a", "port": 0}}},
				map[string]any{"wires": []any{map[string]any{"id": "b", "port": 0}, map[string]any{"id": "S", "port": 0}}},
			},
			"status": map[string]any{"wires": []any{map[string]any{"id": "b", "port": 1}}},
			"env":    []any{map[string]any{"name": "X", "type": "num", "value": "1"}}},
		{"id": "sg", "type": "group", "z": "S", "name": "G"},
		{"id": "k", "type": "conf", "z": "S"},
		{"id": "a", "type": "pass", "z": "S", "server": "k", "x": 1, "y": 1, "wires": []any{[]any{"b"}}},
		{"id": "b", "type": "pass", "z": "S", "g": "sg", "x": 1, "y": 1, "wires": []any{[]any{}, []any{}}},
		{"id": "c", "type": "catch", "z": "S", "scope": []any{"a", "zz"}, "x": 1, "y": 1, "wires": []any{}},
		{"id": "N", "type": "subflow", "name": "Outer", "in": []any{map[string]any{"wires": []any{map[string]any{"id": "ni"}}}},
			"out": []any{map[string]any{"wires": []any{map[string]any{"id": "ni", "port": 1}}}}},
		{"id": "ni", "type": "subflow:S", "z": "N", "x": 1, "y": 1, "wires": []any{[]any{}, []any{}}},
		{"id": "i1", "type": "subflow:S", "z": "t", "name": "one", "env": []any{map[string]any{"name": "X", "type": "str", "value": "i"}}, "x": 1, "y": 1, "wires": []any{[]any{"o1"}, []any{"o2"}}},
		{"id": "n1", "type": "subflow:N", "z": "t", "x": 1, "y": 1, "wires": []any{[]any{"o3"}}},
		{"id": "o1", "type": "pass", "z": "t", "wires": []any{}},
		{"id": "o2", "type": "pass", "z": "t", "wires": []any{}},
		{"id": "o3", "type": "pass", "z": "t", "wires": []any{}},
	}
}

type flatNode struct {
	Flow, Group, Alias string
	Wires              [][]string
	Props              map[string]any
}

func TestSubflowFlatten(t *testing.T) {
	g := diffGraph(t, sfBase())
	got := map[string]flatNode{}
	for _, n := range g.Nodes {
		fn := flatNode{Flow: n.Flow, Group: n.Group, Alias: n.Alias, Wires: n.Wires}
		for _, k := range []string{"id", "z", "server", "scope"} {
			if raw, ok := n.Props[k]; ok {
				if fn.Props == nil {
					fn.Props = map[string]any{}
				}
				var v any
				_ = json.Unmarshal(raw, &v)
				fn.Props[k] = v
			}
		}
		got[n.ID] = fn
	}
	want := map[string]flatNode{
		"i1":        {Flow: "t", Wires: [][]string{{"i1-a", "o2"}}, Props: map[string]any{"id": "i1", "z": "t"}},
		"i1:status": {Flow: "i1", Props: map[string]any{"id": "i1:status", "z": "i1"}},
		"i1-k":      {Flow: "i1", Alias: "k", Props: map[string]any{"id": "i1-k", "z": "i1"}},
		"i1-a":      {Flow: "i1", Alias: "a", Wires: [][]string{{"i1-b", "o1"}}, Props: map[string]any{"id": "i1-a", "z": "i1", "server": "i1-k"}},
		"i1-b":      {Flow: "i1", Group: "i1-sg", Alias: "b", Wires: [][]string{{"o2"}, {"i1:status"}}, Props: map[string]any{"id": "i1-b", "z": "i1"}},
		"i1-c":      {Flow: "i1", Alias: "c", Wires: [][]string{}, Props: map[string]any{"id": "i1-c", "z": "i1", "scope": []any{"i1-a", ""}}},
		"n1":        {Flow: "t", Wires: [][]string{{"n1-ni"}}, Props: map[string]any{"id": "n1", "z": "t"}},
		// the nested instance: its output 1 (fed by its input too) is the outer output 0
		"n1-ni":        {Flow: "n1", Alias: "ni", Wires: [][]string{{"n1-ni-a", "o3"}}, Props: map[string]any{"id": "n1-ni", "z": "n1"}},
		"n1-ni:status": {Flow: "n1-ni", Props: map[string]any{"id": "n1-ni:status", "z": "n1-ni"}},
		"n1-ni-k":      {Flow: "n1-ni", Alias: "k", Props: map[string]any{"id": "n1-ni-k", "z": "n1-ni"}},
		"n1-ni-a":      {Flow: "n1-ni", Alias: "a", Wires: [][]string{{"n1-ni-b"}}, Props: map[string]any{"id": "n1-ni-a", "z": "n1-ni", "server": "n1-ni-k"}},
		"n1-ni-b":      {Flow: "n1-ni", Group: "n1-ni-sg", Alias: "b", Wires: [][]string{{"o3"}, {"n1-ni:status"}}, Props: map[string]any{"id": "n1-ni-b", "z": "n1-ni"}},
		"n1-ni-c":      {Flow: "n1-ni", Alias: "c", Wires: [][]string{}, Props: map[string]any{"id": "n1-ni-c", "z": "n1-ni", "scope": []any{"n1-ni-a", ""}}},
		"o1":           {Flow: "t", Wires: [][]string{}, Props: map[string]any{"id": "o1", "z": "t"}},
		"o2":           {Flow: "t", Wires: [][]string{}, Props: map[string]any{"id": "o2", "z": "t"}},
		"o3":           {Flow: "t", Wires: [][]string{}, Props: map[string]any{"id": "o3", "z": "t"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("nodes (-want +got):\n%s", diff)
	}

	flows := map[string]engine.FlowInfo{}
	for _, f := range g.Flows {
		f.Definition = "" // a hash
		flows[f.ID] = f
	}
	wantFlows := map[string]engine.FlowInfo{
		"t":  {ID: "t", Label: "T", Path: "t"},
		"i1": {ID: "i1", Label: "Sub", Path: "t/i1", Parent: "t", Subflow: "S", InstanceName: "one", StatusPort: true, Env: map[string]string{"X": "i"}, Vars: []engine.EnvVar{{Name: "X", Value: "i", Type: "str"}}},
		"n1": {ID: "n1", Label: "Outer", Path: "t/n1", Parent: "t", Subflow: "N"},
		"n1-ni": {ID: "n1-ni", Label: "Sub", Path: "t/n1/ni", Parent: "n1", Subflow: "S", StatusPort: true,
			Env: map[string]string{"X": "1"}, Vars: []engine.EnvVar{{Name: "X", Value: "1", Type: "num"}}},
	}
	if diff := cmp.Diff(wantFlows, flows); diff != "" {
		t.Errorf("flows (-want +got):\n%s", diff)
	}
	var groups []string
	for _, gr := range g.Groups {
		groups = append(groups, gr.ID+"@"+gr.Flow)
	}
	if diff := cmp.Diff([]string{"i1-sg@i1", "n1-ni-sg@n1-ni"}, groups); diff != "" {
		t.Errorf("groups (-want +got):\n%s", diff)
	}
}

func TestSubflowBadDefinitions(t *testing.T) {
	for _, tc := range []struct {
		name string
		objs []map[string]any
		err  string
	}{
		{"recursive", []map[string]any{
			{"id": "t", "type": "tab"},
			{"id": "S", "type": "subflow", "in": []any{}},
			{"id": "s2", "type": "subflow:S", "z": "S", "x": 1, "y": 1},
			{"id": "i", "type": "subflow:S", "z": "t", "x": 1, "y": 1},
		}, "subflow S contains an instance of itself"},
		{"mutually recursive", []map[string]any{
			{"id": "t", "type": "tab"},
			{"id": "A", "type": "subflow"}, {"id": "B", "type": "subflow"},
			{"id": "ab", "type": "subflow:B", "z": "A", "x": 1, "y": 1},
			{"id": "ba", "type": "subflow:A", "z": "B", "x": 1, "y": 1},
			{"id": "i", "type": "subflow:A", "z": "t", "x": 1, "y": 1},
		}, "subflow A contains an instance of itself"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, _ := json.Marshal(tc.objs)
			_, err := engine.NewGraphJSON(data)
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("err = %v, want %q", err, tc.err)
			}
		})
	}
}

func TestSubflowDiff(t *testing.T) {
	derived := []string{"i1", "i1:status", "i1-k", "i1-a", "i1-b", "i1-c"}
	for _, tc := range []struct {
		name  string
		edit  func([]map[string]any) []map[string]any
		mode  engine.DeployMode
		start []string
	}{
		{"template node changed restarts every instance, nodes mode", func(o []map[string]any) []map[string]any {
			return edit(o, "c", func(o map[string]any) { o["name"] = "x" })
		}, engine.DeployNodes, nil},
		{"template node moved restarts nothing", func(o []map[string]any) []map[string]any {
			return edit(o, "c", func(o map[string]any) { o["x"] = 99 })
		}, engine.DeployNodes, []string{}},
		{"instance env changed restarts that instance", func(o []map[string]any) []map[string]any {
			return edit(o, "i1", func(o map[string]any) { o["env"] = []any{} })
		}, engine.DeployNodes, derived},
		{"instance rewired: only the output nodes are rewired", func(o []map[string]any) []map[string]any {
			return edit(o, "i1", func(o map[string]any) { o["wires"] = []any{[]any{"o2"}, []any{"o1"}} })
		}, engine.DeployNodes, []string{}},
		{"tab env restarts the tab with nested instances", func(o []map[string]any) []map[string]any {
			return edit(o, "t", func(o map[string]any) { o["env"] = []any{map[string]any{"name": "Q", "value": "1", "type": "str"}} })
		}, engine.DeployNodes, []string{"i1", "i1:status", "i1-k", "i1-a", "i1-b", "i1-c", "n1", "n1-ni", "n1-ni:status", "n1-ni-k", "n1-ni-a", "n1-ni-b", "n1-ni-c", "o1", "o2", "o3"}},
		{"template change, flows mode", func(o []map[string]any) []map[string]any {
			return edit(o, "a", func(o map[string]any) { o["name"] = "x" })
		}, engine.DeployFlows, nil},
		{"template change, full mode", func(o []map[string]any) []map[string]any {
			return edit(o, "a", func(o map[string]any) { o["name"] = "x" })
		}, engine.DeployFull, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old := diffGraph(t, sfBase())
			nw := diffGraph(t, tc.edit(sfBase()))
			plan := engine.Diff(old, nw, tc.mode)
			want := tc.start
			if want == nil { // every derived node of both instances (and, in flows/full, their neighbours)
				want = []string{}
				for _, n := range nw.Nodes {
					if n.Flow != "t" || n.ID == "i1" || n.ID == "n1" || tc.mode != engine.DeployNodes {
						want = append(want, n.ID)
					}
				}
			}
			if diff := cmp.Diff(sorted(want), sorted(plan.Start)); diff != "" {
				t.Errorf("start (-want +got):\n%s", diff)
			}
		})
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	if s == nil {
		s = []string{}
	}
	return s
}
