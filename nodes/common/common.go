package common

import (
	"embed"
	"strings"

	"github.com/flowgate/flowgate/engine"
)

//go:embed help/*.md
var helpFS embed.FS

// Types returns the node types of the common category.
func Types() []engine.Type {
	return []engine.Type{
		{Spec: injectSpec(), New: newInject},
		{Spec: debugSpec(), New: newDebug},
		{Spec: completeSpec(), New: newComplete},
		{Spec: catchSpec(), New: newCatch},
		{Spec: statusSpec(), New: newStatus},
		{Spec: linkInSpec(), New: newLinkIn},
		{Spec: linkCallSpec(), New: newLinkCall},
		{Spec: linkOutSpec(), New: newLinkOut},
		{Spec: commentSpec(), New: newComment},
		{Spec: junctionSpec(), New: newJunction},
	}
}

// help returns the embedded help text of a node type ("" when missing, which
// the registry test reports).
func help(typ string) string {
	b, err := helpFS.ReadFile("help/" + strings.ReplaceAll(typ, " ", "_") + ".md")
	if err != nil {
		return ""
	}
	return string(b)
}
