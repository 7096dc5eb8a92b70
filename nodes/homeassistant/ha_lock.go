package homeassistant

import (
	"fmt"
	"strings"

	"github.com/flowgate/flowgate/engine"
)

func haLockSpec() engine.Spec {
	return engine.Spec{
		Type: "ha-lock", Category: "home assistant", Color: "#41bdf5", Icon: "switch.svg",
		Inputs: 1, Outputs: 1, LabelProp: "name", PaletteLabel: "lock",
		Props: entityProps(echoProp()),
		Help:  help("ha-lock"),
	}
}

// lockStates are the states of a lock (homeassistant/components/mqtt/lock.py
// state_locked, state_unlocked, state_locking, state_unlocking,
// state_jammed, state_open, state_opening defaults).
var lockStates = []string{"LOCKED", "UNLOCKED", "LOCKING", "UNLOCKING", "JAMMED", "OPEN", "OPENING"}

// newHALock: an input sets the state (true/lock → LOCKED, false/unlock →
// UNLOCKED, or one of lockStates); Home Assistant's LOCK, UNLOCK and
// OPEN commands leave as msg.payload.
func newHALock(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	e := newEntity(cfg, res, p, component{
		name: "lock", state: true, command: true,
		toState: func(v any, _ []byte) ([]byte, error) {
			if b, ok := v.(bool); ok {
				return []byte(map[bool]string{true: "LOCKED", false: "UNLOCKED"}[b]), nil
			}
			s := strings.ToUpper(strings.TrimSpace(engine.ToString(v)))
			switch s {
			case "LOCK":
				s = "LOCKED"
			case "UNLOCK":
				s = "UNLOCKED"
			}
			for _, st := range lockStates {
				if s == st {
					return []byte(s), nil
				}
			}
			return nil, fmt.Errorf("invalid state: %s", engine.ToString(v))
		},
		fromCommand: func(b []byte) (any, error) {
			switch string(b) {
			case "LOCK", "UNLOCK", "OPEN":
				return string(b), nil
			}
			return nil, fmt.Errorf("unexpected command %q", b)
		},
	}, map[string]any{"payload_open": "OPEN"})
	return e, p.Err()
}
