package flows

import (
	"encoding/json"
	"errors"
	"fmt"
)

// GlobalID is the pseudo flow id under which Node-RED's single-flow API
// serves global config nodes and subflows.
const GlobalID = "global"

// FlowDoc is one flow as Node-RED's single-flow admin API carries it:
// the body of GET /flow/:id and of POST /flow and PUT /flow/:id.
//
// Its JSON form has the keys, in order, "id", "label", "disabled", "info",
// "env", "nodes", "configs" and "subflows". GET /flow/:id writes "label"
// only when non-empty, "disabled" and "info" whenever the tab has them,
// "nodes" always for a tab and never for "global", and "configs" and
// "subflows" only when non-empty; MarshalJSON follows the same rules using
// the Has fields.
type FlowDoc struct {
	// ID is the flow (tab) id, or "global".
	ID string
	// Label is the tab's label.
	Label string
	// HasLabel records that "label" was present (even if empty); a
	// non-empty Label is written regardless.
	HasLabel bool
	// Disabled is the tab's "disabled" flag.
	Disabled bool
	// HasDisabled records that "disabled" was present; a true Disabled is
	// written regardless.
	HasDisabled bool
	// Info is the tab's description (markdown).
	Info string
	// HasInfo records that "info" was present; a non-empty Info is written
	// regardless.
	HasInfo bool
	// Env is the tab's "env" array as JSON; nil when absent.
	Env json.RawMessage
	// Nodes are the flow's nodes (groups first), each a compact JSON
	// object. nil means the "nodes" key is absent, which POST /flow
	// rejects; an empty non-nil slice is written as [].
	Nodes []json.RawMessage
	// Configs are the config nodes scoped to the flow (or, for "global",
	// the global config nodes, each with Node-RED's computed "_users").
	Configs []json.RawMessage
	// Subflows are the subflow definitions, only for "global": each is the
	// subflow object followed by "configs" and "nodes" arrays.
	Subflows []json.RawMessage
}

// MarshalJSON writes the document as Node-RED's GET /flow/:id does. Call
// it directly for byte-exact output: json.Marshal re-escapes U+2028,
// U+2029 and, unless told otherwise, <, > and &.
func (d FlowDoc) MarshalJSON() ([]byte, error) {
	b := []byte(`{"id":`)
	b = appendJSString(b, d.ID)
	if d.HasLabel || d.Label != "" {
		b = append(b, `,"label":`...)
		b = appendJSString(b, d.Label)
	}
	if d.HasDisabled || d.Disabled {
		b = append(b, `,"disabled":`...)
		b = fmt.Appendf(b, "%t", d.Disabled)
	}
	if d.HasInfo || d.Info != "" {
		b = append(b, `,"info":`...)
		b = appendJSString(b, d.Info)
	}
	if len(d.Env) > 0 {
		b = append(b, `,"env":`...)
		b = append(b, d.Env...)
	}
	list := func(key string, items []json.RawMessage) {
		b = append(b, `,"`+key+`":[`...)
		for i, it := range items {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, it...)
		}
		b = append(b, ']')
	}
	if d.Nodes != nil {
		list("nodes", d.Nodes)
	}
	if len(d.Configs) > 0 {
		list("configs", d.Configs)
	}
	if len(d.Subflows) > 0 {
		list("subflows", d.Subflows)
	}
	return append(b, '}'), nil
}

// UnmarshalJSON reads a request body of POST /flow or PUT /flow/:id.
// Unknown keys are ignored, as Node-RED ignores them.
func (d *FlowDoc) UnmarshalJSON(data []byte) error {
	v, err := parseJS(data)
	if err != nil {
		return fmt.Errorf("flow document: %w", err)
	}
	if v.kind != jsObject {
		return errors.New("flow document: not a JSON object")
	}
	o := v.obj
	*d = FlowDoc{}
	if x := o.get("id"); x != nil && x.kind == jsString {
		d.ID = x.str
	}
	if x := o.get("label"); x != nil {
		d.HasLabel = true
		if x.kind == jsString {
			d.Label = x.str
		}
	}
	if x := o.get("disabled"); x != nil {
		d.HasDisabled = true
		d.Disabled = x.truthy()
	}
	if x := o.get("info"); x != nil {
		d.HasInfo = true
		if x.kind == jsString {
			d.Info = x.str
		}
	}
	if x := o.get("env"); x != nil {
		d.Env = encodeJS(x)
	}
	for _, f := range []struct {
		key string
		dst *[]json.RawMessage
	}{{"nodes", &d.Nodes}, {"configs", &d.Configs}, {"subflows", &d.Subflows}} {
		x := o.get(f.key)
		if x == nil {
			continue
		}
		if x.kind != jsArray {
			return fmt.Errorf("flow document: %q must be an array", f.key)
		}
		*f.dst = make([]json.RawMessage, len(x.arr))
		for i, e := range x.arr {
			(*f.dst)[i] = encodeJS(e)
		}
	}
	return nil
}

