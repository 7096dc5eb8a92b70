package homeassistant

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/flowgate/flowgate/nodes/internal/mqttconn"
)

// Device-based discovery (Home Assistant 2024.11+,
// homeassistant/components/mqtt/discovery.py): one retained config per
// device on <prefix>/device/<node_id>/config, {"dev": the device, "o": the
// origin, "cmps": {<object_id>: {"p": <component>, ...entity keys}}} plus
// the keys the components share (availability). A component is removed
// by publishing the device config with that component reduced to its
// platform {"p": <component>}; the device and all its components by an
// empty config.

// discoveryMode says how a device announces its entities.
type discoveryMode string

const (
	discoveryDevice discoveryMode = "device" // one config per device (default)
	discoveryEntity discoveryMode = "entity" // one config per entity
)

// deviceTopic is the device's discovery topic in device mode.
func (d *haDevice) deviceTopic() string { return d.prefix + "/device/" + d.nodeID + "/config" }

// deviceFilter matches every device-based discovery config.
func (d *haDevice) deviceFilter() string { return d.prefix + "/device/+/config" }

// deviceConfig is a device-based discovery payload as far as Flowgate
// reads it back.
type deviceConfig struct {
	Components map[string]map[string]any `json:"cmps"`
}

// heldComponent is a Flowgate entity Home Assistant holds under a device
// config: announced in one of its versions and not removed since (a
// component left out of a later version stays in Home Assistant).
type heldComponent struct{ uniqueID, platform string }

// noteConfig records a device config (d.mu held): its latest payload and
// the Flowgate entities it holds, only for configs holding some (which
// bounds the tables). It returns the parsed config.
func (d *haDevice) noteConfig(topic string, payload []byte) deviceConfig {
	var cfg deviceConfig
	if len(payload) == 0 || !bytes.Contains(payload, []byte(`"flowgate_`)) && d.held[topic] == nil || json.Unmarshal(payload, &cfg) != nil {
		delete(d.foreign, topic)
		delete(d.held, topic)
		return cfg
	}
	held := d.held[topic]
	if held == nil {
		held = map[string]heldComponent{}
	}
	for obj, comp := range cfg.Components {
		id, _ := comp["unique_id"].(string)
		p, _ := comp["p"].(string)
		switch {
		case len(comp) == 1:
			delete(held, obj) // reduced to its platform: removed
		case strings.HasPrefix(id, "flowgate_"):
			held[obj] = heldComponent{uniqueID: id, platform: p}
		}
	}
	if len(held) == 0 {
		delete(d.foreign, topic)
		delete(d.held, topic)
		return cfg
	}
	d.held[topic] = held
	d.foreign[topic] = bytes.Clone(payload)
	return cfg
}

