package engine_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/flowgate/flowgate/engine"
)

// diffBase is the flow the Diff cases start from:
//
//	config: cfg, cfg2 (parent: cfg)
//	t1: a → b → c; d (server: cfg2); e → f (f in group g1); h (in group g2, nested in g1)
//	t2: x → y; link out lo → link in li → z
func diffBase() []map[string]any {
	return []map[string]any{
		{"id": "t1", "type": "tab", "label": "one"},
		{"id": "t2", "type": "tab", "label": "two"},
		{"id": "cfg", "type": "conf", "host": "h1"},
		{"id": "cfg2", "type": "conf", "parent": "cfg"},
		{"id": "g1", "type": "group", "z": "t1", "name": "G1", "nodes": []any{"f", "g2"}},
		{"id": "g2", "type": "group", "z": "t1", "g": "g1", "nodes": []any{"h"}},
		{"id": "a", "type": "pass", "z": "t1", "x": 10, "y": 10, "wires": []any{[]any{"b"}}},
		{"id": "b", "type": "pass", "z": "t1", "x": 20, "y": 10, "wires": []any{[]any{"c"}}},
		{"id": "c", "type": "pass", "z": "t1", "x": 30, "y": 10, "wires": []any{}},
		{"id": "d", "type": "pass", "z": "t1", "server": "cfg2", "wires": []any{}},
		{"id": "e", "type": "pass", "z": "t1", "wires": []any{[]any{"f"}}},
		{"id": "f", "type": "pass", "z": "t1", "g": "g1", "wires": []any{}},
		{"id": "h", "type": "pass", "z": "t1", "g": "g2", "wires": []any{}},
		{"id": "x", "type": "pass", "z": "t2", "wires": []any{[]any{"y"}}},
		{"id": "y", "type": "pass", "z": "t2", "wires": []any{}},
		{"id": "lo", "type": "link out", "z": "t2", "links": []any{"li"}, "wires": []any{}},
		{"id": "li", "type": "link in", "z": "t2", "links": []any{"lo"}, "wires": []any{[]any{"z"}}},
		{"id": "z", "type": "pass", "z": "t2", "wires": []any{}},
	}
}

