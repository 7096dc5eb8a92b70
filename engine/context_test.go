package engine_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/engine"
)

func newTestStores() *engine.Stores {
	return &engine.Stores{Default: "memory", ByName: map[string]engine.ContextStore{"memory": engine.NewMemoryStore(), "disk": engine.NewMemoryStore()}}
}

func TestContextGetSetPaths(t *testing.T) {
	tests := []struct {
		name     string
		setKey   string
		setValue any
		getKey   string
		want     any
		wantTop  any // the value of key "a" afterwards
	}{
		{"top level", "a", 1.0, "a", 1.0, 1.0},
		{"nested creates objects", "a.b.c", "x", "a.b", engine.ObjectOf("c", "x"), engine.ObjectOf("b", engine.ObjectOf("c", "x"))},
		{"nested creates arrays", "a[1]", true, "a", []any{nil, true}, []any{nil, true}},
		{"bracket key", `a["b c"]`, 2.0, "a['b c']", 2.0, engine.ObjectOf("b c", 2.0)},
		{"missing path", "a", 1.0, "a.b.c", nil, 1.0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := engine.NewContext(newTestStores(), "f1")
			if err := c.Set("", tt.setKey, tt.setValue); err != nil {
				t.Fatal(err)
			}
			got, err := c.Get("", tt.getKey)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Get(%q) (-want +got):\n%s", tt.getKey, diff)
			}
			top, _ := c.Get("", "a")
			if diff := cmp.Diff(tt.wantTop, top); diff != "" {
				t.Errorf("Get(a) (-want +got):\n%s", diff)
			}
		})
	}
}

func TestContextSetNilDeletes(t *testing.T) {
	c := engine.NewContext(newTestStores(), "f1")
	_ = c.Set("", "a", 1.0)
	_ = c.Set("", "b", map[string]any{"x": 1.0})
	if err := c.Set("", "a", nil); err != nil {
		t.Fatal(err)
	}
	keys, _ := c.Keys("")
	if diff := cmp.Diff([]string{"b"}, keys); diff != "" {
		t.Errorf("keys after delete (-want +got):\n%s", diff)
	}
}

func TestContextStoresByName(t *testing.T) {
	stores := newTestStores()
	c := engine.NewContext(stores, "global")
	tests := []struct {
		name, store string
		v           any
	}{
		{"default by empty name", "", "m"},
		{"disk", "disk", "d"},
	}
	for _, tt := range tests {
		if err := c.Set(tt.store, "k", tt.v); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.Get(tt.store, "k")
			if err != nil || got != tt.v {
				t.Errorf("Get(%q) = %v, %v; want %v", tt.store, got, err, tt.v)
			}
		})
	}
	t.Run("memory is the default", func(t *testing.T) {
		if got, _ := c.Get("memory", "k"); got != "m" {
			t.Errorf("Get(memory) = %v", got)
		}
		if got, _ := c.Get("default", "k"); got != "m" {
			t.Errorf("Get(default) = %v", got)
		}
	})
	t.Run("unknown store", func(t *testing.T) {
		if _, err := c.Get("nope", "k"); err == nil {
			t.Error("Get from an unknown store: no error")
		}
		if err := c.Set("nope", "k", 1.0); err == nil {
			t.Error("Set in an unknown store: no error")
		}
		if _, err := c.Keys("nope"); err == nil {
			t.Error("Keys of an unknown store: no error")
		}
	})
	t.Run("scopes are apart", func(t *testing.T) {
		other := engine.NewContext(stores, "f1")
		if got, _ := other.Get("", "k"); got != nil {
			t.Errorf("flow scope sees global key: %v", got)
		}
	})
	t.Run("parse context key", func(t *testing.T) {
		for in, want := range map[string][2]string{
			"#:(disk)::a.b": {"disk", "a.b"},
			"a.b":           {"", "a.b"},
			"#:(disk)a":     {"", "#:(disk)a"},
		} {
			s, k := engine.ParseContextKey(in)
			if s != want[0] || k != want[1] {
				t.Errorf("ParseContextKey(%q) = %q, %q; want %q, %q", in, s, k, want[0], want[1])
			}
		}
	})
}

func TestContextClear(t *testing.T) {
	stores := newTestStores()
	node := engine.NewContext(stores, "n1:f1")
	flow := engine.NewContext(stores, "f1")
	_ = node.Set("", "a", 1.0)
	_ = node.Set("disk", "b", 2.0)
	_ = flow.Set("", "a", 3.0)
	if err := node.Clear(); err != nil {
		t.Fatal(err)
	}
	for _, store := range []string{"", "disk"} {
		if keys, _ := node.Keys(store); len(keys) != 0 {
			t.Errorf("store %q keys after Clear: %v", store, keys)
		}
	}
	if got, _ := flow.Get("", "a"); got != 3.0 {
		t.Errorf("Clear of a node scope cleared the flow scope: %v", got)
	}
}

func TestContextValuesAreCopied(t *testing.T) {
	c := engine.NewContext(newTestStores(), "f1")
	in := map[string]any{"list": []any{1.0}, "buf": []byte{1}}
	_ = c.Set("", "v", in)
	in["list"].([]any)[0] = 99.0
	in["buf"].([]byte)[0] = 99
	in["new"] = true
	got, _ := c.Get("", "v")
	want := map[string]any{"list": []any{1.0}, "buf": []byte{1}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("stored value changed with the caller's (-want +got):\n%s", diff)
	}
	got.(map[string]any)["list"].([]any)[0] = 42.0
	again, _ := c.Get("", "v")
	if diff := cmp.Diff(want, again); diff != "" {
		t.Errorf("stored value changed with a got value (-want +got):\n%s", diff)
	}
	sub, _ := c.Get("", "v.list")
	sub.([]any)[0] = 7.0
	again, _ = c.Get("", "v")
	if diff := cmp.Diff(want, again); diff != "" {
		t.Errorf("stored value changed with a got sub-value (-want +got):\n%s", diff)
	}
}

func TestContextConcurrent(t *testing.T) {
	c := engine.NewContext(newTestStores(), "global")
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				key := fmt.Sprintf("k%d", i%5)
				_ = c.Set("", key+".count", float64(i))
				_ = c.Set("", key+fmt.Sprintf(".g%d", g), []any{float64(i)})
				if v, _ := c.Get("", key); v != nil {
					m := v.(*engine.Object)
					m.Set("mutated", true)
				}
				_, _ = c.Keys("")
			}
		})
	}
	wg.Wait()
	keys, _ := c.Keys("")
	if diff := cmp.Diff([]string{"k0", "k1", "k2", "k3", "k4"}, keys); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
	if v, _ := c.Get("", "k0.mutated"); v != nil {
		t.Errorf("a caller's mutation reached the store: %v", v)
	}
}
