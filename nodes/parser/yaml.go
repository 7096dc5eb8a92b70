package parser

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"

	"github.com/flowgate/flowgate/nodes/internal/yamlvalue"

	"github.com/flowgate/flowgate/engine"
)

func yamlSpec() engine.Spec {
	return engine.Spec{
		Type: "yaml", Category: "parser", Color: "#DEBD5C", Icon: "parser-yaml.svg", LabelProp: "name",
		Inputs: 1, Outputs: 1,
		Props: []engine.Prop{
			propertyProp(),
			{Name: "name", Kind: engine.KindString, Default: ""},
		},
		Help: help("yaml"),
	}
}

// yamlNode converts a property between YAML text and a value.
type yamlNode struct {
	res      *engine.Resources
	property engine.Path
}

func newYAML(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	n := &yamlNode{res: res, property: p.Path("property", "payload")}
	return n, p.Err()
}

func (n *yamlNode) Handle(_ context.Context, msg engine.Msg, out *engine.Output) error {
	value, ok := n.property.Get(msg)
	if !ok {
		out.Send(0, msg)
		return nil
	}
	switch v := value.(type) {
	case string:
		parsed, defined, err := loadYAML(v)
		if err != nil {
			return err
		}
		if defined {
			n.property.Set(msg, parsed, true)
		} else {
			n.property.Delete(msg)
		}
	case []byte:
		n.res.Log.Warn("Ignored non-object payload")
		return nil
	case *engine.Object, map[string]any, []any, nil, engine.Msg, time.Time:
		n.property.Set(msg, dumpYAML(v), true)
	default:
		n.res.Log.Warn("Ignored unsupported payload type")
		return nil
	}
	out.Send(0, msg)
	return nil
}

// loadYAML parses one YAML document into JSON-like values; defined is false
// for an empty document (js-yaml's undefined).
func loadYAML(text string) (v any, defined bool, err error) {
	v, defined, err = yamlvalue.Load(text)
	if err != nil {
		return nil, false, userError(strings.TrimPrefix(err.Error(), "yaml: "))
	}
	return v, defined, nil
}

// dumpYAML writes v as js-yaml's dump does with its defaults (indent 2,
// line width 80, single quotes), object keys in their order.
func dumpYAML(v any) string {
	d := &yamlDumper{}
	return d.node(0, v, true, true, false) + "\n"
}

type yamlDumper struct{}

const yamlIndent = 2

func nextLine(level int) string { return "\n" + strings.Repeat(" ", yamlIndent*level) }

