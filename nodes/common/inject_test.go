package common

import (
	"context"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
)

// injectOnce deploys an inject node n1 with props, presses its button with
// body, and returns what it sent (without _msgid) and the errors caught.
func injectOnce(t *testing.T, props string, body engine.Msg) ([]engine.Msg, []string) {
	t.Helper()
	var sent []engine.Msg
	var caught []string
	synctest.Test(t, func(t *testing.T) {
		stores := engine.NewMemoryStores()
		_ = engine.NewContext(stores, "f").Set("", "count", 7.0)
		_ = engine.NewContext(stores, "global").Set("", "cfg", map[string]any{"on": true})
		env := func(name string) (string, bool) {
			if name == "HOME_NAME" {
				return "casa", true
			}
			return "", false
		}
		h := enginetest.NewWith(t, enginetest.Options{Stores: stores, Env: env}, append(Types(), testTypes()...)...)
		h.Deploy(`[{"id":"n1","type":"inject","z":"f",` + props + `,"wires":[["o"]]},{"id":"o","type":"helper","z":"f"},
			{"id":"c","type":"catch","z":"f","wires":[["e"]]},{"id":"e","type":"helper","z":"f"}]`)
		node, _ := h.E.Node("n1")
		if err := node.(engine.Injector).Inject(context.Background(), body); err != nil {
			t.Errorf("Inject: %v", err)
		}
		synctest.Wait()
		got := h.Collected()
		for _, m := range got["o"] {
			delete(m, "_msgid")
			sent = append(sent, m)
		}
		for _, m := range got["e"] {
			caught = append(caught, m["error"].(*engine.Object).Value("message").(string))
		}
	})
	return sent, caught
}

