package flows

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// ErrNotFound is returned by the single-flow helpers when no tab (real or
// implicit) has the requested id. The admin API maps it to 404.
var ErrNotFound = errors.New("flow not found")

// Node is one object of a flows array. The fields Node-RED itself reads are
// decoded; Raw keeps the whole object so that nothing is lost on round trip.
type Node struct {
	// ID is the "id" property.
	ID string
	// Type is the "type" property: a node type, "tab", "subflow", "group"
	// or "subflow:<id>".
	Type string
	// Z is the id of the tab or subflow holding the node; "" for tabs,
	// subflows and global config nodes.
	Z string
	// Name is the "name" property ("label" for tabs), "" when absent or
	// not a string.
	Name string
	// G is the id of the group holding the node, "" when none.
	G string
	// Disabled is "d": true on nodes and "disabled": true on tabs.
	Disabled bool
	// Wires is the "wires" property when it is an array of arrays of
	// strings, nil otherwise (Validate reports a malformed one).
	Wires [][]string
	// Implicit marks a tab that Tabs synthesized because nodes name it in
	// "z" without the flows containing it. Implicit nodes have no Raw and
	// never appear in Config.Nodes.
	Implicit bool
	// Raw is the object as compact JSON, exactly as Node-RED's
	// JSON.stringify prints it (key order preserved). It is authoritative:
	// marshalling writes Raw, not the decoded fields. Build Nodes with
	// NewNode so the two agree.
	Raw json.RawMessage
}

// NewNode decodes one flows-array object. raw may be any JSON object text;
// Node.Raw receives its canonical compact form.
func NewNode(raw []byte) (Node, error) {
	v, err := parseJS(raw)
	if err != nil {
		return Node{}, err
	}
	if v.kind != jsObject {
		return Node{}, errors.New("node is not a JSON object")
	}
	n := nodeFrom(v)
	if n.ID == "" {
		return Node{}, errors.New(`node has no "id"`)
	}
	if n.Type == "" {
		return Node{}, fmt.Errorf(`node %q has no "type"`, n.ID)
	}
	return n, nil
}

// nodeFrom decodes the known fields of an object and encodes its Raw.
func nodeFrom(v *jsValue) Node {
	o := v.obj
	str := func(k string) string {
		if x := o.get(k); x != nil && x.kind == jsString {
			return x.str
		}
		return ""
	}
	n := Node{ID: str("id"), Type: str("type"), Z: str("z"), Name: str("name"), G: str("g")}
	dis := "d"
	if n.Type == "tab" {
		dis = "disabled"
		n.Name = str("label")
	}
	if x := o.get(dis); x != nil && x.kind == jsBool {
		n.Disabled = x.b
	}
	n.Wires, _ = decodeWires(o.get("wires"))
	n.Raw = encodeJS(v)
	return n
}

// decodeWires converts a wires value; ok is false when it is not an array
// of arrays of strings.
func decodeWires(v *jsValue) ([][]string, bool) {
	if v == nil {
		return nil, true
	}
	if v.kind != jsArray {
		return nil, false
	}
	out := make([][]string, len(v.arr))
	for i, port := range v.arr {
		if port.kind != jsArray {
			return nil, false
		}
		out[i] = make([]string, len(port.arr))
		for j, id := range port.arr {
			if id.kind != jsString {
				return nil, false
			}
			out[i][j] = id.str
		}
	}
	return out, true
}

// object parses n.Raw, or builds an object from the decoded fields when Raw
// is empty.
func (n Node) object() (*jsValue, error) {
	if len(n.Raw) == 0 {
		o := newJSObject()
		o.set("id", jsStr(n.ID))
		o.set("type", jsStr(n.Type))
		if n.Z != "" {
			o.set("z", jsStr(n.Z))
		}
		if n.Name != "" {
			k := "name"
			if n.IsTab() {
				k = "label"
			}
			o.set(k, jsStr(n.Name))
		}
		if n.G != "" {
			o.set("g", jsStr(n.G))
		}
		if n.Disabled {
			k := "d"
			if n.IsTab() {
				k = "disabled"
			}
			o.set(k, &jsValue{kind: jsBool, b: true})
		}
		if n.Wires != nil {
			ports := make([]*jsValue, len(n.Wires))
			for i, p := range n.Wires {
				ids := make([]*jsValue, len(p))
				for j, id := range p {
					ids[j] = jsStr(id)
				}
				ports[i] = jsArr(ids...)
			}
			o.set("wires", jsArr(ports...))
		}
		return &jsValue{kind: jsObject, obj: o}, nil
	}
	v, err := parseJS(n.Raw)
	if err != nil {
		return nil, fmt.Errorf("node %q: %w", n.ID, err)
	}
	if v.kind != jsObject {
		return nil, fmt.Errorf("node %q: raw value is not a JSON object", n.ID)
	}
	return v, nil
}

// Props returns every property of the node's object, values as compact
// JSON.
func (n Node) Props() (map[string]json.RawMessage, error) {
	v, err := n.object()
	if err != nil {
		return nil, err
	}
	out := make(map[string]json.RawMessage, len(v.obj.keys))
	for i, k := range v.obj.keys {
		out[k] = encodeJS(v.obj.vals[i])
	}
	return out, nil
}

// IsTab reports whether the node is a tab (a flow).
func (n Node) IsTab() bool { return n.Type == "tab" }

// isPlain reports whether Node-RED files the node under a tab or
// subflow by its z: everything except tabs, subflows and groups.
func (n Node) isPlain() bool {
	return n.Type != "tab" && n.Type != "subflow" && n.Type != "group"
}