func diffGraph(t *testing.T, objs []map[string]any) *engine.Graph {
	t.Helper()
	data, err := json.Marshal(objs)
	if err != nil {
		t.Fatal(err)
	}
	g, err := engine.NewGraphJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// edit returns diffBase with f applied to the object of id (nil f deletes it).
func edit(objs []map[string]any, id string, f func(o map[string]any)) []map[string]any {
	out := objs[:0:0]
	for _, o := range objs {
		if o["id"] == id {
			if f == nil {
				continue
			}
			f(o)
		}
		out = append(out, o)
	}
	return out
}

var allNodes = []string{"cfg", "cfg2", "a", "b", "c", "d", "e", "f", "h", "x", "y", "lo", "li", "z"}

func TestDiff(t *testing.T) {
	type want struct{ stop, start, removed []string }
	tests := []struct {
		name  string
		edit  func([]map[string]any) []map[string]any
		nodes want
		flows want
	}{
		{
			name:  "unchanged",
			edit:  func(o []map[string]any) []map[string]any { return o },
			nodes: want{}, flows: want{},
		},
		{
			name: "moved only",
			edit: func(o []map[string]any) []map[string]any {
				return edit(o, "a", func(n map[string]any) { n["x"], n["y"] = 500, 600 })
			},
			nodes: want{}, flows: want{},
		},
		{
			name: "tab label only",
			edit: func(o []map[string]any) []map[string]any {
				return edit(o, "t1", func(n map[string]any) { n["label"] = "renamed" })
			},
			nodes: want{}, flows: want{},
		},
		{
			name: "group style only",
			edit: func(o []map[string]any) []map[string]any {
				return edit(o, "g1", func(n map[string]any) { n["style"] = map[string]any{"fill": "#fff"} })
			},
			nodes: want{}, flows: want{},
		},
		{
			name: "rewired only",
			edit: func(o []map[string]any) []map[string]any {
				return edit(o, "a", func(n map[string]any) { n["wires"] = []any{[]any{"c"}} })
			},
			nodes: want{},
			flows: want{stop: []string{"a", "b", "c"}, start: []string{"a", "b", "c"}},
		},
		{
			name: "property change",
			edit: func(o []map[string]any) []map[string]any {
				return edit(o, "b", func(n map[string]any) { n["name"] = "new name" })
			},
			nodes: want{stop: []string{"b"}, start: []string{"b"}},
			flows: want{stop: []string{"a", "b", "c"}, start: []string{"a", "b", "c"}},
		},
		{
			name: "added unwired",
			edit: func(o []map[string]any) []map[string]any {
				return append(o, map[string]any{"id": "n", "type": "pass", "z": "t1", "wires": []any{}})
			},
			nodes: want{start: []string{"n"}},
			flows: want{start: []string{"n"}},
		},
		{
			name: "added and wired",
			edit: func(o []map[string]any) []map[string]any {
				o = edit(o, "y", func(n map[string]any) { n["wires"] = []any{[]any{"n"}} })
				return append(o, map[string]any{"id": "n", "type": "pass", "z": "t2", "wires": []any{}})
			},
			nodes: want{start: []string{"n"}},
			flows: want{stop: []string{"x", "y"}, start: []string{"x", "y", "n"}},
		},
		{
			name: "removed",
			edit: func(o []map[string]any) []map[string]any {
				o = edit(o, "c", nil)
				return edit(o, "b", func(n map[string]any) { n["wires"] = []any{} })
			},
			nodes: want{stop: []string{"c"}, removed: []string{"c"}},
			flows: want{stop: []string{"a", "b", "c"}, start: []string{"a", "b"}, removed: []string{"c"}},
		},
		{
			name: "node disabled",
			edit: func(o []map[string]any) []map[string]any {
				return edit(o, "y", func(n map[string]any) { n["d"] = true })
			},
			nodes: want{stop: []string{"y"}, start: []string{"y"}, removed: []string{"y"}},
			flows: want{stop: []string{"x", "y"}, start: []string{"x", "y"}, removed: []string{"y"}},
		},
		{
			name: "tab disabled",
			edit: func(o []map[string]any) []map[string]any {
				return edit(o, "t2", func(n map[string]any) { n["disabled"] = true })
			},
			nodes: want{stop: []string{"x", "y", "lo", "li", "z"}, start: []string{"x", "y", "lo", "li", "z"}, removed: []string{"x", "y", "lo", "li", "z"}},
			flows: want{stop: []string{"x", "y", "lo", "li", "z"}, start: []string{"x", "y", "lo", "li", "z"}, removed: []string{"x", "y", "lo", "li", "z"}},
		},
		{
			name: "tab env changed",
			edit: func(o []map[string]any) []map[string]any {
				return edit(o, "t2", func(n map[string]any) { n["env"] = []any{map[string]any{"name": "A", "value": "1", "type": "str"}} })
			},
			nodes: want{stop: []string{"x", "y", "lo", "li", "z"}, start: []string{"x", "y", "lo", "li", "z"}},
			flows: want{stop: []string{"x", "y", "lo", "li", "z"}, start: []string{"x", "y", "lo", "li", "z"}},
		},
		{
			name: "tab removed",
			edit: func(o []map[string]any) []map[string]any {
				for _, id := range []string{"t2", "x", "y", "lo", "li", "z"} {
					o = edit(o, id, nil)
				}
				return o
			},
			nodes: want{stop: []string{"x", "y", "lo", "li", "z"}, removed: []string{"x", "y", "lo", "li", "z"}},
			flows: want{stop: []string{"x", "y", "lo", "li", "z"}, removed: []string{"x", "y", "lo", "li", "z"}},
		},
		{
			name: "config node changed reaches dependents transitively",
			edit: func(o []map[string]any) []map[string]any {
				return edit(o, "cfg", func(n map[string]any) { n["host"] = "h2" })
			},
			nodes: want{stop: []string{"cfg", "cfg2", "d"}, start: []string{"cfg", "cfg2", "d"}},
			flows: want{stop: []string{"cfg", "cfg2", "d"}, start: []string{"cfg", "cfg2", "d"}},
		},
		{
			name: "group env changed reaches nested groups",
			edit: func(o []map[string]any) []map[string]any {
				return edit(o, "g1", func(n map[string]any) { n["env"] = []any{map[string]any{"name": "A", "value": "1", "type": "str"}} })
			},
			nodes: want{stop: []string{"f", "h"}, start: []string{"f", "h"}},
			flows: want{stop: []string{"e", "f", "h"}, start: []string{"e", "f", "h"}},
		},
		{
			name: "link out changed restarts its link in in flows mode",
			edit: func(o []map[string]any) []map[string]any {
				return edit(o, "lo", func(n map[string]any) { n["name"] = "renamed" })
			},
			nodes: want{stop: []string{"lo"}, start: []string{"lo"}},
			flows: want{stop: []string{"lo", "li", "z"}, start: []string{"lo", "li", "z"}},
		},
	}
	sorted := cmpopts.SortSlices(func(a, b string) bool { return a < b })
	for _, tt := range tests {
		for _, mode := range []engine.DeployMode{engine.DeployNodes, engine.DeployFlows} {
			t.Run(tt.name+"/"+string(mode), func(t *testing.T) {
				old := diffGraph(t, diffBase())
				nw := diffGraph(t, tt.edit(diffBase()))
				w := tt.nodes
				if mode == engine.DeployFlows {
					w = tt.flows
				}
				got := engine.Diff(old, nw, mode)
				if diff := cmp.Diff(engine.Plan{Stop: w.stop, Start: w.start, Removed: w.removed}, got, sorted, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("Diff (-want +got):\n%s", diff)
				}
			})
		}
	}
}

func TestDiffFull(t *testing.T) {
	sorted := cmpopts.SortSlices(func(a, b string) bool { return a < b })
	tests := []struct {
		name string
		old  []map[string]any
		new  []map[string]any
		want engine.Plan
	}{
		{"first deploy", nil, diffBase(), engine.Plan{Start: allNodes}},
		{"unchanged", diffBase(), diffBase(), engine.Plan{Stop: allNodes, Start: allNodes}},
		{"removed", diffBase(), edit(diffBase(), "z", nil), engine.Plan{Stop: allNodes, Start: allNodes[:len(allNodes)-1], Removed: []string{"z"}}},
	}
	for _, tt := range tests {
		for _, mode := range []engine.DeployMode{engine.DeployFull, engine.DeployReload} {
			t.Run(tt.name+"/"+string(mode), func(t *testing.T) {
				var old *engine.Graph
				if tt.old != nil {
					old = diffGraph(t, tt.old)
				}
				got := engine.Diff(old, diffGraph(t, tt.new), mode)
				if diff := cmp.Diff(tt.want, got, sorted, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("Diff (-want +got):\n%s", diff)
				}
			})
		}
	}
}
