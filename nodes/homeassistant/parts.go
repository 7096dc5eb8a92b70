package homeassistant

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/flowgate/flowgate/engine"
)

// numberPart is a part whose state and commands are numbers within
// [lo, hi] (a cover's position, a fan's percentage, a thermostat's target
// temperature); whole makes them integers, as Home Assistant's cover
// (homeassistant/components/mqtt/cover.py: an integer position) and fan
// percentage (mqtt/fan.py) want them.
func numberPart(name, stateKey, cmdKey string, lo, hi float64, whole bool) part {
	check := func(v any) (float64, error) {
		n := engine.ToNumber(v)
		if _, isBool := v.(bool); isBool || v == nil || math.IsNaN(n) {
			return 0, fmt.Errorf("not a number: %s", engine.ToString(v))
		}
		if whole {
			n = math.Round(n)
		}
		if n < lo || n > hi {
			return 0, fmt.Errorf("%s outside %s-%s", engine.FormatNumber(n), engine.FormatNumber(lo), engine.FormatNumber(hi))
		}
		return n, nil
	}
	return part{
		name: name, stateKey: stateKey, cmdKey: cmdKey,
		toState: func(v any) ([]byte, error) {
			n, err := check(v)
			return []byte(engine.FormatNumber(n)), err
		},
		fromCommand: func(b []byte) (any, error) {
			n, err := strconv.ParseFloat(strings.TrimSpace(string(b)), 64)
			if err != nil {
				return nil, fmt.Errorf("unexpected command %q", b)
			}
			return check(n)
		},
	}
}

// choicePart is a part whose state and commands are one of choices (a
// fan's preset mode, a thermostat's mode).
func choicePart(name, stateKey, cmdKey string, choices []string) part {
	check := func(s string) error {
		if !slices.Contains(choices, s) {
			return fmt.Errorf("%q is not one of %s", s, strings.Join(choices, ", "))
		}
		return nil
	}
	return part{
		name: name, stateKey: stateKey, cmdKey: cmdKey,
		toState: func(v any) ([]byte, error) {
			s := engine.ToString(v)
			return []byte(s), check(s)
		},
		fromCommand: func(b []byte) (any, error) { return string(b), check(string(b)) },
	}
}

// onOffPart is a part that is on or off (a fan's oscillation): its state
// and command payloads are on and off, its commands leave as booleans.
func onOffPart(name, stateKey, cmdKey, on, off string) part {
	return part{
		name: name, stateKey: stateKey, cmdKey: cmdKey,
		toState: func(v any) ([]byte, error) {
			if s, ok := v.(string); ok && (s == on || s == off) {
				return []byte(s), nil
			}
			s, err := onOff(v)
			if err != nil {
				return nil, err
			}
			return []byte(map[string]string{"ON": on, "OFF": off}[s]), nil
		},
		fromCommand: func(b []byte) (any, error) {
			switch string(b) {
			case on:
				return true, nil
			case off:
				return false, nil
			}
			return nil, fmt.Errorf("unexpected command %q", b)
		},
	}
}

// stateWord converts an input to one of a component's state words
// (lowercase, as Home Assistant's cover and valve defaults are): booleans
// map to open and closed, the commands OPEN/CLOSE/STOP to the state they
// lead to.
func stateWord(v any, states []string) ([]byte, error) {
	if b, ok := v.(bool); ok {
		return []byte(map[bool]string{true: "open", false: "closed"}[b]), nil
	}
	s := strings.ToLower(strings.TrimSpace(engine.ToString(v)))
	switch s {
	case "close":
		s = "closed"
	case "stop":
		s = "stopped"
	}
	if !slices.Contains(states, s) {
		return nil, fmt.Errorf("invalid state: %s: not one of %s", engine.ToString(v), strings.Join(states, ", "))
	}
	return []byte(s), nil
}

// openCloseStop decodes the commands of a cover or valve.
func openCloseStop(b []byte) (any, error) {
	switch string(b) {
	case "OPEN", "CLOSE", "STOP":
		return string(b), nil
	}
	return nil, fmt.Errorf("unexpected command %q", b)
}