// Config is a whole deployment: the flows array and its revision.
type Config struct {
	// Rev is the revision Node-RED computes for Nodes (see ComputeRev).
	// Parse, New and the flow helpers set it; it goes stale if Nodes is
	// changed by hand (MarshalV2 always recomputes it).
	Rev string
	// BaseRev is the "rev" a v2 document carried ("" for v1 input): the
	// revision a client based its change on, compared by the admin API to
	// detect conflicting deploys.
	BaseRev string
	// Nodes is the flows array in order.
	Nodes []Node
}

// New returns a Config holding nodes, with Rev computed.
func New(nodes []Node) *Config {
	c := &Config{Nodes: nodes}
	c.Rev = revOf(c.MarshalV1())
	return c
}

// Parse decodes a deployment in admin API v1 form (a JSON array of node
// objects) or v2 form ({"flows":[...],"rev":"..."}; a "credentials" key is
// ignored). Values are normalized as Node-RED's JSON.parse/JSON.stringify
// does, which leaves any file Node-RED wrote unchanged except for
// whitespace. Malformed JSON yields an error naming line and column; an
// element that is not an object or lacks a string "id" or "type" yields an
// error naming its index.
func Parse(data []byte) (*Config, error) {
	v, err := parseJS(data)
	if err != nil {
		return nil, fmt.Errorf("parse flows: %w", err)
	}
	c := &Config{}
	arr := v
	if v.kind == jsObject {
		arr = v.obj.get("flows")
		if arr == nil {
			return nil, errors.New(`parse flows: object has no "flows" array`)
		}
		if r := v.obj.get("rev"); r != nil && r.kind == jsString {
			c.BaseRev = r.str
		}
	}
	if arr.kind != jsArray {
		return nil, errors.New("parse flows: expected an array of nodes or an object with a flows array")
	}
	c.Nodes = make([]Node, len(arr.arr))
	for i, e := range arr.arr {
		if e.kind != jsObject {
			return nil, fmt.Errorf("parse flows: element %d: not an object", i)
		}
		for _, k := range []string{"id", "type"} {
			if x := e.obj.get(k); x == nil || x.kind != jsString || x.str == "" {
				return nil, fmt.Errorf("parse flows: element %d: %q missing or not a non-empty string", i, k)
			}
		}
		c.Nodes[i] = nodeFrom(e)
	}
	c.Rev = revOf(c.MarshalV1())
	return c, nil
}

// MarshalV1 returns the flows array as compact JSON, byte for byte what
// Node-RED's GET /flows returns for the same flows.
func (c *Config) MarshalV1() []byte {
	var b bytes.Buffer
	b.WriteByte('[')
	for i, n := range c.Nodes {
		if i > 0 {
			b.WriteByte(',')
		}
		if len(n.Raw) > 0 {
			b.Write(n.Raw)
			continue
		}
		v, _ := n.object() // no Raw: built from fields, cannot fail
		b.Write(encodeJS(v))
	}
	b.WriteByte(']')
	return b.Bytes()
}

// MarshalV2 returns {"flows":[...],"rev":"..."} as GET /flows returns it
// with Node-RED-API-Version: v2. The rev is computed from Nodes.
func (c *Config) MarshalV2() []byte {
	v1 := c.MarshalV1()
	var b bytes.Buffer
	b.WriteString(`{"flows":`)
	b.Write(v1)
	b.WriteString(`,"rev":"`)
	b.WriteString(revOf(v1))
	b.WriteString(`"}`)
	return b.Bytes()
}

// ComputeRev returns the revision Node-RED gives a flows array: the hex
// SHA-256 of JSON.stringify(flows). The input is first normalized as
// JSON.parse/JSON.stringify would; input that is not valid JSON is hashed
// unchanged.
func ComputeRev(nodesArrayJSON []byte) string {
	v, err := parseJS(nodesArrayJSON)
	if err != nil {
		return revOf(nodesArrayJSON)
	}
	return revOf(encodeJS(v))
}

func revOf(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// ByID returns the first node whose id is id. Implicit tabs are not found.
func (c *Config) ByID(id string) (Node, bool) {
	for _, n := range c.Nodes {
		if n.ID == id {
			return n, true
		}
	}
	return Node{}, false
}

// Tabs returns the flows of the deployment: every "tab" node in order,
// then one implicit tab per id that a node (not a tab, subflow or group)
// names in "z" when no tab or subflow has that id, in order of first use.
// Node-RED runs such nodes in a flow of that id (flows/util.js
// parseConfig) but never adds the tab to the flows array, so implicit tabs
// have Implicit set, no Raw, and are not part of Nodes or any marshalled
// output.
func (c *Config) Tabs() []Node {
	var tabs []Node
	known := map[string]bool{}
	for _, n := range c.Nodes {
		if n.Type == "tab" || n.Type == "subflow" {
			known[n.ID] = true
		}
		if n.IsTab() {
			tabs = append(tabs, n)
		}
	}
	for _, n := range c.Nodes {
		if n.isPlain() && n.Z != "" && !known[n.Z] {
			known[n.Z] = true
			tabs = append(tabs, Node{ID: n.Z, Type: "tab", Implicit: true})
		}
	}
	return tabs
}

// NewID returns a fresh node id in Node-RED's format: 16 lowercase hex
// digits (8 random bytes).
func NewID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

// isSubflowInstance reports whether t is "subflow:<id>" as Node-RED's
// /^subflow:(.+)$/ matches it, returning the subflow id.
func isSubflowInstance(t string) (string, bool) {
	id, ok := strings.CutPrefix(t, "subflow:")
	if !ok || id == "" || strings.ContainsAny(id, "\n\r\u2028\u2029") {
		return "", false
	}
	return id, true
}
