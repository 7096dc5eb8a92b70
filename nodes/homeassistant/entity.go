package homeassistant

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/nodes/internal/mqttconn"
	"github.com/flowgate/flowgate/nodes/internal/shutdown"
)

// component is what differs between the entity node types.
type component struct {
	name    string // Home Assistant's component: "switch", "binary_sensor"
	state   bool   // has a state topic, set by input messages
	command bool   // has a command topic, whose messages leave the node
	// event: the state messages are events, published once, not
	// retained (Home Assistant would fire them again when it restarts)
	event bool
	// toState converts an input msg.payload (or a decoded command, when
	// the node echoes commands) to the state payload; prev is the last one.
	toState func(v any, prev []byte) ([]byte, error)
	// fromCommand converts a command payload to the output msg.payload.
	fromCommand func(b []byte) (any, error)
	// parts are the entity's further states and commands (a cover's
	// position, a fan's percentage), in the order they are published
	parts []part
	// plain is the part an input that is not an object sets, when the
	// entity has no main state (a thermostat's current temperature)
	plain string
	// noEcho: a command never sets the state (an update's "install")
	noEcho bool
}

// part is a state and command of an entity beside its main ones (a
// cover's position, a fan's percentage), with topics of its own:
// <base>/<name>/state and <base>/<name>/set. An input object with the
// part's name as a key sets its state; its commands leave with msg.part.
type part struct {
	name string
	// the discovery keys of its state and command topics; "" when the
	// part has no state or no command
	stateKey, cmdKey string
	toState          func(v any) ([]byte, error)
	fromCommand      func(b []byte) (any, error)

	stateTopic, cmdTopic string // set by Start
}

// entityProps are the properties every entity node has.
func entityProps(extra ...engine.Prop) []engine.Prop {
	props := []engine.Prop{
		{Name: "name", Label: "Name", Kind: engine.KindString, Default: ""},
		{Name: "device", Label: "Device", Kind: engine.KindConfig, ConfigType: "ha-device", Default: "", Required: true},
		{Name: "entityId", Label: "Entity id", Kind: engine.KindString, Default: ""},
		{Name: "icon", Label: "Icon", Kind: engine.KindString, Default: ""},
		{Name: "entityCategory", Label: "Entity category", Kind: engine.KindSelect, Default: "", Options: selectOptions(entityCategories, true)},
	}
	return append(props, extra...)
}

// deviceClassProp is the device class, a select of the component's
// classes in Home Assistant.
func deviceClassProp(component string) engine.Prop {
	return engine.Prop{Name: "deviceClass", Label: "Device class", Kind: engine.KindSelect, Default: "", Options: selectOptions(deviceClasses[component], true)}
}

// expiryProps are the properties of a sensor and a binary sensor
// (homeassistant/components/mqtt/sensor.py and binary_sensor.py
// expire_after, force_update).
func expiryProps() []engine.Prop {
	return []engine.Prop{
		{Name: "expireAfter", Label: "Unavailable after (s, 0: never)", Kind: engine.KindNumber, Default: 0},
		{Name: "forceUpdate", Label: "Record every update, even unchanged", Kind: engine.KindBool, Default: false},
	}
}

// expiryKeys reads expiryProps into the discovery keys.
func expiryKeys(p *engine.Props, keys map[string]any) map[string]any {
	// expire_after is cv.positive_int; 0 (left out) never expires
	n := p.Number("expireAfter", 0)
	if math.IsNaN(n) || n < 0 || n != math.Trunc(n) {
		p.Fail("expireAfter", "unavailable after %s: must be a whole number of seconds, 0 or more: Home Assistant refuses it", engine.FormatNumber(n))
	} else if n > 0 {
		keys["expire_after"] = n
	}
	if p.Bool("forceUpdate", false) {
		keys["force_update"] = true
	}
	return keys
}

func echoProp() engine.Prop {
	return engine.Prop{Name: "echo", Label: "Commands set the state", Kind: engine.KindBool, Default: true}
}