func TestInjectValues(t *testing.T) {
	// synctest's clock starts at 2000-01-01T00:00:00Z
	start := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		props string
		want  engine.Msg
	}{
		{
			name:  "editor defaults: timestamp payload, empty topic",
			props: `"props":[{"p":"payload"},{"p":"topic","vt":"str"}],"payload":"","payloadType":"date","topic":""`,
			want:  engine.Msg{"payload": float64(start.UnixMilli()), "topic": ""},
		},
		{
			name:  "legacy node without props",
			props: `"payload":"hello","payloadType":"str","topic":"greeting"`,
			want:  engine.Msg{"payload": "hello", "topic": "greeting"},
		},
		{
			name:  "legacy node without payload type",
			props: `"payload":"12","topic":""`,
			want:  engine.Msg{"payload": "12", "topic": ""},
		},
		{
			// Node-RED's own examples: evaluateNodeProperty gives the value of
			// a type it does not know unchanged
			name:  "legacy value types",
			props: `"props":[{"p":"payload","v":"hello","vt":"string"},{"p":"topic","v":"12","vt":"number"},{"p":"x","v":"y","vt":"none"}]`,
			want:  engine.Msg{"payload": "hello", "topic": "12", "x": "y"},
		},
		{
			name:  "legacy payload type string",
			props: `"payload":"hi","payloadType":"string","topic":""`,
			want:  engine.Msg{"payload": "hi", "topic": ""},
		},
		{
			name:  "values in props win over top level",
			props: `"props":[{"p":"payload","v":"5","vt":"num"},{"p":"topic","v":"in props","vt":"str"}],"payload":"x","payloadType":"str","topic":"top"`,
			want:  engine.Msg{"payload": 5.0, "topic": "in props"},
		},
		{
			name: "every kind",
			props: `"props":[{"p":"s","v":"text","vt":"str"},{"p":"n","v":"-1.5e3","vt":"num"},{"p":"b","v":"TRUE","vt":"bool"},
				{"p":"f","v":"false","vt":"bool"},{"p":"j","v":"{\"a\":[1,2]}","vt":"json"},{"p":"bin","v":"[1,2,3]","vt":"bin"},
				{"p":"iso","v":"iso","vt":"date"},{"p":"obj","v":"object","vt":"date"},{"p":"fmt","v":"YYYY-MM-DD [at] HH:mm","vt":"date"},
				{"p":"e","v":"HOME_NAME","vt":"env"},{"p":"e2","v":"home ${HOME_NAME}!","vt":"env"},
				{"p":"fc","v":"count","vt":"flow"},{"p":"gc","v":"cfg.on","vt":"global"},{"p":"x","v":"1 + 2","vt":"expr"},
				{"p":"deep.er[0]","v":"made","vt":"str"},{"p":"novt","v":"plain"},{"p":"","v":"skipped","vt":"str"}]`,
			want: engine.Msg{
				"s": "text", "n": -1500.0, "b": true, "f": false, "j": engine.ObjectOf("a", []any{1.0, 2.0}), "bin": []byte{1, 2, 3},
				"iso": "2000-01-01T00:00:00.000Z", "obj": start.Local(), "fmt": start.Local().Format("2006-01-02") + " at " + start.Local().Format("15:04"),
				"e": "casa", "e2": "home casa!", "fc": 7.0, "gc": true, "x": 3.0,
				"deep": engine.ObjectOf("er", []any{"made"}), "novt": "plain",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sent, caught := injectOnce(t, tt.props, nil)
			if len(caught) > 0 {
				t.Fatalf("errors: %v", caught)
			}
			if len(sent) != 1 {
				t.Fatalf("sent %d messages, want 1", len(sent))
			}
			if diff := cmp.Diff(tt.want, sent[0], cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestInjectButtonBody(t *testing.T) {
	const props = `"props":[{"p":"payload"},{"p":"topic","vt":"str"}],"payload":"configured","payloadType":"str","topic":"t"`
	tests := []struct {
		name       string
		body       engine.Msg
		want       []engine.Msg
		wantErrors []string
	}{
		{name: "no body", body: nil, want: []engine.Msg{{"payload": "configured", "topic": "t"}}},
		{name: "body without user props is ignored", body: engine.Msg{"extra": 1.0}, want: []engine.Msg{{"payload": "configured", "topic": "t"}}},
		{
			name: "user props replace the configured ones",
			body: engine.Msg{"__user_inject_props__": []any{map[string]any{"p": "payload", "v": "7", "vt": "num"}}},
			want: []engine.Msg{{"payload": 7.0}},
		},
		{
			name: "body becomes the message",
			body: engine.Msg{"__user_inject_props__": []any{map[string]any{"p": "topic", "v": "u"}}, "keep": "me"},
			want: []engine.Msg{{"topic": "u", "keep": "me"}},
		},
		{
			name: "truthy non-list keeps configured props",
			body: engine.Msg{"__user_inject_props__": true, "keep": "me"},
			want: []engine.Msg{{"payload": "configured", "topic": "t", "keep": "me"}},
		},
		{
			name:       "bad user value is an error for the message",
			body:       engine.Msg{"__user_inject_props__": []any{map[string]any{"p": "payload", "v": "{", "vt": "json"}}},
			wantErrors: []string{"invalid JSON: expected a property name at position 1"}, // the engine's JSON.parse text
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sent, caught := injectOnce(t, props, tt.body)
			if diff := cmp.Diff(tt.want, sent); diff != "" {
				t.Errorf("sent (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantErrors, caught); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestInjectEvalErrorsJoined(t *testing.T) {
	sent, caught := injectOnce(t, `"props":[{"p":"a","v":"#:(nope)::x","vt":"flow"},{"p":"b","v":"ok"},{"p":"c","v":"#:(gone)::y","vt":"global"}]`, nil)
	if len(sent) != 0 {
		t.Errorf("sent %v despite errors", sent)
	}
	want := []string{`unknown context store "nope"; unknown context store "gone"`}
	if diff := cmp.Diff(want, caught); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestInjectBadValueFailsEachInjection pins Node-RED: an inject node with a
// bad JSON value deploys, and each injection reports the error.
func TestInjectBadValueFailsEachInjection(t *testing.T) {
	sent, caught := injectOnce(t, `"props":[{"p":"payload","v":"{nope","vt":"json"}]`, nil)
	if len(sent) != 0 || len(caught) != 1 || !strings.Contains(caught[0], "invalid JSON") {
		t.Errorf("sent %v, caught %q, want one JSON error", sent, caught)
	}
}

func TestInjectJSONata(t *testing.T) {
	tests := []struct {
		name       string
		props      string
		want       []engine.Msg
		wantErrors []string
	}{
		{"context and env functions", `"props":[{"p":"payload","v":"$flowContext('count') + 1","vt":"jsonata"},{"p":"topic","v":"$env('HOME_NAME') & '/' & $globalContext('cfg').on","vt":"jsonata"}]`,
			[]engine.Msg{{"payload": 8.0, "topic": "casa/true"}}, nil},
		{"empty expression leaves the property unset", `"props":[{"p":"payload","v":"","vt":"jsonata"}]`,
			[]engine.Msg{{}}, nil},
		{"evaluation error", `"props":[{"p":"payload","v":"'a' + 1","vt":"jsonata"}]`,
			nil, []string{`Invalid JSONata expression: The left side of the "+" operator must evaluate to a number`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sent, caught := injectOnce(t, tt.props, nil)
			if diff := cmp.Diff(tt.want, sent); diff != "" {
				t.Errorf("sent (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantErrors, caught); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestInjectBadProps(t *testing.T) {
	tests := []struct {
		name, props, field string
	}{
		{"msg value", `"props":[{"p":"payload"}],"payload":"x","payloadType":"msg"`, "payload"},
		{"jsonata syntax error", `"props":[{"p":"other","v":"$now(","vt":"jsonata"}]`, "props"},
		{"bad json", `"props":[{"p":"payload"}],"payload":"{","payloadType":"json"`, "payload"},
		{"bad number", `"props":[{"p":"topic","v":"ten","vt":"num"}]`, "topic"},
		{"bad property", `"props":[{"p":"a..b","v":"x"}]`, "props"},
		{"props not a list", `"props":[1]`, "props"},
		{"negative repeat", `"repeat":"-1"`, "repeat"},
		{"repeat too long", `"repeat":"2147484"`, "repeat"},
		{"repeat not a number", `"repeat":"often"`, "repeat"},
		{"bad crontab", `"crontab":"61 * * * *"`, "crontab"},
		{"bad once delay", `"onceDelay":"soon"`, "onceDelay"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fes := deployErr(t, `[{"id":"n1","type":"inject","z":"f",`+tt.props+`}]`)
			if len(fes) != 1 || fes[0].Field != tt.field || fes[0].Node != "n1" {
				t.Errorf("errors = %v, want one on %s", fes, tt.field)
			}
		})
	}
}

// TestInjectTimers runs the schedules for a while and checks when messages left.
func TestInjectTimers(t *testing.T) {
	tests := []struct {
		name  string
		props string
		run   time.Duration
		want  []time.Duration // send times after deploy
	}{
		{name: "no schedule", props: `"repeat":"","crontab":""`, run: time.Hour},
		{name: "once after the default delay", props: `"once":true,"onceDelay":""`, run: time.Hour, want: []time.Duration{100 * time.Millisecond}},
		{name: "once after a delay", props: `"once":true,"onceDelay":2.5`, run: time.Hour, want: []time.Duration{2500 * time.Millisecond}},
		{name: "repeat", props: `"repeat":"2"`, run: 7 * time.Second, want: []time.Duration{2 * time.Second, 4 * time.Second, 6 * time.Second}},
		{
			name: "once then repeat", props: `"once":true,"onceDelay":"0.5","repeat":"2"`, run: 5 * time.Second,
			want: []time.Duration{500 * time.Millisecond, 2500 * time.Millisecond, 4500 * time.Millisecond},
		},
		{
			// Node.js runs setInterval with a delay under 1 ms every 1 ms
			name: "repeat under a millisecond", props: `"repeat":"0.000000001"`, run: 3500 * time.Microsecond,
			want: []time.Duration{time.Millisecond, 2 * time.Millisecond, 3 * time.Millisecond},
		},
		{
			name: "crontab every 20 minutes", props: `"crontab":"*/20 * * * *"`, run: 59 * time.Minute,
			want: []time.Duration{20 * time.Minute, 40 * time.Minute},
		},
		{
			name: "repeat wins over crontab", props: `"repeat":"1500","crontab":"*/20 * * * *"`, run: time.Hour,
			want: []time.Duration{25 * time.Minute, 50 * time.Minute},
		},
		{
			name: "crontab with seconds", props: `"crontab":"30 0 * * * *"`, run: 2 * time.Hour,
			want: []time.Duration{30 * time.Second, time.Hour + 30*time.Second},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newHarness(t)
				h.Deploy(`[{"id":"n1","type":"inject","z":"f","props":[{"p":"payload"}],"payload":"","payloadType":"date",` + tt.props + `,"wires":[["o"]]},{"id":"o","type":"helper","z":"f"}]`)
				start := time.Now()
				time.Sleep(tt.run)
				synctest.Wait()
				var got []time.Duration
				for _, m := range h.Collected()["o"] {
					got = append(got, time.UnixMilli(int64(m["payload"].(float64))).Sub(start))
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("send times (-want +got):\n%s", diff)
				}
			})
		})
	}
}

func TestInjectRedeployStopsTimers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		flow := `[{"id":"n1","type":"inject","z":"f","props":[{"p":"payload","v":"x","vt":"str"}],"once":true,"repeat":"1","wires":[["o"]]},{"id":"o","type":"helper","z":"f"}]`
		h.Deploy(flow)
		time.Sleep(1500 * time.Millisecond)
		synctest.Wait()
		if n := len(h.Collected()["o"]); n != 2 {
			t.Fatalf("sent %d before redeploy, want 2", n)
		}
		h.Deploy(`[{"id":"o","type":"helper","z":"f"}]`)
		time.Sleep(10 * time.Second)
		synctest.Wait()
		if n := len(h.Collected()["o"]); n != 2 {
			t.Errorf("sent %d in all, want none after the node was removed", n)
		}
	})
}

func TestFormatMoment(t *testing.T) {
	ts := time.Date(2024, 3, 2, 15, 4, 5, 678e6, time.UTC)
	tests := []struct{ layout, want string }{
		{"YYYY-MM-DD HH:mm:ss.SSS", "2024-03-02 15:04:05.678"},
		{"YY M D H m s", "24 3 2 15 4 5"},
		{"dddd ddd dd d", "Saturday Sat Sa 6"},
		{"MMMM MMM Do", "March Mar 2nd"},
		{"hh h A a", "03 3 PM pm"},
		{"[YYYY is] YYYY", "YYYY is 2024"},
		{"DDDD DDD Z ZZ", "062 62 +00:00 +0000"},
		{"X x", "1709391845 1709391845678"},
	}
	for _, tt := range tests {
		t.Run(tt.layout, func(t *testing.T) {
			if got := formatMoment(ts, tt.layout); got != tt.want {
				t.Errorf("formatMoment(%q) = %q, want %q", tt.layout, got, tt.want)
			}
		})
	}
	for d, want := range map[int]string{1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 11: "11th", 12: "12th", 13: "13th", 21: "21st", 22: "22nd", 23: "23rd", 31: "31st"} {
		if got := ordinal(d); got != want {
			t.Errorf("ordinal(%d) = %q, want %q", d, got, want)
		}
	}
}
