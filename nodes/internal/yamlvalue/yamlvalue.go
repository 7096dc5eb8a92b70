// Package yamlvalue decodes YAML into message values (*engine.Object with
// the document's key order, slices and float64 numbers), for the node types
// that read YAML (yaml, template with YAML output).
package yamlvalue

import (
	"gopkg.in/yaml.v3"

	"github.com/flowgate/flowgate/engine"
)

// Load parses one YAML document; defined is false for an empty document
// (js-yaml's undefined). Mappings keep the document's key order, merged
// keys (<<) taking the place of the merge as js-yaml gives them. Errors are
// yaml.v3's.
func Load(text string) (v any, defined bool, err error) {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		return nil, false, err
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, false, nil
	}
	var raw any
	if err := doc.Content[0].Decode(&raw); err != nil {
		return nil, false, err
	}
	return ordered(doc.Content[0], raw), true, nil
}

// ordered converts raw, the value yaml.v3 decoded from n, into message
// values, taking the key order of mappings from n.
func ordered(n *yaml.Node, raw any) any {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := stringKeys(raw)
		if m == nil {
			break
		}
		entries := mappingEntries(n, nil)
		o := engine.NewObject(len(entries))
		for _, e := range entries {
			if v, ok := m[e.key]; ok {
				o.Set(e.key, ordered(e.node, v))
			}
		}
		return o
	case yaml.SequenceNode:
		a, ok := raw.([]any)
		if !ok || len(a) != len(n.Content) {
			break
		}
		for i, e := range a {
			a[i] = ordered(n.Content[i], e)
		}
		return a
	}
	return FromYAML(raw)
}

// entry is one key of a mapping and the node of its value.
type entry struct {
	key  string
	node *yaml.Node
}

// mappingEntries appends the keys of mapping n to into in js-yaml's order:
// as written, a merge (<<) adding the keys its sources have and n lacks so
// far, a later key replacing the value of an earlier one in place.
func mappingEntries(n *yaml.Node, into []entry) []entry {
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			into = mergeEntries(v, into)
			continue
		}
		into = setEntry(into, entry{keyString(k), v}, true)
	}
	return into
}

// mergeEntries adds the keys of the merge source v (a mapping, or a
// sequence of them, the first one winning) that into lacks.
func mergeEntries(v *yaml.Node, into []entry) []entry {
	for v.Kind == yaml.AliasNode && v.Alias != nil {
		v = v.Alias
	}
	sources := []*yaml.Node{v}
	if v.Kind == yaml.SequenceNode {
		sources = v.Content
	}
	for _, s := range sources {
		for s.Kind == yaml.AliasNode && s.Alias != nil {
			s = s.Alias
		}
		if s.Kind != yaml.MappingNode {
			continue
		}
		for _, e := range mappingEntries(s, nil) {
			into = setEntry(into, e, false)
		}
	}
	return into
}

func setEntry(into []entry, e entry, replace bool) []entry {
	for i := range into {
		if into[i].key == e.key {
			if replace {
				into[i].node = e.node
			}
			return into
		}
	}
	return append(into, e)
}

// keyString is the property name JavaScript gives a mapping key.
func keyString(k *yaml.Node) string {
	var v any
	if err := k.Decode(&v); err != nil {
		return k.Value
	}
	return engine.ToString(FromYAML(v))
}

// stringKeys returns a decoded mapping with its keys as strings (not
// converting the values), or nil when raw is not a mapping.
func stringKeys(raw any) map[string]any {
	switch t := raw.(type) {
	case map[string]any:
		return t
	case map[any]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[engine.ToString(FromYAML(k))] = e
		}
		return out
	}
	return nil
}

// FromYAML converts what yaml.v3 decodes into message values, in place
// where it can. A mapping becomes an *engine.Object in sorted key order
// (a decoded Go map has lost the document's order; Load keeps it).
func FromYAML(v any) any {
	switch t := v.(type) {
	case int:
		return float64(t)
	case int64:
		return float64(t)
	case uint64:
		return float64(t)
	case float32:
		return float64(t)
	case map[string]any, map[any]any:
		m := stringKeys(t)
		o := engine.NewObject(len(m))
		for _, k := range engine.SortedKeys(m) {
			o.Set(k, FromYAML(m[k]))
		}
		return o
	case []any:
		for i, e := range t {
			t[i] = FromYAML(e)
		}
		return t
	}
	return v
}
