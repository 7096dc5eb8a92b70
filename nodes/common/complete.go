package common

import (
	"context"

	"github.com/flowgate/flowgate/engine"
)

func completeSpec() engine.Spec {
	return engine.Spec{
		Type: "complete", Category: "common", Color: "#c0edc0", Icon: "alert.svg", LabelProp: "name",
		Outputs: 1,
		Props: []engine.Prop{
			{Name: "name", Kind: engine.KindString, Default: ""},
			{Name: "scope", Kind: engine.KindNodes, Default: []any{}},
			// written by Node-RED's editor, unused by its runtime
			{Name: "uncaught", Kind: engine.KindBool, Default: false, Hidden: true},
		},
		Help: help("complete"),
	}
}

// complete receives a copy of every message the nodes in its scope finish
// and forwards it.
type complete struct{ scope []string }

var (
	_ engine.CompleteWatcher = (*complete)(nil)
	_ engine.Handler         = (*complete)(nil)
)

func newComplete(cfg *engine.Config, _ *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	var scope []string
	p.Decode("scope", &scope)
	p.Bool("uncaught", false)
	return &complete{scope: dropWired(p, scope)}, p.Err()
}

// CompleteScope implements engine.CompleteWatcher.
func (c *complete) CompleteScope() []string { return c.scope }

// Handle forwards the completed message.
func (c *complete) Handle(_ context.Context, m engine.Msg, out *engine.Output) error {
	out.Send(0, m)
	return nil
}
