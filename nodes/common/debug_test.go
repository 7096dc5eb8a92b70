package common

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"math"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
)

// TestEncodeObject checks values against what Node-RED 4's util.encodeObject
// returns for them (captured with node and @node-red/util 4.1).
func TestEncodeObject(t *testing.T) {
	ones := make([]any, 1002)
	for i := range ones {
		ones[i] = 1.0
	}
	zeros := make([]any, 1001)
	for i := range zeros {
		zeros[i] = 0.0
	}
	tests := []struct {
		name       string
		in         any
		wantFormat string
		wantMsg    string // exact text, or JSON compared by value when wantJSON
		wantJSON   any
	}{
		{name: "string", in: "hello", wantFormat: "string[5]", wantMsg: "hello"},
		{name: "utf16 length", in: "a😀", wantFormat: "string[3]", wantMsg: "a😀"},
		{name: "long string", in: strings.Repeat("é", 1001), wantFormat: "string[1001]", wantMsg: strings.Repeat("é", 1000) + "..."},
		{name: "integer", in: 5.0, wantFormat: "number", wantMsg: "5"},
		{name: "float", in: 1.5, wantFormat: "number", wantMsg: "1.5"},
		{name: "boolean", in: true, wantFormat: "boolean", wantMsg: "true"},
		{name: "null", in: nil, wantFormat: "null", wantMsg: "(undefined)"},
		{name: "undefined", in: undefined{}, wantFormat: "undefined", wantMsg: "(undefined)"},
		{name: "object", in: map[string]any{"a": 1.0, "b": "x"}, wantFormat: "Object", wantJSON: map[string]any{"a": 1.0, "b": "x"}},
		{name: "message", in: engine.Msg{"payload": "p", "_msgid": "1"}, wantFormat: "Object", wantJSON: map[string]any{"payload": "p", "_msgid": "1"}},
		{name: "array", in: []any{1.0, "a", nil}, wantFormat: "array[3]", wantMsg: `[1,"a",null]`},
		{name: "buffer", in: []byte{1, 2, 255}, wantFormat: "buffer[3]", wantMsg: "0102ff"},
		{name: "long buffer", in: make([]byte, 600), wantFormat: "buffer[600]", wantMsg: strings.Repeat("0", 1000)},
		{
			name: "long array", in: zeros, wantFormat: "array[1001]",
			wantJSON: map[string]any{"__enc__": true, "type": "array", "data": zeros[:1000], "length": 1001.0},
		},
		{
			name: "nested values",
			in: map[string]any{
				"b": []byte{1, 2}, "n": math.NaN(), "inf": math.Inf(-1), "s": strings.Repeat("x", 1005), "arr": ones,
				"_req": map[string]any{"x": 1.0},
			},
			wantFormat: "Object",
			wantJSON: map[string]any{
				"b":    map[string]any{"type": "Buffer", "data": []any{1.0, 2.0}, "__enc__": true, "length": 2.0},
				"n":    map[string]any{"__enc__": true, "type": "number", "data": "NaN"},
				"inf":  map[string]any{"__enc__": true, "type": "number", "data": "-Infinity"},
				"s":    strings.Repeat("x", 1000) + "...",
				"arr":  map[string]any{"__enc__": true, "type": "array", "data": ones[:1000], "length": 1002.0},
				"_req": map[string]any{"__enc__": true, "type": "internal"},
			},
		},
		{
			// checked against Node-RED 4's util.encodeObject
			name: "object keeps key order", in: engine.ObjectOf("b", 1.0, "a", engine.ObjectOf("z", []byte{1}, "y", math.NaN()), "1", true),
			wantFormat: "Object",
			wantMsg:    `{"1":true,"b":1,"a":{"z":{"type":"Buffer","data":[1],"__enc__":true,"length":1},"y":{"__enc__":true,"type":"number","data":"NaN"}}}`,
		},
		{name: "date", in: time.Unix(0, 0).UTC(), wantFormat: "Date", wantMsg: "Thu Jan 01 1970 00:00:00 GMT+0000 (UTC)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg, format := encodeObject(tt.in, debugMaxLength)
			if format != tt.wantFormat {
				t.Errorf("format = %q, want %q", format, tt.wantFormat)
			}
			if tt.wantJSON != nil {
				var got any
				if err := json.Unmarshal([]byte(msg), &got); err != nil {
					t.Fatalf("msg is not JSON: %v: %s", err, msg)
				}
				if diff := cmp.Diff(tt.wantJSON, got); diff != "" {
					t.Errorf("msg (-want +got):\n%s", diff)
				}
				return
			}
			if msg != tt.wantMsg {
				t.Errorf("msg = %q, want %q", msg, tt.wantMsg)
			}
		})
	}
}

