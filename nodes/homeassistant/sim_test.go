package homeassistant

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
)

// TestSimAcceptsEveryEntity: Home Assistant (the simulator) accepts the
// config of every entity type, shows them available, reads their states
// and drives them with commands; on the embedded broker and on mosquitto.
func TestSimAcceptsEveryEntity(t *testing.T) {
	forBrokers(t, func(t *testing.T, addr string) {
		sim := newHASim(t, addr)
		h := newHarness(t)
		since := sim.mark()
		h.Deploy(flow(addr, entityNodes...))
		for _, id := range []string{"sw", "sen", "bin", "btn", "num", "lt"} {
			sim.entity("flowgate_"+id, since)
		}
		sim.ok()
		for _, id := range []string{"sw", "sen", "lt"} {
			sim.waitAvailable("flowgate_" + id)
		}
		t.Run("states", func(t *testing.T) {
			for _, tc := range []struct {
				node    string
				payload any
				want    string
			}{
				{"sw", true, "ON"},
				{"sen", 21.5, "21.5"},
				{"bin", "open", ""}, // refused by the node: nothing published
				{"bin", 1.0, "ON"},
				{"num", 12.0, "12"},
				{"lt", engine.ObjectOf("state", "on", "brightness", 40.0), `{"state":"ON","brightness":40,"color_mode":"brightness"}`},
			} {
				mark := sim.mark()
				h.Send(tc.node, engine.Msg{"payload": tc.payload})
				if tc.want == "" {
					continue
				}
				if got := sim.state("flowgate_"+tc.node, mark); got != tc.want {
					t.Errorf("%s state %q, want %q", tc.node, got, tc.want)
				}
			}
			sim.ok()
		})
		t.Run("commands", func(t *testing.T) {
			h.Reset()
			for i, tc := range []struct {
				node, payload string
				want          any
			}{
				{"sw", "OFF", false},
				{"btn", "PRESS", "PRESS"},
				{"num", "17", 17.0},
				{"lt", `{"state":"ON","brightness":100}`, nil},
			} {
				sim.command("flowgate_"+tc.node, tc.payload)
				msgs := h.Wait("out", i+1, 5*time.Second)
				if got := msgs[i]["payload"]; tc.want != nil && got != tc.want {
					t.Errorf("%s command %q left as %v, want %v", tc.node, tc.payload, got, tc.want)
				}
			}
			sim.ok()
		})
	})
}

