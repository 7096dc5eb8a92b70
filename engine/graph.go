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
	// GlobalEnv is the env of the global-config node (Node-RED's global
	// environment variables), looked up after the tabs' env.
	GlobalEnv []EnvVar
}

// FlowInfo is one tab, or one subflow instance: NewGraph flattens every
// instance into its own flow whose Parent is the flow (tab or instance) the
// instance node sits in, so catch, status and complete nodes inside an
// instance are scoped to it.
type FlowInfo struct {
	ID       string
	Label    string
	Disabled bool
	// Env is the env list's values as text; Vars the list with its types.
	Env  map[string]string
	Vars []EnvVar
	// Path is Node-RED's flow path: the tab id, then the (template) id of
	// each subflow instance down to this one.
	Path string
	// Subflow instances only: the parent flow, the definition's id, the
	// instance node's name and group, whether the definition has a status
	// output, and a fingerprint of the definition (its template and the
	// definitions it uses) that changes when any of them changes.
	Parent        string
	Subflow       string
	InstanceName  string
	InstanceGroup string
	StatusPort    bool
	Definition    string
}

// GroupInfo is one group; Group is its parent group, if nested.
type GroupInfo struct {
	ID, Name, Flow, Group string
	Env                   map[string]string
	Vars                  []EnvVar
}

// EnvVar is one entry of a Node-RED env list (tabs, groups, subflows,
// global-config): a name, a value as text, and its type (str, num, bool,
// json, bin, date, env, cred, jsonata).
type EnvVar struct {
	Name, Value, Type string
}

// NodeConfig is one node of a graph.
type NodeConfig struct {
	Config
	Disabled bool
	Wires    [][]string
	// Alias is the template node's id for a node of a subflow instance
	// (Node-RED's _alias): its path and node context use it.
	Alias string

	internal string // engine-provided behaviour: subflow instance input, subflow status output
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
	Stop  []string
	Start []string
	// Removed are stopped for good (deleted, disabled, or on a deleted or
	// disabled tab): their node context is cleared.
	Removed []string
}

