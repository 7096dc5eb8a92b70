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
		s, _ := JSONString(t.Encoded(), "")
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
// in a function), or that a message carries (msg._error after a function
// threw): the debug sidebar shows its name, message and stack; JSON writes
// it as {}, as JSON.stringify does an Error.
type ErrorValue struct {
	Name, Message, Stack string
}

// Encoded is the error as Node-RED's debug sidebar receives it
// (util.encodeObject): {__enc__, type: "error", data: {name, message, stack}}.
func (e *ErrorValue) Encoded() *Object {
	data := ObjectOf("name", e.Name, "message", e.Message)
	if e.Stack != "" {
		data.Set("stack", e.Stack)
	}
	return ObjectOf("__enc__", true, "type", "error", "data", data)
}

// Error is JavaScript's String(err): "Name: message".
func (e *ErrorValue) Error() string {
	if e.Message == "" {
		return e.Name
	}
	return e.Name + ": " + e.Message
}