// TestSimRules: the simulator's rules accept Flowgate's golden configs
// and refuse each breach of Home Assistant's schemas (so that a test
// passing with the simulator means something).
func TestSimRules(t *testing.T) {
	golden := func(component string) map[string]any {
		b, err := os.ReadFile(filepath.Join("testdata", "discovery_"+component+".json"))
		if err != nil {
			t.Fatal(err)
		}
		var cfg map[string]any
		if err := json.Unmarshal(b, &cfg); err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	for _, c := range []string{"switch", "sensor", "binary_sensor", "button", "number", "light"} {
		if p := validateConfig(c, golden(c)); len(p) > 0 {
			t.Errorf("%s golden refused: %v", c, p)
		}
	}
	for _, tc := range []struct {
		name, component string
		change          func(map[string]any)
	}{
		{"icon without prefix", "button", func(m map[string]any) { m["icon"] = "restart" }},
		{"device class", "sensor", func(m map[string]any) { m["device_class"] = "door" }},
		{"state class", "sensor", func(m map[string]any) { m["state_class"] = "sum" }},
		{"entity category", "switch", func(m map[string]any) { m["entity_category"] = "system" }},
		{"step", "number", func(m map[string]any) { m["step"] = 0.0001 }},
		{"min = max", "number", func(m map[string]any) { m["min"] = m["max"] }},
		{"unknown key", "switch", func(m map[string]any) { m["stat_topic"] = "x" }},
		{"no command topic", "switch", func(m map[string]any) { delete(m, "command_topic") }},
		{"no state topic", "sensor", func(m map[string]any) { delete(m, "state_topic") }},
		{"wildcard topic", "switch", func(m map[string]any) { m["command_topic"] = "a/+/set" }},
		{"both availabilities", "sensor", func(m map[string]any) { m["availability"] = []any{map[string]any{"topic": "a"}} }},
		{"device without ids", "sensor", func(m map[string]any) { m["device"] = map[string]any{"name": "x"} }},
		{"origin without name", "sensor", func(m map[string]any) { m["origin"] = map[string]any{} }},
		{"color modes", "light", func(m map[string]any) { m["supported_color_modes"] = []any{"brightness", "rgb"} }},
		{"enum sensor with unit", "sensor", func(m map[string]any) { m["device_class"] = "enum" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := golden(tc.component)
			tc.change(cfg)
			if p := validateConfig(tc.component, cfg); len(p) == 0 {
				t.Errorf("accepted %v", cfg)
			}
		})
	}
}

// TestSimRulesMoreTypes: the simulator's rules for cover, fan, climate,
// siren, valve, update and light colours accept a valid config and state
// and refuse each breach (so that TestSimMoreEntityTypes passing means
// something).
func TestSimRulesMoreTypes(t *testing.T) {
	base := map[string]func() map[string]any{
		"cover": func() map[string]any {
			return map[string]any{"unique_id": "c", "command_topic": "c/set", "state_topic": "c/state", "position_topic": "c/pos", "set_position_topic": "c/pos/set", "device_class": "blind"}
		},
		"fan": func() map[string]any {
			return map[string]any{"unique_id": "f", "command_topic": "f/set", "preset_modes": []any{"eco"}, "preset_mode_state_topic": "f/p", "percentage_state_topic": "f/pc"}
		},
		"climate": func() map[string]any {
			return map[string]any{"unique_id": "k", "modes": []any{"off", "heat"}, "mode_state_topic": "k/m", "temperature_unit": "C", "temp_step": 0.5}
		},
		"siren": func() map[string]any {
			return map[string]any{"unique_id": "s", "command_topic": "s/set", "available_tones": []any{"ding"}}
		},
		"valve": func() map[string]any {
			return map[string]any{"unique_id": "v", "command_topic": "v/set", "device_class": "water"}
		},
		"update": func() map[string]any {
			return map[string]any{"unique_id": "u", "state_topic": "u/state", "device_class": "firmware"}
		},
		"light": func() map[string]any {
			return map[string]any{"unique_id": "l", "command_topic": "l/set", "schema": "json", "supported_color_modes": []any{"rgb", "color_temp"}, "color_temp_kelvin": true, "min_kelvin": 2700.0, "max_kelvin": 6500.0}
		},
	}
	for c, cfg := range base {
		if p := validateConfig(c, cfg()); len(p) > 0 {
			t.Errorf("%s refused: %v", c, p)
		}
	}
	for _, tc := range []struct {
		name, component string
		change          func(map[string]any)
	}{
		{"set position without position", "cover", func(m map[string]any) { delete(m, "position_topic") }},
		{"cover device class", "cover", func(m map[string]any) { m["device_class"] = "curtains" }},
		{"fan without command topic", "fan", func(m map[string]any) { delete(m, "command_topic") }},
		{"fan preset None", "fan", func(m map[string]any) { m["preset_modes"] = []any{"eco", "None"} }},
		{"fan speed range", "fan", func(m map[string]any) { m["speed_range_min"] = 0.0 }},
		{"climate mode", "climate", func(m map[string]any) { m["modes"] = []any{"heat", "warm"} }},
		{"climate unit", "climate", func(m map[string]any) { m["temperature_unit"] = "K" }},
		{"siren without command topic", "siren", func(m map[string]any) { delete(m, "command_topic") }},
		{"valve position and payloads", "valve", func(m map[string]any) { m["reports_position"] = true; m["payload_open"] = "OPEN" }},
		{"update device class", "update", func(m map[string]any) { m["device_class"] = "software" }},
		{"light colour mode", "light", func(m map[string]any) { m["supported_color_modes"] = []any{"rgb", "rgbx"} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := base[tc.component]()
			tc.change(cfg)
			if p := validateConfig(tc.component, cfg); len(p) == 0 {
				t.Errorf("accepted %v", cfg)
			}
		})
	}
	entity := func(c string) *simEntity { return &simEntity{component: c, cfg: base[c]()} }
	for _, tc := range []struct {
		component, key, state string
		ok                    bool
	}{
		{"cover", "", "opening", true}, {"cover", "", "ajar", false},
		{"cover", "position_topic", "40", true}, {"cover", "position_topic", "40.5", false}, {"cover", "position_topic", "101", false},
		{"fan", "percentage_state_topic", "0", true}, {"fan", "percentage_state_topic", "101", false},
		{"fan", "preset_mode_state_topic", "eco", true}, {"fan", "preset_mode_state_topic", "party", false},
		{"climate", "mode_state_topic", "heat", true}, {"climate", "mode_state_topic", "cool", false},
		{"climate", "temperature_state_topic", "21.5", true}, {"climate", "temperature_state_topic", "warm", false},
		{"siren", "", `{"state":"ON","tone":"ding","volume_level":0.5}`, true}, {"siren", "", `{"tone":"honk"}`, false},
		{"siren", "", `{"volume_level":2}`, false}, {"valve", "", "closed", true}, {"valve", "", "stopped", false},
		{"update", "", `{"installed_version":"1","latest_version":"2"}`, true}, {"update", "", `{"version":"2"}`, false},
		{"light", "", `{"state":"ON","color_mode":"rgb","color":{"r":1,"g":2,"b":3}}`, true},
		{"light", "", `{"state":"ON","color_mode":"rgb","color":{"r":256,"g":2,"b":3}}`, false},
		{"light", "", `{"state":"ON","color_mode":"color_temp","color_temp":2000}`, false},
		{"light", "", `{"state":"ON","color_mode":"hs","color":{"h":1,"s":2}}`, false},
	} {
		e := entity(tc.component)
		p := checkState(e, tc.state)
		if tc.key != "" {
			p = checkPartState(e, tc.key, tc.state)
		}
		if (p == "") != tc.ok {
			t.Errorf("%s %s %q: problem %q, want ok %v", tc.component, tc.key, tc.state, p, tc.ok)
		}
	}
}

// TestSimCommandsSurviveRedeploys: over 20 full deploys of the same flow,
// every command Home Assistant sends once the entities are announced
// again reaches the flow; on the embedded broker and on mosquitto.
func TestSimCommandsSurviveRedeploys(t *testing.T) {
	forBrokers(t, func(t *testing.T, addr string) {
		if strings.HasSuffix(t.Name(), "/mochi") && os.Getenv("FLOWGATE_HA_MOCHI_REDEPLOYS") == "" {
			// about 1 run in 15: the gateway's client has the SUBACK of a
			// command topic, the broker delivers the next command on it to
			// another subscriber but not to the gateway (never on mosquitto)
			t.Skip("known: mochi loses a command after a full redeploy about once in 300; FLOWGATE_HA_MOCHI_REDEPLOYS=1 runs it")
		}
		sim := newHASim(t, addr)
		h := newHarness(t)
		f := flow(addr, entityNodes[0], entityNodes[4])
		sent := 0
		for round := range 20 {
			since := sim.mark()
			if _, err := h.TryDeploy(f, engine.DeployFull); err != nil {
				t.Fatal(err)
			}
			sim.entity("flowgate_sw", since)
			sim.entity("flowgate_num", since)
			sim.waitAvailable("flowgate_sw")
			on := []string{"ON", "OFF"}[round%2]
			sim.command("flowgate_sw", on)
			sim.command("flowgate_num", strconv.Itoa(5+round))
			sent += 2
			if !h.WaitCount("out", sent, 5*time.Second) {
				t.Fatalf("round %d: %d of %d commands reached the flow: %v", round, len(h.Collected()["out"]), sent, h.Collected()["out"])
			}
		}
		msgs := h.Collected()["out"]
		for i := range 20 {
			if sw, num := msgs[2*i]["payload"], msgs[2*i+1]["payload"]; sw != (i%2 == 0) || num != float64(5+i) {
				t.Errorf("round %d: commands left as %v, %v", i, sw, num)
			}
		}
		sim.ok()
	})
}

// newTypeNodes has one node of each entity type added with device-based
// discovery, their outputs collected.
var newTypeNodes = []string{
	`{"id":"sel","z":"t","type":"ha-select","name":"Mode","device":"dev","options":"eco, comfort ,away","echo":true,"wires":[["out"]]}`,
	`{"id":"txt","z":"t","type":"ha-text","name":"Message","device":"dev","min":1,"max":20,"pattern":"^[a-z ]+$","mode":"text","echo":true,"wires":[["out"]]}`,
	`{"id":"scn","z":"t","type":"ha-scene","name":"Evening","device":"dev","icon":"mdi:weather-night","wires":[["out"]]}`,
	`{"id":"lck","z":"t","type":"ha-lock","name":"Gate","device":"dev","echo":true,"wires":[["out"]]}`,
	`{"id":"evt","z":"t","type":"ha-event","name":"Doorbell","device":"dev","deviceClass":"doorbell","eventTypes":"ring, long_press","wires":[]}`,
}

// TestSimNewEntityTypes: select, text, scene, lock and event are accepted
// by Home Assistant (the simulator), take states and send commands; on
// mochi and mosquitto, per device and per entity.
func TestSimNewEntityTypes(t *testing.T) {
	forBrokers(t, func(t *testing.T, addr string) {
		for _, perDevice := range []bool{true, false} {
			t.Run(fmt.Sprintf("per device %v", perDevice), func(t *testing.T) {
				sim := newHASim(t, addr)
				h := newHarness(t)
				f := flow(addr, newTypeNodes...)
				if perDevice {
					f = deviceMode(f)
				}
				since := sim.mark()
				h.Deploy(f)
				for _, id := range []string{"sel", "txt", "scn", "lck", "evt"} {
					sim.entity("flowgate_"+id, since)
				}
				sim.ok()
				for _, tc := range []struct {
					node    string
					payload any
					want    string
				}{
					{"sel", "comfort", "comfort"},
					{"txt", "hello world", "hello world"},
					{"lck", true, "LOCKED"},
					{"lck", "jammed", "JAMMED"},
					{"evt", "ring", `{"event_type":"ring"}`},
					{"evt", engine.ObjectOf("event_type", "long_press", "seconds", 3.0), `{"event_type":"long_press","seconds":3}`},
				} {
					mark := sim.mark()
					h.Send(tc.node, engine.Msg{"payload": tc.payload})
					if got := sim.state("flowgate_"+tc.node, mark); got != tc.want {
						t.Errorf("%s state %q, want %q", tc.node, got, tc.want)
					}
				}
				before := len(h.Errors())
				for _, bad := range []struct {
					node    string
					payload any
				}{{"sel", "party"}, {"txt", "Hello!"}, {"lck", "ajar"}, {"evt", "knock"}} {
					h.Send(bad.node, engine.Msg{"payload": bad.payload})
				}
				if !waitErrors(h, before+4) {
					t.Errorf("bad states: errors %v", h.Errors()[before:])
				}
				if v, ok := retained(t, addr)["flowgate/dev/evt/state"]; ok {
					t.Errorf("event retained: %q", v)
				}
				h.Reset()
				for i, tc := range []struct {
					node, payload string
					want          any
				}{
					{"sel", "away", "away"},
					{"txt", "good night", "good night"},
					{"scn", "ON", "ON"},
					{"lck", "UNLOCK", "UNLOCK"},
				} {
					sim.command("flowgate_"+tc.node, tc.payload)
					if msgs := h.Wait("out", i+1, 5*time.Second); msgs[i]["payload"] != tc.want {
						t.Errorf("%s command left as %v, want %v", tc.node, msgs[i]["payload"], tc.want)
					}
				}
				// the echo of UNLOCK, then of LOCK
				for _, want := range []string{"UNLOCKED", "LOCKED"} {
					sim.waitFor("lock state "+want, func() bool {
						e := sim.entities["flowgate_lck"]
						return e != nil && e.state == want
					})
					if want == "UNLOCKED" {
						sim.command("flowgate_lck", "LOCK")
					}
				}
				sim.ok()
				h.E.Stop(t.Context())
				for _, topic := range []string{"homeassistant/device/dev/config", "homeassistant/select/dev/sel/config", "homeassistant/text/dev/txt/config", "homeassistant/scene/dev/scn/config", "homeassistant/lock/dev/lck/config", "homeassistant/event/dev/evt/config"} {
					newHomeAssistant(t, addr).publish(topic, true, "")
				}
			})
		}
	})
}

// waitErrors waits (bounded) until the harness has n errors.
func waitErrors(h *enginetest.Harness, n int) bool {
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if len(h.Errors()) >= n {
			return true
		}
	}
	return false
}

