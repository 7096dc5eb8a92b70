// Package yamlvalue decodes YAML into message values (JSON-like maps,
// slices and float64 numbers), for the node types that read YAML (yaml,
// template with YAML output).
package yamlvalue

import (
	"gopkg.in/yaml.v3"

	"github.com/flowgate/flowgate/engine"
)

// Load parses one YAML document; defined is false for an empty document
// (js-yaml's undefined). Errors are yaml.v3's.
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
	return FromYAML(raw), true, nil
}

// FromYAML converts what yaml.v3 decodes into message values, in place
// where it can.
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
	case map[string]any:
		for k, e := range t {
			t[k] = FromYAML(e)
		}
		return t
	case map[any]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[engine.ToString(FromYAML(k))] = FromYAML(e)
		}
		return out
	case []any:
		for i, e := range t {
			t[i] = FromYAML(e)
		}
		return t
	}
	return v
}
