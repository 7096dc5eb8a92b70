package common

import (
	"context"

	"github.com/flowgate/flowgate/engine"
)

func linkInSpec() engine.Spec {
	return engine.Spec{
		Type: "link in", Category: "common", Color: "#ddd", Icon: "link-out.svg", LabelProp: "name",
		Outputs: 1,
		Props: []engine.Prop{
			{Name: "name", Kind: engine.KindString, Default: ""},
			{Name: "links", Kind: engine.KindNodes, Default: []any{}},
		},
		Help: help("link in"),
	}
}

// linkIn receives what link out nodes send to it (the engine wires them) and
// what link call nodes deliver to it, and forwards it. Its links list the
// link out nodes pointing at it, as the editor keeps both ends.
type linkIn struct {
	flow  string
	links []string
}

var (
	_ engine.Handler  = (*linkIn)(nil)
	_ engine.LinkSink = (*linkIn)(nil)
)

func newLinkIn(cfg *engine.Config, _ *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	n := &linkIn{flow: cfg.Flow}
	p.Decode("links", &n.links)
	return n, p.Err()
}

// LinkSources returns the link out nodes this node listens to.
func (n *linkIn) LinkSources() []string { return n.links }

// Handle forwards m.
func (n *linkIn) Handle(_ context.Context, m engine.Msg, out *engine.Output) error {
	out.Send(0, m)
	return nil
}