// onDeviceConfig follows the device-based configs that hold Flowgate
// entities: an entity announced here whose config another device's
// config holds must be removed from it first (see releaseDeviceConfigs).
// The subscription is shared by the devices of a connection, and the
// broker sends the retained configs to the first only: a device that
// subscribed second learns the other configs as they change. When
// another device's config releases an entity of this one (its component
// reduced to the platform), this device announces its config again: Home
// Assistant refused it while the other held the entity.
func (d *haDevice) onDeviceConfig(topic string, payload []byte, _ byte, retain bool) {
	if topic == d.deviceTopic() {
		return // see onOwnConfig
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if bytes.Equal(d.foreign[topic], payload) {
		return // known: a release of this device's (see releaseDeviceConfigs)
	}
	cfg := d.noteConfig(topic, payload)
	if retain || d.mode != discoveryDevice || d.closed {
		return
	}
	mine := d.entitiesByObject()
	for obj, comp := range cfg.Components {
		if e := mine[obj]; e != nil && e.ready && len(comp) == 1 {
			c := d.conn
			// the delivery goroutine must not publish
			d.wg.Go(func() { d.publishDevice(c) })
			return
		}
	}
}

// onOwnConfig keeps this device's config as the broker retained it before
// this start, for the sweep (a subscription to this topic alone: the
// broker sends it the retained config whatever other devices subscribed),
// and follows it afterwards like the others.
func (d *haDevice) onOwnConfig(topic string, payload []byte, _ byte, retain bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if retain && len(payload) > 0 && d.ownRetained == nil && !d.swept {
		d.ownRetained = bytes.Clone(payload)
	}
	d.noteConfig(topic, payload)
}

// releaseDeviceConfigs removes entity e from every device-based config
// that holds it under another topic (it moved from another device, or
// this device announced it per device before and now per entity): the
// latest config is published again with e's component reduced to its
// platform, acknowledged (bounded by ctx). Edits of one config by several
// entities apply in turn to its latest version.
func (d *haDevice) releaseDeviceConfigs(ctx context.Context, c mqttconn.Conn, e *entity) error {
	d.devMu.Lock()
	defer d.devMu.Unlock()
	var errs []error
	d.mu.Lock()
	topics := slices.Collect(maps.Keys(d.held))
	d.mu.Unlock()
	for _, topic := range topics {
		if d.mode == discoveryDevice && topic == d.deviceTopic() {
			continue
		}
		d.mu.Lock()
		edited, ok := withoutEntity(d.foreign[topic], d.held[topic], e)
		if ok {
			d.noteConfig(topic, edited)
		}
		d.mu.Unlock()
		if !ok {
			continue
		}
		if err := c.PublishWait(ctx, topic, edited, haQoS, true); err != nil {
			errs = append(errs, fmt.Errorf("release %s from %s: %w", e.uniqueID(), topic, err))
		}
	}
	return errors.Join(errs...)
}

// withoutEntity returns a device config with e's components reduced to
// their platform, and whether it held e.
func withoutEntity(payload []byte, held map[string]heldComponent, e *entity) ([]byte, bool) {
	var cfg map[string]any
	if json.Unmarshal(payload, &cfg) != nil {
		return nil, false
	}
	cmps, _ := cfg["cmps"].(map[string]any)
	if cmps == nil {
		cmps = map[string]any{}
		cfg["cmps"] = cmps
	}
	found := false
	for obj, h := range held {
		if h.uniqueID == e.uniqueID() || h.uniqueID == "flowgate_"+topicID(e.id) {
			cmps[obj] = map[string]any{"p": h.platform}
			found = true
		}
	}
	if !found {
		return nil, false
	}
	b, err := json.Marshal(cfg)
	return b, err == nil
}

// publishDevice publishes the device config with every announced entity
// and the components dropped since the last one (reduced to their
// platform, which removes them from Home Assistant).
func (d *haDevice) publishDevice(c mqttconn.Conn) {
	d.devMu.Lock()
	defer d.devMu.Unlock()
	d.mu.Lock()
	cmps := make(map[string]any, len(d.entities)+len(d.dropped))
	for obj, comp := range d.dropped {
		cmps[obj] = map[string]any{"p": comp}
	}
	d.dropped = map[string]string{}
	for _, e := range d.entities {
		if e.ready {
			cmps[topicID(e.id)] = e.component()
		}
	}
	d.mu.Unlock()
	if len(cmps) == 0 {
		return
	}
	b, err := json.Marshal(map[string]any{
		"dev":                d.block,
		"o":                  haOrigin,
		"cmps":               cmps,
		"availability_topic": d.avail,
	})
	if err != nil {
		d.res.Error(err, nil)
		return
	}
	d.publish(c, d.deviceTopic(), b)
}

// dropComponent removes entity e from the device config (an entity node
// deleted from the flows), and its state and attributes, acknowledged
// (bounded by ctx).
func (d *haDevice) dropComponent(ctx context.Context, c mqttconn.Conn, e *entity) error {
	d.mu.Lock()
	d.dropped[topicID(e.id)] = e.comp.name
	d.mu.Unlock()
	d.publishDevice(c)
	return d.clearTopics(ctx, c, e.stateTopics()...)
}

// staleComponents returns the components of the device config the broker
// retained (before this start) that no attached entity announces.
func (d *haDevice) staleComponents() map[string]string {
	var cfg deviceConfig
	if d.ownRetained == nil || json.Unmarshal(d.ownRetained, &cfg) != nil {
		return nil
	}
	stale := map[string]string{}
	for obj, comp := range cfg.Components {
		if _, attached := d.entitiesByObject()[obj]; attached || len(comp) <= 1 {
			continue
		}
		p, _ := comp["p"].(string)
		stale[obj] = p
	}
	return stale
}

// entitiesByObject indexes the attached entities by object id; d.mu is held.
func (d *haDevice) entitiesByObject() map[string]*entity {
	m := make(map[string]*entity, len(d.entities))
	for _, e := range d.entities {
		m[topicID(e.id)] = e
	}
	return m
}

// clearTopics removes the retained messages of topics ("" skipped),
// acknowledged (bounded by ctx).
func (d *haDevice) clearTopics(ctx context.Context, c mqttconn.Conn, topics ...string) error {
	var errs []error
	for _, t := range slices.DeleteFunc(topics, func(t string) bool { return t == "" }) {
		if err := c.PublishWait(ctx, t, nil, haQoS, true); err != nil {
			errs = append(errs, fmt.Errorf("clear %s: %w", t, err))
		}
	}
	return errors.Join(errs...)
}