// TestInspect checks values against Node.js's util.inspect.
func TestInspect(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"object", map[string]any{"a": 1.0, "b": "x", "c": []any{1.0, 2.0}, "d e": map[string]any{"f": map[string]any{"g": map[string]any{"h": 1.0}}}},
			"{ a: 1, b: 'x', c: [ 1, 2 ], 'd e': { f: { g: [Object] } } }"},
		{"object in key order", engine.ObjectOf("b", 1.0, "a", engine.ObjectOf("z", 2.0, "1", 3.0)), "{ b: 1, a: { '1': 3, z: 2 } }"},
		{"buffer", []byte{1, 2}, "<Buffer 01 02>"},
		{"empty array", []any{}, "[]"},
		{"empty object", map[string]any{}, "{}"},
		{"negative zero", math.Copysign(0, -1), "-0"},
		{"null", nil, "null"},
		{"boolean", false, "false"},
		{"undefined", undefined{}, "undefined"},
		{"date", time.Unix(0, 0), "1970-01-01T00:00:00.000Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := inspect(tt.in, 2); got != tt.want {
				t.Errorf("inspect = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDebugSidebar(t *testing.T) {
	tests := []struct {
		name  string
		props string
		in    engine.Msg
		want  []map[string]any // published data, _msgid removed from whole messages
	}{
		{
			name: "payload by default", props: `"name":"d","complete":"false"`,
			in:   engine.Msg{"payload": "hi", "topic": "t"},
			want: []map[string]any{{"id": "n1", "z": "f", "path": "f", "name": "d", "topic": "t", "property": "payload", "msg": "hi", "format": "string[2]"}},
		},
		{
			name: "no topic, no name property", props: `"complete":"payload"`,
			in:   engine.Msg{"payload": 42.0},
			want: []map[string]any{{"id": "n1", "z": "f", "path": "f", "property": "payload", "msg": "42", "format": "number"}},
		},
		{
			name: "property path", props: `"name":"","complete":"payload.a[1]"`,
			in:   engine.Msg{"payload": map[string]any{"a": []any{0.0, true}}},
			want: []map[string]any{{"id": "n1", "z": "f", "path": "f", "name": "", "property": "payload.a[1]", "msg": "true", "format": "boolean"}},
		},
		{
			name: "missing property", props: `"name":"","complete":"nope"`,
			in:   engine.Msg{"payload": 1.0},
			want: []map[string]any{{"id": "n1", "z": "f", "path": "f", "name": "", "property": "nope", "msg": "(undefined)", "format": "undefined"}},
		},
		{
			name: "jsonata output", props: `"name":"","complete":"payload * 2","targetType":"jsonata"`,
			in:   engine.Msg{"payload": 21.0},
			want: []map[string]any{{"id": "n1", "z": "f", "path": "f", "name": "", "msg": "42", "format": "number"}},
		},
		{
			name: "whole message", props: `"name":"","complete":"true","targetType":"full"`,
			in:   engine.Msg{"payload": "p", "topic": "t"},
			want: []map[string]any{{"id": "n1", "z": "f", "path": "f", "name": "", "topic": "t", "msg": `{"payload":"p","topic":"t"}`, "format": "Object"}},
		},
		{
			name: "jsonata output, seen from Node-RED 4.1.15", props: `"name":"","complete":"$uppercase(payload)","targetType":"jsonata"`,
			in:   engine.Msg{"payload": "hello"},
			want: []map[string]any{{"id": "n1", "z": "f", "path": "f", "name": "", "msg": "HELLO", "format": "string[5]"}},
		},
		{
			name: "jsonata output undefined", props: `"complete":"nope","targetType":"jsonata"`,
			in:   engine.Msg{"payload": "hello"},
			want: []map[string]any{{"id": "n1", "z": "f", "path": "f", "msg": "(undefined)", "format": "undefined"}},
		},
		{name: "sidebar off", props: `"tosidebar":false`, in: engine.Msg{"payload": 1.0}},
		{name: "inactive", props: `"active":false`, in: engine.Msg{"payload": 1.0}},
		{name: "active null means active", props: `"active":null,"complete":"false"`, in: engine.Msg{"payload": 1.0},
			want: []map[string]any{{"id": "n1", "z": "f", "path": "f", "property": "payload", "msg": "1", "format": "number"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newHarness(t)
				h.Deploy(`[{"id":"n1","type":"debug","z":"f",` + tt.props + `}]`)
				id := engine.NewMsgID()
				tt.in["_msgid"] = id
				h.Send("n1", tt.in)
				synctest.Wait()
				got := debugEvents(h)
				for _, d := range got {
					if s, ok := d["msg"].(string); ok {
						d["msg"] = strings.Replace(s, `"_msgid":"`+id+`",`, "", 1)
					}
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			})
		})
	}
}

func TestDebugSetActive(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.Deploy(`[{"id":"n1","type":"debug","z":"f","active":true}]`)
		node, _ := h.E.Node("n1")
		act := node.(engine.Activator)
		var got []any
		for i, on := range []bool{true, false, true} {
			act.SetActive(on)
			h.Send("n1", engine.Msg{"payload": float64(i)})
			synctest.Wait()
		}
		for _, d := range debugEvents(h) {
			got = append(got, d["msg"])
		}
		if diff := cmp.Diff([]any{"0", "2"}, got); diff != "" {
			t.Errorf("published (-want +got):\n%s", diff)
		}
	})
}

