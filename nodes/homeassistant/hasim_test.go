package homeassistant

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// haSim plays Home Assistant's MQTT integration over a real broker: it
// subscribes to discovery as Home Assistant does, checks every config key
// against rules taken from Home Assistant's schemas (the file of
// home-assistant/core each comes from is named beside it), keeps the
// entities it accepted by unique_id (refusing a second topic's config for
// a unique_id already held, as Home Assistant does), follows their states
// and availability, and sends commands. Problems are collected; a test
// fails on them with sim.ok.
//
// The device class and state class lists are the package's (rules.go),
// which name their HA source; everything else here is written from the
// HA schemas independently of the code under test.
type haSim struct {
	t      *testing.T
	c      paho.Client
	prefix string

	mu       sync.Mutex
	seq      int                   // messages received
	entities map[string]*simEntity // by unique_id
	topics   map[string][]string   // discovery topic → unique_ids it announced
	problems []string
	last     map[string]string // the last payload of every other topic
	wake     chan struct{}     // closed and replaced on every message
	history  []string          // the discovery messages, for failure reports
}

// simEntity is an entity Home Assistant accepted.
type simEntity struct {
	component, uniqueID, topic string
	cfg                        map[string]any
	announced                  int    // seq of its last (re)announcement
	state                      string // last state payload
	stateSeq                   int
	// the last payload of each further state topic, by its config key
	// (position_topic, percentage_state_topic, ...), and when it came
	parts    map[string]string
	partSeqs map[string]int
}

// partStateKeys are the config keys of the state topics an entity has
// beside state_topic, by component (homeassistant/components/mqtt/
// cover.py, fan.py and climate.py subscribe to each).
var partStateKeys = map[string][]string{
	"cover":   {"position_topic", "tilt_status_topic"},
	"fan":     {"percentage_state_topic", "preset_mode_state_topic", "oscillation_state_topic"},
	"climate": {"mode_state_topic", "temperature_state_topic", "current_temperature_topic"},
}

func newHASim(t *testing.T, addr string) *haSim {
	t.Helper()
	s := &haSim{t: t, prefix: "homeassistant", entities: map[string]*simEntity{}, topics: map[string][]string{}, last: map[string]string{}, wake: make(chan struct{})}
	o := paho.NewClientOptions().AddBroker("tcp://" + addr).SetClientID(fmt.Sprintf("hasim%d", time.Now().UnixNano()))
	o.SetOrderMatters(true)
	s.c = paho.NewClient(o)
	if tok := s.c.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("hasim connect: %v", tok.Error())
	}
	t.Cleanup(func() { s.c.Disconnect(50) })
	// Home Assistant subscribes to <prefix>/# (mqtt/discovery.py
	// async_start) and to every state and availability topic it learns;
	// the simulator takes everything and sorts it out
	if tok := s.c.Subscribe("#", 1, func(_ paho.Client, m paho.Message) { s.receive(m) }); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("hasim subscribe: %v", tok.Error())
	}
	return s
}

// discoveryTopic is Home Assistant's discovery topic pattern
// (homeassistant/components/mqtt/discovery.py TOPIC_MATCHER).
var discoveryTopic = regexp.MustCompile(`^(?P<component>\w+)/(?:(?P<node_id>[a-zA-Z0-9_-]+)/)?(?P<object_id>[a-zA-Z0-9_-]+)/config$`)

// simComponents are the components Home Assistant discovers
// (homeassistant/components/mqtt/const.py SUPPORTED_COMPONENTS, in part).
var simComponents = []string{
	"alarm_control_panel", "binary_sensor", "button", "camera", "climate", "cover",
	"device_automation", "device_tracker", "event", "fan", "humidifier", "image",
	"lawn_mower", "light", "lock", "notify", "number", "scene", "select", "sensor",
	"siren", "switch", "tag", "text", "update", "vacuum", "valve", "water_heater",
}

// abbreviations are the discovery abbreviations the simulator expands
// (homeassistant/components/mqtt/abbreviations.py ABBREVIATIONS and
// DEVICE_ABBREVIATIONS, in part).
var abbreviations = map[string]string{
	"dev": "device", "o": "origin", "cmps": "components", "p": "platform",
	"avty_t": "availability_topic", "stat_t": "state_topic", "cmd_t": "command_topic",
	"uniq_id": "unique_id", "json_attr_t": "json_attributes_topic", "dev_cla": "device_class",
	"unit_of_meas": "unit_of_measurement", "stat_cla": "state_class", "ent_cat": "entity_category",
}

func expand(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if full, ok := abbreviations[k]; ok {
			k = full
		}
		out[k] = v
	}
	return out
}

func (s *haSim) receive(m paho.Message) {
	s.mu.Lock()
	defer func() {
		close(s.wake)
		s.wake = make(chan struct{})
		s.mu.Unlock()
	}()
	s.seq++
	topic, payload := m.Topic(), m.Payload()
	if rest, ok := strings.CutPrefix(topic, s.prefix+"/"); ok {
		if rest == "status" {
			return
		}
		if mt := discoveryTopic.FindStringSubmatch(rest); mt != nil {
			s.discover(topic, mt[1], mt[3], payload)
			return
		}
	}
	s.last[topic] = string(payload)
	if strings.HasSuffix(topic, "/availability") && len(s.history) < 200 {
		s.history = append(s.history, fmt.Sprintf("%d %s %s retain=%v", s.seq, topic, payload, m.Retained()))
	}
	for _, e := range s.entities {
		if e.cfg["state_topic"] == topic && len(payload) > 0 {
			e.state, e.stateSeq = string(payload), s.seq
			if p := checkState(e, e.state); p != "" {
				s.problem("%s state %q: %s", e.uniqueID, e.state, p)
			}
		}
		for _, k := range partStateKeys[e.component] {
			if e.cfg[k] == topic && len(payload) > 0 {
				if e.parts == nil {
					e.parts, e.partSeqs = map[string]string{}, map[string]int{}
				}
				e.parts[k], e.partSeqs[k] = string(payload), s.seq
				if p := checkPartState(e, k, string(payload)); p != "" {
					s.problem("%s %s %q: %s", e.uniqueID, k, payload, p)
				}
			}
		}
	}
}

