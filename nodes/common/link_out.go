package common

import (
	"context"

	"github.com/flowgate/flowgate/engine"
)

func linkOutSpec() engine.Spec {
	return engine.Spec{
		Type: "link out", Category: "common", Color: "#ddd", Icon: "link-out.svg", LabelProp: "name",
		Inputs: 1, Align: "right",
		Props: []engine.Prop{
			{Name: "name", Kind: engine.KindString, Default: ""},
			{Name: "mode", Kind: engine.KindSelect, Default: linkModeLink, Options: []engine.Option{
				{Value: linkModeLink, Label: "Send to all connected link nodes"},
				{Value: linkModeReturn, Label: "Return to calling link node"},
			}},
			{Name: "links", Kind: engine.KindNodes, Default: []any{}},
		},
		Help: help("link out"),
	}
}

// Link out modes.
const (
	linkModeLink   = "link"
	linkModeReturn = "return"
)

// linkOut sends every message to the link in nodes it lists (mode "link"),
// or back to the link call node that called the flow it ends (mode "return").
type linkOut struct {
	id, name, flow string
	mode           string
	links          []string
	res            *engine.Resources
}

var (
	_ engine.Linker  = (*linkOut)(nil)
	_ engine.Handler = (*linkOut)(nil)
)

func newLinkOut(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	n := &linkOut{id: cfg.ID, name: cfg.Name, flow: cfg.Flow, res: res}
	n.mode = p.String("mode", linkModeLink)
	switch n.mode {
	case "":
		n.mode = linkModeLink
	case linkModeLink, linkModeReturn:
	default:
		p.Fail("mode", `must be "link" or "return", got %q`, n.mode)
	}
	p.Decode("links", &n.links)
	return n, p.Err()
}

// LinkTargets implements engine.Linker: in link mode, port 0 reaches the
// listed link in nodes.
func (n *linkOut) LinkTargets() []string {
	if n.mode != linkModeLink {
		return nil
	}
	return n.links
}

// Handle sends m on to the link in nodes, or returns it to its caller.
func (n *linkOut) Handle(_ context.Context, m engine.Msg, out *engine.Output) error {
	m["_event"] = "node:" + n.id
	if n.mode == linkModeLink {
		out.Send(0, m)
		return nil
	}
	stack, _ := m["_linkSource"].([]any)
	if len(stack) == 0 {
		n.res.Warn("Missing return node information")
		return nil
	}
	top := stack[len(stack)-1]
	m["_linkSource"] = stack[:len(stack)-1]
	src, _ := engine.AsObject(top)
	eventID, _ := src.Value("id").(string)
	callerID, _ := src.Value("node").(string)
	if caller, ok := n.res.Lookup(callerID); ok {
		if lc, ok := caller.(*linkCall); ok {
			lc.returnMessage(eventID, m)
			return nil
		}
	}
	n.res.Warn("Missing return node information")
	return nil
}
