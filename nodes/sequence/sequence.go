package sequence

import (
	"embed"
	"math"
	"strconv"
	"strings"

	"github.com/flowgate/flowgate/engine"
)

//go:embed help/*.md
var helpFS embed.FS

// Types returns the node types of the sequence category.
func Types() []engine.Type {
	return []engine.Type{
		{Spec: splitSpec(), New: newSplit},
		{Spec: joinSpec(), New: newJoin},
		{Spec: sortSpec(), New: newSort},
		{Spec: batchSpec(), New: newBatch},
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

// unescapeSeparator decodes the escapes Node-RED accepts in a separator or
// joiner typed as text. As in JavaScript, "\e" is a plain "e".
var unescapeSeparator = strings.NewReplacer(`\n`, "\n", `\r`, "\r", `\t`, "\t", `\e`, "e", `\f`, "\f", `\0`, "\x00")

// byteArray parses a bin typed value, a JSON array of numbers, as Node's
// Buffer.from(array) does (values modulo 256). It also returns the array
// itself, which split passes on in msg.parts.ch.
func byteArray(text string) ([]byte, []any, bool) {
	v, err := engine.DecodeJSON([]byte(text))
	if err != nil {
		return nil, nil, false
	}
	arr, ok := v.([]any)
	if !ok {
		return nil, nil, false
	}
	return toBytes(arr), arr, true
}

// toBytes is Buffer.from(array): each element as a number modulo 256.
func toBytes(arr []any) []byte {
	b := make([]byte, len(arr))
	for i, e := range arr {
		f := engine.ToNumber(e)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			f = 0
		}
		b[i] = byte(int64(f))
	}
	return b
}

// parseInt is JavaScript's parseInt(v) for a property: the leading integer
// of its text, or false.
func parseInt(v any) (int, bool) {
	s := strings.TrimSpace(engine.ToString(v))
	end := 0
	if end < len(s) && (s[end] == '-' || s[end] == '+') {
		end++
	}
	start := end
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	if end == start {
		return 0, false
	}
	n, err := strconv.Atoi(s[:end])
	return n, err == nil
}

// num returns a JSON number as float64 and whether it is one.
func num(v any) (float64, bool) {
	switch t := v.(type) {
	case float64:
		return t, true
	case int:
		return float64(t), true
	}
	return 0, false
}