func (s *haSim) problem(format string, args ...any) {
	s.problems = append(s.problems, fmt.Sprintf(format, args...))
}

// discover handles a discovery config: per entity
// (<prefix>/<component>/[<node_id>/]<object_id>/config) or per device
// (<prefix>/device/<object_id>/config with its components in cmps), as
// homeassistant/components/mqtt/discovery.py async_discovery_message_received.
func (s *haSim) discover(topic, component, objectID string, payload []byte) {
	if len(s.history) < 200 {
		s.history = append(s.history, fmt.Sprintf("%d %s %s", s.seq, topic, payload))
	}
	if len(payload) == 0 {
		// an empty config removes what the topic announced
		for _, id := range s.topics[topic] {
			delete(s.entities, id)
		}
		delete(s.topics, topic)
		return
	}
	var raw map[string]any
	if err := json.Unmarshal(payload, &raw); err != nil {
		s.problem("%s: not a JSON object: %v", topic, err)
		return
	}
	cfg := expand(raw)
	if component != "device" {
		if !slices.Contains(simComponents, component) {
			s.problem("%s: component %q not supported", topic, component)
			return
		}
		s.accept(topic, component, cfg)
		return
	}
	// device discovery (mqtt/discovery.py: the device config carries
	// "dev", "o" and "cmps"; the other keys are shared by the components)
	comps, ok := cfg["components"].(map[string]any)
	if !ok || len(comps) == 0 {
		s.problem("%s: device discovery without components", topic)
		return
	}
	if _, ok := cfg["origin"]; !ok {
		s.problem("%s: device discovery without origin", topic)
	}
	var keep []string
	for objID, c := range comps {
		cm, ok := c.(map[string]any)
		if !ok {
			s.problem("%s %s: component is not an object", topic, objID)
			continue
		}
		cm = expand(cm)
		platform, _ := cm["platform"].(string)
		if !slices.Contains(simComponents, platform) {
			s.problem("%s %s: platform %q not supported", topic, objID, platform)
			continue
		}
		if len(cm) == 1 {
			// only "p": the component is removed from the device
			// (mqtt/discovery.py: a component config with the platform alone)
			for _, id := range s.topics[topic] {
				if e := s.entities[id]; e != nil && e.cfg["_object_id"] == objID {
					delete(s.entities, id)
				}
			}
			continue
		}
		merged := map[string]any{}
		for k, v := range cfg {
			if k != "components" {
				merged[k] = v
			}
		}
		for k, v := range cm {
			if k != "platform" {
				merged[k] = v
			}
		}
		if id := s.accept(topic, platform, merged); id != "" {
			s.entities[id].cfg["_object_id"] = objID
			keep = append(keep, id)
		}
	}
	// components left out of an updated device config stay as they were
	for _, id := range s.topics[topic] {
		if e := s.entities[id]; e != nil && !slices.Contains(keep, id) {
			keep = append(keep, id)
		}
	}
	s.topics[topic] = keep
}

// accept validates an entity config; a valid one is (re)announced unless
// another discovery topic holds its unique_id. It returns the unique_id
// accepted, "" for none.
func (s *haSim) accept(topic, component string, cfg map[string]any) string {
	if problems := validateConfig(component, cfg); len(problems) > 0 {
		for _, p := range problems {
			s.problem("%s: %s", topic, p)
		}
		return ""
	}
	id, _ := cfg["unique_id"].(string)
	if e := s.entities[id]; e != nil && e.topic != topic {
		// mqtt/discovery.py: "Entity ... is already discovered": the
		// second config is ignored
		s.problem("%s: unique_id %s already discovered on %s", topic, id, e.topic)
		return ""
	}
	e := s.entities[id]
	if e == nil {
		e = &simEntity{uniqueID: id, topic: topic}
		s.entities[id] = e
		if !slices.Contains(s.topics[topic], id) {
			s.topics[topic] = append(s.topics[topic], id)
		}
	}
	e.component, e.cfg, e.announced = component, cfg, s.seq
	return id
}

// ok fails the test on the problems collected so far.
func (s *haSim) ok() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.problems {
		s.t.Errorf("Home Assistant refuses: %s", p)
	}
	s.problems = nil
}

// mark returns the current message count, for waiting on what comes after.
func (s *haSim) mark() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seq
}

// waitFor waits (bounded) until cond, called under the lock, holds.
func (s *haSim) waitFor(what string, cond func() bool) {
	s.t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		s.mu.Lock()
		done, wake := cond(), s.wake
		s.mu.Unlock()
		if done {
			return
		}
		select {
		case <-wake:
		case <-deadline:
			s.mu.Lock()
			s.t.Fatalf("hasim: no %s after 10s (problems: %v)\ndiscovery:\n%s", what, s.problems, strings.Join(s.history, "\n"))
			s.mu.Unlock()
			return
		}
	}
}

