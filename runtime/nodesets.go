package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/flowgate/flowgate/editor"
	"github.com/flowgate/flowgate/engine"
)

// nodeRedSets are Node-RED 4's core node sets (module node-red) in the
// order its GET /nodes lists them, each with its types. Flowgate's types
// of these names are listed in these sets; its other types go to module
// flowgate, one set per palette category.
var nodeRedSets = []struct {
	name  string
	types []string
}{
	{"junction", []string{"junction"}},
	{"inject", []string{"inject"}},
	{"debug", []string{"debug"}},
	{"complete", []string{"complete"}},
	{"catch", []string{"catch"}},
	{"status", []string{"status"}},
	{"link", []string{"link in", "link out", "link call"}},
	{"comment", []string{"comment"}},
	{"global-config", []string{"global-config"}},
	{"unknown", []string{"unknown"}},
	{"function", []string{"function"}},
	{"switch", []string{"switch"}},
	{"change", []string{"change"}},
	{"range", []string{"range"}},
	{"template", []string{"template"}},
	{"delay", []string{"delay"}},
	{"trigger", []string{"trigger"}},
	{"exec", []string{"exec"}},
	{"rbe", []string{"rbe"}},
	{"tls", []string{"tls-config"}},
	{"httpproxy", []string{"http proxy"}},
	{"mqtt", []string{"mqtt in", "mqtt out", "mqtt-broker"}},
	{"httpin", []string{"http in", "http response"}},
	{"httprequest", []string{"http request"}},
	{"websocket", []string{"websocket in", "websocket out", "websocket-listener", "websocket-client"}},
	{"tcpin", []string{"tcp in", "tcp out", "tcp request"}},
	{"udp", []string{"udp in", "udp out"}},
	{"CSV", []string{"csv"}},
	{"HTML", []string{"html"}},
	{"JSON", []string{"json"}},
	{"XML", []string{"xml"}},
	{"YAML", []string{"yaml"}},
	{"split", []string{"split", "join"}},
	{"sort", []string{"sort"}},
	{"batch", []string{"batch"}},
	{"file", []string{"file", "file in"}},
	{"watch", []string{"watch"}},
}

// flowgateSetOf names the set of Flowgate's own config types, whose
// category ("config") says nothing of what they configure.
var flowgateSetOf = map[string]string{
	"ha-device": "homeassistant",
	"sqlitedb":  "storage",
}

// Node set modules.
const (
	moduleNodeRED  = "node-red"
	moduleFlowgate = "flowgate"
)

// nodeSetsFile keeps the ids of the disabled node sets in the data
// directory (Node-RED keeps them in .config.nodes.json).
const nodeSetsFile = ".config.nodes.json"

// nodeSets groups the registry's types in Node-RED's node sets and keeps
// which are disabled.
type nodeSets struct {
	sets   []editor.NodeSet  // Enabled is filled in by list
	typeOf map[string]string // node type → set id
	path   string

	mu       sync.Mutex // guards disabled
	disabled map[string]bool
}

// newNodeSets groups specs: Node-RED's core types in Node-RED's sets,
// the others by category under module flowgate.
func newNodeSets(specs []engine.Spec, version, dataDir string) *nodeSets {
	ns := &nodeSets{typeOf: map[string]string{}, disabled: map[string]bool{}, path: filepath.Join(dataDir, nodeSetsFile)}
	have := map[string]bool{}
	for _, s := range specs {
		have[s.Type] = true
	}
	add := func(module, name, typ string) {
		id := module + "/" + name
		ns.typeOf[typ] = id
		for i := range ns.sets {
			if ns.sets[i].ID == id {
				ns.sets[i].Types = append(ns.sets[i].Types, typ)
				return
			}
		}
		ns.sets = append(ns.sets, editor.NodeSet{ID: id, Name: name, Types: []string{typ}, Module: module, Version: version})
	}
	for _, set := range nodeRedSets {
		for _, typ := range set.types {
			if have[typ] {
				add(moduleNodeRED, set.name, typ)
			}
		}
	}
	for _, s := range specs {
		if _, done := ns.typeOf[s.Type]; done {
			continue
		}
		name := flowgateSetOf[s.Type]
		if name == "" {
			name = strings.ReplaceAll(s.Category, " ", "")
		}
		add(moduleFlowgate, name, s.Type)
	}
	return ns
}