// moreTypeNodes has one node of each entity type with parts or colour
// modes, their outputs collected.
var moreTypeNodes = []string{
	`{"id":"cov","z":"t","type":"ha-cover","name":"Shutter","device":"dev","deviceClass":"shutter","position":true,"tilt":true,"echo":true,"wires":[["out"]]}`,
	`{"id":"fan","z":"t","type":"ha-fan","name":"Fan","device":"dev","presetModes":"eco, turbo","oscillation":true,"echo":true,"wires":[["out"]]}`,
	`{"id":"clm","z":"t","type":"ha-climate","name":"Thermostat","device":"dev","modes":"off, heat, auto","minTemp":10,"maxTemp":30,"tempStep":0.5,"unit":"C","echo":true,"wires":[["out"]]}`,
	`{"id":"sir","z":"t","type":"ha-siren","name":"Alarm","device":"dev","tones":"ding, alarm","duration":true,"volume":true,"echo":true,"wires":[["out"]]}`,
	`{"id":"vlv","z":"t","type":"ha-valve","name":"Water","device":"dev","deviceClass":"water","echo":true,"wires":[["out"]]}`,
	`{"id":"upd","z":"t","type":"ha-update","name":"Firmware","device":"dev","deviceClass":"firmware","title":"Gateway","install":true,"wires":[["out"]]}`,
	`{"id":"lc","z":"t","type":"ha-light","name":"Strip","device":"dev","rgb":true,"hs":true,"colorTemp":true,"minKelvin":2700,"maxKelvin":6500,"echo":true,"wires":[["out"]]}`,
	`{"id":"sx","z":"t","type":"ha-sensor","name":"Outside","device":"dev","deviceClass":"temperature","unit":"°C","expireAfter":300,"forceUpdate":true,"wires":[]}`,
}