// entity waits until the entity with unique_id id is announced after
// message since, and returns its component and config.
func (s *haSim) entity(id string, since int) (string, map[string]any) {
	s.t.Helper()
	var comp string
	var cfg map[string]any
	s.waitFor("announcement of "+id, func() bool {
		e := s.entities[id]
		if e == nil || e.announced <= since {
			return false
		}
		comp, cfg = e.component, e.cfg
		return true
	})
	return comp, cfg
}

// waitAvailable waits until entity id is available.
func (s *haSim) waitAvailable(id string) {
	s.t.Helper()
	s.waitFor(id+" available", func() bool { return s.availableLocked(id) })
}

// gone waits until the entity with unique_id id is removed.
func (s *haSim) gone(id string) {
	s.t.Helper()
	s.waitFor("removal of "+id, func() bool { return s.entities[id] == nil })
}

// state waits for a state of entity id received after message since.
func (s *haSim) state(id string, since int) string {
	s.t.Helper()
	var st string
	s.waitFor("state of "+id, func() bool {
		e := s.entities[id]
		if e != nil && e.stateSeq > since {
			st = e.state
			return true
		}
		return false
	})
	return st
}

// partState waits for a payload on the state topic named by config key
// k of entity id, received after message since.
func (s *haSim) partState(id, k string, since int) string {
	s.t.Helper()
	var st string
	s.waitFor(k+" of "+id, func() bool {
		e := s.entities[id]
		if e != nil && e.partSeqs[k] > since {
			st = e.parts[k]
			return true
		}
		return false
	})
	return st
}

// commandTo publishes a command on the topic of config key k of entity
// id, as Home Assistant does (not retained).
func (s *haSim) commandTo(id, k, payload string) {
	s.t.Helper()
	s.mu.Lock()
	e := s.entities[id]
	s.mu.Unlock()
	if e == nil {
		s.t.Fatalf("hasim: no entity %s", id)
	}
	topic, _ := e.cfg[k].(string)
	if tok := s.c.Publish(topic, 0, false, payload); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		s.t.Fatalf("hasim command: %v", tok.Error())
	}
}

// available reports whether Home Assistant shows entity id available
// (homeassistant/components/mqtt/entity.py MqttAvailabilityMixin:
// payload_available, default "online", on any availability topic).
func (s *haSim) available(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.availableLocked(id)
}

func (s *haSim) availableLocked(id string) bool {
	e := s.entities[id]
	if e == nil {
		return false
	}
	want := "online"
	if v, ok := e.cfg["payload_available"].(string); ok {
		want = v
	}
	topic, _ := e.cfg["availability_topic"].(string)
	return topic != "" && s.last[topic] == want
}

// command publishes a command to entity id as Home Assistant does (QoS
// of the config, default 0, not retained).
func (s *haSim) command(id, payload string) {
	s.t.Helper()
	s.mu.Lock()
	e := s.entities[id]
	s.mu.Unlock()
	if e == nil {
		s.t.Fatalf("hasim: no entity %s", id)
	}
	topic, _ := e.cfg["command_topic"].(string)
	qos := byte(0)
	if q, ok := e.cfg["qos"].(float64); ok {
		qos = byte(q)
	}
	if tok := s.c.Publish(topic, qos, false, payload); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		s.t.Fatalf("hasim command: %v", tok.Error())
	}
}

// A check returns a problem with a value, "" for none.
type check func(v any) string

func isString(v any) string {
	if _, ok := v.(string); !ok {
		return "not a string"
	}
	return ""
}

func isBool(v any) string {
	if _, ok := v.(bool); !ok {
		return "not a boolean"
	}
	return ""
}

func isNumber(v any) string {
	if _, ok := v.(float64); !ok {
		return "not a number"
	}
	return ""
}

// positiveInt is homeassistant/helpers/config_validation.py positive_int.
func positiveInt(v any) string {
	f, ok := v.(float64)
	if !ok || f < 0 || f != math.Trunc(f) {
		return "not a positive integer"
	}
	return ""
}

func oneOf(values ...string) check {
	return func(v any) string {
		s, ok := v.(string)
		if !ok || !slices.Contains(values, strings.ToLower(s)) {
			return fmt.Sprintf("not one of %v", values)
		}
		return ""
	}
}

func stringOrNull(v any) string {
	if v == nil {
		return ""
	}
	return isString(v)
}

// publishTopic is homeassistant/components/mqtt/util.py
// valid_publish_topic (through valid_topic).
func publishTopic(v any) string {
	s, ok := v.(string)
	switch {
	case !ok || s == "":
		return "not a topic"
	case strings.ContainsAny(s, "+#\x00"):
		return "wildcards in a publish topic"
	case len(s) > 65535:
		return "topic too long"
	}
	return ""
}

// subscribeTopic is mqtt/util.py valid_subscribe_topic.
func subscribeTopic(v any) string {
	s, ok := v.(string)
	if !ok || s == "" || strings.Contains(s, "\x00") {
		return "not a topic"
	}
	for i, level := range strings.Split(s, "/") {
		if (strings.Contains(level, "+") && level != "+") || (strings.Contains(level, "#") && (level != "#" || i != strings.Count(s, "/"))) {
			return "bad wildcard"
		}
	}
	return ""
}

// icon is homeassistant/helpers/config_validation.py icon.
func icon(v any) string {
	if s, ok := v.(string); !ok || !strings.Contains(s, ":") {
		return `icons should be "prefix:name"`
	}
	return ""
}

