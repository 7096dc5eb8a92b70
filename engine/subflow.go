package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Subflows are flattened when the graph is built, as Node-RED's Subflow
// class does when it starts an instance: every node of the definition is
// copied with the id `<instance id>-<template id>` (its Alias is the template
// id), properties naming template nodes are remapped, and the copies live in
// a flow of their own whose id is the instance's id. The instance node stays
// at its id as the input: it passes messages to the nodes the definition's
// input is wired to. Nodes wired to an output get the instance's wires of
// that output appended, so messages leave the instance without a hop. A
// definition with a status output gets a `<instance id>:status` node that
// turns what reaches it into the instance node's status.

// Internal node kinds (NodeConfig.internal).
const (
	internalInstance = "subflow"         // a subflow instance's input
	internalStatus   = "subflow-status"  // a subflow instance's status output
	internalMissing  = "subflow-missing" // an instance of an unknown definition
)

// maxSubflowDepth bounds nesting (recursion is refused before this).
const maxSubflowDepth = 64

type subflowDef struct {
	id   string
	obj  map[string]json.RawMessage
	objs []map[string]json.RawMessage // its nodes, config nodes and groups (z = id)
	fp   string                       // fingerprint, once computed
}

// subflowPort is one port of a definition: what it is wired to inside.
type subflowPort struct {
	Wires []struct {
		ID   string `json:"id"`
		Port int    `json:"port"`
	} `json:"wires"`
}

type flattener struct {
	g    *Graph
	defs map[string]*subflowDef
}

func (b *flattener) flow(id string) (FlowInfo, bool) {
	for _, f := range b.g.Flows {
		if f.ID == id {
			return f, true
		}
	}
	return FlowInfo{}, false
}

