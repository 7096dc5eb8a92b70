package common

import (
	"context"

	"github.com/flowgate/flowgate/engine"
)

func junctionSpec() engine.Spec {
	return engine.Spec{
		Type: "junction", Category: "common", Color: "#ddd",
		Inputs: 1, Outputs: 1,
		Props: []engine.Prop{},
		Help:  help("junction"),
	}
}

// junction is a wiring point: every message passes through unchanged.
type junction struct{}

var _ engine.Handler = junction{}

func newJunction(*engine.Config, *engine.Resources) (engine.Node, error) { return junction{}, nil }

// Handle forwards m.
func (junction) Handle(_ context.Context, m engine.Msg, out *engine.Output) error {
	out.Send(0, m)
	return nil
}