// node returns the dump of v at level; block and compact as in js-yaml's writeNode.
func (d *yamlDumper) node(level int, v any, block, compact, isKey bool) string {
	switch t := v.(type) {
	case engine.Msg:
		return d.node(level, engine.ObjectFromMap(t), block, compact, isKey)
	case map[string]any:
		return d.node(level, engine.ObjectFromMap(t), block, compact, isKey)
	case *engine.Object:
		if t.Len() == 0 {
			return "{}"
		}
		if !block {
			return d.flowMapping(level, t)
		}
		var b strings.Builder
		for k, e := range t.All() {
			if !compact || b.Len() > 0 {
				b.WriteString(nextLine(level))
			}
			b.WriteString(d.node(level, k, false, true, true))
			val := d.node(level+1, e, true, false, false)
			if strings.HasPrefix(val, "\n") {
				b.WriteString(":")
			} else {
				b.WriteString(": ")
			}
			b.WriteString(val)
		}
		return b.String()
	case []any:
		if len(t) == 0 {
			return "[]"
		}
		if !block {
			return d.flowSequence(level, t)
		}
		seqLevel := level // js-yaml indents sequences under mapping keys (noArrayIndent false)
		var b strings.Builder
		for _, e := range t {
			if !compact || b.Len() > 0 {
				b.WriteString(nextLine(seqLevel))
			}
			val := d.node(seqLevel+1, e, true, true, false)
			if strings.HasPrefix(val, "\n") {
				b.WriteString("-")
			} else {
				b.WriteString("- ")
			}
			b.WriteString(val)
		}
		return b.String()
	case []byte:
		return yamlScalar(string(t), level, isKey, block)
	case string:
		return yamlScalar(t, level, isKey, block)
	case float64:
		return yamlNumber(t)
	case bool:
		if t {
			return "true"
		}
		return "false"
	case nil:
		return "null"
	case time.Time:
		return t.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	return yamlScalar(engine.ToString(v), level, isKey, block)
}

func (d *yamlDumper) flowMapping(level int, m *engine.Object) string {
	parts := make([]string, 0, m.Len())
	for k, e := range m.All() {
		parts = append(parts, d.node(level, k, false, false, true)+": "+d.node(level, e, false, false, false))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func (d *yamlDumper) flowSequence(level int, a []any) string {
	parts := make([]string, len(a))
	for i, e := range a {
		parts[i] = d.node(level, e, false, false, false)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// yamlNumber is js-yaml's representation of a number.
func yamlNumber(f float64) string {
	switch {
	case math.IsNaN(f):
		return ".nan"
	case math.IsInf(f, 1):
		return ".inf"
	case math.IsInf(f, -1):
		return "-.inf"
	case f == 0 && math.Signbit(f):
		return "-0.0"
	}
	s := engine.FormatNumber(f)
	if f != math.Trunc(f) && scientificWithoutDot.MatchString(s) {
		s = strings.Replace(s, "e", ".e", 1)
	}
	return s
}

var (
	scientificWithoutDot = regexp.MustCompile(`^[-+]?[0-9]+e`)
	yamlNull             = regexp.MustCompile(`^(?:~|null|Null|NULL)?$`)
	yamlBool             = regexp.MustCompile(`^(?:true|True|TRUE|false|False|FALSE)$`)
	yamlInt              = regexp.MustCompile(`^[-+]?(?:0b[01_]+|0o[0-7_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*)$`)
	yamlFloat            = regexp.MustCompile(`^(?:[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?|\.[0-9_]+(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$`)
	yamlDate             = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
	yamlTimestamp        = regexp.MustCompile(`^[0-9]{4}-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9]{2})?))?$`)
	yamlBase60           = regexp.MustCompile(`^[-+]?[0-9_]+(?::[0-9_]+)+(?:\.[0-9_]*)?$`)
	yamlOldBools         = map[string]bool{"y": true, "Y": true, "yes": true, "Yes": true, "YES": true, "on": true, "On": true, "ON": true,
		"n": true, "N": true, "no": true, "No": true, "NO": true, "off": true, "Off": true, "OFF": true}
)

// yamlAmbiguous reports whether a plain s would load as something other
// than a string.
func yamlAmbiguous(s string) bool {
	if yamlNull.MatchString(s) || yamlBool.MatchString(s) || s == "<<" {
		return true
	}
	if yamlInt.MatchString(s) && !strings.HasSuffix(s, "_") && strings.ContainsAny(s, "0123456789") {
		return true
	}
	if yamlFloat.MatchString(s) && !strings.HasSuffix(s, "_") {
		return true
	}
	return yamlDate.MatchString(s) || yamlTimestamp.MatchString(s)
}

func yamlPrintable(c rune) bool {
	return (c >= 0x20 && c <= 0x7E) || c == 0x85 || (c >= 0xA0 && c <= 0xD7FF && c != 0x2028 && c != 0x2029) ||
		(c >= 0xE000 && c <= 0xFFFD && c != 0xFEFF) || (c >= 0x10000 && c <= 0x10FFFF)
}

func yamlWhite(c rune) bool { return c == ' ' || c == '\t' }

func yamlNsOrWhite(c rune) bool { return yamlPrintable(c) && c != 0xFEFF && c != '\r' && c != '\n' }

func yamlPlainSafe(c, prev rune, inblock bool) bool {
	cNsOrWhite := yamlNsOrWhite(c)
	cNs := cNsOrWhite && !yamlWhite(c)
	ok := cNsOrWhite
	if !inblock {
		ok = ok && !strings.ContainsRune(",[]{}", c)
	}
	return (ok && c != '#' && !(prev == ':' && !cNs)) ||
		(yamlNsOrWhite(prev) && !yamlWhite(prev) && c == '#') ||
		(prev == ':' && cNs)
}

func yamlPlainSafeFirst(c rune) bool {
	return yamlPrintable(c) && c != 0xFEFF && !yamlWhite(c) && !strings.ContainsRune("-?:,[]{}#&*!|=>'\"%@`", c)
}

// yamlScalar writes a string in the style js-yaml chooses for it.
func yamlScalar(s string, level int, isKey, inblock bool) string {
	if s == "" {
		return "''"
	}
	if yamlOldBools[s] || yamlBase60.MatchString(s) {
		return "'" + s + "'"
	}
	indent := yamlIndent * max(1, level)
	lineWidth := max(min(80, 40), 80-indent)
	runes := []rune(s)
	plain := yamlPlainSafeFirst(runes[0]) && !yamlWhite(runes[len(runes)-1]) && runes[len(runes)-1] != ':'
	hasLineBreak, hasFoldable := false, false
	prevBreak := -1
	var prev rune = -1
	for i, c := range runes {
		if isKey {
			if !yamlPrintable(c) {
				return yamlDouble(s)
			}
		} else if c == '\n' {
			hasLineBreak = true
			hasFoldable = hasFoldable || (i-prevBreak-1 > lineWidth && runes[prevBreak+1] != ' ')
			prevBreak = i
		} else if !yamlPrintable(c) {
			return yamlDouble(s)
		}
		plain = plain && yamlPlainSafe(c, prev, inblock)
		prev = c
	}
	if !isKey {
		hasFoldable = hasFoldable || (len(runes)-prevBreak-1 > lineWidth && runes[prevBreak+1] != ' ')
	}
	if !hasLineBreak && !hasFoldable {
		if plain && !yamlAmbiguous(s) {
			return s
		}
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	header := yamlBlockHeader(s)
	pad := strings.Repeat(" ", indent)
	if hasFoldable {
		return ">" + header + dropEndingNewline(indentLines(yamlFold(s, lineWidth), pad))
	}
	return "|" + header + dropEndingNewline(indentLines(s, pad))
}

func yamlBlockHeader(s string) string {
	indicator := ""
	if strings.HasPrefix(strings.TrimLeft(s, "\n"), " ") {
		indicator = fmt.Sprint(yamlIndent)
	}
	clip := strings.HasSuffix(s, "\n")
	keep := clip && (strings.HasSuffix(s, "\n\n") || s == "\n")
	chomp := "-"
	switch {
	case keep:
		chomp = "+"
	case clip:
		chomp = ""
	}
	return indicator + chomp + "\n"
}

// indentLines indents every non-empty line.
func indentLines(s, pad string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = pad + l
		}
	}
	return strings.Join(lines, "\n")
}

func dropEndingNewline(s string) string { return strings.TrimSuffix(s, "\n") }

// yamlFold is js-yaml's foldString.
func yamlFold(s string, width int) string {
	first := strings.IndexByte(s, '\n')
	if first < 0 {
		first = len(s)
	}
	result := yamlFoldLine(s[:first], width)
	prevMore := strings.HasPrefix(s, "\n") || strings.HasPrefix(s, " ")
	rest := s[first:]
	for rest != "" {
		j := 0
		for j < len(rest) && rest[j] == '\n' {
			j++
		}
		prefix := rest[:j]
		rest = rest[j:]
		k := strings.IndexByte(rest, '\n')
		if k < 0 {
			k = len(rest)
		}
		line := rest[:k]
		rest = rest[k:]
		more := strings.HasPrefix(line, " ")
		sep := ""
		if !prevMore && !more && line != "" {
			sep = "\n"
		}
		result += prefix + sep + yamlFoldLine(line, width)
		prevMore = more
	}
	return result
}

func yamlFoldLine(line string, width int) string {
	if line == "" || line[0] == ' ' {
		return line
	}
	var b strings.Builder
	start, curr := 0, 0
	for i := 0; i+1 < len(line); i++ {
		if line[i] != ' ' || line[i+1] == ' ' {
			continue
		}
		next := i
		if next-start > width {
			end := next
			if curr > start {
				end = curr
			}
			b.WriteString("\n" + line[start:end])
			start = end + 1
		}
		curr = next
	}
	b.WriteString("\n")
	if len(line)-start > width && curr > start {
		b.WriteString(line[start:curr] + "\n" + line[curr+1:])
	} else {
		b.WriteString(line[start:])
	}
	return b.String()[1:]
}

// yamlDouble writes a double-quoted scalar with js-yaml's escapes.
func yamlDouble(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, c := range s {
		switch c {
		case 0:
			b.WriteString(`\0`)
		case 7:
			b.WriteString(`\a`)
		case 8:
			b.WriteString(`\b`)
		case 9:
			b.WriteString(`\t`)
		case 10:
			b.WriteString(`\n`)
		case 11:
			b.WriteString(`\v`)
		case 12:
			b.WriteString(`\f`)
		case 13:
			b.WriteString(`\r`)
		case 27:
			b.WriteString(`\e`)
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case 0x85:
			b.WriteString(`\N`)
		case 0xA0:
			b.WriteString(`\_`)
		case 0x2028:
			b.WriteString(`\L`)
		case 0x2029:
			b.WriteString(`\P`)
		default:
			switch {
			case yamlPrintable(c):
				b.WriteRune(c)
			case c <= 0xFF:
				fmt.Fprintf(&b, `\x%02X`, c)
			case c <= 0xFFFF:
				fmt.Fprintf(&b, `\u%04X`, c)
			default:
				fmt.Fprintf(&b, `\U%08X`, c)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}