// add appends n to the graph, expanding it when it is a subflow instance.
// stack holds the definitions being expanded around n.
func (b *flattener) add(n NodeConfig, stack []string) error {
	sfID, ok := strings.CutPrefix(n.Type, "subflow:")
	if !ok {
		b.g.Nodes = append(b.g.Nodes, n)
		return nil
	}
	def := b.defs[sfID]
	switch {
	case def == nil:
		n.internal = internalMissing
		b.g.Nodes = append(b.g.Nodes, n)
		return nil
	case slices.Contains(stack, sfID) || len(stack) >= maxSubflowDepth:
		return &FieldError{Node: n.ID, Type: n.Type, Reason: fmt.Sprintf("subflow %s contains an instance of itself", sfID)}
	}
	n.internal = internalInstance
	inst := n.ID
	var in, out []subflowPort
	var status *subflowPort
	for k, v := range map[string]any{"in": &in, "out": &out, "status": &status} {
		if raw, ok := def.obj[k]; ok && string(raw) != "null" {
			if err := json.Unmarshal(raw, v); err != nil {
				return &FieldError{Node: def.id, Type: "subflow", Field: k, Reason: fmt.Sprintf("invalid ports: %v", err)}
			}
		}
	}
	if n.Disabled {
		n.Wires = nil
		b.g.Nodes = append(b.g.Nodes, n)
		return nil
	}

	idmap := make(map[string]string, len(def.objs))
	for _, o := range def.objs {
		id := str(o, "id")
		idmap[id] = inst + "-" + id
	}
	var nodes []NodeConfig
	at := map[string]int{} // template id → index in nodes
	for _, o := range def.objs {
		c := remapTemplate(o, idmap, inst)
		if str(o, "type") == "group" {
			vars := envVars(c)
			b.g.Groups = append(b.g.Groups, GroupInfo{ID: str(c, "id"), Name: str(c, "name"), Flow: inst, Group: str(c, "g"), Env: envStrings(vars), Vars: vars})
			continue
		}
		nc, err := nodeOf(c)
		if err != nil {
			return err
		}
		nc.Alias = str(o, "id")
		at[nc.Alias] = len(nodes)
		nodes = append(nodes, nc)
	}

	var instWires [][]string
	if len(in) > 0 {
		ws := []string{}
		for _, w := range in[0].Wires {
			if id, ok := idmap[w.ID]; ok {
				ws = append(ws, id)
			}
		}
		instWires = [][]string{ws}
	}
	wire := func(id string, port int, targets []string) {
		if port < 0 || len(targets) == 0 {
			return
		}
		var ws *[][]string
		if id == def.id {
			ws = &instWires
		} else if i, ok := at[id]; ok {
			ws = &nodes[i].Wires
		} else {
			return
		}
		for len(*ws) <= port {
			*ws = append(*ws, []string{})
		}
		(*ws)[port] = append(slices.Clip((*ws)[port]), targets...)
	}
	for i, p := range out {
		if i >= len(n.Wires) {
			break
		}
		for _, w := range p.Wires {
			wire(w.ID, w.Port, n.Wires[i])
		}
	}
	if status != nil {
		for _, w := range status.Wires {
			wire(w.ID, w.Port, []string{inst + ":status"})
		}
	}

	parent, _ := b.flow(n.Flow)
	parentPath := parent.Path
	if n.Flow == "" {
		parentPath = "global"
	}
	alias := n.Alias
	if alias == "" {
		alias = inst
	}
	vars := mergeVars(envVars(def.obj), envVars(n.Props))
	b.g.Flows = append(b.g.Flows, FlowInfo{
		ID: inst, Label: str(def.obj, "name"), Disabled: parent.Disabled,
		Env: envStrings(vars), Vars: vars, Path: parentPath + "/" + alias,
		Parent: n.Flow, Subflow: sfID, InstanceName: n.Name, InstanceGroup: n.Group,
		StatusPort: status != nil, Definition: b.fingerprint(def, nil),
	})
	n.Wires = instWires
	b.g.Nodes = append(b.g.Nodes, n)
	if status != nil {
		id := inst + ":status"
		raw := func(s string) json.RawMessage { b, _ := json.Marshal(s); return b }
		b.g.Nodes = append(b.g.Nodes, NodeConfig{
			Config:   Config{ID: id, Type: internalStatus, Flow: inst, Props: map[string]json.RawMessage{"id": raw(id), "type": raw(internalStatus), "z": raw(inst)}},
			internal: internalStatus,
		})
	}
	stack = append(slices.Clip(stack), sfID)
	for _, nc := range nodes {
		if err := b.add(nc, stack); err != nil {
			return err
		}
	}
	return nil
}

// remapTemplate copies a template object for instance inst: a new id, z the
// instance, wires and properties naming template nodes remapped (scope lists
// of catch, status and complete nodes; any string property; and, unlike
// Node-RED, every element of a list of ids such as a link node's links).
func remapTemplate(o map[string]json.RawMessage, idmap map[string]string, inst string) map[string]json.RawMessage {
	quote := func(s string) json.RawMessage { b, _ := json.Marshal(s); return b }
	typ := str(o, "type")
	c := make(map[string]json.RawMessage, len(o))
	for k, raw := range o {
		c[k] = raw
		if len(raw) == 0 {
			continue
		}
		switch {
		case k == "id":
			c[k] = quote(idmap[str(o, "id")])
		case k == "z":
			c[k] = quote(inst)
		case k == "wires":
			var wires [][]string
			if json.Unmarshal(raw, &wires) != nil {
				continue
			}
			for p, targets := range wires {
				mapped := []string{}
				for _, t := range targets {
					if id, ok := idmap[t]; ok {
						mapped = append(mapped, id)
					}
				}
				wires[p] = mapped
			}
			c[k], _ = json.Marshal(wires)
		case raw[0] == '"':
			var s string
			if json.Unmarshal(raw, &s) == nil {
				if id, ok := idmap[s]; ok {
					c[k] = quote(id)
				}
			}
		case raw[0] == '[':
			var ids []string
			if json.Unmarshal(raw, &ids) != nil {
				continue
			}
			scope := k == "scope" && (typ == "catch" || typ == "status" || typ == "complete")
			changed := false
			for i, s := range ids {
				if id, ok := idmap[s]; ok {
					ids[i], changed = id, true
				} else if scope {
					ids[i], changed = "", true
				}
			}
			if changed {
				c[k], _ = json.Marshal(ids)
			}
		}
	}
	return c
}

