package network

import (
	"context"
	"errors"

	"github.com/gorilla/websocket"

	"github.com/flowgate/flowgate/engine"
)

func websocketOutSpec() engine.Spec {
	return engine.Spec{
		Type: "websocket out", Category: "network", Color: "rgb(215, 215, 160)", Icon: "white-globe.svg",
		LabelProp: "name", PaletteLabel: "websocket out", Inputs: 1, Outputs: 0, Align: "right",
		Props: wsNodeProps(),
		Help:  help("websocket out"),
	}
}

// wsOut sends msg.payload (or the whole msg) to the session in
// msg._session, or to every session of its config node.
type wsOut struct {
	res    *engine.Resources
	id     string
	config string
	hub    *wsHub // set by Start
}

func newWebsocketOut(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	n := &wsOut{res: res, id: cfg.ID, config: wsConfigID(p)}
	return n, p.Err()
}

// Start registers with the config node (for its status).
func (n *wsOut) Start(context.Context) error {
	hub, ok := lookupWSHub(n.res, n.config)
	if !ok {
		n.res.Error(errors.New("Missing server configuration"), nil)
		return nil
	}
	n.hub = hub
	hub.register(n.id, wsUser{res: n.res})
	return nil
}

// Close deregisters from the config node.
func (n *wsOut) Close(context.Context) error {
	if n.hub != nil {
		n.hub.deregister(n.id)
	}
	n.res.Status(engine.Status{})
	return nil
}

// Handle queues the frame; it never waits for a peer.
func (n *wsOut) Handle(_ context.Context, m engine.Msg, _ *engine.Output) error {
	if n.hub == nil {
		return nil
	}
	var f wsFrame
	if n.hub.wholemsg {
		c := make(engine.Msg, len(m))
		for k, v := range m {
			if k != "_session" {
				c[k] = v
			}
		}
		s, err := engine.JSONString(c, "")
		if err != nil {
			return err
		}
		f = wsFrame{kind: websocket.TextMessage, data: []byte(s)}
	} else {
		p, ok := m["payload"]
		if !ok {
			return nil
		}
		switch t := p.(type) {
		case []byte:
			f = wsFrame{kind: websocket.BinaryMessage, data: t}
		case *engine.Object, map[string]any, []any:
			s, err := engine.JSONString(t, "")
			if err != nil {
				return err
			}
			f = wsFrame{kind: websocket.TextMessage, data: []byte(s)}
		default:
			s := engine.ToString(t)
			if s == "" {
				return nil // Node-RED sends nothing for a falsy payload
			}
			f = wsFrame{kind: websocket.TextMessage, data: []byte(s)}
		}
	}
	id := ""
	if s, ok := engine.AsObject(m["_session"]); ok && s.Value("type") == "websocket" {
		id, _ = s.Value("id").(string)
		if id == "" {
			return nil
		}
	}
	n.hub.send(id, f)
	return nil
}
