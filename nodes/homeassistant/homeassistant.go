package homeassistant

import (
	"context"
	"embed"
	"strings"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/nodes/internal/shutdown"
)

//go:embed help/*.md
var helpFS embed.FS

// Options configure the Home Assistant node types.
type Options struct {
	// Gateway names this Flowgate among others sharing a broker: it
	// prefixes the unique ids, discovery node ids and topics of every
	// device and entity, so the same flow on two gateways does not
	// collide. Empty: the ids and topics have no gateway part.
	Gateway string
}

// Types returns the node types of the Home Assistant category without a
// gateway id.
func Types() []engine.Type { return TypesWith(Options{}) }

// TypesWith returns the node types of the Home Assistant category.
func TypesWith(o Options) []engine.Type {
	return []engine.Type{
		{Spec: haDeviceSpec(), New: func(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
			return newHADevice(cfg, res, o.Gateway)
		}},
		{Spec: haSwitchSpec(), New: newHASwitch},
		{Spec: haSensorSpec(), New: newHASensor},
		{Spec: haBinarySensorSpec(), New: newHABinarySensor},
		{Spec: haButtonSpec(), New: newHAButton},
		{Spec: haNumberSpec(), New: newHANumber},
		{Spec: haLightSpec(), New: newHALight},
		{Spec: haSelectSpec(), New: newHASelect},
		{Spec: haTextSpec(), New: newHAText},
		{Spec: haSceneSpec(), New: newHAScene},
		{Spec: haLockSpec(), New: newHALock},
		{Spec: haEventSpec(), New: newHAEvent},
		{Spec: haCoverSpec(), New: newHACover},
		{Spec: haFanSpec(), New: newHAFan},
		{Spec: haClimateSpec(), New: newHAClimate},
		{Spec: haSirenSpec(), New: newHASiren},
		{Spec: haValveSpec(), New: newHAValve},
		{Spec: haUpdateSpec(), New: newHAUpdate},
		{Spec: haStateSpec(), New: newHAState},
	}
}

func help(typ string) string {
	b, err := helpFS.ReadFile("help/" + typ + ".md")
	if err != nil {
		return ""
	}
	return string(b)
}

// topicID makes a node id usable as a discovery node_id/object_id and in
// unique_id: Home Assistant allows [a-zA-Z0-9_-] only.
func topicID(id string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-':
			return r
		}
		return '_'
	}, id)
}

// runBounded is shutdown.Do for a Close: the call may block on a broker
// that stopped answering, so it is bounded by ctx and haCloseWait.
func runBounded(ctx context.Context, f func()) error {
	ctx, cancel := context.WithTimeout(ctx, haCloseWait)
	defer cancel()
	return shutdown.Do(ctx, "unsubscribe", f)
}