func TestDebugConsole(t *testing.T) {
	tests := []struct {
		name, props string
		in          engine.Msg
		want        string // the logged text
	}{
		{"string", `"console":true`, engine.Msg{"payload": "hi"}, "hi"},
		{"multi-line string", `"console":"true"`, engine.Msg{"payload": "a\nb"}, "\na\nb"},
		{"number", `"console":true`, engine.Msg{"payload": 2.5}, "2.5"},
		{"object", `"console":true`, engine.Msg{"payload": map[string]any{"a": 1.0}}, "\n{ a: 1 }"},
		{"whole message", `"console":true,"complete":"true"`, engine.Msg{"payload": 1.0}, "\n{ payload: 1 }"},
		{"off", `"console":false`, engine.Msg{"payload": "hi"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
			events := &enginetest.Events{}
			n, err := newDebug(config(t, "debug", `{`+tt.props+`}`), &engine.Resources{Log: log, Events: events, Now: time.Now})
			if err != nil {
				t.Fatal(err)
			}
			if err := n.(engine.Handler).Handle(context.Background(), tt.in, nil); err != nil {
				t.Fatal(err)
			}
			var got string
			if buf.Len() > 0 {
				var rec struct{ Level, Msg string }
				line := buf.String()
				rec.Level = between(line, "level=", " ")
				rec.Msg = between(line, "msg=", "\n")
				if rec.Level != "INFO" {
					t.Errorf("level = %s, want INFO", rec.Level)
				}
				got = rec.Msg
				if u, err := unquote(got); err == nil {
					got = u
				}
			}
			if got != tt.want {
				t.Errorf("logged %q, want %q", got, tt.want)
			}
			if len(events.All()) != 1 {
				t.Errorf("published %d events, want 1 (console does not replace the sidebar)", len(events.All()))
			}
		})
	}
}

func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	s = s[i+len(from):]
	if j := strings.Index(s, to); j >= 0 {
		return s[:j]
	}
	return s
}

func unquote(s string) (string, error) {
	var out string
	err := json.Unmarshal([]byte(s), &out)
	return out, err
}

