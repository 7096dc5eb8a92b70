package parser

import (
	"embed"
	"strings"

	"github.com/flowgate/flowgate/engine"
)

//go:embed help/*.md
var helpFS embed.FS

// Types returns the node types of the parser category.
func Types() []engine.Type {
	return []engine.Type{
		{Spec: csvSpec(), New: newCSV},
		{Spec: htmlSpec(), New: newHTML},
		{Spec: jsonSpec(), New: newJSON},
		{Spec: xmlSpec(), New: newXML},
		{Spec: yamlSpec(), New: newYAML},
	}
}

// help returns the embedded help text of a node type ("" when missing, which
// the package test reports).
func help(typ string) string {
	b, err := helpFS.ReadFile("help/" + strings.ReplaceAll(typ, " ", "_") + ".md")
	if err != nil {
		return ""
	}
	return string(b)
}

// propertyProp is the "property" prop every parser has.
func propertyProp() engine.Prop {
	return engine.Prop{Name: "property", Label: "Property", Kind: engine.KindTyped, Types: []string{"msg"}, Default: "payload", Required: true}
}

// userError is an error whose text a Node-RED user sees as is (Node-RED's
// wording, which may be capitalised).
type userError string

func (e userError) Error() string { return string(e) }
