package engine

import (
	"log/slog"
	"regexp"
	"strings"
)

// Environment variables resolve as Node-RED's getSetting chain: the node
// (NR_NODE_ID, NR_NODE_NAME, NR_NODE_PATH), its groups inner first
// (NR_GROUP_ID, NR_GROUP_NAME, env), its flow: a subflow instance
// (NR_SUBFLOW_ID/NAME/PATH, its env over the definition's, then the instance
// node's group and flow) or a tab (NR_FLOW_ID, NR_FLOW_NAME, env), then the
// global-config env, then Options.Env (settings, the process). A name
// starting with `$parent.` skips the first level that holds env (a group,
// subflow or tab; not the node's own built-ins). FLOWGATE_NODE_ID
// and the other FLOWGATE_* twins are the NR_* built-ins.

// envScope is one level of the chain.
type envScope struct {
	builtin map[string]any // names answered here; nil: undefined, and the search stops
	vars    map[string]any // the evaluated env list; nil value: undefined, the search stops
	parent  *envScope
	root    func(string) (string, bool) // after the last level
	node    bool                        // a node's built-ins: `$parent.` goes on to the level above as it is
}

func (s *envScope) get(name string) (any, bool) {
	for s != nil {
		if v, ok := s.builtin[name]; ok {
			return v, v != nil
		}
		if rest, ok := strings.CutPrefix(name, "$parent."); ok && !s.node {
			name = rest
		} else if v, ok := s.vars[name]; ok {
			return CloneValue(v), v != nil
		}
		if s.parent == nil {
			if s.root != nil {
				if v, ok := s.root(name); ok {
					return v, true
				}
			}
			return nil, false
		}
		s = s.parent
	}
	return nil, false
}

// envTwins maps the FLOWGATE_* twins to Node-RED's built-in names.
var envTwins = map[string]string{
	"FLOWGATE_NODE_ID": "NR_NODE_ID", "FLOWGATE_NODE_NAME": "NR_NODE_NAME", "FLOWGATE_NODE_PATH": "NR_NODE_PATH",
	"FLOWGATE_GROUP_ID": "NR_GROUP_ID", "FLOWGATE_GROUP_NAME": "NR_GROUP_NAME",
	"FLOWGATE_FLOW_ID": "NR_FLOW_ID", "FLOWGATE_FLOW_NAME": "NR_FLOW_NAME",
	"FLOWGATE_SUBFLOW_ID": "NR_SUBFLOW_ID", "FLOWGATE_SUBFLOW_NAME": "NR_SUBFLOW_NAME", "FLOWGATE_SUBFLOW_PATH": "NR_SUBFLOW_PATH",
}

// envScopes builds and evaluates the scopes of one graph, once each.
type envScopes struct {
	log    *slog.Logger
	flows  map[string]FlowInfo
	groups map[string]GroupInfo
	global *envScope
	byID   map[string]*envScope // flows and groups
}

func newEnvScopes(g *Graph, root func(string) (string, bool), log *slog.Logger) *envScopes {
	es := &envScopes{log: log, flows: map[string]FlowInfo{}, groups: map[string]GroupInfo{}, byID: map[string]*envScope{}}
	for _, f := range g.Flows {
		es.flows[f.ID] = f
	}
	for _, gr := range g.Groups {
		es.groups[gr.ID] = gr
	}
	es.global = &envScope{builtin: map[string]any{"NR_FLOW_ID": nil, "NR_FLOW_NAME": nil}, root: root}
	es.global.vars = es.evaluate(es.global, g.GlobalEnv, "global")
	return es
}

// scope returns the scope of a flow or group id ("" is the global one).
func (es *envScopes) scope(id string, depth int) *envScope {
	if s, ok := es.byID[id]; ok {
		return s
	}
	if id == "" || depth > 2*maxSubflowDepth {
		return es.global
	}
	s := &envScope{}
	var vars []EnvVar
	if gr, ok := es.groups[id]; ok {
		s.builtin = map[string]any{"NR_GROUP_ID": gr.ID, "NR_GROUP_NAME": gr.Name}
		if gr.Group != "" {
			s.parent = es.scope(gr.Group, depth+1)
		} else {
			s.parent = es.scope(gr.Flow, depth+1)
		}
		vars = gr.Vars
	} else if f, ok := es.flows[id]; ok && f.Subflow != "" {
		s.builtin = map[string]any{
			"NR_NODE_ID": f.ID, "NR_SUBFLOW_ID": f.ID, "NR_NODE_NAME": f.InstanceName, "NR_SUBFLOW_NAME": f.InstanceName,
			"NR_NODE_PATH": f.Path, "NR_SUBFLOW_PATH": f.Path,
		}
		if f.InstanceGroup != "" {
			s.parent = es.scope(f.InstanceGroup, depth+1)
		} else {
			s.parent = es.scope(f.Parent, depth+1)
		}
		vars = f.Vars
	} else {
		f := es.flows[id]
		s.builtin = map[string]any{"NR_FLOW_ID": id, "NR_FLOW_NAME": f.Label}
		s.parent = es.global
		vars = f.Vars
	}
	es.byID[id] = s
	s.vars = es.evaluate(s, vars, id)
	return s
}

