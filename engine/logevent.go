package engine

import (
	"fmt"
	"unicode/utf16"
)

// logMaxLength is Node-RED's debugMaxLength: longer texts are cut.
const logMaxLength = 1000

// encodeLogValue is the msg text and format of a logged value as Node-RED's
// util.encodeObject gives them: text as string[length] (UTF-16 units), cut
// at 1000 characters; an *ErrorValue as an encoded error; a number, boolean,
// array or object as JSON.
func encodeLogValue(v any) (string, string) {
	switch t := v.(type) {
	case string:
		text, units := CutText(t, logMaxLength)
		return text, fmt.Sprintf("string[%d]", units)
	case *ErrorValue:
		data := ObjectOf("name", t.Name, "message", t.Message)
		if t.Stack != "" {
			data.Set("stack", t.Stack)
		}
		s, _ := JSONString(ObjectOf("__enc__", true, "type", "error", "data", data), "")
		return s, "error"
	case error:
		return encodeLogValue(t.Error())
	case nil:
		return "(undefined)", "null"
	case bool:
		return ToString(t), "boolean"
	case float64:
		return ToString(t), "number"
	case []any:
		s, _ := JSONString(t, "")
		return s, fmt.Sprintf("array[%d]", len(t))
	}
	s, err := JSONString(v, "")
	if err != nil {
		return ToString(v), "string"
	}
	return s, "Object"
}

// CutText is JavaScript's s.length (UTF-16 code units) and s cut to max
// units with "..." after, as Node-RED's debug sidebar shortens text.
func CutText(s string, max int) (text string, units int) {
	u := utf16.Encode([]rune(s))
	if len(u) > max {
		return string(utf16.Decode(u[:max])) + "...", len(u)
	}
	return s, len(u)
}

// ErrorValue is a JavaScript Error a node logs or reports (node.error(err)
// in a function): the debug sidebar shows its name, message and stack.
type ErrorValue struct {
	Name, Message, Stack string
}

// Error is JavaScript's String(err): "Name: message".
func (e *ErrorValue) Error() string {
	if e.Message == "" {
		return e.Name
	}
	return e.Name + ": " + e.Message
}