// entity is an entity node: announced by its ha-device, its input sets the
// state, Home Assistant's commands leave its output.
type entity struct {
	res      *engine.Resources
	id       string
	deviceID string
	comp     component
	echo     bool
	config   map[string]any // the discovery payload without device and topics

	closed bool           // set by Close
	echoes sync.WaitGroup // echo publishes, waited for by Close

	// set by Start
	dev                                     *haDevice
	conn                                    mqttconn.Conn
	configTopic, stateTopic, cmdTopic, attr string

	// claimed is set when the claim of this entity came back, ready once
	// the configs of this entity retained under other topics are gone and
	// it may be announced (in a device config too); guarded by dev.mu
	claimed, ready bool

	// pubMu is held while publishing, so that what Remove publishes comes
	// after any announcement or state; it guards gone. It is never taken
	// by a subscription handler (they run under the connection's lock,
	// which publishing takes).
	pubMu sync.Mutex
	gone  bool // removed from Home Assistant: never announced again

	mu         sync.Mutex        // guards the fields below (the device announces from its goroutines)
	state      []byte            // the last state payload, nil when none yet
	partStates map[string][]byte // the last state payload of each part, by name
	attrs      []byte            // the last msg.attributes as JSON
	moved      []string          // configs of this entity retained under other devices
}

// newEntity reads the common properties and checks them against Home
// Assistant's rules; keys holds the component's own discovery keys, read
// (and checked) by the caller.
func newEntity(cfg *engine.Config, res *engine.Resources, p *engine.Props, comp component, keys map[string]any) *entity {
	echoes := comp.state && comp.command
	for _, pt := range comp.parts {
		echoes = echoes || (pt.stateKey != "" && pt.cmdKey != "")
	}
	e := &entity{
		res:        res,
		id:         cfg.ID,
		deviceID:   p.String("device", ""),
		comp:       comp,
		echo:       echoes && !comp.noEcho && p.Bool("echo", true),
		config:     map[string]any{},
		partStates: map[string][]byte{},
	}
	if e.deviceID == "" {
		p.Fail("device", "missing device configuration")
	}
	if name := p.String("name", ""); name != "" {
		e.config["name"] = name
	} else {
		e.config["name"] = nil // named after the device only
	}
	if id := p.String("entityId", ""); id != "" {
		if !strings.Contains(id, ".") {
			id = comp.name + "." + id
		}
		e.config["default_entity_id"] = id
	}
	icon := strings.TrimSpace(p.String("icon", ""))
	checkIcon(p, icon)
	if icon != "" {
		e.config["icon"] = icon
	}
	if v := checkChoice(p, "entityCategory", "entity category", p.String("entityCategory", ""), entityCategories); v != "" {
		e.config["entity_category"] = v
	}
	for k, v := range keys {
		if v != nil && v != "" {
			e.config[k] = v
		}
	}
	return e
}

// Start attaches the entity to its device and subscribes its command topic.
func (e *entity) Start(ctx context.Context) error {
	n, _ := e.res.Lookup(e.deviceID)
	dev, ok := n.(*haDevice)
	if !ok {
		e.res.Status(engine.Status{Fill: "red", Shape: "ring", Text: "missing device"})
		e.res.Error(errors.New("missing device configuration"), nil)
		return nil
	}
	dev.mu.Lock()
	c := dev.conn
	dev.mu.Unlock()
	obj := topicID(e.id)
	base := "flowgate/" + dev.nodeID + "/" + obj
	e.dev, e.conn = dev, c
	e.config["unique_id"] = e.uniqueID()
	e.configTopic = dev.prefix + "/" + e.comp.name + "/" + dev.nodeID + "/" + obj + "/config"
	if e.comp.state {
		e.stateTopic, e.attr = base+"/state", base+"/attributes"
	}
	if e.comp.command {
		e.cmdTopic = base + "/set"
	}
	for i := range e.comp.parts {
		pt := &e.comp.parts[i]
		if pt.stateKey != "" {
			pt.stateTopic, e.attr = base+"/"+pt.name+"/state", base+"/attributes"
		}
		if pt.cmdKey != "" {
			pt.cmdTopic = base + "/" + pt.name + "/set"
		}
	}
	if c != nil {
		c.Register(e.id, e.res.Status)
		if e.cmdTopic != "" {
			c.Subscribe(e.cmdTopic, haQoS, e.id, e.onCommand)
		}
		for i := range e.comp.parts {
			if pt := &e.comp.parts[i]; pt.cmdTopic != "" {
				c.Subscribe(pt.cmdTopic, haQoS, e.id, func(topic string, payload []byte, _ byte, _ bool) {
					e.onPartCommand(pt, topic, payload)
				})
			}
		}
		c.Subscribe(e.movedFilter(), haQoS, e.id, e.onMoved)
	}
	dev.attach(e)
	return nil
}