// deviceInfo is mqtt/schemas.py MQTT_ENTITY_DEVICE_INFO_SCHEMA: identifiers
// or connections, at least one.
func deviceInfo(v any) string {
	d, ok := v.(map[string]any)
	if !ok {
		return "not an object"
	}
	d = expand(d)
	ids, hasIDs := d["identifiers"]
	_, hasConns := d["connections"]
	if !hasIDs && !hasConns {
		return "must contain at least one of identifiers, connections"
	}
	switch t := ids.(type) {
	case nil, string:
	case []any:
		for _, id := range t {
			if _, ok := id.(string); !ok {
				return "identifier not a string"
			}
		}
	default:
		return "identifiers not a list"
	}
	return ""
}

// originInfo is mqtt/schemas.py MQTT_ORIGIN_INFO_SCHEMA: name required.
func originInfo(v any) string {
	o, ok := v.(map[string]any)
	if !ok {
		return "not an object"
	}
	if n, ok := o["name"].(string); !ok || n == "" {
		return "origin without name"
	}
	return ""
}

// availabilityList is mqtt/schemas.py MQTT_AVAILABILITY_LIST_SCHEMA.
func availabilityList(v any) string {
	l, ok := v.([]any)
	if !ok {
		return "not a list"
	}
	for _, a := range l {
		m, ok := a.(map[string]any)
		if !ok {
			return "item not an object"
		}
		if p := publishTopic(m["topic"]); p != "" {
			return "topic: " + p
		}
	}
	return ""
}

// commonKeys are the keys every MQTT entity takes
// (homeassistant/components/mqtt/schemas.py MQTT_ENTITY_COMMON_SCHEMA,
// MQTT_AVAILABILITY_SCHEMA, MQTT_ATTRIBUTES_BLOCKED keys' schema).
var commonKeys = map[string]check{
	"name": stringOrNull, "unique_id": isString, "icon": icon, "entity_picture": isString,
	"entity_category":    oneOf("config", "diagnostic"),
	"enabled_by_default": isBool, "object_id": isString, "default_entity_id": isString,
	"device": deviceInfo, "origin": originInfo, "encoding": isString,
	"availability_topic": publishTopic, "availability": availabilityList,
	"availability_mode":     oneOf("all", "any", "latest"),
	"availability_template": isString, "payload_available": isString, "payload_not_available": isString,
	"json_attributes_topic": subscribeTopic, "json_attributes_template": isString,
	"qos": oneOfNumbers(0, 1, 2),
}

func oneOfNumbers(values ...float64) check {
	return func(v any) string {
		if f, ok := v.(float64); !ok || !slices.Contains(values, f) {
			return fmt.Sprintf("not one of %v", values)
		}
		return ""
	}
}

