package common

import (
	"testing"
	"testing/synctest"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/engine"
)

func TestCatch(t *testing.T) {
	// f1 and f2 fail; g1 (in group g) fails
	const nodes = `{"id":"f1","type":"fail","z":"t","name":"first"},{"id":"f2","type":"fail","z":"t"},
		{"id":"g1","type":"fail","z":"t","g":"g"},{"id":"g","type":"group","z":"t"},
		{"id":"e","type":"helper","z":"t"},{"id":"e2","type":"helper","z":"t"}`
	tests := []struct {
		name   string
		catch  string // catch node properties
		catch2 string // a second catch node's properties, if any (wired to e2)
		send   string
		want   []string // sources of the errors caught on e
		want2  []string
	}{
		{name: "null scope catches all", catch: `"scope":null`, send: "f2", want: []string{"f2"}},
		{name: "absent scope catches all", catch: `"name":"x"`, send: "f1", want: []string{"f1"}},
		{name: "listed node", catch: `"scope":["f1"]`, send: "f1", want: []string{"f1"}},
		{name: "unlisted node", catch: `"scope":["f1"]`, send: "f2", want: nil},
		{name: "empty list catches nothing", catch: `"scope":[]`, send: "f1", want: nil},
		{name: "group scope, same group", catch: `"scope":"group","g":"g"`, send: "g1", want: []string{"g1"}},
		{name: "group scope, other node", catch: `"scope":"group","g":"g"`, send: "f1", want: nil},
		{name: "uncaught alone", catch: `"scope":null,"uncaught":true`, send: "f1", want: []string{"f1"}},
		{
			name: "uncaught skipped when another catches", catch: `"scope":null,"uncaught":true`,
			catch2: `"scope":["f1"]`, send: "f1", want: nil, want2: []string{"f1"},
		},
		{
			name: "two catch-all both fire", catch: `"scope":null`,
			catch2: `"scope":null`, send: "f1", want: []string{"f1"}, want2: []string{"f1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newHarness(t)
				flow := `[` + nodes + `,{"id":"c","type":"catch","z":"t",` + tt.catch + `,"wires":[["e"]]}`
				if tt.catch2 != "" {
					flow += `,{"id":"c2","type":"catch","z":"t",` + tt.catch2 + `,"wires":[["e2"]]}`
				}
				h.Deploy(flow + `]`)
				h.Send(tt.send, engine.Msg{"payload": "p"})
				synctest.Wait()
				got := h.Collected()
				if diff := cmp.Diff(tt.want, sources(got["e"])); diff != "" {
					t.Errorf("catch (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(tt.want2, sources(got["e2"])); diff != "" {
					t.Errorf("second catch (-want +got):\n%s", diff)
				}
			})
		})
	}
}

// sources lists the error sources of caught messages.
func sources(msgs []engine.Msg) []string {
	var out []string
	for _, m := range msgs {
		e, _ := m["error"].(*engine.Object)
		src, _ := e.Value("source").(*engine.Object)
		id, _ := src.Value("id").(string)
		out = append(out, id)
	}
	return out
}

func TestCatchForwardsMessageWithError(t *testing.T) {
	h := newHarness(t)
	h.Deploy(`[{"id":"f1","type":"fail","z":"t","name":"first"},{"id":"c","type":"catch","z":"t","scope":null,"wires":[["e"]]},{"id":"e","type":"helper","z":"t"}]`)
	h.Send("f1", engine.Msg{"payload": "p", "topic": "x"})
	got := h.Wait("e", 1, wait)[0]
	delete(got, "_msgid")
	want := engine.Msg{"payload": "p", "topic": "x", "error": engine.ObjectOf(
		"message", "failed: p", "source", engine.ObjectOf("id", "f1", "type", "fail", "name", "first", "count", 1.0),
	)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestScopeProps(t *testing.T) {
	tests := []struct {
		name  string
		props string
		want  engine.Scope
		field string // expected field error
	}{
		{name: "null", props: `"scope":null`, want: engine.Scope{}},
		{name: "absent", props: `"name":""`, want: engine.Scope{}},
		{name: "list", props: `"scope":["a","b"]`, want: engine.Scope{Nodes: []string{"a", "b"}}},
		{name: "empty list", props: `"scope":[]`, want: engine.Scope{Nodes: []string{""}}},
		{name: "group", props: `"scope":"group"`, want: engine.Scope{Group: true}},
		{name: "uncaught", props: `"scope":null,"uncaught":true`, want: engine.Scope{Uncaught: true}},
		{name: "uncaught as text", props: `"scope":null,"uncaught":"true"`, want: engine.Scope{Uncaught: true}},
		{name: "other text", props: `"scope":"flow"`, field: "scope"},
		{name: "number", props: `"scope":5`, field: "scope"},
		{name: "list of numbers", props: `"scope":[1]`, field: "scope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := config(t, "catch", `{`+tt.props+`}`)
			n, err := newCatch(cfg, &engine.Resources{})
			if tt.field != "" {
				fes := engine.FieldErrors(err)
				if len(fes) != 1 || fes[0].Field != tt.field || fes[0].Node != "n1" {
					t.Fatalf("errors = %v, want one on %s", err, tt.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, n.(*catch).CatchScope()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
