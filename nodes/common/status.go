package common

import (
	"context"

	"github.com/flowgate/flowgate/engine"
)

func statusSpec() engine.Spec {
	return engine.Spec{
		Type: "status", Category: "common", Color: "#94c1d0", Icon: "status.svg", LabelProp: "name",
		Outputs: 1,
		Props: []engine.Prop{
			{Name: "name", Kind: engine.KindString, Default: ""},
			{Name: "scope", Kind: engine.KindNodes, Default: nil},
		},
		Help: help("status"),
	}
}

// status receives the status changes of the nodes in its scope (the engine
// sets msg.status) and forwards them.
type status struct{ scope engine.Scope }

var (
	_ engine.StatusWatcher = (*status)(nil)
	_ engine.Handler       = (*status)(nil)
)

func newStatus(cfg *engine.Config, _ *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	s := readScope(p)
	if len(s.Nodes) > 0 {
		s.Nodes = dropWired(p, s.Nodes)
		if len(s.Nodes) == 0 {
			s = matchNothing()
		}
	}
	return &status{scope: s}, p.Err()
}

// StatusScope implements engine.StatusWatcher.
func (s *status) StatusScope() engine.Scope { return s.scope }

// Handle forwards the status message.
func (s *status) Handle(_ context.Context, m engine.Msg, out *engine.Output) error {
	out.Send(0, m)
	return nil
}
