// Package enginetest runs node types in a real engine for tests: deploy a
// Node-RED flow, send messages into a node, and collect what reaches the
// collector nodes (type "helper", as in node-red-node-test-helper).
package enginetest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/nodes/jsonata"
)

// HelperType is the collector node type.
const HelperType = "helper"

// Harness is an engine with collector nodes.
type Harness struct {
	t      testing.TB
	E      *engine.Engine
	events *Events

	mu        sync.Mutex // guards collected and arrivals
	collected map[string][]engine.Msg
	arrivals  []string // collector ids in the order messages reached them
	changed   chan struct{}
}

// Options tune a harness; zero is fine.
type Options struct {
	HTTP   engine.HTTPRouter
	Env    func(string) (string, bool)
	Stores *engine.Stores
	// JSONata compiles jsonata values; nil: the reference implementation
	// (nodes/jsonata), as the runtime wires it.
	JSONata engine.JSONata
	// Disabled is engine.Options.Disabled.
	Disabled func(typ string) bool
}

// New returns a harness running the given types plus the collector type.
func New(t testing.TB, types ...engine.Type) *Harness {
	return NewWith(t, Options{}, types...)
}

// NewWith is New with options.
func NewWith(t testing.TB, o Options, types ...engine.Type) *Harness {
	t.Helper()
	h := &Harness{t: t, events: &Events{}, collected: map[string][]engine.Msg{}, changed: make(chan struct{}, 1)}
	all := append([]engine.Type{h.helperType()}, types...)
	reg, err := engine.NewRegistry(all...)
	if err != nil {
		t.Fatal(err)
	}
	if o.JSONata == nil {
		j := jsonata.New(0)
		t.Cleanup(j.Close)
		o.JSONata = j
	}
	h.E = engine.New(reg, engine.Options{Events: h.events, HTTP: o.HTTP, Env: o.Env, Stores: o.Stores, CloseTimeout: 5 * time.Second, JSONata: o.JSONata, Disabled: o.Disabled})
	t.Cleanup(func() { h.E.Stop(context.Background()) })
	return h
}

type collector struct {
	h  *Harness
	id string
}

func (c *collector) Handle(_ context.Context, m engine.Msg, _ *engine.Output) error {
	c.h.mu.Lock()
	c.h.collected[c.id] = append(c.h.collected[c.id], m)
	c.h.arrivals = append(c.h.arrivals, c.id)
	c.h.mu.Unlock()
	select {
	case c.h.changed <- struct{}{}:
	default:
	}
	return nil
}

func (h *Harness) helperType() engine.Type {
	return engine.Type{
		Spec: engine.Spec{Type: HelperType, Category: "test", Inputs: 1},
		New: func(cfg *engine.Config, _ *engine.Resources) (engine.Node, error) {
			return &collector{h: h, id: cfg.ID}, nil
		},
	}
}

// Deploy deploys a flows array (JSON text, or anything that marshals to
// one) with a full deploy and fails the test on any error.
func (h *Harness) Deploy(flow any) []engine.Warning {
	h.t.Helper()
	w, err := h.TryDeploy(flow, engine.DeployFull)
	if err != nil {
		h.t.Fatalf("deploy: %v", err)
	}
	return w
}

// TryDeploy deploys with the given mode and returns the deploy error.
func (h *Harness) TryDeploy(flow any, mode engine.DeployMode) ([]engine.Warning, error) {
	var data []byte
	switch f := flow.(type) {
	case string:
		data = []byte(f)
	case []byte:
		data = f
	default:
		var err error
		if data, err = json.Marshal(f); err != nil {
			return nil, err
		}
	}
	g, err := engine.NewGraphJSON(data)
	if err != nil {
		return nil, err
	}
	return h.E.Deploy(context.Background(), g, mode, nil)
}

// Inert reports whether node id was deployed as the stand-in for a node whose
// properties are unusable: it shows its problem as a red status and neither
// starts nor takes messages.
func (h *Harness) Inert(id string) bool {
	n, ok := h.E.Node(id)
	if !ok {
		return false
	}
	_, handles := n.(engine.Handler)
	_, starts := n.(engine.Starter)
	return !handles && !starts && h.E.Statuses()[id].Fill == "red"
}