// node returns the env lookup of node n.
func (es *envScopes) node(n NodeConfig) func(string) (any, bool) {
	path := "global"
	if f, ok := es.flows[n.Flow]; ok && n.Flow != "" {
		path = f.Path
	}
	alias := n.Alias
	if alias == "" {
		alias = n.ID
	}
	var name any
	if _, ok := n.Props["name"]; ok {
		name = n.Name
	}
	s := &envScope{builtin: map[string]any{"NR_NODE_ID": n.ID, "NR_NODE_NAME": name, "NR_NODE_PATH": path + "/" + alias}, node: true}
	if n.Group != "" {
		s.parent = es.scope(n.Group, 0)
	} else {
		s.parent = es.scope(n.Flow, 0)
	}
	return func(name string) (any, bool) {
		if nr, ok := envTwins[name]; ok {
			name = nr
		}
		return s.get(name)
	}
}

// evaluate is Node-RED's evaluateEnvProperties: each entry by its type, env
// entries last (they may name entries of the same list); an entry whose
// value is its own name reaches the level above.
func (es *envScopes) evaluate(s *envScope, list []EnvVar, where string) map[string]any {
	if len(list) == 0 {
		return nil
	}
	vals := make(map[string]any, len(list))
	var envTyped []EnvVar
	for _, e := range list {
		var v any = e.Value
		switch e.Type {
		case TypedEnv:
			envTyped = append(envTyped, e)
		case TypedBool:
			v = e.Value == "true"
		case "cred":
		case "conf-type":
			if envWholeRef.MatchString(e.Value) {
				v, _ = s.get(e.Value[2 : len(e.Value)-1])
			}
		default:
			t, err := CompileTyped(e.Type, e.Value)
			if err == nil {
				v, err = t.Eval(nil, nil)
			}
			if err != nil {
				es.log.Error("error evaluating env property", "flow", where, "name", e.Name, "err", err)
				v = nil
			}
		}
		vals[e.Name] = v
	}
	for _, e := range envTyped {
		value := e.Value
		if value == e.Name {
			value = "$parent." + value
		}
		if v, ok := vals[value]; ok {
			vals[e.Name] = v
			continue
		}
		vals[e.Name] = expandEnvValue(value, func(name string) (any, bool) {
			switch name {
			case "NR_NODE_ID", "NR_NODE_NAME", "NR_NODE_PATH":
				return nil, false // Node-RED asks a stand-in node without them
			}
			if v, ok := vals[name]; ok {
				return v, v != nil
			}
			return s.get(name)
		})
	}
	return vals
}

var (
	envWholeRef = regexp.MustCompile(`^\$\{[^}]+\}$`)
	envAnyRef   = regexp.MustCompile(`\$\{\S+\}`)
	envEachRef  = regexp.MustCompile(`\$\{[^}]+\}`)
)

// expandEnvValue is Node-RED's evaluateEnvProperty: a lone `${A}` or a bare
// name is that variable's value as it is (a number stays a number), text with
// `${A}` references has them replaced; unset is "".
func expandEnvValue(value string, get func(string) (any, bool)) any {
	var name string
	switch {
	case envWholeRef.MatchString(value):
		name = value[2 : len(value)-1]
	case !envAnyRef.MatchString(value):
		name = value
	default:
		return envEachRef.ReplaceAllStringFunc(value, func(ref string) string {
			v, ok := get(ref[2 : len(ref)-1])
			if !ok {
				return ""
			}
			return envText(v)
		})
	}
	if v, ok := get(name); ok {
		return v
	}
	return ""
}

// envText is a variable's value as text (JavaScript's String(v)).
func envText(v any) string {
	if v == nil {
		return ""
	}
	return ToString(v)
}

// EnvValue returns the environment variable name as the node sees it, with
// its type: a subflow or tab env entry of type num is a number, json an
// object, and so on (Node-RED's env.get and env typed inputs). Env is the
// same as text.
func (res *Resources) EnvValue(name string) (any, bool) {
	if res.envValue != nil {
		return res.envValue(name)
	}
	if res.env != nil {
		return res.env(name)
	}
	return nil, false
}

// ExpandEnvValue is ExpandEnv keeping the variable's type when the value is
// one reference (`${A}` or the bare name A), as Node-RED's env typed input.
func ExpandEnvValue(res *Resources, value string) any {
	return expandEnvValue(value, func(name string) (any, bool) {
		if res == nil {
			return nil, false
		}
		return res.EnvValue(name)
	})
}
