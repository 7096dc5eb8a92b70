package engine

// Spec declares a node type: everything the editor needs to draw its palette
// entry and properties form, and what the engine needs to wire it. It is
// plain data, served as JSON by GET /api/specs.
type Spec struct {
	// Type is the node type name, Node-RED's where Node-RED has the type.
	Type string `json:"type"`
	// Category groups the palette (common, function, sequence, parser,
	// network, storage, hardware, homeassistant, config).
	Category string `json:"category"`
	Color    string `json:"color"`
	Icon     string `json:"icon,omitempty"`
	// PaletteLabel is the palette text; the type name when empty.
	PaletteLabel string `json:"paletteLabel,omitempty"`
	// LabelProp names the property whose value labels the node on the
	// canvas (falls back to the palette label).
	LabelProp string `json:"labelProp,omitempty"`
	// Inputs is 0 or 1.
	Inputs int `json:"inputs"`
	// Outputs is the fixed number of outputs, used when OutputsFrom is empty.
	Outputs int `json:"outputs"`
	// OutputsFrom derives the output count from a property: a number
	// property ("outputs") or the length of a list property ("rules").
	OutputsFrom string `json:"outputsFrom,omitempty"`
	// Config marks configuration nodes (no ports, shared by other nodes).
	Config bool `json:"config,omitempty"`
	// Button is set for nodes with a canvas button (inject's trigger,
	// debug's enable toggle): "inject" or "toggle".
	Button string `json:"button,omitempty"`
	// Align puts the icon on the right ("right") as for output nodes.
	Align string `json:"align,omitempty"`
	// Props are the node's properties, in form order.
	Props []Prop `json:"props"`
	// Credentials are properties stored apart and never returned.
	Credentials []Prop `json:"credentials,omitempty"`
	// Help is Markdown shown in the info sidebar.
	Help string `json:"help"`
	// KeepsName: the Node-RED type sets this.name = n.name, so the source
	// of its errors, statuses and completions names it even when the name
	// is empty (Node-RED's Node keeps only a non-empty name).
	KeepsName bool `json:"-"`
}

// Kind is how a property is edited and validated.
type Kind string

// Property kinds.
const (
	KindString Kind = "string"
	KindNumber Kind = "number"
	KindBool   Kind = "bool"
	KindSelect Kind = "select"
	KindTyped  Kind = "typed"  // a value with a sibling type property (TypeProp)
	KindJSON   Kind = "json"   // any JSON value
	KindCode   Kind = "code"   // multi-line text with a language (Lang)
	KindList   Kind = "list"   // a JSON array edited by a custom widget
	KindConfig Kind = "config" // the id of a config node of ConfigType
	KindNodes  Kind = "nodes"  // a list of node ids (catch scope, link targets)
)

// Prop declares one property of a node type.
type Prop struct {
	// Name is the exact JSON key Node-RED uses.
	Name  string `json:"name"`
	Label string `json:"label,omitempty"`
	Kind  Kind   `json:"kind"`
	// Default is the value a new node gets.
	Default  any  `json:"default"`
	Required bool `json:"required,omitempty"`
	// Options are the allowed values of a select.
	Options []Option `json:"options,omitempty"`
	// Types are the allowed typed-input kinds of a typed property, and
	// TypeProp the sibling property holding the chosen kind.
	Types    []string `json:"types,omitempty"`
	TypeProp string   `json:"typeProp,omitempty"`
	// Widget names a shared custom front-end widget (rules, props, code).
	Widget string `json:"widget,omitempty"`
	// Lang is the language of a code property (javascript, mustache, ...).
	Lang string `json:"lang,omitempty"`
	// ConfigType is the config node type a KindConfig property refers to.
	ConfigType string `json:"configType,omitempty"`
	// Hidden properties are kept and round-tripped but not shown in the form.
	Hidden bool `json:"hidden,omitempty"`
}

// Option is one choice of a select property.
type Option struct {
	Value string `json:"value"`
	Label string `json:"label"`
}
