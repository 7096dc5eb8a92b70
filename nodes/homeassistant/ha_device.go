package homeassistant

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/nodes/internal/mqttconn"
	"github.com/flowgate/flowgate/nodes/internal/shutdown"
)

func haDeviceSpec() engine.Spec {
	str := func(name, label, def string) engine.Prop {
		return engine.Prop{Name: name, Label: label, Kind: engine.KindString, Default: def}
	}
	return engine.Spec{
		Type: "ha-device", Category: "config", Color: "#41bdf5", Config: true, LabelProp: "name",
		Props: []engine.Prop{
			{Name: "name", Label: "Name", Kind: engine.KindString, Default: "", Required: true},
			str("identifiers", "Identifiers", ""),
			str("manufacturer", "Manufacturer", "Flowgate"),
			str("model", "Model", ""),
			str("sw_version", "Software version", ""),
			str("prefix", "Discovery prefix", "homeassistant"),
			str("availabilityTopic", "Availability topic", ""),
			{Name: "discovery", Label: "Discovery", Kind: engine.KindSelect, Default: string(discoveryDevice), Options: []engine.Option{
				{Value: string(discoveryDevice), Label: "one config per device"},
				{Value: string(discoveryEntity), Label: "one config per entity"},
			}},
			{Name: "broker", Label: "Server", Kind: engine.KindConfig, ConfigType: "mqtt-broker", Default: "", Required: true},
		},
		Help: help("ha-device"),
	}
}

const (
	// haSweepAfter is how long after the first connection the device
	// waits for the broker's retained configs before removing those of
	// entities that no longer exist.
	haSweepAfter = 2 * time.Second
	// haBirthJitter bounds the random delay before re-announcing after
	// Home Assistant's birth message, so that many devices do not answer
	// at once.
	haBirthJitter = 500 * time.Millisecond
	// haOfflineWait bounds the wait for the broker's acknowledgement of
	// offline on close.
	haOfflineWait = 2 * time.Second
	// haQoS is the QoS of discovery, availability and state messages.
	haQoS = 1
	// haCloseWait bounds the device's Close whatever the engine's close
	// timeout: its publishes and the release of its subscriptions go
	// through a client that may block on a connection that stopped
	// answering (paho waits up to 30 s to hand a packet to its writer).
	haCloseWait = 5 * time.Second
)

// haDevice is the ha-device config node: the Home Assistant device block,
// the discovery prefix and availability shared by its entity nodes, which
// attach to it in their Start.
type haDevice struct {
	res      *engine.Resources
	id       string
	brokerID string
	prefix   string
	scope    string // "<gateway>_" or "": prefixes node ids and unique ids
	nodeID   string // the discovery node_id
	avail    string // availability topic
	block    map[string]any
	mode     discoveryMode

	// devMu is held while a device-based config is built and published,
	// or edited (releaseDeviceConfigs), so that they reach the broker in
	// the order of the table they read; taken before mu
	devMu sync.Mutex

	wg sync.WaitGroup // the timer callbacks and claims below

	// ctx ends when Close begins: the background work (claims, the sweep)
	// stops publishing and waiting for acknowledgements then
	ctx    context.Context
	cancel context.CancelFunc

	mu       sync.Mutex // guards everything below
	conn     mqttconn.Conn
	up       bool
	entities map[string]*entity
	birth    *time.Timer     // pending re-announce after Home Assistant's birth
	answer   *time.Timer     // pending online in answer to an offline (onAvailability)
	sweep    *time.Timer     // pending removal of stale configs, once
	retained map[string]bool // this device's config topics the broker retains
	closed   bool
	removed  bool // deleted from the flows: Close leaves no offline behind
	// foreign holds the latest device-based configs with Flowgate
	// entities, by topic, and held the entities Home Assistant holds
	// under each (see noteConfig); ownRetained this device's as the broker
	// retained it before this start; dropped the components to remove
	// with the next device config (object id → component)
	foreign     map[string][]byte
	held        map[string]map[string]heldComponent // by topic, then object id
	ownRetained []byte
	dropped     map[string]string
	swept       bool // removeStale ran
}

