package engine

import (
	"fmt"
	"sort"
)

// Constructor builds a node instance from its configuration. It validates and
// compiles (paths, expressions, regexps) and does no I/O. A bad property is a
// *FieldError (joined with errors.Join when several): the deploy goes on, and
// the node is replaced by one that reports the problems when it starts and
// ignores its messages, as Node-RED's node does when its constructor finds
// its configuration invalid. A problem Node-RED's node reports as it runs (a
// rule's bad regular expression fails each message) is recorded with
// Props.Defer instead: the node is returned, without an error, and reports it.
type Constructor func(cfg *Config, res *Resources) (Node, error)

// Type is a node type: its spec plus its constructor.
type Type struct {
	Spec Spec
	New  Constructor
}

// Registry maps type names to node types. It is a value: build one per
// runtime (or a narrow one per test) with NewRegistry.
type Registry struct {
	types map[string]Type
	specs []Spec
}

// NewRegistry builds a registry, refusing duplicate names and specs without
// a type name or constructor.
func NewRegistry(types ...Type) (*Registry, error) {
	r := &Registry{types: make(map[string]Type, len(types))}
	for _, t := range types {
		if t.Spec.Type == "" || t.New == nil {
			return nil, fmt.Errorf("registry: type %q has no name or constructor", t.Spec.Type)
		}
		if _, dup := r.types[t.Spec.Type]; dup {
			return nil, fmt.Errorf("registry: duplicate type %q", t.Spec.Type)
		}
		r.types[t.Spec.Type] = t
		r.specs = append(r.specs, t.Spec)
	}
	sort.SliceStable(r.specs, func(i, j int) bool { return r.specs[i].Category < r.specs[j].Category })
	return r, nil
}

// Lookup returns the type registered under name.
func (r *Registry) Lookup(name string) (Type, bool) {
	t, ok := r.types[name]
	return t, ok
}

// Specs returns every spec, grouped by category, in registration order within one.
func (r *Registry) Specs() []Spec { return r.specs }