// load reads the disabled sets; no file: all enabled.
func (ns *nodeSets) load() error {
	b, err := os.ReadFile(ns.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("node sets: %w", err)
	}
	var f struct {
		Disabled []string `json:"disabled"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("node sets: %s: %w", ns.path, err)
	}
	ns.mu.Lock()
	defer ns.mu.Unlock()
	for _, id := range f.Disabled {
		ns.disabled[id] = true
	}
	return nil
}

// list returns every set with its state.
func (ns *nodeSets) list() []editor.NodeSet {
	ns.mu.Lock()
	defer ns.mu.Unlock()
	out := make([]editor.NodeSet, len(ns.sets))
	for i, s := range ns.sets {
		s.Types = slices.Clone(s.Types)
		s.Enabled = !ns.disabled[s.ID]
		out[i] = s
	}
	return out
}

// get returns the set id with its state.
func (ns *nodeSets) get(id string) (editor.NodeSet, bool) {
	for _, s := range ns.list() {
		if s.ID == id {
			return s, true
		}
	}
	return editor.NodeSet{}, false
}

// isDisabled reports whether typ belongs to a disabled set (the engine's
// Options.Disabled).
func (ns *nodeSets) isDisabled(typ string) bool {
	id, ok := ns.typeOf[typ]
	if !ok {
		return false
	}
	ns.mu.Lock()
	defer ns.mu.Unlock()
	return ns.disabled[id]
}

// set records the state of set id and saves the disabled sets.
func (ns *nodeSets) set(id string, enabled bool) error {
	ns.mu.Lock()
	defer ns.mu.Unlock()
	if enabled {
		delete(ns.disabled, id)
	} else {
		ns.disabled[id] = true
	}
	ids := make([]string, 0, len(ns.disabled))
	for id := range ns.disabled {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	b, err := json.MarshalIndent(map[string]any{"disabled": ids}, "", "    ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(ns.path), 0o755); err != nil {
		return fmt.Errorf("node sets: %w", err)
	}
	return writeFileAtomic(ns.path, b, 0o644)
}

// NodeSets implements editor.NodeSetsBackend.
func (r *Runtime) NodeSets() []editor.NodeSet { return r.sets.list() }

// SetNodeSetEnabled implements editor.NodeSetsBackend. As in Node-RED, a
// set whose types the deployed flows use cannot be disabled; nodes of a
// disabled set's types deployed later are kept and not run, and they
// start when the set is enabled again.
func (r *Runtime) SetNodeSetEnabled(ctx context.Context, id string, enabled bool) (editor.NodeSet, error) {
	// serialised with deploys: the in-use check holds until the set is off
	r.deployMu.Lock()
	defer r.deployMu.Unlock()
	set, ok := r.sets.get(id)
	if !ok {
		return set, editor.ErrNotFound
	}
	if set.Enabled == enabled {
		return set, nil
	}
	used := r.typesInUse(set.Types)
	if !enabled && len(used) > 0 {
		return set, &editor.TypeInUseError{Types: used}
	}
	if err := r.sets.set(id, enabled); err != nil {
		return set, err
	}
	set.Enabled = enabled
	r.s.Log.Info("node set switched", "set", id, "enabled", enabled, "types", strings.Join(set.Types, ", "))
	if enabled && len(used) > 0 {
		// the kept nodes of the set's types start now
		if _, err := r.apply(ctx, r.Flows(), engine.DeployFull, false); err != nil {
			return set, fmt.Errorf("starting the nodes of %s: %w", id, err)
		}
	}
	return set, nil
}

// typesInUse returns those of types that nodes of the deployed flows have.
func (r *Runtime) typesInUse(types []string) []string {
	var used []string
	for _, n := range r.Flows().Nodes {
		if slices.Contains(types, n.Type) && !slices.Contains(used, n.Type) {
			used = append(used, n.Type)
		}
	}
	return used
}
