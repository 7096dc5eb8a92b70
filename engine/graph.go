package engine

import (
	"bytes"
	"encoding/json"
	"slices"
)

// Graph is the engine's view of a deployed configuration: flows (tabs),
// groups and nodes. The runtime builds it from the flows file.
type Graph struct {
	Flows  []FlowInfo
	Groups []GroupInfo
	Nodes  []NodeConfig
}

// FlowInfo is one tab.
type FlowInfo struct {
	ID       string
	Label    string
	Disabled bool
	Env      map[string]string
}

// GroupInfo is one group; Group is its parent group, if nested.
type GroupInfo struct {
	ID, Name, Flow, Group string
	Env                   map[string]string
}

// NodeConfig is one node of a graph.
type NodeConfig struct {
	Config
	Disabled bool
	Wires    [][]string
}

// DeployMode is Node-RED's deployment type.
type DeployMode string

// Deployment types (the Node-RED-Deployment-Type header).
const (
	DeployFull   DeployMode = "full"
	DeployFlows  DeployMode = "flows"
	DeployNodes  DeployMode = "nodes"
	DeployReload DeployMode = "reload"
)

// Plan is what a deploy does: the running nodes to stop and the nodes to
// construct and start. Nodes in neither keep running and are rewired.
type Plan struct {
	Stop    []string
	Start   []string
	Removed []string // stopped and not in the new graph: their node context is cleared
}

// Diff computes the plan to go from old to new (old may be nil) with Node-RED's
// rules: full (and reload) restarts everything; flows restarts every node of a
// tab with any change (node added, removed, changed or rewired, tab changed);
// nodes restarts only changed nodes and rewires the rest. A change of a config
// node counts as a change of every node that refers to it.
func Diff(old, new *Graph, mode DeployMode) Plan {
	if old == nil {
		old = &Graph{}
	}
	oldN, newN := indexNodes(old), indexNodes(new)
	var plan Plan
	for _, n := range old.Nodes {
		if _, ok := newN[n.ID]; !ok {
			plan.Removed = append(plan.Removed, n.ID)
		}
	}
	if mode == DeployFull || mode == DeployReload || mode == "" {
		for _, n := range old.Nodes {
			plan.Stop = append(plan.Stop, n.ID)
		}
		for _, n := range new.Nodes {
			plan.Start = append(plan.Start, n.ID)
		}
		return plan
	}

	changed := map[string]bool{}
	rewired := map[string]bool{}
	for _, n := range new.Nodes {
		o, ok := oldN[n.ID]
		switch {
		case !ok || !sameProps(o, n):
			changed[n.ID] = true
		case !slices.EqualFunc(o.Wires, n.Wires, slices.Equal[[]string]):
			rewired[n.ID] = true
		}
	}
	changedFlows := map[string]bool{}
	oldF := map[string]FlowInfo{}
	for _, f := range old.Flows {
		oldF[f.ID] = f
	}
	for _, f := range new.Flows {
		o, ok := oldF[f.ID]
		if !ok || o.Disabled != f.Disabled || !mapsEqual(o.Env, f.Env) {
			changedFlows[f.ID] = true
		}
	}
	for _, f := range old.Flows {
		if !slices.ContainsFunc(new.Flows, func(n FlowInfo) bool { return n.ID == f.ID }) {
			changedFlows[f.ID] = true
		}
	}
	oldG := map[string]GroupInfo{}
	for _, g := range old.Groups {
		oldG[g.ID] = g
	}
	changedGroups := map[string]bool{}
	for _, g := range new.Groups {
		if o, ok := oldG[g.ID]; !ok || !mapsEqual(o.Env, g.Env) || o.Name != g.Name {
			changedGroups[g.ID] = true
		}
	}
	for _, n := range new.Nodes {
		if changedFlows[n.Flow] || (n.Group != "" && changedGroups[n.Group]) {
			changed[n.ID] = true
		}
	}
	// config nodes: a change reaches every node that names them, transitively
	changedConfig := map[string]bool{}
	for _, id := range plan.Removed {
		if oldN[id].Flow == "" {
			changedConfig[id] = true
		}
	}
	for id := range changed {
		if newN[id].Flow == "" {
			changedConfig[id] = true
		}
	}
	for grew := len(changedConfig) > 0; grew; {
		grew = false
		for _, n := range new.Nodes {
			if changed[n.ID] {
				continue
			}
			if refersTo(n, changedConfig) {
				changed[n.ID] = true
				if n.Flow == "" {
					changedConfig[n.ID] = true
					grew = true
				}
			}
		}
	}

	switch mode {
	case DeployFlows:
		flows := map[string]bool{}
		for id := range changed {
			flows[newN[id].Flow] = true
		}
		for id := range rewired {
			flows[newN[id].Flow] = true
		}
		for _, id := range plan.Removed {
			flows[oldN[id].Flow] = true
		}
		delete(flows, "")
		for f := range changedFlows {
			flows[f] = true
		}
		for _, n := range old.Nodes {
			if flows[n.Flow] || changed[n.ID] || slices.Contains(plan.Removed, n.ID) {
				plan.Stop = append(plan.Stop, n.ID)
			}
		}
		for _, n := range new.Nodes {
			if flows[n.Flow] || changed[n.ID] {
				plan.Start = append(plan.Start, n.ID)
			}
		}
	default: // nodes
		for _, n := range old.Nodes {
			if changed[n.ID] || slices.Contains(plan.Removed, n.ID) {
				plan.Stop = append(plan.Stop, n.ID)
			}
		}
		for _, n := range new.Nodes {
			if changed[n.ID] {
				plan.Start = append(plan.Start, n.ID)
			}
		}
	}
	return plan
}

func indexNodes(g *Graph) map[string]NodeConfig {
	m := make(map[string]NodeConfig, len(g.Nodes))
	for _, n := range g.Nodes {
		m[n.ID] = n
	}
	return m
}

// sameProps compares two node configurations ignoring position and wires.
func sameProps(a, b NodeConfig) bool {
	if a.Type != b.Type || a.Disabled != b.Disabled || a.Flow != b.Flow || a.Group != b.Group {
		return false
	}
	count := 0
	for k, av := range a.Props {
		if ignoredInDiff(k) {
			continue
		}
		count++
		bv, ok := b.Props[k]
		if !ok || !bytes.Equal(av, bv) && !jsonEqual(av, bv) {
			return false
		}
	}
	for k := range b.Props {
		if !ignoredInDiff(k) {
			count--
		}
	}
	return count == 0
}

func ignoredInDiff(k string) bool { return k == "x" || k == "y" || k == "wires" }

func jsonEqual(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return bytes.Equal(xa, ya)
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// refersTo reports whether any string property of n names one of ids.
func refersTo(n NodeConfig, ids map[string]bool) bool {
	for k, raw := range n.Props {
		if k == "id" || k == "z" || k == "g" || k == "wires" || len(raw) == 0 || raw[0] != '"' {
			continue
		}
		var s string
		if json.Unmarshal(raw, &s) == nil && ids[s] {
			return true
		}
	}
	return false
}