// movedFilter matches the discovery configs of this entity under any
// device (node ids are unique: the object id is this entity's alone).
func (e *entity) movedFilter() string { return e.dev.prefix + "/+/+/" + topicID(e.id) + "/config" }

// uniqueID is the entity's unique_id: its node id, after the gateway id.
func (e *entity) uniqueID() string { return "flowgate_" + e.dev.scope + topicID(e.id) }

// onMoved records a config of this entity retained under another topic
// (another device, another component; or from before the gateway id): the
// entity moved. Another gateway's configs of the same flow have another
// unique_id and stay.
func (e *entity) onMoved(topic string, payload []byte, _ byte, retain bool) {
	if !retain || len(payload) == 0 || (topic == e.configTopic && e.dev.mode == discoveryEntity) {
		return
	}
	var cfg struct {
		UniqueID string `json:"unique_id"`
	}
	if json.Unmarshal(payload, &cfg) != nil || (cfg.UniqueID != e.uniqueID() && cfg.UniqueID != "flowgate_"+topicID(e.id)) {
		return
	}
	e.mu.Lock()
	e.moved = append(e.moved, topic)
	e.mu.Unlock()
}

// takeMoved returns and forgets the configs recorded by onMoved.
func (e *entity) takeMoved() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	m := e.moved
	e.moved = nil
	return m
}

// Remove runs when the entity is deleted from the flows (or disabled):
// its config, state and attributes are removed from Home Assistant, and
// the broker has acknowledged it before Remove returns (bounded by ctx).
func (e *entity) Remove(ctx context.Context) error {
	d := e.dev
	if d == nil || e.conn == nil {
		return nil
	}
	d.detach(e)
	e.pubMu.Lock()
	e.gone = true
	e.pubMu.Unlock()
	if d.mode == discoveryDevice {
		return d.dropComponent(ctx, e.conn, e)
	}
	return d.clearConfig(ctx, e.conn, e.configTopic)
}

// Close detaches from the device; the entity stays announced (a
// redeploy, a stop) unless Remove ran before. Like the device's, it is
// bounded by haCloseWait.
func (e *entity) Close(ctx context.Context) error {
	d := e.dev
	if d == nil || e.closed {
		return nil
	}
	e.closed = true
	d.detach(e)
	ctx, cancel := context.WithTimeout(ctx, haCloseWait)
	defer cancel()
	var err error
	if e.conn != nil {
		// no onCommand runs after this
		err = shutdown.Do(ctx, "unsubscribe", func() { e.conn.Deregister(e.id) })
	}
	e.res.Status(engine.Status{})
	return errors.Join(err, shutdown.Wait(ctx, &e.echoes))
}

// Handle sets the state, or the parts' states, from msg.payload (and
// attributes from msg.attributes) and publishes them, retained.
func (e *entity) Handle(ctx context.Context, m engine.Msg, out *engine.Output) error {
	if e.dev == nil {
		return errors.New("missing device configuration")
	}
	var state, attrs []byte
	var parts map[string][]byte
	if v, ok := m["payload"]; ok {
		s, ps, err := e.states(v)
		if err != nil {
			return err
		}
		state, parts = s, ps
	}
	if a, ok := engine.AsObject(m["attributes"]); ok && e.attr != "" {
		b, err := engine.AppendJSON(nil, a, "")
		if err != nil {
			return fmt.Errorf("invalid attributes: %w", err)
		}
		attrs = b
	}
	e.setState(state, parts, attrs)
	return nil
}