func newHADevice(cfg *engine.Config, res *engine.Resources, gateway string) (engine.Node, error) {
	p := cfg.Reader()
	scope := ""
	if gateway != "" {
		scope = topicID(gateway) + "_"
	}
	d := &haDevice{
		scope:    scope,
		res:      res,
		id:       cfg.ID,
		brokerID: p.String("broker", ""),
		prefix:   strings.Trim(p.String("prefix", "homeassistant"), "/"),
		nodeID:   scope + topicID(cfg.ID),
		avail:    p.String("availabilityTopic", ""),
		entities: map[string]*entity{},
		retained: map[string]bool{},
		foreign:  map[string][]byte{},
		held:     map[string]map[string]heldComponent{},
		dropped:  map[string]string{},
		mode:     discoveryMode(p.String("discovery", string(discoveryDevice))),
	}
	if d.mode != discoveryDevice && d.mode != discoveryEntity {
		p.Fail("discovery", "unknown discovery %q: device or entity", d.mode)
	}
	d.ctx, d.cancel = context.WithCancel(context.Background())
	if d.brokerID == "" {
		p.Fail("broker", "missing broker configuration")
	}
	if d.prefix == "" {
		d.prefix = "homeassistant"
	}
	if strings.ContainsAny(d.prefix, "+#") {
		p.Fail("prefix", "invalid discovery prefix")
	}
	if d.avail == "" {
		d.avail = "flowgate/" + d.nodeID + "/availability"
	} else if strings.ContainsAny(d.avail, "+#") {
		p.Fail("availabilityTopic", "Invalid topic specified")
	}
	var ids []any
	for s := range strings.SplitSeq(p.String("identifiers", ""), ",") {
		if s = strings.TrimSpace(s); s != "" {
			ids = append(ids, s)
		}
	}
	if len(ids) == 0 {
		ids = []any{"flowgate_" + d.nodeID}
	}
	d.block = map[string]any{"identifiers": ids, "name": p.String("name", "")}
	for _, k := range []string{"manufacturer", "model", "sw_version"} {
		if v := p.String(k, ""); v != "" {
			d.block[k] = v
		}
	}
	if d.block["name"] == "" {
		p.Fail("name", "missing device name")
	}
	return d, p.Err()
}

// Start finds the broker's connection and listens for Home Assistant's
// birth message; the entities are announced on every (re)connection.
func (d *haDevice) Start(ctx context.Context) error {
	c, ok := mqttconn.Lookup(d.res, d.brokerID)
	if !ok {
		d.res.Error(errors.New("missing broker configuration"), nil)
		return nil
	}
	d.mu.Lock()
	d.conn = c
	d.mu.Unlock()
	// a gateway that dies shows offline in Home Assistant through the
	// connection's will (unless the mqtt-broker node has a will of its own)
	c.Will(d.id, d.avail, []byte("offline"))
	c.Subscribe(d.prefix+"/status", 0, d.id, d.onHAStatus)
	c.Subscribe(d.configFilter(), 1, d.id, d.onRetained)
	c.Subscribe(d.deviceFilter(), 1, d.id, d.onDeviceConfig)
	c.Subscribe(d.deviceTopic(), 1, d.id, d.onOwnConfig)
	c.Subscribe(d.syncTopic(), haQoS, d.id, d.onSync)
	c.Subscribe(d.avail, haQoS, d.id, d.onAvailability)
	c.Register(d.id, d.onConn)
	return nil
}

// Remove runs when the device is deleted from the flows (or disabled):
// every entity still attached, and every config the broker retained for
// this device, is removed from Home Assistant with its state, and the
// availability topic is cleared. The broker acknowledges each removal
// (bounded by ctx).
func (d *haDevice) Remove(ctx context.Context) error {
	d.mu.Lock()
	if d.closed || d.removed || d.conn == nil {
		d.mu.Unlock()
		return nil
	}
	d.removed = true
	topics := make([]string, 0, len(d.entities)+len(d.retained))
	for _, e := range d.entities {
		topics = append(topics, e.configTopic)
	}
	for t := range d.retained {
		topics = append(topics, t)
	}
	var states []string // device mode: the entities' state topics
	if d.mode == discoveryDevice {
		for _, e := range d.entities {
			states = append(states, e.stateTopics()...)
		}
		for obj := range d.staleComponents() {
			base := "flowgate/" + d.nodeID + "/" + obj
			states = append(states, base+"/state", base+"/attributes")
		}
	}
	c := d.conn
	d.mu.Unlock()
	// the connection may outlive the device: its goodbye must not publish
	// offline for a device that is gone
	c.Deregister(d.id)
	var errs []error
	if d.mode == discoveryDevice {
		// an empty device config removes the device and its components
		errs = append(errs, d.clearTopics(ctx, c, append([]string{d.deviceTopic()}, states...)...))
	}
	done := map[string]bool{}
	for _, t := range topics {
		if !done[t] {
			done[t] = true
			errs = append(errs, d.clearConfig(ctx, c, t))
		}
	}
	if err := c.PublishWait(ctx, d.avail, nil, haQoS, true); err != nil {
		errs = append(errs, fmt.Errorf("clear %s: %w", d.avail, err))
	}
	return errors.Join(errs...)
}