func TestDebugStatus(t *testing.T) {
	tests := []struct {
		name  string
		props string
		in    []engine.Msg
		want  []engine.Status // published after start, before close
	}{
		{
			name: "auto shows the property", props: `"tostatus":true,"complete":"payload"`,
			in:   []engine.Msg{{"payload": "hello"}, {"payload": 5.0}, {"payload": map[string]any{"a": 1.0}}},
			want: []engine.Status{{Fill: "grey", Shape: "dot", Text: "hello"}, {Fill: "grey", Shape: "dot", Text: "5"}, {Fill: "grey", Shape: "dot", Text: "{ a: 1 }"}},
		},
		{
			name: "unchanged status sent once", props: `"tostatus":true`,
			in:   []engine.Msg{{"payload": "same"}, {"payload": "same"}},
			want: []engine.Status{{Fill: "grey", Shape: "dot", Text: "same"}},
		},
		{
			name: "cut to 32 characters", props: `"tostatus":true`,
			in:   []engine.Msg{{"payload": strings.Repeat("a", 40)}},
			want: []engine.Status{{Fill: "grey", Shape: "dot", Text: strings.Repeat("a", 32) + "..."}},
		},
		{
			name: "whole message shows payload", props: `"tostatus":true,"complete":"true"`,
			in:   []engine.Msg{{"payload": true}},
			want: []engine.Status{{Fill: "grey", Shape: "dot", Text: "true"}},
		},
		{
			name: "status object", props: `"tostatus":true`,
			in:   []engine.Msg{{"payload": map[string]any{"fill": "red", "shape": "ring", "text": "down"}}},
			want: []engine.Status{{Fill: "red", Shape: "ring", Text: "down"}},
		},
		{
			name: "error message", props: `"tostatus":true`,
			in:   []engine.Msg{{"payload": 1.0, "error": engine.ObjectOf("message", "boom")}},
			want: []engine.Status{{Fill: "red", Shape: "dot", Text: "boom"}},
		},
		{
			name: "status message", props: `"tostatus":true`,
			in:   []engine.Msg{{"status": engine.ObjectOf("fill", "green", "text", "ok", "source", engine.ObjectOf("id", "x"))}},
			want: []engine.Status{{Fill: "green", Shape: "ring", Text: "ok"}},
		},
		{
			name: "own status ignored", props: `"tostatus":true`,
			in: []engine.Msg{{"status": engine.ObjectOf("text", "mine", "source", engine.ObjectOf("id", "n1"))}},
		},
		{
			name: "msg property", props: `"tostatus":true,"statusType":"msg","statusVal":"topic"`,
			in:   []engine.Msg{{"payload": 1.0, "topic": "tp", "error": engine.ObjectOf("message", "ignored")}},
			want: []engine.Status{{Fill: "grey", Shape: "dot", Text: "tp"}},
		},
		{name: "off", props: `"tostatus":false`, in: []engine.Msg{{"payload": "x"}}},
		{
			name: "jsonata status", props: `"tostatus":true,"statusType":"jsonata","statusVal":"$length(payload)"`,
			in:   []engine.Msg{{"payload": "hello"}},
			want: []engine.Status{{Fill: "grey", Shape: "dot", Text: "5"}},
		},
		{
			name: "auto status of a jsonata output", props: `"tostatus":true,"targetType":"jsonata","complete":"$uppercase(payload)"`,
			in:   []engine.Msg{{"payload": "hello"}},
			want: []engine.Status{{Fill: "grey", Shape: "dot", Text: "HELLO"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newHarness(t)
				h.Deploy(`[{"id":"n1","type":"debug","z":"f",` + tt.props + `}]`)
				for _, m := range tt.in {
					h.Send("n1", m)
				}
				synctest.Wait()
				want := tt.want
				if strings.Contains(tt.props, `"tostatus":true`) {
					want = append(startStatuses, want...)
				}
				if diff := cmp.Diff(want, statusEvents(h, "n1")); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			})
		})
	}
}

// startStatuses are the statuses Node-RED 4.1.15 shows for a debug node with
// its status option on as the flow starts (seen on /comms at a deploy).
var startStatuses = []engine.Status{{Fill: "grey", Shape: "ring"}, {}}

func TestDebugStatusClearedOnClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.Deploy(`[{"id":"n1","type":"debug","z":"f","tostatus":true}]`)
		h.Send("n1", engine.Msg{"payload": "x"})
		synctest.Wait()
		h.Deploy(`[]`)
		got := statusEvents(h, "n1")
		if len(got) != 4 || got[3] != (engine.Status{}) {
			t.Errorf("statuses = %v, want the last one cleared", got)
		}
	})
}

func TestDebugCounter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.Deploy(`[{"id":"n1","type":"debug","z":"f","tostatus":true,"statusType":"counter","tosidebar":false}]`)
		synctest.Wait()
		texts := func() []string {
			var out []string
			for _, s := range statusEvents(h, "n1")[1:] { // after the grey ring
				if s.Fill != "blue" || s.Shape != "ring" {
					t.Errorf("status %v, want blue ring", s)
				}
				out = append(out, s.Text)
			}
			return out
		}
		if diff := cmp.Diff([]string{"0"}, texts()); diff != "" {
			t.Fatalf("at start (-want +got):\n%s", diff)
		}
		time.Sleep(time.Second)
		h.Send("n1", engine.Msg{"payload": 1.0}) // alone: shown at once
		synctest.Wait()
		for range 3 { // a burst: shown 200ms after the last one
			time.Sleep(10 * time.Millisecond)
			h.Send("n1", engine.Msg{"payload": 1.0})
			synctest.Wait()
		}
		if diff := cmp.Diff([]string{"0", "1"}, texts()); diff != "" {
			t.Fatalf("during a burst (-want +got):\n%s", diff)
		}
		time.Sleep(199 * time.Millisecond)
		synctest.Wait()
		if len(texts()) != 2 {
			t.Fatalf("burst shown before 200ms: %v", texts())
		}
		time.Sleep(2 * time.Millisecond)
		synctest.Wait()
		if diff := cmp.Diff([]string{"0", "1", "4"}, texts()); diff != "" {
			t.Errorf("after a burst (-want +got):\n%s", diff)
		}
	})
}