// componentKeys are each component's own keys; "!" before a key marks it
// required.
var componentKeys = map[string]map[string]check{
	// homeassistant/components/mqtt/sensor.py _PLATFORM_SCHEMA_BASE
	// (MQTT_RO_SCHEMA: state_topic required)
	"sensor": {
		"!state_topic": subscribeTopic, "value_template": isString,
		"device_class": oneOf(deviceClasses["sensor"]...), "state_class": oneOf(stateClasses...),
		"unit_of_measurement": stringOrNull, "expire_after": positiveInt, "force_update": isBool,
		"options": isList, "suggested_display_precision": positiveInt, "last_reset_value_template": isString,
	},
	// homeassistant/components/mqtt/binary_sensor.py PLATFORM_SCHEMA_MODERN
	"binary_sensor": {
		"!state_topic": subscribeTopic, "value_template": isString,
		"device_class": oneOf(deviceClasses["binary_sensor"]...), "expire_after": positiveInt,
		"force_update": isBool, "off_delay": positiveInt, "payload_on": isString, "payload_off": isString,
	},
	// homeassistant/components/mqtt/switch.py PLATFORM_SCHEMA_MODERN
	// (MQTT_RW_SCHEMA: command_topic required)
	"switch": {
		"!command_topic": publishTopic, "state_topic": subscribeTopic, "retain": isBool,
		"device_class": oneOf(deviceClasses["switch"]...), "payload_on": isString, "payload_off": isString,
		"state_on": isString, "state_off": isString, "optimistic": isBool,
		"value_template": isString, "command_template": isString,
	},
	// homeassistant/components/mqtt/button.py PLATFORM_SCHEMA_MODERN
	"button": {
		"!command_topic": publishTopic, "retain": isBool, "command_template": isString,
		"device_class": oneOf(deviceClasses["button"]...), "payload_press": isString,
	},
	// homeassistant/components/mqtt/number.py _PLATFORM_SCHEMA_BASE
	"number": {
		"!command_topic": publishTopic, "state_topic": subscribeTopic, "retain": isBool,
		"device_class": oneOf(deviceClasses["number"]...), "min": isNumber, "max": isNumber,
		"step": func(v any) string {
			if f, ok := v.(float64); !ok || f < 1e-3 {
				return "step below 0.001"
			}
			return ""
		},
		"mode": oneOf("auto", "box", "slider"), "unit_of_measurement": stringOrNull,
		"optimistic": isBool, "payload_reset": isString, "value_template": isString, "command_template": isString,
	},
	// homeassistant/components/mqtt/light/schema_json.py _PLATFORM_SCHEMA_BASE
	"light": {
		"!command_topic": publishTopic, "state_topic": subscribeTopic, "retain": isBool,
		"!schema": oneOf("json"), "brightness": isBool, "brightness_scale": positiveInt,
		"supported_color_modes": colorModes, "effect": isBool, "effect_list": isList,
		"flash": isBool, "flash_time_short": positiveInt, "flash_time_long": positiveInt,
		"transition": isBool, "optimistic": isBool, "color_temp_kelvin": isBool,
		"min_kelvin": positiveInt, "max_kelvin": positiveInt, "white_scale": positiveInt,
		"min_mireds": positiveInt, "max_mireds": positiveInt,
	},
	// homeassistant/components/mqtt/select.py PLATFORM_SCHEMA_MODERN
	"select": {
		"!command_topic": publishTopic, "state_topic": subscribeTopic, "retain": isBool,
		"!options": nonEmptyStrings, "optimistic": isBool, "value_template": isString, "command_template": isString,
	},
	// homeassistant/components/mqtt/text.py _PLATFORM_SCHEMA_BASE
	"text": {
		"!command_topic": publishTopic, "state_topic": subscribeTopic, "retain": isBool,
		"min": positiveInt, "max": positiveInt, "mode": oneOf("text", "password"), "pattern": isString,
		"optimistic": isBool, "value_template": isString, "command_template": isString,
	},
	// homeassistant/components/mqtt/scene.py PLATFORM_SCHEMA_MODERN
	"scene": {
		"!command_topic": publishTopic, "retain": isBool, "payload_on": isString,
	},
	// homeassistant/components/mqtt/lock.py PLATFORM_SCHEMA_MODERN
	"lock": {
		"!command_topic": publishTopic, "state_topic": subscribeTopic, "retain": isBool,
		"payload_lock": isString, "payload_unlock": isString, "payload_open": isString,
		"state_locked": isString, "state_unlocked": isString, "state_locking": isString,
		"state_unlocking": isString, "state_jammed": isString, "state_open": isString, "state_opening": isString,
		"code_format": isString, "optimistic": isBool, "value_template": isString, "command_template": isString,
	},
	// homeassistant/components/mqtt/cover.py _PLATFORM_SCHEMA_BASE
	"cover": {
		"command_topic": publishTopic, "state_topic": subscribeTopic, "retain": isBool,
		"position_topic": subscribeTopic, "set_position_topic": publishTopic,
		"tilt_command_topic": publishTopic, "tilt_status_topic": subscribeTopic,
		"device_class": oneOf(deviceClasses["cover"]...), "optimistic": isBool,
		"payload_open": stringOrNull, "payload_close": stringOrNull, "payload_stop": stringOrNull, "payload_stop_tilt": isString,
		"position_open": isInt, "position_closed": isInt, "tilt_min": isInt, "tilt_max": isInt,
		"tilt_opened_value": isInt, "tilt_closed_value": isInt, "tilt_optimistic": isBool,
		"state_open": isString, "state_closed": isString, "state_opening": isString, "state_closing": isString, "state_stopped": isString,
		"value_template": isString, "position_template": isString, "set_position_template": isString,
		"tilt_command_template": isString, "tilt_status_template": isString,
	},
	// homeassistant/components/mqtt/fan.py _PLATFORM_SCHEMA_BASE
	// (MQTT_RW_SCHEMA: command_topic required)
	"fan": {
		"!command_topic": publishTopic, "state_topic": subscribeTopic, "retain": isBool, "optimistic": isBool,
		"payload_on": isString, "payload_off": isString, "state_value_template": isString, "command_template": isString,
		"percentage_command_topic": publishTopic, "percentage_state_topic": subscribeTopic,
		"percentage_command_template": isString, "percentage_value_template": isString,
		"speed_range_min": positiveInt, "speed_range_max": positiveInt, "payload_reset_percentage": isString,
		"preset_mode_command_topic": publishTopic, "preset_mode_state_topic": subscribeTopic, "preset_modes": isStrings,
		"preset_mode_command_template": isString, "preset_mode_value_template": isString, "payload_reset_preset_mode": isString,
		"oscillation_command_topic": publishTopic, "oscillation_state_topic": subscribeTopic,
		"payload_oscillation_on": isString, "payload_oscillation_off": isString,
		"oscillation_command_template": isString, "oscillation_value_template": isString,
		"direction_command_topic": publishTopic, "direction_state_topic": subscribeTopic,
	},
	// homeassistant/components/mqtt/climate.py _PLATFORM_SCHEMA_BASE (in
	// part: no fan, swing, preset, humidity or range keys)
	"climate": {
		"mode_command_topic": publishTopic, "mode_state_topic": subscribeTopic,
		"mode_command_template": isString, "mode_state_template": isString,
		"modes":                     allOf(oneOf("off", "heat", "cool", "heat_cool", "auto", "dry", "fan_only")),
		"temperature_command_topic": publishTopic, "temperature_state_topic": subscribeTopic,
		"temperature_command_template": isString, "temperature_state_template": isString,
		"current_temperature_topic": subscribeTopic, "current_temperature_template": isString,
		"min_temp": isNumber, "max_temp": isNumber, "temp_step": isNumber,
		"precision": oneOfNumbers(0.1, 0.5, 1), "temperature_unit": oneOf("c", "f"),
		"power_command_topic": publishTopic, "payload_on": isString, "payload_off": isString,
		"action_topic": subscribeTopic, "optimistic": isBool, "retain": isBool, "initial": isNumber,
	},
	// homeassistant/components/mqtt/siren.py PLATFORM_SCHEMA_MODERN
	"siren": {
		"!command_topic": publishTopic, "state_topic": subscribeTopic, "retain": isBool,
		"available_tones": isList, "support_duration": isBool, "support_volume_set": isBool,
		"payload_on": isString, "payload_off": isString, "state_on": isString, "state_off": isString,
		"command_template": isString, "command_off_template": isString, "state_value_template": isString, "optimistic": isBool,
	},
	// homeassistant/components/mqtt/valve.py _PLATFORM_SCHEMA_BASE
	"valve": {
		"command_topic": publishTopic, "state_topic": subscribeTopic, "retain": isBool,
		"device_class": oneOf(deviceClasses["valve"]...), "reports_position": isBool,
		"payload_open": stringOrNull, "payload_close": stringOrNull, "payload_stop": stringOrNull,
		"position_open": isInt, "position_closed": isInt,
		"state_open": isString, "state_closed": isString, "state_opening": isString, "state_closing": isString,
		"optimistic": isBool, "value_template": isString, "command_template": isString,
	},
	// homeassistant/components/mqtt/update.py PLATFORM_SCHEMA_MODERN
	"update": {
		"state_topic": subscribeTopic, "command_topic": publishTopic, "payload_install": isString,
		"latest_version_topic": subscribeTopic, "latest_version_template": isString, "value_template": isString,
		"device_class": oneOf(deviceClasses["update"]...), "entity_picture": isString, "display_precision": positiveInt,
		"release_summary": isString, "release_url": isString, "title": isString, "retain": isBool,
	},
	// homeassistant/components/mqtt/event.py _PLATFORM_SCHEMA_BASE
	"event": {
		"!state_topic": subscribeTopic, "!event_types": nonEmptyStrings,
		"device_class": oneOf("button", "doorbell", "motion"), "value_template": isString,
	},
}