// Diff computes the plan to go from old to new (old may be nil) with the rules
// of Node-RED's diffConfigs. Full (and reload) restarts everything. Nodes
// restarts changed, added and removed nodes and rewires the rest. Flows also
// restarts every node wired (before or after, directly or through others,
// link nodes included) to a changed, added, removed or rewired node. In every
// mode a tab whose env changed, or that was added, removed, disabled or
// enabled, restarts as a whole; a node naming a changed or removed node in a
// property (a config node) counts as changed, transitively; a group whose
// name, env or parent changed changes every node inside it, nested groups too.
func Diff(old, new *Graph, mode DeployMode) Plan {
	if old == nil {
		old = &Graph{}
	}
	oldN, newN := indexNodes(old), indexNodes(new)
	oldF, newF := indexFlows(old), indexFlows(new)
	var plan Plan
	removed := map[string]bool{}
	for _, n := range old.Nodes {
		nn, ok := newN[n.ID]
		switch {
		case !ok, !n.Disabled && nn.Disabled:
			removed[n.ID] = true
		case n.Flow != "" && !oldF[n.Flow].Disabled && newF[n.Flow].Disabled:
			removed[n.ID] = true // its tab was disabled
		}
	}
	for _, n := range old.Nodes {
		if removed[n.ID] {
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

	// tabs that restart as a whole
	changedFlows := map[string]bool{}
	globalEnv := slices.Equal(old.GlobalEnv, new.GlobalEnv)
	for id, f := range newF {
		o, ok := oldF[id]
		if !ok || !globalEnv || flowChanged(o, f) {
			changedFlows[id] = true
		}
	}
	for id := range oldF {
		if _, ok := newF[id]; !ok {
			changedFlows[id] = true
		}
	}
	changedGroups := changedGroupSet(old, new)
	// a subflow instance restarts as a whole with the flow or group it sits in
	for grew := true; grew; {
		grew = false
		for id, f := range newF {
			if !changedFlows[id] && f.Parent != "" && (changedFlows[f.Parent] || changedGroups[f.InstanceGroup]) {
				changedFlows[id] = true
				grew = true
			}
		}
	}

	changed := map[string]bool{}
	rewired := map[string]bool{}
	for _, n := range new.Nodes {
		o, ok := oldN[n.ID]
		switch {
		case !ok || !sameProps(o, n) || changedFlows[n.Flow] || changedGroups[n.Group] || changedFlows[n.ID]:
			changed[n.ID] = true
		case !slices.EqualFunc(o.Wires, n.Wires, slices.Equal[[]string]):
			rewired[n.ID] = true
		}
	}
	// a node naming a changed or removed node (a config node) changes too
	for grew := true; grew; {
		grew = false
		for _, n := range new.Nodes {
			if !changed[n.ID] && (refersTo(n, changed) || refersTo(n, removed)) {
				changed[n.ID] = true
				grew = true
			}
		}
	}

	stop := map[string]bool{}
	for id := range removed {
		stop[id] = true
	}
	for id := range changed {
		stop[id] = true
	}
	if mode == DeployFlows {
		// restart everything wired to a modified node, before or after
		links := linkMap(old, new)
		queue := make([]string, 0, len(stop)+len(rewired))
		for id := range stop {
			queue = append(queue, id)
		}
		for id := range rewired {
			queue = append(queue, id)
		}
		visited := map[string]bool{}
		for len(queue) > 0 {
			id := queue[len(queue)-1]
			queue = queue[:len(queue)-1]
			if visited[id] {
				continue
			}
			visited[id] = true
			stop[id] = true
			for next := range links[id] {
				if !visited[next] {
					queue = append(queue, next)
				}
			}
		}
	}
	for _, n := range old.Nodes {
		if stop[n.ID] {
			plan.Stop = append(plan.Stop, n.ID)
		}
	}
	for _, n := range new.Nodes {
		if _, kept := oldN[n.ID]; !kept || stop[n.ID] {
			plan.Start = append(plan.Start, n.ID)
		}
	}
	return plan
}

// flowChanged reports whether a tab or subflow instance must restart as a
// whole: disabled or enabled, its env, or (instances) its definition, name,
// group, place or status output changed.
func flowChanged(o, f FlowInfo) bool {
	return o.Disabled != f.Disabled || !mapsEqual(o.Env, f.Env) || !slices.Equal(o.Vars, f.Vars) ||
		o.Parent != f.Parent || o.Subflow != f.Subflow || o.Definition != f.Definition ||
		o.InstanceName != f.InstanceName || o.InstanceGroup != f.InstanceGroup || o.StatusPort != f.StatusPort
}

func indexFlows(g *Graph) map[string]FlowInfo {
	m := make(map[string]FlowInfo, len(g.Flows))
	for _, f := range g.Flows {
		m[f.ID] = f
	}
	return m
}

// changedGroupSet returns the groups of new whose name, env or parent group
// changed, and every group nested in one of them.
func changedGroupSet(old, new *Graph) map[string]bool {
	oldG := map[string]GroupInfo{}
	for _, g := range old.Groups {
		oldG[g.ID] = g
	}
	changed := map[string]bool{}
	for _, g := range new.Groups {
		if o, ok := oldG[g.ID]; !ok || !mapsEqual(o.Env, g.Env) || !slices.Equal(o.Vars, g.Vars) || o.Name != g.Name || o.Group != g.Group {
			changed[g.ID] = true
		}
	}
	for grew := true; grew; {
		grew = false
		for _, g := range new.Groups {
			if !changed[g.ID] && g.Group != "" && changed[g.Group] {
				changed[g.ID] = true
				grew = true
			}
		}
	}
	return changed
}

// linkMap is Node-RED's undirected wiring graph over old and new: wires, and
// the virtual wires of link out nodes to their link in nodes.
func linkMap(graphs ...*Graph) map[string]map[string]bool {
	m := map[string]map[string]bool{}
	add := func(a, b string) {
		if m[a] == nil {
			m[a] = map[string]bool{}
		}
		if m[b] == nil {
			m[b] = map[string]bool{}
		}
		m[a][b], m[b][a] = true, true
	}
	for _, g := range graphs {
		for _, n := range g.Nodes {
			for _, port := range n.Wires {
				for _, t := range port {
					add(n.ID, t)
				}
			}
			if n.Type == "link out" || n.Type == "link in" {
				var links []string
				if json.Unmarshal(n.Props["links"], &links) == nil {
					for _, t := range links {
						add(n.ID, t)
					}
				}
			}
		}
	}
	return m
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
