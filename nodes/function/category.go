package function

import (
	"embed"

	"github.com/flowgate/flowgate/engine"
)

//go:embed help/*.md
var helpFS embed.FS

// Types returns the node types of the function category with default options.
func Types() []engine.Type { return TypesWith(Options{}) }

// TypesWith returns the node types of the function category using o.
func TypesWith(o Options) []engine.Type {
	return []engine.Type{
		{Spec: changeSpec(), New: newChange},
		{Spec: functionSpec(), New: newFunction},
		{Spec: switchSpec(), New: newSwitch},
		{Spec: templateSpec(), New: newTemplate},
		{Spec: rangeSpec(), New: newRange},
		{Spec: delaySpec(), New: newDelay},
		{Spec: triggerSpec(), New: newTrigger},
		{Spec: rbeSpec(), New: newRBE},
		{Spec: execSpec(), New: func(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
			return newExec(cfg, res, o)
		}},
	}
}

// help returns the embedded help text of a node type.
func help(typ string) string {
	b, err := helpFS.ReadFile("help/" + typ + ".md")
	if err != nil {
		return ""
	}
	return string(b)
}

// color is the palette colour Node-RED gives the function category.
const color = "#E2D96E"
