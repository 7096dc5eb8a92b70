package common

import "github.com/flowgate/flowgate/engine"

func commentSpec() engine.Spec {
	return engine.Spec{
		Type: "comment", Category: "common", Color: "#ffffff", Icon: "comment.svg", LabelProp: "name",
		Props: []engine.Prop{
			{Name: "name", Kind: engine.KindString, Default: ""},
			{Name: "info", Kind: engine.KindCode, Lang: "markdown", Default: ""},
		},
		Help: help("comment"),
	}
}

// comment is a note on the canvas: no ports, no behaviour.
type comment struct{}

func newComment(cfg *engine.Config, _ *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	p.String("name", "")
	p.String("info", "")
	return comment{}, p.Err()
}
