package editor

import (
	"context"
	"fmt"
	"sync"
	"testing"
)

// setsBackend is a fakeBackend with node sets; "node-red/inject" is in use.
type setsBackend struct {
	*fakeBackend
	mu   sync.Mutex // guards sets
	sets []NodeSet
}

func (b *setsBackend) NodeSets() []NodeSet {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]NodeSet(nil), b.sets...)
}

func (b *setsBackend) SetNodeSetEnabled(_ context.Context, id string, on bool) (NodeSet, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i := range b.sets {
		if b.sets[i].ID != id {
			continue
		}
		if id == "node-red/inject" && !on {
			return b.sets[i], &TypeInUseError{Types: []string{"inject"}}
		}
		b.sets[i].Enabled = on
		return b.sets[i], nil
	}
	return NodeSet{}, ErrNotFound
}

// Node-RED's node routes, answered as Node-RED 4 answers them.
func TestNodeSetRoutes(t *testing.T) {
	set := func(module, name string, types ...string) NodeSet {
		return NodeSet{ID: module + "/" + name, Name: name, Types: types, Enabled: true, Module: module, Version: "1.0"}
	}
	b := &setsBackend{fakeBackend: newFakeBackend(), sets: []NodeSet{set("node-red", "inject", "inject"), set("node-red", "split", "split", "join"), set("flowgate", "storage", "sqlite")}}
	_, ts := newTestServer(t, b.fakeBackend, func(o *Options) { o.Backend = b })
	const split = `{"id":"node-red/split","name":"split","types":["split","join"],"enabled":%s,"local":false,"user":false,"module":"node-red","version":"1.0"}`
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		want                     string
	}{
		{"list", "GET", "/nodes", "", 200, `[{"id":"node-red/inject","name":"inject","types":["inject"],"enabled":true,"local":false,"user":false,"module":"node-red","version":"1.0"},` + fmt.Sprintf(split, "true") + `,{"id":"flowgate/storage","name":"storage","types":["sqlite"],"enabled":true,"local":false,"user":false,"module":"flowgate","version":"1.0"}]`},
		{"module", "GET", "/nodes/flowgate", "", 200, `{"name":"flowgate","version":"1.0","nodes":[{"id":"flowgate/storage","name":"storage","types":["sqlite"],"enabled":true,"local":false,"user":false,"module":"flowgate","version":"1.0"}]}`},
		{"no module", "GET", "/nodes/nope", "", 404, `{"code":"not_found","message":"Module not found"}`},
		{"set", "GET", "/nodes/node-red/split", "", 200, fmt.Sprintf(split, "true")},
		{"no set", "GET", "/nodes/node-red/nope", "", 404, `{"code":"not_found","message":"Node not found"}`},
		{"disable", "PUT", "/nodes/node-red/split", `{"enabled":false}`, 200, fmt.Sprintf(split, "false")},
		{"enable", "PUT", "/nodes/node-red/split", `{"enabled":true}`, 200, fmt.Sprintf(split, "true")},
		{"no enabled", "PUT", "/nodes/node-red/split", `{}`, 400, `{"code":"invalid_request","message":"Invalid request"}`},
		{"in use", "PUT", "/nodes/node-red/inject", `{"enabled":false}`, 400, `{"code":"type_in_use","message":"Type in use: inject"}`},
		{"put no set", "PUT", "/nodes/node-red/nope", `{"enabled":false}`, 404, `{"code":"not_found","message":"Node not found"}`},
		{"module in use", "PUT", "/nodes/node-red", `{"enabled":false}`, 400, `{"code":"type_in_use","message":"Type in use: inject"}`},
		{"module", "PUT", "/nodes/flowgate", `{"enabled":false}`, 200, `{"name":"flowgate","version":"1.0","nodes":[{"id":"flowgate/storage","name":"storage","types":["sqlite"],"enabled":false,"local":false,"user":false,"module":"flowgate","version":"1.0"}]}`},
		{"install", "POST", "/nodes", `{"module":"node-red-contrib-x"}`, 400, `{"code":"install_not_allowed","message":"cannot install node-red-contrib-x: Flowgate's node types are built into its binary (no npm installs on the gateway); node sets can be enabled and disabled"}`},
		{"remove", "DELETE", "/nodes/flowgate", "", 400, `{"code":"install_not_allowed","message":"cannot remove flowgate: Flowgate's node types are built into its binary (no npm installs on the gateway); node sets can be enabled and disabled"}`},
		{"remove unknown", "DELETE", "/nodes/nope", "", 404, `{"code":"not_found","message":"Module not found"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := do(t, ts, tc.method, tc.path, map[string]string{"Accept": "application/json"}, tc.body)
			if got.Status != tc.status || got.Body != tc.want {
				t.Errorf("got %d %s\nwant %d %s", got.Status, got.Body, tc.status, tc.want)
			}
		})
	}
}
