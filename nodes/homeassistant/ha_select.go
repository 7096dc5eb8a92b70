package homeassistant

import (
	"fmt"
	"slices"
	"strings"

	"github.com/flowgate/flowgate/engine"
)

func haSelectSpec() engine.Spec {
	return engine.Spec{
		Type: "ha-select", Category: "home assistant", Color: "#41bdf5", Icon: "switch.svg",
		Inputs: 1, Outputs: 1, LabelProp: "name", PaletteLabel: "select",
		Props: entityProps(
			engine.Prop{Name: "options", Label: "Options (comma separated)", Kind: engine.KindString, Default: "", Required: true},
			echoProp(),
		),
		Help: help("ha-select"),
	}
}

// newHASelect: an input selects one of the options; Home Assistant's
// choice leaves as msg.payload (the option's text).
func newHASelect(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	opts := splitList(p.String("options", ""))
	if len(opts) == 0 {
		// homeassistant/components/mqtt/select.py: options is required
		// (cv.ensure_list of strings), and a select without one has no state
		p.Fail("options", "a select needs at least one option")
	}
	list := make([]any, len(opts))
	for i, o := range opts {
		list[i] = o
	}
	e := newEntity(cfg, res, p, component{
		name: "select", state: true, command: true,
		toState: func(v any, _ []byte) ([]byte, error) {
			s := engine.ToString(v)
			if !slices.Contains(opts, s) {
				return nil, fmt.Errorf("invalid option %q: not one of %s", s, strings.Join(opts, ", "))
			}
			return []byte(s), nil
		},
		fromCommand: func(b []byte) (any, error) {
			if !slices.Contains(opts, string(b)) {
				return nil, fmt.Errorf("unexpected command %q", b)
			}
			return string(b), nil
		},
	}, map[string]any{"options": list})
	return e, p.Err()
}

// splitList splits a comma-separated property, trimmed, empties dropped.
func splitList(s string) []string {
	var out []string
	for v := range strings.SplitSeq(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}
