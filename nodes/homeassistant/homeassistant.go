package homeassistant

import (
	"embed"
	"strings"

	"github.com/flowgate/flowgate/engine"
)

//go:embed help/*.md
var helpFS embed.FS

// Types returns the node types of the Home Assistant category.
func Types() []engine.Type {
	return []engine.Type{
		{Spec: haDeviceSpec(), New: newHADevice},
		{Spec: haSwitchSpec(), New: newHASwitch},
		{Spec: haSensorSpec(), New: newHASensor},
		{Spec: haBinarySensorSpec(), New: newHABinarySensor},
		{Spec: haButtonSpec(), New: newHAButton},
		{Spec: haNumberSpec(), New: newHANumber},
		{Spec: haLightSpec(), New: newHALight},
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
