package engine_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
)

// counter counts messages in node, flow and global context and sends the counts.
type counter struct{ res *engine.Resources }

func (c *counter) Handle(_ context.Context, m engine.Msg, out *engine.Output) error {
	for name, ctx := range map[string]*engine.Context{"node": c.res.Node, "flow": c.res.Flow, "global": c.res.Global} {
		v, _ := ctx.Get("", "n")
		n, _ := v.(float64)
		if err := ctx.Set("", "n", n+1); err != nil {
			return err
		}
		m[name] = n + 1
	}
	out.Send(0, m)
	return nil
}

// statuser sets its status to msg.payload.
type statuser struct{ res *engine.Resources }

func (s *statuser) Handle(_ context.Context, m engine.Msg, _ *engine.Output) error {
	s.res.Status(engine.Status{Fill: "green", Shape: "dot", Text: m["payload"].(string)})
	return nil
}

// watcher forwards status messages of its scope.
type watcher struct{ scope engine.Scope }

func (w *watcher) StatusScope() engine.Scope { return w.scope }
func (w *watcher) Handle(_ context.Context, m engine.Msg, out *engine.Output) error {
	out.Send(0, m)
	return nil
}

// linker sends to its link targets.
type linker struct{ targets []string }

func (l *linker) LinkTargets() []string { return l.targets }
func (l *linker) Handle(_ context.Context, m engine.Msg, out *engine.Output) error {
	out.Send(0, m)
	return nil
}

// envNode sends the env variables named in msg.names.
type envNode struct{ res *engine.Resources }

func (e *envNode) Handle(_ context.Context, m engine.Msg, out *engine.Output) error {
	got := map[string]any{}
	for _, n := range m["names"].([]any) {
		v, _ := e.res.Env(n.(string))
		got[n.(string)] = v
	}
	m["env"] = got
	out.Send(0, m)
	return nil
}

// later completes each message from another goroutine; payload "fail" fails it.
type later struct{}

func (later) Handle(_ context.Context, m engine.Msg, out *engine.Output) error {
	done := out.Defer()
	go func() {
		if m["payload"] == "fail" {
			done(errors.New("later failed"))
			return
		}
		done(nil)
	}()
	return nil
}

// holder holds every message (Output.Hold) until one with payload
// "release", then finishes them, failing those with payload "fail".
type holder struct {
	held []engine.Pending
	fail []bool
}

func (h *holder) Handle(_ context.Context, m engine.Msg, out *engine.Output) error {
	if m["payload"] == "release" {
		for i, p := range h.held {
			var err error
			if h.fail[i] {
				err = errors.New("held failed")
			}
			p.Done(err)
		}
		h.held, h.fail = nil, nil
		return nil
	}
	h.held = append(h.held, out.Hold())
	h.fail = append(h.fail, m["payload"] == "fail")
	return nil
}

func lifecycleTypes() []engine.Type {
	simple := func(name string, outputs int, f func(c *engine.Config, res *engine.Resources) engine.Node) engine.Type {
		return engine.Type{Spec: engine.Spec{Type: name, Inputs: 1, Outputs: outputs}, New: func(c *engine.Config, res *engine.Resources) (engine.Node, error) {
			return f(c, res), nil
		}}
	}
	return append(testTypes(),
		simple("counter", 1, func(_ *engine.Config, res *engine.Resources) engine.Node { return &counter{res: res} }),
		simple("statuser", 0, func(_ *engine.Config, res *engine.Resources) engine.Node { return &statuser{res: res} }),
		simple("watch", 1, func(c *engine.Config, _ *engine.Resources) engine.Node {
			var s engine.Scope
			c.Reader().Decode("scope", &s.Nodes)
			return &watcher{scope: s}
		}),
		simple("linker", 1, func(c *engine.Config, _ *engine.Resources) engine.Node {
			var l []string
			c.Reader().Decode("links", &l)
			return &linker{targets: l}
		}),
		simple("env", 1, func(_ *engine.Config, res *engine.Resources) engine.Node { return &envNode{res: res} }),
		simple("later", 0, func(*engine.Config, *engine.Resources) engine.Node { return later{} }),
		simple("holder", 0, func(*engine.Config, *engine.Resources) engine.Node { return &holder{} }),
		engine.Type{Spec: engine.Spec{Type: "boom"}, New: func(*engine.Config, *engine.Resources) (engine.Node, error) { panic("kaboom") }},
	)
}