// clearConfig removes the entity of a discovery config topic from Home
// Assistant (an empty retained config), and its retained state and
// attributes, waiting for the broker's acknowledgements.
func (d *haDevice) clearConfig(ctx context.Context, c mqttconn.Conn, topic string) error {
	var errs []error
	for _, t := range entityTopics(topic) {
		if err := c.PublishWait(ctx, t, nil, haQoS, true); err != nil {
			errs = append(errs, fmt.Errorf("clear %s: %w", t, err))
		}
	}
	return errors.Join(errs...)
}

// entityTopics returns a discovery config topic
// (<prefix>/<component>/<device>/<entity>/config) and the state and
// attributes topics Flowgate gives that entity.
func entityTopics(config string) []string {
	parts := strings.Split(config, "/")
	if len(parts) < 4 {
		return []string{config}
	}
	base := "flowgate/" + parts[len(parts)-3] + "/" + parts[len(parts)-2]
	return []string{config, base + "/state", base + "/attributes"}
}

// Close marks the device offline (unless it was removed), waiting
// (bounded by ctx, haOfflineWait and haCloseWait) until the broker has the
// retained offline, and stops pending work. A connection that stopped
// answering delays it by haCloseWait at most.
func (d *haDevice) Close(ctx context.Context) error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil
	}
	d.closed = true
	var timers []*time.Timer
	for _, t := range []*time.Timer{d.birth, d.sweep, d.answer} {
		if t != nil {
			timers = append(timers, t)
		}
	}
	c, up := d.conn, d.up && !d.removed
	d.mu.Unlock()
	d.cancel()
	ctx, cancel := context.WithTimeout(ctx, haCloseWait)
	defer cancel()
	for _, t := range timers {
		if t.Stop() {
			d.wg.Done() // its callback will not run
		}
	}
	err := shutdown.Wait(ctx, &d.wg)
	if c == nil {
		return err
	}
	offline := up && err == nil
	return errors.Join(err, shutdown.Do(ctx, "offline and unsubscribe", func() {
		if offline {
			// a connection closing at the same time (a full deploy, a
			// stop) publishes offline itself, as the will it was given
			pctx, cancel := context.WithTimeout(ctx, haOfflineWait)
			_ = c.PublishWait(pctx, d.avail, []byte("offline"), haQoS, true)
			cancel()
		}
		c.Deregister(d.id)
	}))
}

// onConn runs on every connection state change: once connected, the
// device is online and every entity is announced.
func (d *haDevice) onConn(s engine.Status) {
	up := mqttconn.Connected(s)
	d.mu.Lock()
	d.up = up
	c, closed := d.conn, d.closed
	if up && !closed && d.sweep == nil {
		d.wg.Add(1)
		d.sweep = time.AfterFunc(haSweepAfter, d.removeStale)
	}
	d.mu.Unlock()
	if up && !closed {
		d.publish(c, d.avail, []byte("online"))
		d.announceAll()
	}
}

