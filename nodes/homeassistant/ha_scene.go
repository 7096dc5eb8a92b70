package homeassistant

import "github.com/flowgate/flowgate/engine"

func haSceneSpec() engine.Spec {
	return engine.Spec{
		Type: "ha-scene", Category: "home assistant", Color: "#41bdf5", Icon: "inject.svg",
		Inputs: 0, Outputs: 1, LabelProp: "name", PaletteLabel: "scene",
		Props: entityProps(),
		Help:  help("ha-scene"),
	}
}

// newHAScene: activating the scene in Home Assistant sends msg.payload
// "ON" (homeassistant/components/mqtt/scene.py payload_on).
func newHAScene(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	e := newEntity(cfg, res, p, component{
		name: "scene", command: true,
		fromCommand: func(b []byte) (any, error) { return string(b), nil },
	}, nil)
	return e, p.Err()
}
