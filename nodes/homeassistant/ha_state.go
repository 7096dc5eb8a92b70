package homeassistant

import (
	"context"
	"errors"
	"strings"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/nodes/internal/mqttconn"
)

func haStateSpec() engine.Spec {
	return engine.Spec{
		Type: "ha-state", Category: "home assistant", Color: "#41bdf5", Icon: "arrow-in.svg",
		Inputs: 0, Outputs: 1, LabelProp: "name", PaletteLabel: "state",
		Props: []engine.Prop{
			{Name: "name", Label: "Name", Kind: engine.KindString, Default: ""},
			{Name: "broker", Label: "Server", Kind: engine.KindConfig, ConfigType: "mqtt-broker", Default: "", Required: true},
			{Name: "baseTopic", Label: "Statestream base topic", Kind: engine.KindString, Default: "homeassistant"},
			{Name: "entities", Label: "Entities (comma separated; domain.* for a domain)", Kind: engine.KindString, Default: "", Required: true},
		},
		Help: help("ha-state"),
	}
}

// haState follows Home Assistant entities through its mqtt_statestream
// integration, which publishes each state on
// <base>/<domain>/<object_id>/state (homeassistant/components/
// mqtt_statestream/__init__.py).
type haState struct {
	res      *engine.Resources
	id       string
	brokerID string
	filters  []string
	conn     mqttconn.Conn
}

func newHAState(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	n := &haState{res: res, id: cfg.ID, brokerID: p.String("broker", "")}
	if n.brokerID == "" {
		p.Fail("broker", "missing broker configuration")
	}
	base := strings.Trim(p.String("baseTopic", "homeassistant"), "/")
	if base == "" || strings.ContainsAny(base, "+#") {
		p.Fail("baseTopic", "invalid base topic %q", base)
	}
	for _, id := range splitList(p.String("entities", "")) {
		domain, object, ok := strings.Cut(id, ".")
		if object == "*" {
			object = "+"
		}
		if !ok || domain == "" || object == "" || strings.ContainsAny(domain+object, "/#*") || strings.Contains(domain, "+") || (object != "+" && strings.Contains(object, "+")) {
			p.Fail("entities", "invalid entity id %q: domain.object_id or domain.*", id)
			continue
		}
		n.filters = append(n.filters, base+"/"+domain+"/"+object+"/state")
	}
	if len(n.filters) == 0 && p.Err() == nil {
		p.Fail("entities", "no entity to follow")
	}
	return n, p.Err()
}

// Start subscribes the entities' state topics; states the broker
// retained arrive at once.
func (n *haState) Start(context.Context) error {
	c, ok := mqttconn.Lookup(n.res, n.brokerID)
	if !ok {
		n.res.Error(errors.New("missing broker configuration"), nil)
		return nil
	}
	n.conn = c
	c.Register(n.id, n.res.Status)
	for _, f := range n.filters {
		c.Subscribe(f, 1, n.id, n.onState)
	}
	return nil
}

// onState sends a state: msg.topic is the entity id, msg.payload the
// state as Home Assistant writes it.
func (n *haState) onState(topic string, payload []byte, _ byte, retain bool) {
	parts := strings.Split(topic, "/")
	if len(parts) < 3 {
		return
	}
	entity := parts[len(parts)-3] + "." + parts[len(parts)-2]
	n.res.Send(0, engine.Msg{"_msgid": engine.NewMsgID(), "topic": entity, "payload": string(payload), "retain": retain})
}

// Close ends the subscriptions.
func (n *haState) Close(ctx context.Context) error {
	if n.conn != nil {
		c := n.conn
		n.conn = nil
		return runBounded(ctx, func() { c.Deregister(n.id) })
	}
	return nil
}