// nonEmptyStrings is a non-empty list of strings (cv.ensure_list, [cv.string]).
func nonEmptyStrings(v any) string {
	l, ok := v.([]any)
	if !ok || len(l) == 0 {
		return "not a non-empty list"
	}
	for _, x := range l {
		if _, ok := x.(string); !ok {
			return "item not a string"
		}
	}
	return ""
}

// isInt is an integer (int in a voluptuous schema).
func isInt(v any) string {
	if f, ok := v.(float64); !ok || f != math.Trunc(f) {
		return "not an integer"
	}
	return ""
}

// isStrings is a list of strings (cv.ensure_list, [cv.string]).
func isStrings(v any) string {
	l, ok := v.([]any)
	if !ok {
		return "not a list"
	}
	for _, x := range l {
		if _, ok := x.(string); !ok {
			return "item not a string"
		}
	}
	return ""
}

// allOf checks every item of a list.
func allOf(c check) check {
	return func(v any) string {
		l, ok := v.([]any)
		if !ok {
			return "not a list"
		}
		for _, x := range l {
			if p := c(x); p != "" {
				return fmt.Sprintf("item %v: %s", x, p)
			}
		}
		return ""
	}
}

func isList(v any) string {
	if _, ok := v.([]any); !ok {
		return "not a list"
	}
	return ""
}

// colorModes is homeassistant/components/light/__init__.py
// valid_supported_color_modes: known modes; onoff and brightness alone.
func colorModes(v any) string {
	l, ok := v.([]any)
	if !ok || len(l) == 0 {
		return "not a list of color modes"
	}
	for _, m := range l {
		s, _ := m.(string)
		if !slices.Contains([]string{"onoff", "brightness", "color_temp", "hs", "xy", "rgb", "rgbw", "rgbww", "white"}, s) {
			return fmt.Sprintf("invalid color mode %v", m)
		}
		if (s == "onoff" || s == "brightness") && len(l) > 1 {
			return "onoff and brightness must be the only supported mode"
		}
	}
	return ""
}