// TestSimMoreEntityTypes: cover, fan, climate, siren, valve, update, a
// colour light and a sensor that expires are accepted by Home Assistant
// (the simulator), take states on every topic they have (a part set by
// an input object) and send the commands of each topic into the flow,
// msg.part naming it, echoed as states; invalid states are errors and
// are not published; on mochi and mosquitto, per device and per entity.
func TestSimMoreEntityTypes(t *testing.T) {
	ids := []string{"cov", "fan", "clm", "sir", "vlv", "upd", "lc", "sx"}
	forBrokers(t, func(t *testing.T, addr string) {
		for _, perDevice := range []bool{true, false} {
			t.Run(fmt.Sprintf("per device %v", perDevice), func(t *testing.T) {
				sim := newHASim(t, addr)
				h := newHarness(t)
				f := flow(addr, moreTypeNodes...)
				if perDevice {
					f = deviceMode(f)
				}
				since := sim.mark()
				h.Deploy(f)
				cfgs := map[string]map[string]any{}
				for _, id := range ids {
					_, cfgs[id] = sim.entity("flowgate_"+id, since)
				}
				sim.ok()
				for _, c := range []struct {
					id, key string
					want    any
				}{
					{"sx", "expire_after", 300.0}, {"sx", "force_update", true},
					{"upd", "payload_install", "install"}, {"vlv", "payload_stop", "STOP"},
					{"lc", "color_temp_kelvin", true}, {"clm", "temperature_unit", "C"},
				} {
					if got := cfgs[c.id][c.key]; got != c.want {
						t.Errorf("%s config %s = %v, want %v", c.id, c.key, got, c.want)
					}
				}
				if got := fmt.Sprint(cfgs["lc"]["supported_color_modes"]); got != "[color_temp hs rgb]" {
					t.Errorf("light color modes %s", got)
				}
				t.Run("states", func(t *testing.T) {
					for _, tc := range []struct {
						node    string
						payload any
						want    map[string]string // by state topic key, "state_topic" the main one
					}{
						{"cov", "opening", map[string]string{"state_topic": "opening"}},
						{"cov", engine.ObjectOf("state", "closed"), map[string]string{"state_topic": "closed"}},
						{"fan", engine.ObjectOf("state", false), map[string]string{"state_topic": "OFF"}},
						{"cov", engine.ObjectOf("position", 40.0, "tilt", 10.4), map[string]string{"position_topic": "40", "tilt_status_topic": "10"}},
						{"fan", true, map[string]string{"state_topic": "ON"}},
						{"fan", engine.ObjectOf("percentage", 66.0, "preset_mode", "eco", "oscillation", true), map[string]string{
							"percentage_state_topic": "66", "preset_mode_state_topic": "eco", "oscillation_state_topic": "oscillate_on"}},
						{"clm", 19.5, map[string]string{"current_temperature_topic": "19.5"}},
						{"clm", engine.ObjectOf("mode", "heat", "temperature", 21.0), map[string]string{"mode_state_topic": "heat", "temperature_state_topic": "21"}},
						{"sir", engine.ObjectOf("tone", "ding", "duration", 5.0, "volume_level", 0.5), map[string]string{"state_topic": `{"state":"ON","tone":"ding","duration":5,"volume_level":0.5}`}},
						{"vlv", false, map[string]string{"state_topic": "closed"}},
						{"upd", engine.ObjectOf("installed_version", "1.0", "latest_version", "1.1"), map[string]string{"state_topic": `{"installed_version":"1.0","latest_version":"1.1"}`}},
						{"upd", "1.1", map[string]string{"state_topic": `{"installed_version":"1.1","latest_version":"1.1"}`}},
						{"lc", engine.ObjectOf("brightness", 100.0, "color", engine.ObjectOf("r", 255.0, "g", 0.0, "b", 10.0)), map[string]string{"state_topic": `{"state":"ON","brightness":100,"color_mode":"rgb","color":{"r":255,"g":0,"b":10}}`}},
						{"lc", engine.ObjectOf("color_temp", 3000.0), map[string]string{"state_topic": `{"state":"ON","brightness":100,"color_mode":"color_temp","color_temp":3000}`}},
						{"lc", engine.ObjectOf("color", engine.ObjectOf("h", 30.5, "s", 80.0)), map[string]string{"state_topic": `{"state":"ON","brightness":100,"color_mode":"hs","color":{"h":30.5,"s":80}}`}},
						{"sx", -3.5, map[string]string{"state_topic": "-3.5"}},
					} {
						mark := sim.mark()
						h.Send(tc.node, engine.Msg{"payload": tc.payload})
						for k, want := range tc.want {
							var got string
							if k == "state_topic" {
								got = sim.state("flowgate_"+tc.node, mark)
							} else {
								got = sim.partState("flowgate_"+tc.node, k, mark)
							}
							if got != want {
								t.Errorf("%s %v: %s %q, want %q", tc.node, tc.payload, k, got, want)
							}
						}
					}
					before := len(h.Errors())
					bad := []struct {
						node    string
						payload any
					}{
						{"cov", "ajar"}, {"cov", engine.ObjectOf("position", 120.0)}, {"fan", engine.ObjectOf("preset_mode", "party")},
						{"fan", engine.ObjectOf("percentage", 50.0, "speed", 3.0)}, {"clm", engine.ObjectOf("temperature", 40.0)},
						{"clm", engine.ObjectOf("mode", "cool")}, {"sir", engine.ObjectOf("tone", "honk")}, {"sir", engine.ObjectOf("volume_level", 2.0)},
						{"vlv", "stopped"}, {"upd", engine.ObjectOf("version", "2")}, {"lc", engine.ObjectOf("color_temp", 1000.0)},
						{"lc", engine.ObjectOf("color", engine.ObjectOf("r", 300.0, "g", 0.0, "b", 0.0))},
					}
					for _, b := range bad {
						h.Send(b.node, engine.Msg{"payload": b.payload})
					}
					if !waitErrors(h, before+len(bad)) {
						t.Errorf("bad states: %d errors, want %d: %v", len(h.Errors())-before, len(bad), h.Errors()[before:])
					}
					sim.ok()
				})
				t.Run("commands", func(t *testing.T) {
					h.Reset()
					for i, tc := range []struct {
						node, key, payload string
						want               any
						part               string
					}{
						{"cov", "command_topic", "STOP", "STOP", "state"},
						{"cov", "set_position_topic", "75", 75.0, "position"},
						{"cov", "tilt_command_topic", "100", 100.0, "tilt"},
						{"fan", "command_topic", "OFF", false, "state"},
						{"fan", "percentage_command_topic", "33", 33.0, "percentage"},
						{"fan", "preset_mode_command_topic", "turbo", "turbo", "preset_mode"},
						{"fan", "oscillation_command_topic", "oscillate_off", false, "oscillation"},
						{"clm", "mode_command_topic", "auto", "auto", "mode"},
						{"clm", "temperature_command_topic", "22.5", 22.5, "temperature"},
						{"sir", "command_topic", `{"state":"ON","tone":"alarm","duration":10}`, nil, ""},
						{"vlv", "command_topic", "OPEN", "OPEN", ""},
						{"upd", "command_topic", "install", "install", ""},
						{"lc", "command_topic", `{"state":"ON","color":{"h":120,"s":50}}`, nil, ""},
					} {
						sim.commandTo("flowgate_"+tc.node, tc.key, tc.payload)
						msgs := h.Wait("out", i+1, 5*time.Second)
						m := msgs[i]
						if tc.want != nil && m["payload"] != tc.want {
							t.Errorf("%s %s %q left as %v, want %v", tc.node, tc.key, tc.payload, m["payload"], tc.want)
						}
						if part, _ := m["part"].(string); part != tc.part {
							t.Errorf("%s %s: msg.part %q, want %q", tc.node, tc.key, part, tc.part)
						}
					}
					if o, ok := engine.AsObject(h.Collected()["out"][9]["payload"]); !ok || engine.ToString(must(o.Get("tone"))) != "alarm" {
						t.Errorf("siren command left as %v", h.Collected()["out"][9]["payload"])
					}
					// the echoes: each command set its state
					for _, e := range []struct{ id, key, want string }{
						{"cov", "", "stopped"}, {"cov", "position_topic", "75"}, {"cov", "tilt_status_topic", "100"},
						{"fan", "", "OFF"}, {"fan", "percentage_state_topic", "33"}, {"fan", "preset_mode_state_topic", "turbo"},
						{"fan", "oscillation_state_topic", "oscillate_off"}, {"clm", "mode_state_topic", "auto"},
						{"clm", "temperature_state_topic", "22.5"}, {"sir", "", `{"state":"ON","tone":"alarm","duration":10}`},
						{"vlv", "", "open"}, {"lc", "", `{"state":"ON","brightness":100,"color_mode":"hs","color":{"h":120,"s":50}}`},
						{"upd", "", `{"installed_version":"1.1","latest_version":"1.1"}`}, // install is not a state
					} {
						sim.waitFor(e.id+" "+e.key+" "+e.want, func() bool {
							en := sim.entities["flowgate_"+e.id]
							if en == nil {
								return false
							}
							if e.key == "" {
								return en.state == e.want
							}
							return en.parts[e.key] == e.want
						})
					}
					sim.ok()
				})
				h.E.Stop(t.Context())
				ha := newHomeAssistant(t, addr)
				ha.publish("homeassistant/device/dev/config", true, "")
				for i, id := range ids {
					comp := []string{"cover", "fan", "climate", "siren", "valve", "update", "light", "sensor"}[i]
					ha.publish("homeassistant/"+comp+"/dev/"+id+"/config", true, "")
				}
			})
		}
	})
}