// Send puts m into the input of node id.
func (h *Harness) Send(id string, m engine.Msg) {
	h.t.Helper()
	if _, ok := m["_msgid"]; !ok {
		m["_msgid"] = engine.NewMsgID()
	}
	if _, ok := h.E.Node(id); !ok {
		h.t.Fatalf("send: node %s is not running", id)
	}
	if !h.E.Deliver(id, m) {
		h.t.Fatalf("send: node %s has no input", id)
	}
}

// Wait waits until collector id has at least n messages and returns them
// (failing the test after timeout).
func (h *Harness) Wait(id string, n int, timeout time.Duration) []engine.Msg {
	h.t.Helper()
	msgs, ok := h.WaitAll(map[string]int{id: n}, timeout)
	if !ok {
		h.t.Fatalf("collector %s: got %d messages, want %d: %v", id, len(msgs[id]), n, msgs[id])
	}
	return msgs[id]
}

// WaitAll waits until each collector has at least its count; it returns
// what was collected and whether the counts were reached in time.
func (h *Harness) WaitAll(want map[string]int, timeout time.Duration) (map[string][]engine.Msg, bool) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		if h.reached(want) {
			return h.Collected(), true
		}
		select {
		case <-h.changed:
		case <-deadline.C:
			return h.Collected(), false
		}
	}
}

// Settle waits, at most timeout, until the engine has no message queued or
// being handled (Node-RED's tests drain the event loop the same way).
func (h *Harness) Settle(timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for !h.E.Settled() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(time.Millisecond)
	}
	return true
}

// WaitCount waits, at most timeout, until collector id got n messages,
// without copying them (for benchmarks); false on timeout.
func (h *Harness) WaitCount(id string, n int, timeout time.Duration) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	want := map[string]int{id: n}
	for !h.reached(want) {
		select {
		case <-h.changed:
		case <-deadline.C:
			return false
		}
	}
	return true
}

// reached reports whether every collector got its count (no copy: a
// benchmark waits on this often).
func (h *Harness) reached(want map[string]int) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for id, n := range want {
		if len(h.collected[id]) < n {
			return false
		}
	}
	return true
}

// Collected returns a copy of everything collected so far, by collector id.
func (h *Harness) Collected() map[string][]engine.Msg {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make(map[string][]engine.Msg, len(h.collected))
	for k, v := range h.collected {
		out[k] = append([]engine.Msg(nil), v...)
	}
	return out
}

// Arrivals returns the collector ids in the order messages reached them,
// across collectors.
func (h *Harness) Arrivals() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.arrivals...)
}

// Reset forgets collected messages and events.
func (h *Harness) Reset() {
	h.mu.Lock()
	h.collected = map[string][]engine.Msg{}
	h.arrivals = nil
	h.mu.Unlock()
	h.events.Reset()
}

// Events returns the events published so far.
func (h *Harness) Events() []Event { return h.events.All() }

// Event is one published event.
type Event struct {
	Topic string
	Data  any
}

// Events records published events; safe for concurrent use.
type Events struct {
	mu  sync.Mutex // guards all
	all []Event
}

// Publish implements engine.Events.
func (ev *Events) Publish(topic string, data any) {
	ev.mu.Lock()
	ev.all = append(ev.all, Event{Topic: topic, Data: data})
	ev.mu.Unlock()
}

// All returns a copy of the recorded events.
func (ev *Events) All() []Event {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	return append([]Event(nil), ev.all...)
}

// Reset forgets recorded events.
func (ev *Events) Reset() {
	ev.mu.Lock()
	ev.all = nil
	ev.mu.Unlock()
}

// Errors returns the texts of unhandled node errors published so far.
func (h *Harness) Errors() []string {
	var out []string
	for _, e := range h.Events() {
		if d, ok := e.Data.(map[string]any); ok && e.Topic == "debug" && d["level"] == 20 {
			out = append(out, fmt.Sprint(d["msg"]))
		}
	}
	return out
}
