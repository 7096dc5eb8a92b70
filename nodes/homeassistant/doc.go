// Package homeassistant holds Home Assistant entities declared as nodes:
// an ha-device config node (the device and its mqtt-broker) and one node
// type per entity component (ha-switch, ha-sensor, ha-binary-sensor,
// ha-button, ha-number, ha-light, ha-select, ha-text, ha-scene, ha-lock,
// ha-event, ha-cover, ha-fan, ha-climate, ha-siren, ha-valve, ha-update),
// announced to Home Assistant by MQTT discovery (one config
// per device by default, per entity as an option) after checking them
// against Home Assistant's rules (rules.go); and ha-state, which follows
// Home Assistant entities through its mqtt_statestream integration.
//
// Import rules: engine, nodes/internal (mqttconn, shutdown) and the standard
// library; never another node category (the mqtt-broker config node is
// reached through mqttconn.Conn).
package homeassistant
