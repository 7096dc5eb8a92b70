package flows

import (
	"fmt"
	"strings"
)

// Severity says whether a Problem blocks a deploy.
type Severity string

// Severities of a Problem.
const (
	// SeverityError marks a problem that makes the flows unusable.
	SeverityError Severity = "error"
	// SeverityWarning marks a problem Node-RED tolerates.
	SeverityWarning Severity = "warning"
)

// Problem is one finding of Validate, naming the node and the field at
// fault.
type Problem struct {
	// Node is the id of the node at fault ("" when it has none).
	Node string `json:"node,omitempty"`
	// Type is the node's type.
	Type string `json:"type,omitempty"`
	// Field is the property at fault, e.g. "wires".
	Field string `json:"field,omitempty"`
	// Reason says what is wrong, in lowercase.
	Reason string `json:"reason"`
	// Severity is SeverityError or SeverityWarning.
	Severity Severity `json:"severity"`
}

// String formats the problem as `node "id" (type) field: reason`.
func (p Problem) String() string {
	var b strings.Builder
	if p.Node != "" {
		fmt.Fprintf(&b, "node %q", p.Node)
		if p.Type != "" {
			fmt.Fprintf(&b, " (%s)", p.Type)
		}
		b.WriteString(" ")
	}
	if p.Field != "" {
		b.WriteString(p.Field)
		b.WriteString(": ")
	}
	b.WriteString(p.Reason)
	return b.String()
}

// Problems is the result of Validate, in node order.
type Problems []Problem

// Err returns ps as an error when it holds at least one error-severity
// problem, and nil otherwise (warnings alone do not fail).
func (ps Problems) Err() error {
	for _, p := range ps {
		if p.Severity == SeverityError {
			return ps
		}
	}
	return nil
}

// Error lists the problems, separated by "; ".
func (ps Problems) Error() string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = string(p.Severity) + ": " + p.String()
	}
	return "invalid flows: " + strings.Join(s, "; ")
}

// Validate checks the structure of a deployment: every node has an id and
// a type, ids are unique, wires are arrays of arrays of existing node ids,
// z names a tab or subflow (or nothing known at all, which Node-RED treats
// as an implicit tab), and group members and g references exist. Whether a
// node type is installed is not checked here: the caller owns the registry.
func Validate(c *Config) Problems {
	var ps Problems
	add := func(n Node, sev Severity, field, format string, args ...any) {
		ps = append(ps, Problem{Node: n.ID, Type: n.Type, Field: field, Reason: fmt.Sprintf(format, args...), Severity: sev})
	}
	byID := make(map[string]Node, len(c.Nodes))
	first := make(map[string]int, len(c.Nodes))
	for i, n := range c.Nodes {
		if n.ID == "" {
			continue
		}
		if _, dup := first[n.ID]; !dup {
			first[n.ID] = i
			byID[n.ID] = n
		}
	}
	for i, n := range c.Nodes {
		if n.ID == "" {
			add(n, SeverityError, "id", "node at index %d has no id", i)
		} else if j := first[n.ID]; j != i {
			add(n, SeverityError, "id", "duplicate id: nodes at index %d and %d", j, i)
		}
		if n.Type == "" {
			// Node-RED deploys it (and waits for the missing type)
			add(n, SeverityWarning, "type", "node at index %d has no type: kept, not running", i)
		}
		v, err := n.object()
		if err != nil {
			add(n, SeverityError, "", "%v", err)
			continue
		}
		o := v.obj
		if z := o.get("z"); z != nil && z.kind != jsString && n.Type != "tab" && n.Type != "subflow" {
			add(n, SeverityError, "z", "must be a string")
		}
		if n.Z != "" && n.Type != "tab" && n.Type != "subflow" {
			if t, ok := byID[n.Z]; ok && t.Type != "tab" && t.Type != "subflow" {
				add(n, SeverityError, "z", "names node %q of type %q, not a tab or subflow", n.Z, t.Type)
			}
		}
		wires, ok := decodeWires(o.get("wires"))
		if !ok {
			add(n, SeverityError, "wires", "must be an array of arrays of node ids")
		}
		for port, ids := range wires {
			for _, id := range ids {
				if _, ok := byID[id]; !ok {
					// Node-RED deploys it and the wire carries nothing
					add(n, SeverityWarning, "wires", "output %d wired to missing node %q: ignored", port, id)
				}
			}
		}
		if n.G != "" {
			if g, ok := byID[n.G]; !ok {
				add(n, SeverityWarning, "g", "group %q does not exist", n.G)
			} else if g.Type != "group" {
				add(n, SeverityWarning, "g", "names node %q of type %q, not a group", n.G, g.Type)
			}
		}
		if n.Type == "group" {
			members := o.get("nodes")
			if members != nil && members.kind != jsArray {
				add(n, SeverityWarning, "nodes", "must be an array of node ids")
				continue
			}
			if members == nil {
				continue
			}
			for _, m := range members.arr {
				if m.kind != jsString {
					add(n, SeverityWarning, "nodes", "must be an array of node ids")
					continue
				}
				if _, ok := byID[m.str]; !ok {
					add(n, SeverityWarning, "nodes", "member %q does not exist", m.str)
				}
			}
		}
	}
	return ps
}