// container is a tab or subflow as Node-RED's parseConfig files nodes
// under it: nodes with x and y, config nodes without, and groups.
type container struct {
	node                  *jsValue
	nodes, configs, group *jsProps
}

func newContainer(node *jsValue, groups bool) *container {
	c := &container{node: node, nodes: newJSObject(), configs: newJSObject()}
	if groups {
		c.group = newJSObject()
	}
	return c
}

// runtimeView is Node-RED's activeFlowConfig for a Config: the result of
// flows/util.js parseConfig, including its side effects on node objects
// ("subflow" on instances, recomputed link-out wires, "_users" on global
// config nodes).
type runtimeView struct {
	flows    map[string]*container
	subflows map[string]*container
	sfOrder  *jsProps // subflow ids in JavaScript key order
	configs  *jsProps // global config nodes
}

func propKey(v *jsValue) string {
	if v == nil {
		return "undefined"
	}
	return v.toPropertyKey()
}

func typeOf(v *jsValue) string {
	if t := v.obj.get("type"); t != nil && t.kind == jsString {
		return t.str
	}
	return ""
}

func analyse(c *Config) (*runtimeView, error) {
	objs := make([]*jsValue, len(c.Nodes))
	for i, n := range c.Nodes {
		v, err := n.object()
		if err != nil {
			return nil, err
		}
		objs[i] = v
	}
	rv := &runtimeView{flows: map[string]*container{}, subflows: map[string]*container{}, sfOrder: newJSObject(), configs: newJSObject()}
	for _, v := range objs {
		id := propKey(v.obj.get("id"))
		switch typeOf(v) {
		case "tab":
			rv.flows[id] = newContainer(v, true)
		case "subflow":
			rv.subflows[id] = newContainer(v, true)
			rv.sfOrder.set(id, v)
		}
	}
	plain := func(v *jsValue) bool {
		t := typeOf(v)
		return t != "tab" && t != "subflow" && t != "group"
	}
	lookup := func(z *jsValue) *container {
		if z == nil {
			return nil
		}
		if ct := rv.flows[propKey(z)]; ct != nil {
			return ct
		}
		return rv.subflows[propKey(z)]
	}
	linkWires := map[string]*jsProps{}
	wiresOf := func(id string) *jsProps {
		if linkWires[id] == nil {
			linkWires[id] = newJSObject()
		}
		return linkWires[id]
	}
	var linkOuts []*jsValue
	for _, v := range objs {
		o := v.obj
		id := propKey(o.get("id"))
		if !plain(v) {
			if typeOf(v) == "group" {
				if ct := lookup(o.get("z")); ct != nil && ct.group != nil {
					ct.group.set(id, v)
				}
			}
			continue
		}
		ct := lookup(o.get("z"))
		if o.has("x") && o.has("y") {
			if sf, ok := isSubflowInstance(typeOf(v)); ok {
				o.set("subflow", jsStr(sf))
			}
			if ct != nil {
				ct.nodes.set(id, v)
			}
		} else if ct != nil {
			ct.configs.set(id, v)
		} else {
			rv.configs.set(id, v)
			o.set("_users", jsArr())
		}
		links := o.get("links")
		if links == nil || links.kind != jsArray {
			continue
		}
		switch typeOf(v) {
		case "link in":
			for _, l := range links.arr {
				wiresOf(propKey(l)).set(id, nil)
			}
		case "link out":
			w := wiresOf(id)
			for _, l := range links.arr {
				w.set(propKey(l), nil)
			}
			linkOuts = append(linkOuts, v)
		}
	}
	for _, v := range linkOuts {
		w := linkWires[propKey(v.obj.get("id"))]
		targets := []*jsValue{}
		for _, i := range w.order() {
			targets = append(targets, jsStr(w.keys[i]))
		}
		v.obj.set("wires", jsArr(jsArr(targets...)))
	}
	added := map[string]*container{}
	for _, v := range objs {
		if !plain(v) {
			continue
		}
		o := v.obj
		for _, i := range o.order() {
			switch o.keys[i] {
			case "id", "wires", "type", "_users":
				continue
			}
			if cfg := rv.configs.get(propKey(o.vals[i])); cfg != nil {
				users := cfg.obj.get("_users")
				users.arr = append(users.arr, o.get("id").clone())
			}
		}
		z := o.get("z")
		if !z.truthy() || rv.subflows[propKey(z)] != nil {
			continue
		}
		zk := propKey(z)
		if rv.flows[zk] == nil {
			implicit := newJSObject()
			implicit.set("type", jsStr("tab"))
			implicit.set("id", z.clone())
			rv.flows[zk] = newContainer(&jsValue{kind: jsObject, obj: implicit}, false)
			added[zk] = rv.flows[zk]
		}
		if ct := added[zk]; ct != nil {
			if o.has("x") && o.has("y") {
				ct.nodes.set(propKey(o.get("id")), v)
			} else {
				ct.configs.set(propKey(o.get("id")), v)
			}
		}
	}
	return rv, nil
}

