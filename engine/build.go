package engine

import (
	"encoding/json"
	"fmt"
)

// NewGraph builds a Graph from the objects of a Node-RED flows array, each
// given as its property map. Tabs become flows, groups groups; nodes whose z
// names no tab get that tab implicitly, as Node-RED does. Subflow definitions
// are not run themselves: every `subflow:<id>` instance is flattened into
// copies of the definition's nodes (see subflow.go). The global-config node
// gives GlobalEnv.
func NewGraph(objs []map[string]json.RawMessage) (*Graph, error) {
	g := &Graph{}
	tabs := map[string]bool{}
	defs := map[string]*subflowDef{}
	for _, o := range objs {
		switch str(o, "type") {
		case "tab":
			id := str(o, "id")
			tabs[id] = true
			vars := envVars(o)
			g.Flows = append(g.Flows, FlowInfo{ID: id, Label: str(o, "label"), Disabled: boolProp(o, "disabled"), Env: envStrings(vars), Vars: vars, Path: id})
		case "subflow":
			id := str(o, "id")
			defs[id] = &subflowDef{id: id, obj: o}
		}
	}
	var top []map[string]json.RawMessage
	for i, o := range objs {
		id, typ := str(o, "id"), str(o, "type")
		if id == "" || typ == "" {
			return nil, fmt.Errorf("flows[%d]: missing id or type", i)
		}
		z := str(o, "z")
		switch {
		case typ == "tab" || typ == "subflow":
			continue
		case defs[z] != nil:
			defs[z].objs = append(defs[z].objs, o)
			continue
		case typ == "global-config" && z == "":
			g.GlobalEnv = envVars(o)
			continue
		}
		top = append(top, o)
	}
	b := &flattener{g: g, defs: defs}
	for _, o := range top {
		id, typ, z := str(o, "id"), str(o, "type"), str(o, "z")
		if typ == "group" {
			vars := envVars(o)
			g.Groups = append(g.Groups, GroupInfo{ID: id, Name: str(o, "name"), Flow: z, Group: str(o, "g"), Env: envStrings(vars), Vars: vars})
			continue
		}
		if z != "" && !tabs[z] {
			tabs[z] = true
			g.Flows = append(g.Flows, FlowInfo{ID: z, Path: z})
		}
		n, err := nodeOf(o)
		if err != nil {
			return nil, err
		}
		if err := b.add(n, nil); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// nodeOf is the NodeConfig of one flows object.
func nodeOf(o map[string]json.RawMessage) (NodeConfig, error) {
	id := str(o, "id")
	var wires [][]string
	if raw, ok := o["wires"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &wires); err != nil {
			return NodeConfig{}, fmt.Errorf("node %s: wires: %w", id, err)
		}
	}
	return NodeConfig{
		Config:   Config{ID: id, Type: str(o, "type"), Name: str(o, "name"), Flow: str(o, "z"), Group: str(o, "g"), Props: o},
		Disabled: boolProp(o, "d"),
		Wires:    wires,
	}, nil
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

// envVars reads Node-RED's env list [{name, value, type}]; a value that is
// not a string is kept as its JSON text.
func envVars(o map[string]json.RawMessage) []EnvVar {
	raw, ok := o["env"]
	if !ok {
		return nil
	}
	var list []struct {
		Name  string          `json:"name"`
		Value json.RawMessage `json:"value"`
		Type  string          `json:"type"`
	}
	if json.Unmarshal(raw, &list) != nil || len(list) == 0 {
		return nil
	}
	vars := make([]EnvVar, 0, len(list))
	for _, e := range list {
		v := EnvVar{Name: e.Name, Type: e.Type}
		switch {
		case len(e.Value) == 0 || string(e.Value) == "null":
		case e.Value[0] == '"':
			_ = json.Unmarshal(e.Value, &v.Value)
		default:
			v.Value = string(e.Value)
		}
		if v.Type == "" {
			v.Type = TypedStr
		}
		vars = append(vars, v)
	}
	return vars
}

// envStrings is the name → value-text view of an env list.
func envStrings(vars []EnvVar) map[string]string {
	if len(vars) == 0 {
		return nil
	}
	m := make(map[string]string, len(vars))
	for _, v := range vars {
		m[v.Name] = v.Value
	}
	return m
}
