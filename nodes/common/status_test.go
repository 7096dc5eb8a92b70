package common

import (
	"testing"
	"testing/synctest"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/engine"
)

func TestStatus(t *testing.T) {
	const nodes = `{"id":"s1","type":"setstatus","z":"t","name":"one"},{"id":"s2","type":"setstatus","z":"t"},
		{"id":"o","type":"helper","z":"t"}`
	tests := []struct {
		name  string
		props string
		send  string
		want  []engine.Msg
	}{
		{
			name: "null scope sees every node", props: `"scope":null`, send: "s2",
			want: []engine.Msg{{"status": engine.ObjectOf("fill", "green", "shape", "dot", "text", "hi", "source", engine.ObjectOf("id", "s2", "type", "setstatus"))}},
		},
		{
			name: "listed node", props: `"scope":["s1"]`, send: "s1",
			want: []engine.Msg{{"status": engine.ObjectOf("fill", "green", "shape", "dot", "text", "hi", "source", engine.ObjectOf("id", "s1", "type", "setstatus", "name", "one"))}},
		},
		{name: "unlisted node", props: `"scope":["s1"]`, send: "s2"},
		{name: "scope emptied by its own wires", props: `"scope":["o"]`, send: "s2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newHarness(t)
				h.Deploy(`[` + nodes + `,{"id":"st","type":"status","z":"t",` + tt.props + `,"wires":[["o"]]}]`)
				h.Send(tt.send, engine.Msg{"payload": "hi"})
				synctest.Wait()
				got := h.Collected()["o"]
				for _, m := range got {
					delete(m, "_msgid")
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			})
		})
	}
}

func TestDropWired(t *testing.T) {
	tests := []struct {
		name  string
		scope []string
		wires string
		want  []string
	}{
		{name: "no wires", scope: []string{"a", "b"}, wires: `[]`, want: []string{"a", "b"}},
		{name: "one wired", scope: []string{"a", "b", "c"}, wires: `[["b"]]`, want: []string{"a", "c"}},
		// Node-RED splices while iterating, so the element after a removed one is skipped
		{name: "two wired in a row", scope: []string{"a", "b", "c"}, wires: `[["a","b"]]`, want: []string{"b", "c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := config(t, "status", `{"wires":`+tt.wires+`}`)
			got := dropWired(cfg.Reader(), tt.scope)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestStatusScope(t *testing.T) {
	tests := []struct {
		name, props string
		want        engine.Scope
	}{
		{"null", `{"scope":null}`, engine.Scope{}},
		{"group", `{"scope":"group"}`, engine.Scope{Group: true}},
		{"list minus wired", `{"scope":["a","o"],"wires":[["o"]]}`, engine.Scope{Nodes: []string{"a"}}},
		{"list all wired", `{"scope":["o"],"wires":[["o"]]}`, engine.Scope{Nodes: []string{""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := newStatus(config(t, "status", tt.props), &engine.Resources{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, n.(*status).StatusScope()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
