package common

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/flowgate/flowgate/engine"
)

func catchSpec() engine.Spec {
	return engine.Spec{
		Type: "catch", Category: "common", Color: "#e49191", Icon: "alert.svg", LabelProp: "name",
		Outputs: 1,
		Props: []engine.Prop{
			{Name: "name", Kind: engine.KindString, Default: ""},
			{Name: "scope", Kind: engine.KindNodes, Default: nil},
			{Name: "uncaught", Kind: engine.KindBool, Default: false},
		},
		Help: help("catch"),
	}
}

// catch receives the errors of the nodes in its scope (the engine sets
// msg.error) and forwards them.
type catch struct{ scope engine.Scope }

var (
	_ engine.Catcher = (*catch)(nil)
	_ engine.Handler = (*catch)(nil)
)

func newCatch(cfg *engine.Config, _ *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	s := readScope(p)
	s.Uncaught = p.Bool("uncaught", false)
	return &catch{scope: s}, p.Err()
}

// CatchScope implements engine.Catcher.
func (c *catch) CatchScope() engine.Scope { return c.scope }

// Handle forwards the error message.
func (c *catch) Handle(_ context.Context, m engine.Msg, out *engine.Output) error {
	out.Send(0, m)
	return nil
}

// readScope reads a catch or status scope: null (every node of the flow), a
// list of node ids, or "group" (the nodes of the watcher's group).
func readScope(p *engine.Props) engine.Scope {
	var s engine.Scope
	raw := p.Raw("scope")
	if len(raw) == 0 || string(raw) == "null" {
		return s
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		p.Fail("scope", "invalid JSON: %v", err)
		return s
	}
	switch t := v.(type) {
	case string:
		if t != "group" {
			p.Fail("scope", `must be null, a list of node ids or "group", got %q`, t)
		}
		s.Group = true
	case []any:
		if len(t) == 0 {
			return matchNothing()
		}
		for _, e := range t {
			id, ok := e.(string)
			if !ok {
				p.Fail("scope", "node ids must be strings")
				return s
			}
			s.Nodes = append(s.Nodes, id)
		}
	default:
		p.Fail("scope", `must be null, a list of node ids or "group"`)
	}
	return s
}

// matchNothing is the scope of an empty node list: Node-RED matches no node,
// while an empty engine.Scope means every node, so it lists an id no node has.
func matchNothing() engine.Scope { return engine.Scope{Nodes: []string{""}} }

// dropWired removes the node's own wire targets from scope as Node-RED's
// status and complete nodes do, to avoid the simplest feedback loop. It keeps
// Node-RED's quirk: the element after a removed one is not checked.
func dropWired(p *engine.Props, scope []string) []string {
	var wires [][]string
	p.Decode("wires", &wires)
	wired := slices.Concat(wires...)
	out := slices.Clone(scope)
	for i := 0; i < len(out); i++ {
		if slices.Contains(wired, out[i]) {
			out = slices.Delete(out, i, i+1)
		}
	}
	return out
}