// values encodes the members of m in JavaScript key order, each copied
// without its "credentials" (and, when dropLinkWires is set, without the
// wires of link out nodes), as getFlow does.
func values(m *jsProps, dropLinkWires bool) []json.RawMessage {
	out := []json.RawMessage{}
	if m == nil {
		return out
	}
	for _, i := range m.order() {
		n := m.vals[i].clone()
		if dropLinkWires && typeOf(n) == "link out" {
			n.obj.del("wires")
		}
		n.obj.del("credentials")
		out = append(out, encodeJS(n))
	}
	return out
}

// Flow returns flow id as GET /flow/:id returns it: a tab (real or
// implicit) with its groups and nodes, its config nodes and no
// credentials; or, for "global", the global config nodes and the
// subflows. It reports false when no such flow exists (a subflow id is
// not a flow).
func (c *Config) Flow(id string) (FlowDoc, bool) {
	rv, err := analyse(c)
	if err != nil {
		return FlowDoc{}, false
	}
	if id == GlobalID {
		doc := FlowDoc{ID: id, Configs: values(rv.configs, false)}
		for _, i := range rv.sfOrder.order() {
			sfID := rv.sfOrder.keys[i]
			ct := rv.subflows[sfID]
			sf := ct.node.clone()
			// parseConfig adds these keys in this order; getFlow then
			// replaces nodes and configs and deletes the other two.
			for _, k := range []string{"configs", "nodes", "groups", "instances"} {
				sf.obj.set(k, jsArr())
			}
			nodes := append(values(ct.nodes, false), values(ct.group, false)...)
			sf.obj.set("nodes", rawArray(nodes))
			sf.obj.set("configs", rawArray(values(ct.configs, false)))
			sf.obj.del("groups")
			sf.obj.del("instances")
			doc.Subflows = append(doc.Subflows, encodeJS(sf))
		}
		if len(doc.Configs) == 0 {
			doc.Configs = nil
		}
		return doc, true
	}
	ct := rv.flows[id]
	if ct == nil {
		return FlowDoc{}, false
	}
	tab := ct.node.obj
	doc := FlowDoc{ID: id}
	if l := tab.get("label"); l.truthy() && l.kind == jsString {
		doc.Label, doc.HasLabel = l.str, true
	}
	if x := tab.get("disabled"); x != nil {
		doc.Disabled, doc.HasDisabled = x.truthy(), true
	}
	if x := tab.get("info"); x != nil {
		doc.HasInfo = true
		if x.kind == jsString {
			doc.Info = x.str
		}
	}
	if x := tab.get("env"); x != nil {
		doc.Env = encodeJS(x)
	}
	doc.Nodes = append(values(ct.group, true), values(ct.nodes, true)...)
	if cfgs := values(ct.configs, false); len(cfgs) > 0 {
		doc.Configs = cfgs
	}
	return doc, true
}