// validateConfig checks an entity config against its component's schema:
// every key known, every value valid, the required keys present, and the
// cross-key rules.
func validateConfig(component string, cfg map[string]any) []string {
	own, ok := componentKeys[component]
	if !ok {
		return []string{"the simulator has no rules for " + component}
	}
	var problems []string
	for k, v := range cfg {
		if strings.HasPrefix(k, "_") || k == "platform" {
			continue
		}
		c, ok := own[k]
		if !ok {
			c, ok = own["!"+k]
		}
		if !ok {
			c, ok = commonKeys[k]
		}
		if !ok {
			// Home Assistant drops unknown keys (vol.REMOVE_EXTRA): the
			// setting is silently lost
			problems = append(problems, fmt.Sprintf("unknown key %q", k))
			continue
		}
		if p := c(v); p != "" {
			problems = append(problems, fmt.Sprintf("%s %v: %s", k, v, p))
		}
	}
	for k := range own {
		if name, req := strings.CutPrefix(k, "!"); req {
			if _, ok := cfg[name]; !ok {
				problems = append(problems, "required key "+name+" missing")
			}
		}
	}
	if _, ok := cfg["availability"]; ok {
		if _, both := cfg["availability_topic"]; both {
			// mqtt/schemas.py: vol.Exclusive(availability, availability_topic)
			problems = append(problems, "availability and availability_topic are exclusive")
		}
	}
	switch component {
	case "number":
		// mqtt/number.py validate_config
		lo, hi := numberOr(cfg["min"], 1), numberOr(cfg["max"], 100)
		if lo >= hi {
			problems = append(problems, "'max' must be > 'min'")
		}
	case "text":
		// mqtt/text.py valid_text_size_configuration
		if lo, hi := numberOr(cfg["min"], 0), numberOr(cfg["max"], 255); lo > hi || hi > 255 {
			problems = append(problems, "text min/max out of 0 <= min <= max <= 255")
		}
	case "cover":
		// mqtt/cover.py validate_options
		if _, ok := cfg["set_position_topic"]; ok && cfg["position_topic"] == nil {
			problems = append(problems, "'set_position_topic' must be set together with 'position_topic'")
		}
	case "fan":
		// mqtt/fan.py valid_speed_range_configuration and
		// valid_preset_mode_configuration
		if lo, hi := numberOr(cfg["speed_range_min"], 1), numberOr(cfg["speed_range_max"], 100); lo <= 0 || hi < lo {
			problems = append(problems, "speed range out of 0 < min <= max")
		}
		if modes, _ := cfg["preset_modes"].([]any); slices.Contains(modes, any("None")) {
			problems = append(problems, "preset_modes must not contain None")
		}
	case "valve":
		// mqtt/valve.py _validate_and_add_defaults
		if cfg["reports_position"] == true && (cfg["payload_open"] != nil || cfg["payload_close"] != nil) {
			problems = append(problems, "payload_open and payload_close with reports_position")
		}
	case "sensor":
		// mqtt/sensor.py validate_sensor_state_and_device_class_config
		if _, ok := cfg["options"]; ok {
			if cfg["device_class"] != "enum" {
				problems = append(problems, "options without device class enum")
			}
			if cfg["state_class"] != nil || cfg["unit_of_measurement"] != nil {
				problems = append(problems, "options with a state class or unit")
			}
		}
		if _, ok := cfg["last_reset_value_template"]; ok && cfg["state_class"] != "total" {
			problems = append(problems, "last_reset_value_template without state class total")
		}
		// sensor/__init__.py: a non-numeric sensor has no state class or unit
		if dc, _ := cfg["device_class"].(string); slices.Contains([]string{"date", "enum", "timestamp"}, dc) && (cfg["state_class"] != nil || cfg["unit_of_measurement"] != nil) {
			problems = append(problems, "state class or unit on a "+dc+" sensor")
		}
	}
	if _, ok := cfg["device"]; !ok {
		if _, ok := cfg["unique_id"]; !ok {
			problems = append(problems, "no unique_id: not in the entity registry")
		}
	}
	return problems
}

func numberOr(v any, def float64) float64 {
	if f, ok := v.(float64); ok {
		return f
	}
	return def
}

// checkState checks a state message as the entity's platform reads it.
func checkState(e *simEntity, st string) string {
	switch e.component {
	case "switch", "binary_sensor":
		// mqtt/switch.py, mqtt/binary_sensor.py: state_on/payload_on
		if st != "ON" && st != "OFF" && st != "None" {
			return "neither ON nor OFF"
		}
	case "number":
		// mqtt/number.py: a number within [min, max]
		f, err := strconv.ParseFloat(st, 64)
		if err != nil {
			return "not a number"
		}
		if f < numberOr(e.cfg["min"], 1) || f > numberOr(e.cfg["max"], 100) {
			return "out of range"
		}
	case "sensor":
		// sensor/__init__.py: a numeric sensor (unit, state class or a
		// numeric device class) needs a number
		_, unit := e.cfg["unit_of_measurement"]
		_, sc := e.cfg["state_class"]
		dc, _ := e.cfg["device_class"].(string)
		if unit || sc || slices.Contains(numericDeviceClasses, dc) {
			if _, err := strconv.ParseFloat(st, 64); err != nil {
				return "a numeric sensor's state is not a number"
			}
		}
	case "select":
		// mqtt/select.py: "Invalid option ... received"
		opts, _ := e.cfg["options"].([]any)
		if !slices.Contains(opts, any(st)) {
			return "not one of the options"
		}
	case "lock":
		// mqtt/lock.py: the state_* payloads
		if !slices.Contains([]string{"LOCKED", "UNLOCKED", "LOCKING", "UNLOCKING", "JAMMED", "OPEN", "OPENING"}, st) {
			return "not a lock state"
		}
	case "text":
		// text/__init__.py: length within min and max
		if n := len([]rune(st)); n < int(numberOr(e.cfg["min"], 0)) || n > int(numberOr(e.cfg["max"], 255)) {
			return "length out of range"
		}
	case "event":
		// mqtt/event.py: a JSON object whose event_type is declared
		var v map[string]any
		if json.Unmarshal([]byte(st), &v) != nil {
			return "not JSON"
		}
		types, _ := e.cfg["event_types"].([]any)
		if !slices.Contains(types, v["event_type"]) {
			return "event_type not declared"
		}
	case "cover":
		// mqtt/cover.py state_message_received: the state_* payloads
		if !slices.Contains([]string{"open", "closed", "opening", "closing", "stopped", "None"}, st) {
			return "not a cover state"
		}
	case "valve":
		// mqtt/valve.py: the state_* payloads (no reports_position)
		if !slices.Contains([]string{"open", "closed", "opening", "closing", "None"}, st) {
			return "not a valve state"
		}
	case "fan":
		// mqtt/fan.py state_received: payload_on/payload_off
		if st != "ON" && st != "OFF" && st != "None" {
			return "neither ON nor OFF"
		}
	case "siren":
		return checkSiren(e, st)
	case "update":
		return checkUpdate(st)
	case "light":
		// mqtt/light/schema_json.py state_received
		var v map[string]any
		if json.Unmarshal([]byte(st), &v) != nil {
			return "not JSON"
		}
		if v["state"] != "ON" && v["state"] != "OFF" {
			return "state neither ON nor OFF"
		}
		if b, ok := v["brightness"]; ok {
			f, _ := b.(float64)
			if f < 0 || f > numberOr(e.cfg["brightness_scale"], 255) {
				return "brightness out of range"
			}
		}
		if cm, ok := v["color_mode"]; ok {
			modes, _ := e.cfg["supported_color_modes"].([]any)
			if !slices.Contains(modes, cm) {
				return "color_mode not supported"
			}
			// schema_json.py: the colour of the mode, within
			// light/__init__.py's ranges
			color, _ := v["color"].(map[string]any)
			in := func(k string, hi float64) bool {
				f, ok := color[k].(float64)
				return ok && f >= 0 && f <= hi
			}
			switch cm {
			case "rgb":
				if !in("r", 255) || !in("g", 255) || !in("b", 255) {
					return "rgb color missing or out of range"
				}
			case "hs":
				if !in("h", 360) || !in("s", 100) {
					return "hs color missing or out of range"
				}
			case "color_temp":
				k, _ := v["color_temp"].(float64)
				if e.cfg["color_temp_kelvin"] != true || k < numberOr(e.cfg["min_kelvin"], 2000) || k > numberOr(e.cfg["max_kelvin"], 6535) {
					return "color_temp missing or out of the kelvin range"
				}
			}
		}
	}
	return ""
}

