package common

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/engine"
)

func TestLinkCall(t *testing.T) {
	// a called flow: link in → change (payload = "done") → link out (return)
	const callee = `{"id":"li","type":"link in","z":"f2","name":"sub","wires":[["c"]]},
		{"id":"c","type":"change","z":"f2","rules":[{"t":"set","p":"payload","pt":"msg","to":"done","tot":"str"}],"wires":[["ret"]]},
		{"id":"ret","type":"link out","z":"f2","mode":"return"}`
	tests := []struct {
		name    string
		flow    string
		in      engine.Msg
		want    engine.Msg // on o
		wantErr string     // caught on e
	}{
		{
			name: "static target returns",
			flow: `{"id":"n1","type":"link call","z":"f","links":["li"],"linkType":"static","timeout":"30","wires":[["o"]]},` + callee,
			in:   engine.Msg{"payload": "go", "topic": "t"},
			want: engine.Msg{"payload": "done", "topic": "t", "_event": "node:ret"},
		},
		{
			name: "links as a string",
			flow: `{"id":"n1","type":"link call","z":"f","links":"li","wires":[["o"]]},` + callee,
			in:   engine.Msg{"payload": "go"},
			want: engine.Msg{"payload": "done", "_event": "node:ret"},
		},
		{
			name: "dynamic by id",
			flow: `{"id":"n1","type":"link call","z":"f","links":[],"linkType":"dynamic","wires":[["o"]]},` + callee,
			in:   engine.Msg{"payload": "go", "target": "li"},
			want: engine.Msg{"payload": "done", "target": "li", "_event": "node:ret"},
		},
		{
			name: "dynamic by name on another flow",
			flow: `{"id":"n1","type":"link call","z":"f","links":[],"linkType":"dynamic","wires":[["o"]]},` + callee,
			in:   engine.Msg{"payload": "go", "target": "sub"},
			want: engine.Msg{"payload": "done", "target": "sub", "_event": "node:ret"},
		},
		{
			name: "dynamic by name prefers this flow",
			flow: `{"id":"n1","type":"link call","z":"f2","links":[],"linkType":"dynamic","wires":[["o"]]},` + callee + `,
				{"id":"li9","type":"link in","z":"f9","name":"sub"}`,
			in:   engine.Msg{"payload": "go", "target": "sub"},
			want: engine.Msg{"payload": "done", "target": "sub", "_event": "node:ret"},
		},
		{
			name: "dynamic name on two other flows",
			flow: `{"id":"n1","type":"link call","z":"f","links":[],"linkType":"dynamic","wires":[["o"]]},` + callee + `,
				{"id":"li9","type":"link in","z":"f9","name":"sub"}`,
			in:      engine.Msg{"payload": "go", "target": "sub"},
			wantErr: "Error: Multiple link-in nodes named 'sub' found",
		},
		{
			name:    "dynamic without target",
			flow:    `{"id":"n1","type":"link call","z":"f","links":[],"linkType":"dynamic","wires":[["o"]]},` + callee,
			in:      engine.Msg{"payload": "go"},
			wantErr: "Error: target link-in node '' not found",
		},
		{
			name:    "static target not a link in",
			flow:    `{"id":"n1","type":"link call","z":"f","links":["c"],"wires":[["o"]]},` + callee,
			in:      engine.Msg{"payload": "go"},
			wantErr: "Error: target link-in node 'c' not found",
		},
		{
			name:    "static without links",
			flow:    `{"id":"n1","type":"link call","z":"f","links":[],"wires":[["o"]]},` + callee,
			in:      engine.Msg{"payload": "go"},
			wantErr: "Error: target link-in node '' not found",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.Deploy(`[` + tt.flow + `,{"id":"o","type":"helper","z":"f"},
				{"id":"k","type":"catch","z":"f","scope":["n1"],"wires":[["e"]]},{"id":"e","type":"helper","z":"f"}]`)
			h.Send("n1", tt.in)
			if tt.wantErr != "" {
				got := h.Wait("e", 1, wait)
				if msg := got[0]["error"].(*engine.Object).Value("message"); msg != tt.wantErr {
					t.Errorf("error = %q, want %q", msg, tt.wantErr)
				}
				return
			}
			got := h.Wait("o", 1, wait)[0]
			delete(got, "_msgid")
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestLinkCallNested(t *testing.T) {
	// n1 calls A; A calls B; B returns to A's call node; A returns to n1
	h := newHarness(t)
	h.Deploy(`[{"id":"n1","type":"link call","z":"f","links":["a"],"wires":[["o"]]},
		{"id":"a","type":"link in","z":"f","wires":[["ca"]]},
		{"id":"ca","type":"link call","z":"f","links":["b"],"wires":[["ra"]]},
		{"id":"ra","type":"link out","z":"f","mode":"return"},
		{"id":"b","type":"link in","z":"f","wires":[["c"]]},
		{"id":"c","type":"change","z":"f","rules":[{"t":"set","p":"payload","pt":"msg","to":"deep","tot":"str"}],"wires":[["rb"]]},
		{"id":"rb","type":"link out","z":"f","mode":"return"},
		{"id":"o","type":"helper","z":"f"}]`)
	h.Send("n1", engine.Msg{"payload": "go"})
	got := h.Wait("o", 1, wait)[0]
	delete(got, "_msgid")
	if diff := cmp.Diff(engine.Msg{"payload": "deep", "_event": "node:ra"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestLinkCallTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		// the called flow never returns
		h.Deploy(`[{"id":"n1","type":"link call","z":"f","links":["li"],"timeout":"2","wires":[["o"]]},
			{"id":"li","type":"link in","z":"f"},{"id":"o","type":"helper","z":"f"},
			{"id":"k","type":"catch","z":"f","wires":[["e"]]},{"id":"e","type":"helper","z":"f"},
			{"id":"d","type":"complete","z":"f","scope":["n1"],"wires":[["c"]]},{"id":"c","type":"helper","z":"f"}]`)
		h.Send("n1", engine.Msg{"payload": "go"})
		time.Sleep(1999 * time.Millisecond)
		synctest.Wait()
		if got := h.Collected(); len(got["e"]) != 0 {
			t.Fatalf("error before the timeout: %v", got["e"])
		}
		time.Sleep(2 * time.Millisecond)
		synctest.Wait()
		got := h.Collected()
		if len(got["e"]) != 1 || len(got["o"]) != 0 || len(got["c"]) != 0 {
			t.Fatalf("after the timeout: errors %v, outputs %v, completes %v", got["e"], got["o"], got["c"])
		}
		e := got["e"][0]
		delete(e, "_msgid")
		want := engine.Msg{"payload": "go", "_linkSource": []any{}, "error": engine.ObjectOf("message", "timeout", "source", engine.ObjectOf("id", "n1", "type", "link call", "count", 1.0))}
		if diff := cmp.Diff(want, e); diff != "" {
			t.Errorf("caught (-want +got):\n%s", diff)
		}
	})
}

func TestLinkCallReturnsInTimeCompletes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.Deploy(`[{"id":"n1","type":"link call","z":"f","links":["li"],"timeout":"1","wires":[["o"]]},
			{"id":"li","type":"link in","z":"f","wires":[["ret"]]},{"id":"ret","type":"link out","z":"f","mode":"return"},
			{"id":"o","type":"helper","z":"f"},
			{"id":"k","type":"catch","z":"f","wires":[["e"]]},{"id":"e","type":"helper","z":"f"},
			{"id":"d","type":"complete","z":"f","scope":["n1"],"wires":[["c"]]},{"id":"c","type":"helper","z":"f"}]`)
		h.Send("n1", engine.Msg{"payload": "go"})
		synctest.Wait()
		time.Sleep(5 * time.Second) // long past the timeout: it was stopped
		synctest.Wait()
		got := h.Collected()
		if len(got["o"]) != 1 || len(got["c"]) != 1 || len(got["e"]) != 0 {
			t.Fatalf("outputs %v, completes %v, errors %v", got["o"], got["c"], got["e"])
		}
	})
}

func TestLinkCallBadProps(t *testing.T) {
	tests := []struct {
		name, node, field string
	}{
		{"bad link type", `"linkType":"sometimes"`, "linkType"},
		{"bad timeout", `"timeout":"soon"`, "timeout"},
		{"negative timeout", `"timeout":-1`, "timeout"},
		{"links not a list", `"links":{"a":1}`, "links"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fes := deployErr(t, `[{"id":"n1","type":"link call","z":"f",`+tt.node+`}]`)
			if len(fes) != 1 || fes[0].Field != tt.field || fes[0].Node != "n1" {
				t.Errorf("errors = %v, want one on %s", fes, tt.field)
			}
		})
	}
}