// rawArray wraps already-canonical JSON values as an array value.
func rawArray(items []json.RawMessage) *jsValue {
	vs := make([]*jsValue, len(items))
	for i, it := range items {
		vs[i], _ = parseJS(it) // produced by encodeJS: always valid
	}
	return jsArr(vs...)
}

// tabObject builds the tab node POST /flow and PUT /flow/:id create, with
// Node-RED's key order: type, label, id, info, disabled, env.
func tabObject(id string, doc FlowDoc) (*jsValue, error) {
	o := newJSObject()
	o.set("type", jsStr("tab"))
	if doc.HasLabel || doc.Label != "" {
		o.set("label", jsStr(doc.Label))
	}
	o.set("id", jsStr(id))
	if doc.HasInfo || doc.Info != "" {
		o.set("info", jsStr(doc.Info))
	}
	if doc.HasDisabled || doc.Disabled {
		o.set("disabled", &jsValue{kind: jsBool, b: doc.Disabled})
	}
	if len(doc.Env) > 0 {
		env, err := parseJS(doc.Env)
		if err != nil {
			return nil, fmt.Errorf("env: %w", err)
		}
		o.set("env", env)
	}
	return &jsValue{kind: jsObject, obj: o}, nil
}

// docNodes parses the members of a FlowDoc list, requiring objects with a
// string id and type.
func docNodes(field string, items []json.RawMessage) ([]*jsValue, error) {
	out := make([]*jsValue, len(items))
	for i, raw := range items {
		v, err := parseJS(raw)
		if err != nil {
			return nil, fmt.Errorf("%s[%d]: %w", field, i, err)
		}
		if v.kind != jsObject {
			return nil, fmt.Errorf("%s[%d]: not an object", field, i)
		}
		for _, k := range []string{"id", "type"} {
			if x := v.obj.get(k); x == nil || x.kind != jsString || x.str == "" {
				return nil, fmt.Errorf("%s[%d]: %q missing or not a non-empty string", field, i, k)
			}
		}
		out[i] = v
	}
	return out, nil
}

// AddFlow adds doc as a new flow, as POST /flow does, and returns the new
// Config and the flow's id. As in Node-RED, the flow id always comes from
// newID (doc.ID is ignored; nil newID means NewID), node ids are kept and
// must not already exist, every node and config node gets "z" set to the
// new id, and nodes of type "tab" or "subflow" are rejected. The new tab
// and its nodes are appended after the existing flows. doc.Nodes must not
// be nil ("missing nodes property"). Unlike Node-RED, duplicate ids inside
// doc and nodes without a string id or type are rejected too. c is not
// modified.
func (c *Config) AddFlow(doc FlowDoc, newID func() string) (*Config, string, error) {
	if doc.Nodes == nil {
		return nil, "", errors.New("add flow: missing nodes property")
	}
	if newID == nil {
		newID = NewID
	}
	id := newID()
	tab, err := tabObject(id, doc)
	if err != nil {
		return nil, "", fmt.Errorf("add flow: %w", err)
	}
	seen := make(map[string]bool, len(c.Nodes))
	for _, n := range c.Nodes {
		seen[n.ID] = true
	}
	nodes := append(make([]Node, 0, len(c.Nodes)+1+len(doc.Nodes)+len(doc.Configs)), c.Nodes...)
	nodes = append(nodes, nodeFrom(tab))
	for _, part := range []struct {
		field string
		items []json.RawMessage
	}{{"nodes", doc.Nodes}, {"configs", doc.Configs}} {
		vs, err := docNodes(part.field, part.items)
		if err != nil {
			return nil, "", fmt.Errorf("add flow: %w", err)
		}
		for _, v := range vs {
			nid := v.obj.get("id").str
			if seen[nid] || nid == id {
				return nil, "", fmt.Errorf("add flow: duplicate id %q", nid)
			}
			seen[nid] = true
			if t := typeOf(v); t == "tab" || t == "subflow" {
				return nil, "", fmt.Errorf("add flow: invalid node type: %s", t)
			}
			v.obj.set("z", jsStr(id))
			nodes = append(nodes, nodeFrom(v))
		}
	}
	return New(nodes), id, nil
}