// mergeVars is a definition's env overridden by an instance's, as Node-RED:
// the definition's names in order, then names only the instance has.
func mergeVars(def, inst []EnvVar) []EnvVar {
	if len(inst) == 0 {
		return def
	}
	out := slices.Clone(def)
	for _, v := range inst {
		if i := slices.IndexFunc(out, func(d EnvVar) bool { return d.Name == v.Name }); i >= 0 {
			out[i] = v
		} else {
			out = append(out, v)
		}
	}
	return out
}

// fingerprint hashes a definition, its template (positions aside) and the
// fingerprints of the definitions it uses, so any change inside restarts
// every instance, nested ones included.
func (b *flattener) fingerprint(def *subflowDef, stack []string) string {
	if def.fp != "" {
		return def.fp
	}
	if slices.Contains(stack, def.id) {
		return "recursive"
	}
	stack = append(stack, def.id)
	h := sha256.New()
	enc := json.NewEncoder(h)
	_ = enc.Encode(def.obj)
	for _, o := range def.objs {
		c := make(map[string]json.RawMessage, len(o))
		for k, v := range o {
			if k != "x" && k != "y" {
				c[k] = v
			}
		}
		_ = enc.Encode(c)
		if sf, ok := strings.CutPrefix(str(o, "type"), "subflow:"); ok {
			if d := b.defs[sf]; d != nil {
				h.Write([]byte(b.fingerprint(d, stack)))
			}
		}
	}
	def.fp = hex.EncodeToString(h.Sum(nil))
	return def.fp
}

// subflowInstance is the input of a subflow instance: it passes messages to
// the nodes its definition's input is wired to.
type subflowInstance struct{}

func (subflowInstance) Handle(_ context.Context, m Msg, out *Output) error {
	out.Send(0, m)
	return nil
}

// subflowStatus is a definition's status output: what reaches it becomes the
// status of the instance node, as Node-RED's subflow-status node.
type subflowStatus struct {
	e        *Engine
	instance string
}

func (s *subflowStatus) Handle(_ context.Context, m Msg, _ *Output) error {
	r, ok := s.e.topo.Load().runners[s.instance]
	if !ok {
		return nil
	}
	if st, ok := statusFromMsg(m); ok {
		s.e.reportStatus(r, st)
	}
	return nil
}

// statusFromMsg is Node-RED's subflow-status input rule: a string payload is
// the text, an object payload with text, fill or shape (or empty) is the
// status, anything else is shown (cut to 32 characters); without a payload,
// msg.status is the status.
func statusFromMsg(m Msg) (Status, bool) {
	fromObject := func(o *Object) Status {
		var st Status
		st.Fill, _ = o.Value("fill").(string)
		st.Shape, _ = o.Value("shape").(string)
		if t, ok := o.Get("text"); ok && t != nil {
			st.Text = ToString(t)
		}
		return st
	}
	if p, ok := m["payload"]; ok {
		switch t := p.(type) {
		case string:
			return Status{Text: t}, true
		case *Object:
			if t.Has("text") || t.Has("fill") || t.Has("shape") || t.Len() == 0 {
				return fromObject(t), true
			}
		}
		text, err := JSONString(p, "")
		if err != nil {
			text = ToString(p)
		}
		if r := []rune(text); len(r) > 32 {
			text = string(r[:32]) + "..."
		}
		return Status{Text: text}, true
	}
	if st, ok := AsObject(m["status"]); ok {
		s := fromObject(st)
		if strings.HasPrefix(s.Text, "common.") {
			s.Text = "node-red:" + s.Text
		}
		return s, true
	}
	return Status{}, false
}