func TestDebugBadProps(t *testing.T) {
	tests := []struct {
		name, props, field string
	}{
		{"bad jsonata target", `"targetType":"jsonata","complete":"payload +"`, "complete"},
		{"bad jsonata status", `"tostatus":true,"statusType":"jsonata","statusVal":"(("`, "statusVal"},
		{"unknown status type", `"statusType":"sometimes"`, "statusType"},
		{"bad property", `"complete":"a..b"`, "complete"},
		{"bad status property", `"statusType":"msg","statusVal":"a]"`, "statusVal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fes := deployErr(t, `[{"id":"n1","type":"debug","z":"f",`+tt.props+`}]`)
			if len(fes) != 1 || fes[0].Field != tt.field || fes[0].Node != "n1" {
				t.Errorf("errors = %v, want one on %s", fes, tt.field)
			}
		})
	}
}

// TestDebugJSONataErrors pins Node-RED's debug node: an expression that does
// not compile is reported when the node starts, one that fails for a
// message is an error naming the expression, not caught (no message).
func TestDebugJSONataErrors(t *testing.T) {
	h := newHarness(t)
	w := h.Deploy(`[{"id":"n1","type":"debug","z":"f","targetType":"jsonata","complete":"'a' + payload"},
		{"id":"n2","type":"debug","z":"f","targetType":"jsonata","complete":"payload +"}]`)
	if len(w) != 1 || w[0].Node != "n2" {
		t.Errorf("warnings = %v, want one on n2", w)
	}
	h.Send("n1", engine.Msg{"payload": 1.0})
	for end := time.Now().Add(2 * time.Second); len(h.Errors()) < 2 && time.Now().Before(end); {
		time.Sleep(5 * time.Millisecond)
	}
	want := []string{"Invalid JSONata expression: payload +", "Invalid JSONata expression: 'a' + payload"}
	if diff := cmp.Diff(want, h.Errors()); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}

// TestDebugStatusToStatusNode: what a status node receives from debug nodes'
// statuses, as Node-RED 4.1.15 did for this flow: nothing of the statuses
// shown at start, then each value with its source; a debug node configured
// with an empty name has source.name "" (Node-RED's debug node keeps its
// name as configured), one without a name has none.
func TestDebugStatusToStatusNode(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.Deploy(`[{"id":"d1","type":"debug","z":"f","name":"D1","tosidebar":false,"tostatus":true,"complete":"payload","targetType":"msg","statusVal":"","statusType":"auto"},
			{"id":"d5","type":"debug","z":"f","name":"","tosidebar":false,"tostatus":true,"complete":"$uppercase(payload)","targetType":"jsonata","statusVal":"$length(payload)","statusType":"jsonata"},
			{"id":"d6","type":"debug","z":"f","tosidebar":false,"tostatus":true,"statusType":"msg","statusVal":"topic"},
			{"id":"st1","type":"status","z":"f","name":"","scope":null,"wires":[["o"]]},{"id":"o","type":"helper","z":"f"}]`)
		synctest.Wait()
		for _, id := range []string{"d1", "d5", "d6"} {
			h.Send(id, engine.Msg{"payload": "hello"})
			synctest.Wait()
		}
		var got []any
		for _, m := range h.Collected()["o"] {
			got = append(got, m["status"])
		}
		want := []any{
			engine.ObjectOf("fill", "grey", "shape", "dot", "text", "hello", "source", engine.ObjectOf("id", "d1", "type", "debug", "name", "D1")),
			engine.ObjectOf("fill", "grey", "shape", "dot", "text", "5", "source", engine.ObjectOf("id", "d5", "type", "debug", "name", "")),
			engine.ObjectOf("fill", "grey", "shape", "dot", "text", "undefined", "source", engine.ObjectOf("id", "d6", "type", "debug")),
		}
		if diff := cmp.Diff(want, got, enginetest.OrderedObjects()); diff != "" {
			t.Errorf("status messages (-want +got):\n%s", diff)
		}
	})
}