// must drops the ok of a lookup.
func must(v any, _ bool) any { return v }

// TestPartStatesRemoved: deleting an entity with parts from the flows
// (device-based discovery) removes it from Home Assistant and clears the
// retained states of its parts, not only its main state.
func TestPartStatesRemoved(t *testing.T) {
	addr := startBroker(t)
	sim := newHASim(t, addr)
	h := newHarness(t)
	since := sim.mark()
	h.Deploy(deviceMode(flow(addr, entityNodes[0], moreTypeNodes[0])))
	sim.entity("flowgate_cov", since)
	mark := sim.mark()
	h.Send("cov", engine.Msg{"payload": engine.ObjectOf("state", "open", "position", 60.0, "tilt", 20.0)})
	sim.partState("flowgate_cov", "tilt_status_topic", mark)
	for _, topic := range []string{"flowgate/dev/cov/state", "flowgate/dev/cov/position/state", "flowgate/dev/cov/tilt/state"} {
		if _, ok := retained(t, addr)[topic]; !ok {
			t.Fatalf("%s not retained", topic)
		}
	}
	h.Deploy(deviceMode(flow(addr, entityNodes[0])))
	sim.gone("flowgate_cov")
	for topic := range retained(t, addr) {
		if strings.HasPrefix(topic, "flowgate/dev/cov/") {
			t.Errorf("%s still retained", topic)
		}
	}
	sim.ok()
}