// states converts an input msg.payload to the main state and the parts'
// states: an object with a part's name as a key sets the parts it names
// (and the main state under "state"); any other value sets the main
// state. Nothing is set when one of them is invalid.
func (e *entity) states(v any) ([]byte, map[string][]byte, error) {
	e.mu.Lock()
	prev := e.state
	e.mu.Unlock()
	o, isObj := engine.AsObject(v)
	if !isObj || !e.namesPart(o) {
		switch {
		case e.comp.state:
			s, err := e.comp.toState(v, prev)
			return s, nil, err
		case e.comp.plain != "":
			o = engine.ObjectOf(e.comp.plain, v)
		case len(e.comp.parts) > 0:
			return nil, nil, fmt.Errorf("invalid state: %s: expected an object with %s", engine.ToString(v), strings.Join(e.partNames(), ", "))
		default:
			return nil, nil, nil
		}
	}
	var state []byte
	parts := map[string][]byte{}
	for _, k := range o.Keys() {
		x, _ := o.Get(k)
		if k == "state" && e.comp.state {
			s, err := e.comp.toState(x, prev)
			if err != nil {
				return nil, nil, err
			}
			state = s
			continue
		}
		i := slices.IndexFunc(e.comp.parts, func(pt part) bool { return pt.name == k && pt.stateKey != "" })
		if i < 0 {
			return nil, nil, fmt.Errorf("invalid state: unknown key %q, expected %s", k, strings.Join(e.partNames(), ", "))
		}
		s, err := e.comp.parts[i].toState(x)
		if err != nil {
			return nil, nil, fmt.Errorf("invalid %s: %w", k, err)
		}
		parts[k] = s
	}
	return state, parts, nil
}

// namesPart reports whether object o has the name of a part as a key
// (or "state", for an entity with parts).
func (e *entity) namesPart(o *engine.Object) bool {
	if _, ok := o.Get("state"); ok && len(e.comp.parts) > 0 {
		return true
	}
	for _, pt := range e.comp.parts {
		if _, ok := o.Get(pt.name); ok {
			return true
		}
	}
	return false
}

// partNames are the keys an input object may have.
func (e *entity) partNames() []string {
	var names []string
	if e.comp.state {
		names = append(names, "state")
	}
	for _, pt := range e.comp.parts {
		if pt.stateKey != "" {
			names = append(names, pt.name)
		}
	}
	return names
}

// stateTopics are the topics of the entity's retained states and
// attributes, for removing them.
func (e *entity) stateTopics() []string {
	topics := []string{e.stateTopic, e.attr}
	for _, pt := range e.comp.parts {
		topics = append(topics, pt.stateTopic)
	}
	return topics
}

// setState records and publishes the state, the parts' states and the
// attributes (nil: unchanged).
func (e *entity) setState(state []byte, parts map[string][]byte, attrs []byte) {
	e.pubMu.Lock()
	defer e.pubMu.Unlock()
	if e.gone {
		return
	}
	if e.comp.event {
		if state != nil && e.conn != nil {
			if err := e.conn.Publish(e.stateTopic, state, haQoS, false); err != nil {
				e.res.Error(err, nil)
			}
		}
		return
	}
	e.mu.Lock()
	if state != nil {
		e.state = state
	}
	if attrs != nil {
		e.attrs = attrs
	}
	maps.Copy(e.partStates, parts)
	e.mu.Unlock()
	if state != nil {
		e.dev.publish(e.conn, e.stateTopic, state)
	}
	for _, pt := range e.comp.parts {
		if s, ok := parts[pt.name]; ok {
			e.dev.publish(e.conn, pt.stateTopic, s)
		}
	}
	if attrs != nil {
		e.dev.publish(e.conn, e.attr, attrs)
	}
}

// onCommand sends a Home Assistant command into the flow (and echoes it
// as the state when the node is set to). It runs on the broker's delivery
// goroutine.
func (e *entity) onCommand(topic string, payload []byte, _ byte, _ bool) {
	v, err := e.comp.fromCommand(payload)
	if err != nil {
		e.res.Warn(err.Error())
		return
	}
	if e.echo {
		e.mu.Lock()
		prev := e.state
		e.mu.Unlock()
		if s, err := e.comp.toState(v, prev); err == nil && e.dev != nil {
			// the broker's delivery goroutine must not publish: it holds
			// the broker's subscription lock
			e.echoes.Go(func() { e.setState(s, nil, nil) })
		}
	}
	m := engine.Msg{"_msgid": engine.NewMsgID(), "topic": topic, "payload": v}
	if len(e.comp.parts) > 0 {
		m["part"] = "state"
	}
	e.res.Send(0, m)
}