// checkPartState checks a payload on the state topic named by config key
// k, as the platform reads it.
func checkPartState(e *simEntity, k, st string) string {
	num := func(lo, hi float64, whole bool) string {
		f, err := strconv.ParseFloat(st, 64)
		switch {
		case err != nil:
			return "not a number"
		case whole && f != math.Trunc(f):
			return "not an integer"
		case f < lo || f > hi:
			return "out of range"
		}
		return ""
	}
	switch k {
	case "position_topic":
		// mqtt/cover.py position_message_received: within
		// position_closed-position_open
		return num(numberOr(e.cfg["position_closed"], 0), numberOr(e.cfg["position_open"], 100), true)
	case "tilt_status_topic":
		// mqtt/cover.py tilt_message_received: within tilt_min-tilt_max
		return num(numberOr(e.cfg["tilt_min"], 0), numberOr(e.cfg["tilt_max"], 100), true)
	case "percentage_state_topic":
		// mqtt/fan.py percentage_received: an integer in the speed
		// range, 0 is off
		if st == "0" {
			return ""
		}
		return num(numberOr(e.cfg["speed_range_min"], 1), numberOr(e.cfg["speed_range_max"], 100), true)
	case "preset_mode_state_topic":
		// mqtt/fan.py preset_mode_received
		modes, _ := e.cfg["preset_modes"].([]any)
		if st != "None" && !slices.Contains(modes, any(st)) {
			return "not a preset mode"
		}
	case "oscillation_state_topic":
		// mqtt/fan.py oscillation_received
		on, off := "oscillate_on", "oscillate_off"
		if v, ok := e.cfg["payload_oscillation_on"].(string); ok {
			on = v
		}
		if v, ok := e.cfg["payload_oscillation_off"].(string); ok {
			off = v
		}
		if st != on && st != off {
			return "neither oscillation payload"
		}
	case "mode_state_topic":
		// mqtt/climate.py handle_mode_received: "Invalid modes mode"
		modes, _ := e.cfg["modes"].([]any)
		if !slices.Contains(modes, any(st)) {
			return "not one of the modes"
		}
	case "temperature_state_topic", "current_temperature_topic":
		// mqtt/climate.py handle_climate_attribute_received: a float
		return num(math.Inf(-1), math.Inf(1), false)
	}
	return ""
}

// checkSiren is mqtt/siren.py state_message_received: state_on/state_off
// or a JSON object whose state and turn-on parameters
// (siren/__init__.py TURN_ON_SCHEMA, process_turn_on_params) are valid.
func checkSiren(e *simEntity, st string) string {
	if st == "ON" || st == "OFF" || st == "None" {
		return ""
	}
	var v map[string]any
	if json.Unmarshal([]byte(st), &v) != nil {
		return "neither ON, OFF nor JSON"
	}
	for k, x := range v {
		switch k {
		case "state":
			if x != "ON" && x != "OFF" {
				return "state neither ON nor OFF"
			}
		case "tone":
			tones, _ := e.cfg["available_tones"].([]any)
			if !slices.Contains(tones, x) {
				return "tone not available"
			}
		case "duration":
			if f, ok := x.(float64); !ok || f < 0 || e.cfg["support_duration"] == false {
				return "duration not supported or not positive"
			}
		case "volume_level":
			if f, ok := x.(float64); !ok || f < 0 || f > 1 || e.cfg["support_volume_set"] == false {
				return "volume_level not supported or outside 0-1"
			}
		default:
			return "unknown key " + k
		}
	}
	return ""
}

// checkUpdate is mqtt/update.py handle_state_message_received: a JSON
// object of the update's keys, or a plain installed version.
func checkUpdate(st string) string {
	if !strings.HasPrefix(st, "{") {
		return ""
	}
	var v map[string]any
	if json.Unmarshal([]byte(st), &v) != nil {
		return "not JSON"
	}
	for k, x := range v {
		switch k {
		case "installed_version", "latest_version", "title", "release_summary", "release_url", "entity_picture":
			if _, ok := x.(string); !ok && x != nil {
				return k + " not a string"
			}
		case "in_progress":
			if _, ok := x.(bool); !ok {
				return "in_progress not a boolean"
			}
		case "update_percentage":
			if f, ok := x.(float64); x != nil && (!ok || f < 0 || f > 100) {
				return "update_percentage outside 0-100"
			}
		default:
			return "unknown key " + k
		}
	}
	return ""
}
