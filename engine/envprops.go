package engine

import (
	"bytes"
	"encoding/json"
	"regexp"
)

// envPropRef matches a property value that is one env reference, `${NAME}` or
// the older `$(NAME)`: Node-RED replaces such values before a node is built.
var envPropRef = regexp.MustCompile(`^\$(\{\S+\}|\(\S+\))$`)

// substituteEnv returns props with every string value (at any depth) that is
// exactly an env reference replaced by the variable's value, with its type (a
// num entry gives a number), when it is set (empty counts), as Node-RED's
// mapEnvVarProperties. props is not modified.
func substituteEnv(props map[string]json.RawMessage, env func(string) (any, bool)) map[string]json.RawMessage {
	var out map[string]json.RawMessage
	for k, raw := range props {
		if k == "id" || k == "type" || k == "z" || k == "wires" || !bytes.Contains(raw, []byte(`"$`)) {
			continue
		}
		v, err := DecodeJSON(raw)
		if err != nil {
			continue
		}
		nv, changed := substituteValue(v, env)
		if !changed {
			continue
		}
		enc, err := AppendJSON(nil, nv, "")
		if err != nil {
			continue
		}
		if out == nil {
			out = make(map[string]json.RawMessage, len(props))
			for k2, v2 := range props {
				out[k2] = v2
			}
		}
		out[k] = enc
	}
	if out == nil {
		return props
	}
	return out
}

func substituteValue(v any, env func(string) (any, bool)) (any, bool) {
	switch t := v.(type) {
	case string:
		if !envPropRef.MatchString(t) {
			return t, false
		}
		if val, ok := env(t[2 : len(t)-1]); ok {
			return val, true
		}
	case []any:
		changed := false
		for i, e := range t {
			if nv, c := substituteValue(e, env); c {
				t[i], changed = nv, true
			}
		}
		return t, changed
	case *Object:
		changed := false
		for i := range t.m {
			if nv, c := substituteValue(t.m[i].v, env); c {
				t.m[i].v, changed = nv, true
			}
		}
		return t, changed
	}
	return v, false
}
