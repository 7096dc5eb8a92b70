package engine

import (
	"encoding/json"
	"fmt"
)

// NewGraph builds a Graph from the objects of a Node-RED flows array, each
// given as its property map. Tabs become flows, groups groups; subflow
// definitions and their template nodes are not run yet; nodes whose z names
// no tab get that tab implicitly, as Node-RED does.
func NewGraph(objs []map[string]json.RawMessage) (*Graph, error) {
	g := &Graph{}
	tabs := map[string]bool{}
	subflows := map[string]bool{}
	for _, o := range objs {
		switch str(o, "type") {
		case "tab":
			id := str(o, "id")
			tabs[id] = true
			g.Flows = append(g.Flows, FlowInfo{ID: id, Label: str(o, "label"), Disabled: boolProp(o, "disabled"), Env: envProp(o)})
		case "subflow":
			subflows[str(o, "id")] = true
		}
	}
	for i, o := range objs {
		id, typ := str(o, "id"), str(o, "type")
		if id == "" || typ == "" {
			return nil, fmt.Errorf("flows[%d]: missing id or type", i)
		}
		z := str(o, "z")
		switch {
		case typ == "tab" || typ == "subflow" || subflows[z]:
			continue
		case typ == "group":
			g.Groups = append(g.Groups, GroupInfo{ID: id, Name: str(o, "name"), Flow: z, Group: str(o, "g"), Env: envProp(o)})
			continue
		}
		if z != "" && !tabs[z] {
			tabs[z] = true
			g.Flows = append(g.Flows, FlowInfo{ID: z})
		}
		var wires [][]string
		if raw, ok := o["wires"]; ok {
			if err := json.Unmarshal(raw, &wires); err != nil {
				return nil, fmt.Errorf("node %s: wires: %w", id, err)
			}
		}
		g.Nodes = append(g.Nodes, NodeConfig{
			Config:   Config{ID: id, Type: typ, Name: str(o, "name"), Flow: z, Group: str(o, "g"), Props: o},
			Disabled: boolProp(o, "d"),
			Wires:    wires,
		})
	}
	return g, nil
}

// NewGraphJSON is NewGraph for a JSON flows array.
func NewGraphJSON(data []byte) (*Graph, error) {
	var objs []map[string]json.RawMessage
	if err := json.Unmarshal(data, &objs); err != nil {
		return nil, fmt.Errorf("flows: %w", err)
	}
	return NewGraph(objs)
}

func str(o map[string]json.RawMessage, k string) string {
	var s string
	if raw, ok := o[k]; ok {
		_ = json.Unmarshal(raw, &s)
	}
	return s
}

func boolProp(o map[string]json.RawMessage, k string) bool {
	var b bool
	if raw, ok := o[k]; ok {
		_ = json.Unmarshal(raw, &b)
	}
	return b
}

// envProp reads Node-RED's env list [{name, value, type}] as strings.
func envProp(o map[string]json.RawMessage) map[string]string {
	raw, ok := o["env"]
	if !ok {
		return nil
	}
	var list []struct {
		Name  string `json:"name"`
		Value any    `json:"value"`
	}
	if json.Unmarshal(raw, &list) != nil || len(list) == 0 {
		return nil
	}
	m := make(map[string]string, len(list))
	for _, e := range list {
		switch v := e.Value.(type) {
		case string:
			m[e.Name] = v
		case nil:
			m[e.Name] = ""
		default:
			b, _ := json.Marshal(v)
			m[e.Name] = string(b)
		}
	}
	return m
}
