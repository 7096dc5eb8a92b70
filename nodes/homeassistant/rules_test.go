package homeassistant

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/flowgate/flowgate/engine"
)

// TestRulesRefuseWhatHomeAssistantRefuses: an entity whose config Home
// Assistant would refuse is a deploy warning naming the field, shows a red
// status and is never announced; the same node with the value fixed is
// announced.
func TestRulesRefuseWhatHomeAssistantRefuses(t *testing.T) {
	addr := startBroker(t)
	for _, tc := range []struct {
		name, node, field string
		bad, good         string // the property's JSON
	}{
		{"icon without prefix", `"type":"ha-button","icon":%s`, "icon", `"restart"`, `"mdi:restart"`},
		{"sensor device class", `"type":"ha-sensor","deviceClass":%s`, "deviceClass", `"temprature"`, `"Temperature"`},
		{"binary sensor device class", `"type":"ha-binary-sensor","deviceClass":%s`, "deviceClass", `"temperature"`, `"door"`},
		{"switch device class", `"type":"ha-switch","deviceClass":%s`, "deviceClass", `"door"`, `"outlet"`},
		{"button device class", `"type":"ha-button","deviceClass":%s`, "deviceClass", `"reboot"`, `"restart"`},
		{"number device class", `"type":"ha-number","deviceClass":%s`, "deviceClass", `"timestamp"`, `"temperature"`},
		{"state class", `"type":"ha-sensor","stateClass":%s`, "stateClass", `"measurment"`, `"measurement"`},
		{"state class of a timestamp", `"type":"ha-sensor","deviceClass":"timestamp","stateClass":%s`, "stateClass", `"measurement"`, `""`},
		{"unit of an enum", `"type":"ha-sensor","deviceClass":"enum","unit":%s`, "unit", `"°C"`, `""`},
		{"entity category", `"type":"ha-sensor","entityCategory":%s`, "entityCategory", `"diagnostics"`, `"diagnostic"`},
		{"number min = max", `"type":"ha-number","min":10,"max":%s`, "max", `10`, `10.5`},
		{"number min > max", `"type":"ha-number","min":10,"max":%s`, "max", `"5"`, `"50"`},
		{"number step", `"type":"ha-number","step":%s`, "step", `0.0005`, `0.001`},
		{"number mode", `"type":"ha-number","mode":%s`, "mode", `"dial"`, `"box"`},
		{"cover device class", `"type":"ha-cover","deviceClass":%s`, "deviceClass", `"curtains"`, `"curtain"`},
		{"valve device class", `"type":"ha-valve","deviceClass":%s`, "deviceClass", `"oil"`, `"gas"`},
		{"update device class", `"type":"ha-update","deviceClass":%s`, "deviceClass", `"software"`, `"firmware"`},
		{"fan preset None", `"type":"ha-fan","presetModes":%s`, "presetModes", `"None"`, `"eco"`},
		{"climate mode", `"type":"ha-climate","modes":%s`, "modes", `"warm"`, `"heat"`},
		{"climate unit", `"type":"ha-climate","unit":%s`, "unit", `"K"`, `"F"`},
		{"light kelvin range", `"type":"ha-light","colorTemp":true,"minKelvin":2700,"maxKelvin":%s`, "maxKelvin", `2000`, `6500`},
		{"sensor expire after", `"type":"ha-sensor","expireAfter":%s`, "expireAfter", `-5`, `60`},
		{"binary sensor expire after", `"type":"ha-binary-sensor","expireAfter":%s`, "expireAfter", `1.5`, `0`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ha := newHomeAssistant(t, addr)
			h := newHarness(t)
			node := func(id, v string) string {
				return fmt.Sprintf(`{"id":%q,"z":"t","device":"dev","name":"x",`+tc.node+`,"wires":[]}`, id, v)
			}
			w := h.Deploy(flow(addr, node("bad", tc.bad), node("good", tc.good)))
			i := slices.IndexFunc(w, func(w engine.Warning) bool { return w.Node == "bad" && w.Field == tc.field })
			if i < 0 {
				t.Fatalf("no warning on field %s of bad: %v", tc.field, w)
			}
			if !strings.Contains(w[i].Reason, strings.Trim(tc.bad, `"`)) && tc.field != "max" && tc.field != "step" {
				t.Errorf("warning %q does not name the value", w[i].Reason)
			}
			if slices.ContainsFunc(w, func(w engine.Warning) bool { return w.Node == "good" }) {
				t.Errorf("warnings on good: %v", w)
			}
			if !h.Inert("bad") {
				t.Error("bad is not inert with a red status")
			}
			comp := strings.ReplaceAll(strings.TrimPrefix(strings.Split(tc.node, `"`)[3], "ha-"), "-", "_")
			if p, _ := ha.next("homeassistant/" + comp + "/dev/good/config"); p == "" {
				t.Fatal("good not announced")
			}
			// announcements go out in one pass, bad's first if it had one
			if _, ok := retained(t, addr)["homeassistant/"+comp+"/dev/bad/config"]; ok {
				t.Error("a config Home Assistant refuses was published")
			}
		})
	}
}

// TestRulesSelects: the editor offers Home Assistant's lists as selects.
func TestRulesSelects(t *testing.T) {
	specs := map[string]engine.Spec{}
	for _, ty := range Types() {
		specs[ty.Spec.Type] = ty.Spec
	}
	options := func(typ, prop string) []string {
		for _, p := range specs[typ].Props {
			if p.Name == prop {
				if p.Kind != engine.KindSelect {
					t.Errorf("%s %s is %s, not a select", typ, prop, p.Kind)
				}
				var vs []string
				for _, o := range p.Options {
					vs = append(vs, o.Value)
				}
				return vs
			}
		}
		t.Errorf("%s has no %s", typ, prop)
		return nil
	}
	for _, tc := range []struct{ typ, prop, want string }{
		{"ha-sensor", "deviceClass", "temperature"},
		{"ha-sensor", "deviceClass", "timestamp"},
		{"ha-sensor", "stateClass", "total_increasing"},
		{"ha-binary-sensor", "deviceClass", "motion"},
		{"ha-switch", "deviceClass", "outlet"},
		{"ha-button", "deviceClass", "identify"},
		{"ha-number", "deviceClass", "humidity"},
		{"ha-number", "mode", "slider"},
		{"ha-light", "entityCategory", "diagnostic"},
		{"ha-cover", "deviceClass", "shutter"},
		{"ha-valve", "deviceClass", "water"},
		{"ha-update", "deviceClass", "firmware"},
		{"ha-climate", "unit", "F"},
	} {
		if vs := options(tc.typ, tc.prop); !slices.Contains(vs, tc.want) {
			t.Errorf("%s %s options %v lack %q", tc.typ, tc.prop, vs, tc.want)
		}
	}
}