func TestStatusReachesWatchers(t *testing.T) {
	h := enginetest.New(t, lifecycleTypes()...)
	h.Deploy(`[{"id":"s1","type":"statuser","z":"t"},{"id":"s2","type":"statuser","z":"t"},{"id":"s3","type":"statuser","z":"u"},
		{"id":"all","type":"watch","z":"t","wires":[["oall"]]},
		{"id":"one","type":"watch","z":"t","scope":["s2"],"wires":[["oone"]]},
		{"id":"oall","type":"helper","z":"t"},{"id":"oone","type":"helper","z":"t"}]`)
	h.Send("s1", engine.Msg{"payload": "first"})
	h.Wait("oall", 1, 5*time.Second)
	h.Send("s2", engine.Msg{"payload": "second"})
	h.Send("s3", engine.Msg{"payload": "other tab"})
	got, ok := h.WaitAll(map[string]int{"oall": 2, "oone": 1}, 5*time.Second)
	if !ok {
		t.Fatalf("timeout: %v", got)
	}
	time.Sleep(50 * time.Millisecond) // nothing more may arrive (the other tab's status)
	got = h.Collected()
	texts := func(ms []engine.Msg) []string {
		var out []string
		for _, m := range ms {
			out = append(out, at(m, "status.source.id").(string)+":"+at(m, "status.text").(string)+":"+at(m, "status.fill").(string))
		}
		return out
	}
	if diff := cmp.Diff([]string{"s1:first:green", "s2:second:green"}, texts(got["oall"])); diff != "" {
		t.Errorf("watcher of all (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"s2:second:green"}, texts(got["oone"])); diff != "" {
		t.Errorf("scoped watcher (-want +got):\n%s", diff)
	}
	if st := h.E.Statuses()["s3"]; st.Text != "other tab" {
		t.Errorf("Statuses()[s3] = %+v", st)
	}
}

func TestDeliverAndStopStart(t *testing.T) {
	h := enginetest.New(t, lifecycleTypes()...)
	h.Deploy(`[{"id":"a","type":"pass","z":"t","wires":[["o"]]},{"id":"o","type":"helper","z":"t"},{"id":"w","type":"watch","z":"t"}]`)
	t.Run("deliver", func(t *testing.T) {
		if !h.E.Deliver("a", engine.Msg{"payload": 1.0}) {
			t.Fatal("Deliver to a running node failed")
		}
		h.Wait("o", 1, 5*time.Second)
		if h.E.Deliver("nope", engine.Msg{}) {
			t.Error("Deliver to an unknown node succeeded")
		}
	})
	t.Run("stop", func(t *testing.T) {
		h.E.Stop(context.Background())
		if h.E.Running() {
			t.Error("Running after Stop")
		}
		if h.E.Deliver("a", engine.Msg{"payload": 2.0}) {
			t.Error("Deliver succeeded after Stop")
		}
		if n := h.E.Stats().Nodes; n != 0 {
			t.Errorf("%d nodes running after Stop", n)
		}
	})
	t.Run("start", func(t *testing.T) {
		if err := h.E.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		if !h.E.Running() {
			t.Error("not Running after Start")
		}
		h.Reset()
		if !h.E.Deliver("a", engine.Msg{"payload": 3.0}) {
			t.Fatal("Deliver failed after Start")
		}
		if got := h.Wait("o", 1, 5*time.Second); got[0]["payload"] != 3.0 {
			t.Errorf("got %v", got)
		}
	})
}

func TestDeployContextLifetimes(t *testing.T) {
	const flow = `[{"id":"c","type":"counter","z":"t","wires":[["o"]]},{"id":"k","type":"counter","z":"t","wires":[["o"]]},{"id":"o","type":"helper","z":"t"}]`
	const changedK = `[{"id":"c","type":"counter","z":"t","wires":[["o"]]},{"id":"k","type":"counter","z":"t","name":"changed","wires":[["o"]]},{"id":"o","type":"helper","z":"t"}]`
	count := func(h *enginetest.Harness, id string) engine.Msg {
		h.Reset()
		h.Send(id, engine.Msg{})
		return h.Wait("o", 1, 5*time.Second)[0]
	}
	h := enginetest.New(t, lifecycleTypes()...)
	h.Deploy(flow)
	count(h, "c")
	count(h, "k")
	t.Run("nodes deploy keeps the context of kept nodes", func(t *testing.T) {
		if _, err := h.TryDeploy(changedK, engine.DeployNodes); err != nil {
			t.Fatal(err)
		}
		got := count(h, "c")
		if diff := cmp.Diff(engine.Msg{"node": 2.0, "flow": 3.0, "global": 3.0}, got, cmpIgnoreMsgID); diff != "" {
			t.Errorf("kept node (-want +got):\n%s", diff)
		}
	})
	t.Run("full deploy clears node context, keeps flow and global", func(t *testing.T) {
		h.Deploy(flow)
		got := count(h, "c")
		if diff := cmp.Diff(engine.Msg{"node": 1.0, "flow": 4.0, "global": 4.0}, got, cmpIgnoreMsgID); diff != "" {
			t.Errorf("after full deploy (-want +got):\n%s", diff)
		}
	})
	t.Run("removed node loses its context", func(t *testing.T) {
		if _, err := h.TryDeploy(`[{"id":"c","type":"counter","z":"t","wires":[["o"]]},{"id":"o","type":"helper","z":"t"}]`, engine.DeployNodes); err != nil {
			t.Fatal(err)
		}
		if _, err := h.TryDeploy(flow, engine.DeployNodes); err != nil {
			t.Fatal(err)
		}
		if got := count(h, "k"); got["node"] != 1.0 {
			t.Errorf("re-added node sees old context: %v", got)
		}
	})
}

var cmpIgnoreMsgID = cmp.FilterPath(func(p cmp.Path) bool {
	mi, ok := p.Last().(cmp.MapIndex)
	return ok && mi.Key().String() == "_msgid"
}, cmp.Ignore())

func TestCatchLoopStops(t *testing.T) {
	h := enginetest.New(t, lifecycleTypes()...)
	h.Deploy(`[{"id":"f","type":"fail","z":"t"},{"id":"c","type":"catch","z":"t","wires":[["f","o"]]},{"id":"o","type":"helper","z":"t"}]`)
	h.Send("f", engine.Msg{"payload": "x"})
	h.Wait("o", 9, 5*time.Second)
	time.Sleep(100 * time.Millisecond) // let a runaway loop show itself
	got := h.Collected()["o"]
	if len(got) != 9 {
		t.Fatalf("catch got %d messages, want 9 (counts 1..9)", len(got))
	}
	for i, m := range got {
		if c := at(m, "error.source.count"); c != float64(i+1) {
			t.Errorf("message %d: count %v", i, c)
		}
	}
}

func TestDeferredCompletion(t *testing.T) {
	h := enginetest.New(t, lifecycleTypes()...)
	h.Deploy(`[{"id":"l","type":"later","z":"t"},
		{"id":"k","type":"complete","z":"t","scope":["l"],"wires":[["ok"]]},{"id":"ok","type":"helper","z":"t"},
		{"id":"c","type":"catch","z":"t","scope":["l"],"wires":[["oc"]]},{"id":"oc","type":"helper","z":"t"}]`)
	h.Send("l", engine.Msg{"payload": "fine"})
	h.Send("l", engine.Msg{"payload": "fail"})
	got, ok := h.WaitAll(map[string]int{"ok": 1, "oc": 1}, 5*time.Second)
	if !ok {
		t.Fatalf("timeout: %v", got)
	}
	if got["ok"][0]["payload"] != "fine" {
		t.Errorf("complete got %v", got["ok"])
	}
	if e := at(got["oc"][0], "error.message"); e != "later failed" || got["oc"][0]["payload"] != "fail" {
		t.Errorf("catch got %v", got["oc"][0])
	}
}

// TestHeldCompletion checks Output.Hold: held messages complete when the
// node finishes them; complete and catch nodes get the message itself when
// a complete node watches the node, and only its _msgid when none does.
func TestHeldCompletion(t *testing.T) {
	t.Run("watched", func(t *testing.T) {
		h := enginetest.New(t, lifecycleTypes()...)
		h.Deploy(`[{"id":"l","type":"holder","z":"t"},
		{"id":"k","type":"complete","z":"t","scope":["l"],"wires":[["ok"]]},{"id":"ok","type":"helper","z":"t"},
		{"id":"c","type":"catch","z":"t","scope":["l"],"wires":[["oc"]]},{"id":"oc","type":"helper","z":"t"}]`)
		h.Send("l", engine.Msg{"_msgid": "m1", "payload": "kept"})
		h.Send("l", engine.Msg{"_msgid": "m2", "payload": "fail"})
		h.Send("l", engine.Msg{"_msgid": "m3", "payload": "release"})
		got, ok := h.WaitAll(map[string]int{"ok": 2, "oc": 1}, 5*time.Second)
		if !ok {
			t.Fatalf("timeout: %v", got)
		}
		if p0, p1 := got["ok"][0]["payload"], got["ok"][1]["payload"]; p0 != "kept" || p1 != "release" {
			t.Errorf("complete got %v, %v; want kept, release", p0, p1)
		}
		if m := got["oc"][0]; at(m, "error.message") != "held failed" || m["payload"] != "fail" || m["_msgid"] != "m2" {
			t.Errorf("catch got %v", m)
		}
	})
	t.Run("not watched", func(t *testing.T) {
		h := enginetest.New(t, lifecycleTypes()...)
		h.Deploy(`[{"id":"l","type":"holder","z":"t"},
		{"id":"c","type":"catch","z":"t","scope":["l"],"wires":[["oc"]]},{"id":"oc","type":"helper","z":"t"}]`)
		h.Send("l", engine.Msg{"_msgid": "m1", "payload": "kept"})
		h.Send("l", engine.Msg{"_msgid": "m2", "payload": "fail"})
		h.Send("l", engine.Msg{"_msgid": "m3", "payload": "release"})
		m := h.Wait("oc", 1, 5*time.Second)[0]
		if at(m, "error.message") != "held failed" || m["_msgid"] != "m2" {
			t.Errorf("catch got %v", m)
		}
		if _, has := m["payload"]; has {
			t.Errorf("catch got the held message %v; want only its _msgid", m)
		}
	})
}

func TestDeployProblems(t *testing.T) {
	h := enginetest.New(t, lifecycleTypes()...)
	t.Run("panicking constructor is a warning and an error at start", func(t *testing.T) {
		h.Reset()
		w, err := h.TryDeploy(`[{"id":"b","type":"boom","z":"t"}]`, engine.DeployFull)
		if err != nil || len(w) != 1 || w[0].Node != "b" || w[0].Type != "boom" {
			t.Fatalf("warnings = %v, err = %v, want one warning for b", w, err)
		}
		if errs := h.Errors(); len(errs) != 1 || !strings.Contains(errs[0], "panicked") {
			t.Errorf("errors at start = %q", errs)
		}
	})
	t.Run("unknown type is a warning", func(t *testing.T) {
		w, err := h.TryDeploy(`[{"id":"u","type":"mystery","z":"t"},{"id":"a","type":"pass","z":"t"}]`, engine.DeployFull)
		if err != nil || len(w) != 1 || w[0].Node != "u" || w[0].Type != "mystery" {
			t.Fatalf("warnings = %v, err = %v", w, err)
		}
		if _, ok := h.E.Node("a"); !ok {
			t.Error("known node not running beside an unknown one")
		}
	})
	t.Run("disabled nodes and tabs are not constructed", func(t *testing.T) {
		_, err := h.TryDeploy(`[{"id":"t2","type":"tab","disabled":true},
			{"id":"b1","type":"boom","z":"t","d":true},{"id":"b2","type":"boom","z":"t2"},{"id":"a","type":"pass","z":"t2"},
			{"id":"p","type":"pass","z":"t"}]`, engine.DeployFull)
		if err != nil {
			t.Fatalf("disabled nodes were constructed: %v", err)
		}
		for id, want := range map[string]bool{"b1": false, "b2": false, "a": false, "p": true} {
			if _, ok := h.E.Node(id); ok != want {
				t.Errorf("node %s running = %v, want %v", id, ok, want)
			}
		}
	})
}

func TestLinkerTargets(t *testing.T) {
	h := enginetest.New(t, lifecycleTypes()...)
	h.Deploy(`[{"id":"lo","type":"linker","z":"t","links":["li1","li2","nope"],"wires":[["li1"]]},
		{"id":"li1","type":"pass","z":"t","wires":[["o1"]]},{"id":"li2","type":"pass","z":"u","wires":[["o2"]]},
		{"id":"o1","type":"helper","z":"t"},{"id":"o2","type":"helper","z":"u"}]`)
	h.Send("lo", engine.Msg{"payload": 1.0})
	got, ok := h.WaitAll(map[string]int{"o1": 1, "o2": 1}, 5*time.Second)
	if !ok {
		t.Fatalf("timeout: %v", got)
	}
	time.Sleep(50 * time.Millisecond)
	if n := len(h.Collected()["o1"]); n != 1 {
		t.Errorf("li1 got %d messages: wired and linked must count once", n)
	}
}

func TestEnvBuiltins(t *testing.T) {
	h := enginetest.NewWith(t, enginetest.Options{Env: func(name string) (string, bool) {
		if name == "FROM_SETTINGS" {
			return "settings", true
		}
		return "", false
	}}, lifecycleTypes()...)
	h.Deploy(`[{"id":"t","type":"tab","label":"Main","env":[{"name":"FLOWV","value":"flow","type":"str"},{"name":"SHADOW","value":"flow","type":"str"}]},
		{"id":"g1","type":"group","z":"t","name":"Outer","env":[{"name":"OUTER","value":"outer","type":"str"},{"name":"SHADOW","value":"outer","type":"str"}]},
		{"id":"g2","type":"group","z":"t","g":"g1","name":"Inner","env":[{"name":"SHADOW","value":"inner","type":"str"}]},
		{"id":"e","type":"env","z":"t","g":"g2","name":"envy","wires":[["o"]]},{"id":"o","type":"helper","z":"t"}]`)
	names := []any{"NR_NODE_ID", "NR_NODE_NAME", "NR_NODE_PATH", "NR_FLOW_ID", "NR_FLOW_NAME", "NR_GROUP_ID", "NR_GROUP_NAME", "FLOWV", "OUTER", "SHADOW", "FROM_SETTINGS", "UNSET"}
	h.Send("e", engine.Msg{"names": names})
	got := h.Wait("o", 1, 5*time.Second)[0]["env"]
	want := map[string]any{
		"NR_NODE_ID": "e", "NR_NODE_NAME": "envy", "NR_NODE_PATH": "t/e", "NR_FLOW_ID": "t", "NR_FLOW_NAME": "Main",
		"NR_GROUP_ID": "g2", "NR_GROUP_NAME": "Inner", "FLOWV": "flow", "OUTER": "outer", "SHADOW": "inner",
		"FROM_SETTINGS": "settings", "UNSET": "",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("env (-want +got):\n%s", diff)
	}
}
