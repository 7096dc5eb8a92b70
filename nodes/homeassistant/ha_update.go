package homeassistant

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/flowgate/flowgate/engine"
)

func haUpdateSpec() engine.Spec {
	return engine.Spec{
		Type: "ha-update", Category: "home assistant", Color: "#41bdf5", Icon: "arrow-in.svg",
		Inputs: 1, Outputs: 1, LabelProp: "name", PaletteLabel: "update",
		Props: entityProps(deviceClassProp("update"),
			engine.Prop{Name: "title", Label: "Title", Kind: engine.KindString, Default: ""},
			engine.Prop{Name: "releaseUrl", Label: "Release URL", Kind: engine.KindString, Default: ""},
			engine.Prop{Name: "install", Label: "Can be installed from Home Assistant", Kind: engine.KindBool, Default: false},
		),
		Help: help("ha-update"),
	}
}

// updateKeys are the keys of an update's JSON state and their kinds
// (homeassistant/components/mqtt/update.py handle_state_message_received).
var updateKeys = map[string]string{
	"installed_version": "string", "latest_version": "string", "title": "string",
	"release_summary": "string", "release_url": "string", "entity_picture": "string",
	"in_progress": "bool", "update_percentage": "percent",
}

// newHAUpdate: an input sets the installed version (a string) or, as an
// object, installed_version, latest_version and the other keys of Home
// Assistant's update state, kept between inputs; Home Assistant's install
// command leaves as msg.payload "install".
func newHAUpdate(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	install := p.Bool("install", false)
	keys := map[string]any{
		"device_class": checkDeviceClass(p, "update", p.String("deviceClass", "")),
		"title":        p.String("title", ""),
		"release_url":  p.String("releaseUrl", ""),
	}
	if install {
		// mqtt/update.py payload_install has no default
		keys["payload_install"] = "install"
	}
	e := newEntity(cfg, res, p, component{
		name: "update", state: true, command: install, noEcho: true,
		toState: updateState,
		fromCommand: func(b []byte) (any, error) {
			if string(b) != "install" {
				return nil, fmt.Errorf("unexpected command %q", b)
			}
			return "install", nil
		},
	}, keys)
	return e, p.Err()
}

// updateState merges an input into the previous JSON state.
func updateState(v any, prev []byte) ([]byte, error) {
	st := map[string]any{}
	if prev != nil {
		_ = json.Unmarshal(prev, &st)
	}
	o, ok := engine.AsObject(v)
	if !ok {
		if s, isStr := v.(string); !isStr || s == "" {
			return nil, fmt.Errorf("invalid update state: %s: expected a version or an object", engine.ToString(v))
		}
		o = engine.ObjectOf("installed_version", v)
	}
	for _, k := range o.Keys() {
		x, _ := o.Get(k)
		kind, known := updateKeys[k]
		switch {
		case !known:
			return nil, fmt.Errorf("invalid update state: unknown key %q", k)
		case x == nil:
			delete(st, k)
			continue
		case kind == "string":
			s, isStr := x.(string)
			if !isStr {
				return nil, fmt.Errorf("invalid %s: not a string", k)
			}
			st[k] = s
		case kind == "bool":
			b, isBool := x.(bool)
			if !isBool {
				return nil, fmt.Errorf("invalid %s: not a boolean", k)
			}
			st[k] = b
		default:
			n := engine.ToNumber(x)
			if _, isBool := x.(bool); isBool || math.IsNaN(n) || n < 0 || n > 100 {
				return nil, fmt.Errorf("invalid %s: not a percentage", k)
			}
			st[k] = math.Round(n)
		}
	}
	return json.Marshal(st)
}
