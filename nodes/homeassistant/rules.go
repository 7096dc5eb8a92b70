package homeassistant

import (
	"slices"
	"strings"

	"github.com/flowgate/flowgate/engine"
)

// Home Assistant refuses a whole discovery config when one key breaks its
// schema (the entity never appears, and the log says why). The lists and
// checks below are Home Assistant's, each named after the file of
// home-assistant/core it comes from; an entity node checks its properties
// against them when it is constructed, so a config Home Assistant would
// refuse is a deploy warning on the node and is never published.

// numericDeviceClasses are the device classes of a number
// (homeassistant/components/number/const.py NumberDeviceClass); a sensor
// has them too (homeassistant/components/sensor/const.py
// SensorDeviceClass: "NumberDeviceClass should be aligned").
var numericDeviceClasses = []string{
	"absolute_humidity", "apparent_power", "aqi", "area", "atmospheric_pressure",
	"battery", "blood_glucose_concentration", "carbon_monoxide", "carbon_dioxide",
	"conductivity", "current", "data_rate", "data_size", "distance", "duration",
	"energy", "energy_distance", "energy_storage", "frequency", "gas", "humidity",
	"illuminance", "irradiance", "moisture", "monetary", "nitrogen_dioxide",
	"nitrogen_monoxide", "nitrous_oxide", "ozone", "ph", "pm1", "pm10", "pm25", "pm4",
	"power_factor", "power", "precipitation", "precipitation_intensity", "pressure",
	"reactive_energy", "reactive_power", "signal_strength", "sound_pressure", "speed",
	"sulphur_dioxide", "temperature", "volatile_organic_compounds",
	"volatile_organic_compounds_parts", "voltage", "volume", "volume_storage",
	"volume_flow_rate", "water", "weight", "wind_direction", "wind_speed",
}

// nonNumericSensorClasses are the sensor device classes whose state is not
// a number (homeassistant/components/sensor/const.py
// NON_NUMERIC_DEVICE_CLASSES): a sensor of these has no state_class and no
// unit (homeassistant/components/sensor/__init__.py refuses its state).
var nonNumericSensorClasses = []string{"date", "enum", "timestamp"}

// deviceClasses are the device classes of each component; a component
// missing here has none.
var deviceClasses = map[string][]string{
	// homeassistant/components/sensor/const.py SensorDeviceClass
	"sensor": slices.Concat(nonNumericSensorClasses, numericDeviceClasses, []string{"temperature_delta"}),
	// homeassistant/components/number/const.py NumberDeviceClass
	"number": numericDeviceClasses,
	// homeassistant/components/binary_sensor/__init__.py BinarySensorDeviceClass
	"binary_sensor": {
		"battery", "battery_charging", "carbon_monoxide", "cold", "connectivity", "door",
		"garage_door", "gas", "heat", "light", "lock", "moisture", "motion", "moving",
		"occupancy", "opening", "plug", "power", "presence", "problem", "running",
		"safety", "smoke", "sound", "tamper", "update", "vibration", "window",
	},
	// homeassistant/components/switch/__init__.py SwitchDeviceClass
	"switch": {"outlet", "switch"},
	// homeassistant/components/button/__init__.py ButtonDeviceClass
	"button": {"identify", "restart", "update"},
	// homeassistant/components/cover/__init__.py CoverDeviceClass
	"cover": {"awning", "blind", "curtain", "damper", "door", "garage", "gate", "shade", "shutter", "window"},
	// homeassistant/components/valve/__init__.py ValveDeviceClass
	"valve": {"water", "gas"},
	// homeassistant/components/update/__init__.py UpdateDeviceClass
	"update": {"firmware"},
}

// coverStates are a cover's states, Home Assistant's defaults of
// homeassistant/components/mqtt/cover.py state_open, state_closed,
// state_opening, state_closing and state_stopped.
var coverStates = []string{"open", "closed", "opening", "closing", "stopped"}

// valveStates are a valve's states, the defaults of
// homeassistant/components/mqtt/valve.py state_open, state_closed,
// state_opening and state_closing.
var valveStates = []string{"open", "closed", "opening", "closing"}

// hvacModes are a climate entity's modes
// (homeassistant/components/climate/const.py HVACMode).
var hvacModes = []string{"off", "heat", "cool", "heat_cool", "auto", "dry", "fan_only"}

// temperatureUnits are the units of a climate entity
// (homeassistant/helpers/config_validation.py temperature_unit: C or F).
var temperatureUnits = []string{"C", "F"}

// payloadNone resets a state to unknown
// (homeassistant/components/mqtt/const.py PAYLOAD_NONE): a fan preset
// mode of that name could never be set.
const payloadNone = "None"

// stateClasses are a sensor's state classes
// (homeassistant/components/sensor/const.py SensorStateClass).
var stateClasses = []string{"measurement", "measurement_angle", "total", "total_increasing"}

// entityCategories are the entity categories an MQTT entity may have
// (homeassistant/const.py EntityCategory, through
// homeassistant/components/mqtt/schemas.py MQTT_ENTITY_COMMON_SCHEMA).
var entityCategories = []string{"config", "diagnostic"}

// numberModes are a number's display modes
// (homeassistant/components/number/const.py NumberMode).
var numberModes = []string{"auto", "box", "slider"}

// numberMinStep is the smallest step of a number
// (homeassistant/components/mqtt/number.py: vol.Range(min=1e-3)).
const numberMinStep = 1e-3

// selectOptions makes a select's options from a list, led by "none" (the
// key is left out of the config) when optional.
func selectOptions(values []string, optional bool) []engine.Option {
	var opts []engine.Option
	if optional {
		opts = append(opts, engine.Option{Value: "", Label: "none"})
	}
	for _, v := range values {
		opts = append(opts, engine.Option{Value: v, Label: strings.ReplaceAll(v, "_", " ")})
	}
	return opts
}

// checkIcon applies Home Assistant's icon rule
// (homeassistant/helpers/config_validation.py icon: "prefix:name").
func checkIcon(p *engine.Props, icon string) {
	if icon != "" && !strings.Contains(icon, ":") {
		p.Fail("icon", "icon %q must be \"prefix:name\", like \"mdi:%s\": Home Assistant refuses it", icon, icon)
	}
}

// checkChoice fails field when v (lowercased, as Home Assistant's schemas
// do with vol.Lower) is set and not one of allowed; it returns v
// lowercased.
func checkChoice(p *engine.Props, field, what, v string, allowed []string) string {
	v = strings.ToLower(strings.TrimSpace(v))
	if v != "" && !slices.Contains(allowed, v) {
		p.Fail(field, "%s %q is not one of Home Assistant's: %s", what, v, strings.Join(allowed, ", "))
	}
	return v
}

// checkDeviceClass checks a device class against the component's list.
func checkDeviceClass(p *engine.Props, component, v string) string {
	allowed, ok := deviceClasses[component]
	if !ok {
		if v != "" {
			p.Fail("deviceClass", "a %s has no device class in Home Assistant", component)
		}
		return ""
	}
	return checkChoice(p, "deviceClass", component+" device class", v, allowed)
}
