package engine

import (
	"errors"
	"fmt"
)

// FieldError is a bad property of one node: the problem a deploy reports at
// the node and field a user must fix.
type FieldError struct {
	Node   string `json:"node"`
	Type   string `json:"type,omitempty"`
	Field  string `json:"field,omitempty"`
	Reason string `json:"reason"`
}

func (e *FieldError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("node %s (%s): %s", e.Node, e.Type, e.Reason)
	}
	return fmt.Sprintf("node %s (%s): %s: %s", e.Node, e.Type, e.Field, e.Reason)
}

// FieldErrors flattens err (joined or wrapped) into its field errors; an error
// that is not a FieldError is returned as one without a field.
func FieldErrors(err error) []*FieldError {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []*FieldError
		for _, e := range j.Unwrap() {
			out = append(out, FieldErrors(e)...)
		}
		return out
	}
	var fe *FieldError
	if errors.As(err, &fe) {
		return []*FieldError{fe}
	}
	return []*FieldError{{Reason: err.Error()}}
}

// ErrNotRunning is returned for operations on a node that is not running.
var ErrNotRunning = errors.New("node is not running")