// onAvailability answers an offline on the availability topic while the
// device is up: the goodbye of the connection this one replaced (a full
// deploy), published by it or by the broker as its will, can arrive after
// this connection's online, and Home Assistant would show a running
// gateway as unavailable. The answer waits haBirthJitter: an offline that
// is this connection's own goodbye (a stop) is followed by the device's
// Close within it, which cancels the answer.
func (d *haDevice) onAvailability(_ string, payload []byte, _ byte, _ bool) {
	if string(payload) != "offline" {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.up || d.closed || d.removed || d.answer != nil {
		return
	}
	d.wg.Add(1)
	d.answer = time.AfterFunc(haBirthJitter, func() {
		defer d.wg.Done()
		d.mu.Lock()
		d.answer = nil
		ok, c := d.up && !d.closed && !d.removed, d.conn
		d.mu.Unlock()
		if ok {
			d.publish(c, d.avail, []byte("online"))
		}
	})
}

// syncTopic carries the device's claims (see claim).
func (d *haDevice) syncTopic() string { return "flowgate/" + d.nodeID + "/sync" }

// claim starts the first announcement of entity e on this connection. Home
// Assistant ignores a config whose unique_id another discovery topic
// holds, so the configs of the same entity retained under another device
// (it moved) must go first: e subscribed to them in its Start; the device
// publishes a message to itself behind that subscription, and when it
// comes back every retained config has arrived (onSync).
func (d *haDevice) claim(c mqttconn.Conn, e *entity) {
	if err := c.Publish(d.syncTopic(), []byte(e.id), haQoS, false); err != nil {
		d.res.Error(err, nil)
	}
}

// onSync runs when a claim comes back: the entity's configs retained
// under other devices are removed, then it is announced.
func (d *haDevice) onSync(_ string, payload []byte, _ byte, _ bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	e := d.entities[string(payload)]
	if d.closed || e == nil || e.claimed {
		return
	}
	e.claimed = true
	c := d.conn
	// the delivery goroutine must not publish
	d.wg.Go(func() {
		ctx, cancel := context.WithTimeout(d.ctx, haOfflineWait)
		defer cancel()
		for _, t := range e.takeMoved() {
			if err := d.clearConfig(ctx, c, t); err != nil {
				d.res.Error(err, nil)
			}
		}
		if err := d.releaseDeviceConfigs(ctx, c, e); err != nil {
			d.res.Error(err, nil)
		}
		c.Unsubscribe(e.movedFilter(), e.id)
		d.mu.Lock()
		e.ready = true
		d.mu.Unlock()
		if d.ctx.Err() == nil {
			e.announce(c)
		}
	})
}

// onHAStatus re-announces everything, after a short random delay, when
// Home Assistant comes online (its birth message on <prefix>/status).
func (d *haDevice) onHAStatus(_ string, payload []byte, _ byte, _ bool) {
	if string(payload) != "online" {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed || d.birth != nil {
		return
	}
	d.wg.Add(1)
	d.birth = time.AfterFunc(rand.N(haBirthJitter), func() {
		defer d.wg.Done()
		d.mu.Lock()
		d.birth = nil
		closed, c := d.closed, d.conn
		d.mu.Unlock()
		if !closed {
			d.publish(c, d.avail, []byte("online"))
			d.announceAll()
		}
	})
}

// configFilter matches the discovery configs of this device's entities.
func (d *haDevice) configFilter() string { return d.prefix + "/+/" + d.nodeID + "/+/config" }

// onRetained records the configs the broker retained for this device
// (from before a full deploy or a restart).
func (d *haDevice) onRetained(topic string, payload []byte, _ byte, retain bool) {
	if !retain || len(payload) == 0 {
		return
	}
	d.mu.Lock()
	if d.retained != nil {
		d.retained[topic] = true
	}
	d.mu.Unlock()
}

// removeStale runs once, haSweepAfter after the first connection: the
// retained configs of this device that no entity announced belong to
// entities deleted while the device was not running (a full deploy, a
// restart); they are removed from Home Assistant.
func (d *haDevice) removeStale() {
	defer d.wg.Done()
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return
	}
	if d.mode == discoveryEntity {
		for _, e := range d.entities {
			delete(d.retained, e.configTopic)
		}
	}
	stale := d.retained
	d.retained = nil
	staleComps := d.staleComponents()
	maps.Copy(d.dropped, staleComps)
	d.ownRetained, d.swept = nil, true
	c := d.conn
	d.mu.Unlock()
	if len(staleComps) > 0 {
		d.publishDevice(c)
		for obj := range staleComps {
			base := "flowgate/" + d.nodeID + "/" + obj
			d.publish(c, base+"/state", nil)
			d.publish(c, base+"/attributes", nil)
		}
	}
	c.Unsubscribe(d.configFilter(), d.id)
	for topic := range stale {
		for _, t := range entityTopics(topic) {
			if d.ctx.Err() != nil {
				return // closing: the next start sweeps again
			}
			d.publish(c, t, nil)
		}
	}
}

// announceAll publishes every attached entity's config and state; an
// entity not yet announced on this connection is claimed first.
func (d *haDevice) announceAll() {
	d.mu.Lock()
	var ready, claims []*entity
	for _, e := range d.entities {
		switch {
		case e.ready:
			ready = append(ready, e)
		case !e.claimed:
			claims = append(claims, e)
		}
		// claimed, not ready: its claim announces it
	}
	c := d.conn
	d.mu.Unlock()
	if d.mode == discoveryDevice && len(ready) > 0 {
		d.publishDevice(c)
		for _, e := range ready {
			e.publishStates(c)
		}
	} else {
		for _, e := range ready {
			e.announce(c)
		}
	}
	for _, e := range claims {
		d.claim(c, e)
	}
}

// attach adds a started entity and, when connected, claims it (which
// announces it).
func (d *haDevice) attach(e *entity) {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return
	}
	d.entities[e.id] = e
	c, up := d.conn, d.up
	d.mu.Unlock()
	if up {
		d.claim(c, e)
	}
}

// detach forgets a closed entity; it stays announced (a redeploy, a
// stop), unless its Remove ran (a deletion).
func (d *haDevice) detach(e *entity) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.entities[e.id] == e {
		delete(d.entities, e.id)
	}
}

// publish sends a retained message at haQoS, reporting failures.
func (d *haDevice) publish(c mqttconn.Conn, topic string, payload []byte) {
	if c == nil {
		return
	}
	err := c.Publish(topic, payload, haQoS, true)
	if err != nil {
		d.res.Error(err, nil)
	}
}