// flowIDs returns the ids Node-RED's single-flow API accepts: tabs and
// implicit tabs.
func (c *Config) flowIDs() map[string]bool {
	ids := map[string]bool{}
	for _, t := range c.Tabs() {
		ids[t.ID] = true
	}
	return ids
}

// UpdateFlow replaces flow id with doc, as PUT /flow/:id does. For a tab
// it removes the tab and every node whose z is id, then appends a new tab
// node (label, info, disabled and env from doc; doc.ID is ignored) followed
// by doc.Nodes and doc.Configs, each with "z" set to id. For "global" it
// removes every node that is not a tab and whose z names no flow (global
// config nodes, subflows and their contents), then appends doc.Configs
// and, per subflow, its nodes, its configs and the subflow object without
// those two keys. It returns ErrNotFound when no tab has that id. c is not
// modified.
func (c *Config) UpdateFlow(id string, doc FlowDoc) (*Config, error) {
	flows := c.flowIDs()
	if id != GlobalID && !flows[id] {
		return nil, fmt.Errorf("update flow %q: %w", id, ErrNotFound)
	}
	var nodes []Node
	var added []*jsValue
	if id == GlobalID {
		for _, n := range c.Nodes {
			if n.IsTab() || (n.Z != "" && flows[n.Z]) {
				nodes = append(nodes, n)
			}
		}
		cfgs, err := docNodes("configs", doc.Configs)
		if err != nil {
			return nil, fmt.Errorf("update flow %q: %w", id, err)
		}
		added = cfgs
		for i, raw := range doc.Subflows {
			sf, err := docNodes(fmt.Sprintf("subflows[%d]", i), []json.RawMessage{raw})
			if err != nil {
				return nil, fmt.Errorf("update flow %q: %w", id, err)
			}
			for _, k := range []string{"nodes", "configs"} {
				x := sf[0].obj.get(k)
				if x == nil {
					continue
				}
				if x.kind != jsArray {
					return nil, fmt.Errorf("update flow %q: subflows[%d].%s must be an array", id, i, k)
				}
				members, err := docNodes(fmt.Sprintf("subflows[%d].%s", i, k), encodeAll(x.arr))
				if err != nil {
					return nil, fmt.Errorf("update flow %q: %w", id, err)
				}
				added = append(added, members...)
				sf[0].obj.del(k)
			}
			added = append(added, sf[0])
		}
	} else {
		for _, n := range c.Nodes {
			if n.Z != id && n.ID != id {
				nodes = append(nodes, n)
			}
		}
		tab, err := tabObject(id, doc)
		if err != nil {
			return nil, fmt.Errorf("update flow %q: %w", id, err)
		}
		added = append(added, tab)
		for _, part := range []struct {
			field string
			items []json.RawMessage
		}{{"nodes", doc.Nodes}, {"configs", doc.Configs}} {
			vs, err := docNodes(part.field, part.items)
			if err != nil {
				return nil, fmt.Errorf("update flow %q: %w", id, err)
			}
			for _, v := range vs {
				if typeOf(v) != "tab" {
					v.obj.set("z", jsStr(id))
				}
			}
			added = append(added, vs...)
		}
	}
	for _, v := range added {
		nodes = append(nodes, nodeFrom(v))
	}
	return New(nodes), nil
}

func encodeAll(vs []*jsValue) []json.RawMessage {
	out := make([]json.RawMessage, len(vs))
	for i, v := range vs {
		out[i] = encodeJS(v)
	}
	return out
}

// DeleteFlow removes flow id, as DELETE /flow/:id does: the tab and every
// node whose z is id (subflows and global config nodes stay). It returns
// ErrNotFound when no tab (real or implicit) has that id and an error for
// "global". c is not modified.
func (c *Config) DeleteFlow(id string) (*Config, error) {
	if id == GlobalID {
		return nil, errors.New("delete flow: not allowed to remove global")
	}
	if !c.flowIDs()[id] {
		return nil, fmt.Errorf("delete flow %q: %w", id, ErrNotFound)
	}
	var nodes []Node
	for _, n := range c.Nodes {
		if n.Z != id && n.ID != id {
			nodes = append(nodes, n)
		}
	}
	return New(nodes), nil
}
