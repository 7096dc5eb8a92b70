package engine

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// ContextStore keeps context values by scope ("<node>:<flow>", "<flow>",
// "global") and top-level key. Implementations must be safe for concurrent
// use and must not share mutable values with callers.
type ContextStore interface {
	Get(scope, key string) (any, bool, error)
	Set(scope, key string, v any) error
	Delete(scope, key string) error
	Keys(scope string) ([]string, error)
	// Clear removes every key of scope.
	Clear(scope string) error
}

// MemoryStore is the default, in-memory ContextStore. Values are copied in
// and out, so nodes on different goroutines never share one.
type MemoryStore struct {
	mu   sync.RWMutex // guards data
	data map[string]map[string]any
}

// NewMemoryStore returns an empty store.
func NewMemoryStore() *MemoryStore { return &MemoryStore{data: map[string]map[string]any{}} }

// Get implements ContextStore.
func (s *MemoryStore) Get(scope, key string) (any, bool, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	v, ok := s.data[scope][key]
	return CloneValue(v), ok, nil
}

// Set implements ContextStore.
func (s *MemoryStore) Set(scope, key string, v any) error {
	v = CloneValue(v)
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.data[scope]
	if m == nil {
		m = map[string]any{}
		s.data[scope] = m
	}
	m[key] = v
	return nil
}

// Delete implements ContextStore.
func (s *MemoryStore) Delete(scope, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.data[scope], key)
	return nil
}

// Keys implements ContextStore.
func (s *MemoryStore) Keys(scope string) ([]string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	keys := make([]string, 0, len(s.data[scope]))
	for k := range s.data[scope] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys, nil
}

// Clear implements ContextStore.
func (s *MemoryStore) Clear(scope string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.data, scope)
	return nil
}

// Stores is the set of named context stores, as Node-RED's contextStorage
// setting: a default name and the stores by name.
type Stores struct {
	Default string
	ByName  map[string]ContextStore
}

// NewMemoryStores returns Stores with one in-memory store named "memory".
func NewMemoryStores() *Stores {
	return &Stores{Default: "memory", ByName: map[string]ContextStore{"memory": NewMemoryStore()}}
}

func (ss *Stores) store(name string) (ContextStore, error) {
	if name == "" || name == "default" {
		name = ss.Default
	}
	s, ok := ss.ByName[name]
	if !ok {
		return nil, fmt.Errorf("unknown context store %q", name)
	}
	return s, nil
}

// Context is one context scope (a node's, a flow's or the global one). Keys
// may be paths (`a.b[0]`) and may name a store (`#:(disk)::a.b`).
type Context struct {
	scope  string
	stores *Stores
	// parent is what a `$parent.` key reaches: a tab's flow context has the
	// global context, a subflow instance's the flow context around it.
	parent *Context
}

// NewContext returns the context of scope in stores.
func NewContext(stores *Stores, scope string) *Context {
	return &Context{scope: scope, stores: stores}
}

// ParseContextKey splits `#:(store)::path` into the store and the path.
func ParseContextKey(key string) (store, path string) {
	if strings.HasPrefix(key, "#:(") {
		if i := strings.Index(key, ")::"); i > 0 {
			return key[3:i], key[i+3:]
		}
	}
	return "", key
}

// Get returns the value at key (a path) in the given store ("" = default).
func (c *Context) Get(store, key string) (any, error) {
	path, err := ParsePath(key)
	if err != nil {
		return nil, err
	}
	return c.getPath(store, key, path)
}

// getPath is Get for a compiled key.
func (c *Context) getPath(store, key string, path Path) (any, error) {
	if len(path.segs) > 0 && path.segs[0].kind == segKey && path.segs[0].key == "$parent" {
		if c.parent == nil || len(path.segs) == 1 {
			return nil, nil
		}
		return c.parent.getPath(store, key, Path{segs: path.segs[1:]})
	}
	s, err := c.stores.store(store)
	if err != nil {
		return nil, err
	}
	top := path.segs[0]
	if top.kind != segKey {
		return nil, fmt.Errorf("invalid context key %q", key)
	}
	v, ok, err := s.Get(c.scope, top.key)
	if err != nil || !ok {
		return nil, err
	}
	if len(path.segs) == 1 {
		return v, nil
	}
	got, _ := Path{segs: path.segs[1:]}.Get(v)
	return got, nil
}

// Set stores v at key (a path) in the given store; v == nil deletes a
// top-level key, as Node-RED's context.set(key, undefined).
func (c *Context) Set(store, key string, v any) error {
	path, err := ParsePath(key)
	if err != nil {
		return err
	}
	return c.setPath(store, key, path, v)
}

func (c *Context) setPath(store, key string, path Path, v any) error {
	if len(path.segs) > 0 && path.segs[0].kind == segKey && path.segs[0].key == "$parent" {
		if c.parent == nil || len(path.segs) == 1 {
			return nil // Node-RED: nothing to set
		}
		return c.parent.setPath(store, key, Path{segs: path.segs[1:]}, v)
	}
	s, err := c.stores.store(store)
	if err != nil {
		return err
	}
	top := path.segs[0]
	if top.kind != segKey {
		return fmt.Errorf("invalid context key %q", key)
	}
	if len(path.segs) == 1 {
		if v == nil {
			return s.Delete(c.scope, top.key)
		}
		return s.Set(c.scope, top.key, v)
	}
	cur, _, err := s.Get(c.scope, top.key)
	if err != nil {
		return err
	}
	holder := Msg{top.key: cur}
	if cur == nil {
		delete(holder, top.key)
	}
	if !path.Set(holder, v, true) {
		return fmt.Errorf("cannot set context key %q", key)
	}
	return s.Set(c.scope, top.key, holder[top.key])
}

// Keys returns the top-level keys of the given store.
func (c *Context) Keys(store string) ([]string, error) {
	s, err := c.stores.store(store)
	if err != nil {
		return nil, err
	}
	return s.Keys(c.scope)
}

// Clear removes every key of this scope from every store.
func (c *Context) Clear() error {
	for _, s := range c.stores.ByName {
		if err := s.Clear(c.scope); err != nil {
			return err
		}
	}
	return nil
}
