package homeassistant

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/flowgate/flowgate/engine"
)

// eventDeviceClasses are an event's device classes
// (homeassistant/components/event/__init__.py EventDeviceClass).
var eventDeviceClasses = []string{"button", "doorbell", "motion"}

func haEventSpec() engine.Spec {
	return engine.Spec{
		Type: "ha-event", Category: "home assistant", Color: "#41bdf5", Icon: "arrow-in.svg",
		Inputs: 1, Outputs: 0, LabelProp: "name", PaletteLabel: "event",
		Props: entityProps(
			engine.Prop{Name: "deviceClass", Label: "Device class", Kind: engine.KindSelect, Default: "", Options: selectOptions(eventDeviceClasses, true)},
			engine.Prop{Name: "eventTypes", Label: "Event types (comma separated)", Kind: engine.KindString, Default: "press", Required: true},
		),
		Help: help("ha-event"),
	}
}

// newHAEvent: an input fires an event in Home Assistant: msg.payload is
// the event type (or an object with event_type and attributes). Events
// are not retained: Home Assistant would fire them again when it restarts.
func newHAEvent(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	types := splitList(p.String("eventTypes", "press"))
	if len(types) == 0 {
		// homeassistant/components/mqtt/event.py: event_types is required
		p.Fail("eventTypes", "an event needs at least one event type")
	}
	list := make([]any, len(types))
	for i, t := range types {
		list[i] = t
	}
	class := checkChoice(p, "deviceClass", "event device class", p.String("deviceClass", ""), eventDeviceClasses)
	e := newEntity(cfg, res, p, component{
		name: "event", state: true, event: true,
		toState: func(v any, _ []byte) ([]byte, error) {
			ev := map[string]any{}
			if o, ok := engine.AsObject(v); ok {
				b, err := engine.AppendJSON(nil, o, "")
				if err != nil || json.Unmarshal(b, &ev) != nil {
					return nil, fmt.Errorf("invalid event: %s", engine.ToString(v))
				}
			} else {
				ev["event_type"] = engine.ToString(v)
			}
			t, _ := ev["event_type"].(string)
			if !slices.Contains(types, t) {
				return nil, fmt.Errorf("invalid event type %q: not one of %s", t, strings.Join(types, ", "))
			}
			return json.Marshal(ev)
		},
	}, map[string]any{"event_types": list, "device_class": class})
	return e, p.Err()
}
