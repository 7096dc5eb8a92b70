package network

import (
	"context"
	"errors"

	"github.com/flowgate/flowgate/engine"
)

func websocketInSpec() engine.Spec {
	return engine.Spec{
		Type: "websocket in", Category: "network", Color: "rgb(215, 215, 160)", Icon: "white-globe.svg",
		LabelProp: "name", PaletteLabel: "websocket in", Inputs: 0, Outputs: 1,
		Props: wsNodeProps(),
		Help:  help("websocket in"),
	}
}

// wsNodeProps are the properties of websocket in and out: a listener
// (server) or a client, whichever the Type select chose.
func wsNodeProps() []engine.Prop {
	return []engine.Prop{
		{Name: "name", Label: "Name", Kind: engine.KindString, Default: ""},
		{Name: "server", Label: "Path", Kind: engine.KindConfig, ConfigType: "websocket-listener", Default: ""},
		{Name: "client", Label: "URL", Kind: engine.KindConfig, ConfigType: "websocket-client", Default: ""},
	}
}

// wsIn sends every message received by its listener or client config node.
type wsIn struct {
	res    *engine.Resources
	id     string
	config string
	hub    *wsHub // set by Start
}

func newWebsocketIn(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	n := &wsIn{res: res, id: cfg.ID, config: wsConfigID(p)}
	return n, p.Err()
}

// wsConfigID is Node-RED's `n.client ? n.client : n.server`.
func wsConfigID(p *engine.Props) string {
	if c := p.String("client", ""); c != "" {
		return c
	}
	return p.String("server", "")
}

// Start registers with the config node.
func (n *wsIn) Start(context.Context) error {
	hub, ok := lookupWSHub(n.res, n.config)
	if !ok {
		n.res.Error(errors.New("Missing server configuration"), nil)
		return nil
	}
	n.hub = hub
	hub.register(n.id, wsUser{res: n.res, input: true})
	return nil
}

// Close deregisters from the config node.
func (n *wsIn) Close(context.Context) error {
	if n.hub != nil {
		n.hub.deregister(n.id)
	}
	n.res.Status(engine.Status{})
	return nil
}