// onPartCommand sends a command to a part into the flow, with msg.part
// its name (and echoes it as the part's state when the node is set to).
// It runs on the broker's delivery goroutine.
func (e *entity) onPartCommand(pt *part, topic string, payload []byte) {
	v, err := pt.fromCommand(payload)
	if err != nil {
		e.res.Warn(fmt.Sprintf("%s: %v", pt.name, err))
		return
	}
	if e.echo && pt.stateTopic != "" && e.dev != nil {
		if s, err := pt.toState(v); err == nil {
			e.echoes.Go(func() { e.setState(nil, map[string][]byte{pt.name: s}, nil) })
		}
	}
	e.res.Send(0, engine.Msg{"_msgid": engine.NewMsgID(), "topic": topic, "part": pt.name, "payload": v})
}

// haOrigin is the origin block of every discovery config.
var haOrigin = map[string]any{"name": "Flowgate", "support_url": "https://github.com/flowgate/flowgate"}

// component is the entity's keys in a device-based config (the device,
// origin and availability are the device's).
func (e *entity) component() map[string]any {
	cfg := make(map[string]any, len(e.config)+4)
	for k, v := range e.config {
		cfg[k] = v
	}
	cfg["p"] = e.comp.name
	if e.stateTopic != "" {
		cfg["state_topic"] = e.stateTopic
	}
	if e.attr != "" {
		cfg["json_attributes_topic"] = e.attr
	}
	if e.cmdTopic != "" {
		cfg["command_topic"] = e.cmdTopic
	}
	for _, pt := range e.comp.parts {
		if pt.stateKey != "" {
			cfg[pt.stateKey] = pt.stateTopic
		}
		if pt.cmdKey != "" {
			cfg[pt.cmdKey] = pt.cmdTopic
		}
	}
	return cfg
}

// discovery is the entity's discovery payload in entity mode.
func (e *entity) discovery() ([]byte, error) {
	cfg := e.component()
	delete(cfg, "p")
	cfg["device"] = e.dev.block
	cfg["origin"] = haOrigin
	cfg["availability_topic"] = e.dev.avail
	return json.Marshal(cfg)
}

// announce publishes the discovery config (the device's in device mode),
// then the state and attributes when known; not after Remove.
func (e *entity) announce(c mqttconn.Conn) {
	if e.dev.mode == discoveryDevice {
		e.dev.publishDevice(c)
		e.publishStates(c)
		return
	}
	b, err := e.discovery()
	if err != nil {
		e.res.Error(err, nil)
		return
	}
	e.pubMu.Lock()
	defer e.pubMu.Unlock()
	if e.gone {
		return
	}
	e.dev.publish(c, e.configTopic, b)
	e.publishStatesLocked(c)
}

// publishStates publishes the state and attributes when known; not after
// Remove.
func (e *entity) publishStates(c mqttconn.Conn) {
	e.pubMu.Lock()
	defer e.pubMu.Unlock()
	if !e.gone {
		e.publishStatesLocked(c)
	}
}

// publishStatesLocked is publishStates with e.pubMu held.
func (e *entity) publishStatesLocked(c mqttconn.Conn) {
	e.mu.Lock()
	state, attrs, parts := e.state, e.attrs, maps.Clone(e.partStates)
	e.mu.Unlock()
	if state != nil {
		e.dev.publish(c, e.stateTopic, state)
	}
	for _, pt := range e.comp.parts {
		if s, ok := parts[pt.name]; ok {
			e.dev.publish(c, pt.stateTopic, s)
		}
	}
	if attrs != nil {
		e.dev.publish(c, e.attr, attrs)
	}
}

// onOff converts a value to "ON"/"OFF": booleans, ON/OFF/true/false/1/0
// in any case, numbers (non-zero is on).
func onOff(v any) (string, error) {
	switch t := v.(type) {
	case bool:
		if t {
			return "ON", nil
		}
		return "OFF", nil
	case string:
		switch strings.ToLower(strings.TrimSpace(t)) {
		case "on", "true", "1":
			return "ON", nil
		case "off", "false", "0":
			return "OFF", nil
		}
	case float64, int, int64:
		return onOff(engine.ToNumber(t) != 0)
	}
	return "", fmt.Errorf("invalid state: %s", engine.ToString(v))
}
