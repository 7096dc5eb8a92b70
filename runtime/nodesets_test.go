package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/flowgate/flowgate/editor"
	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/flows"
)

// Every registered type is in exactly one node set; Node-RED's core types
// in Node-RED's sets of module node-red, the others in module flowgate.
func TestNodeSetsGroupEveryType(t *testing.T) {
	rt := startRuntime(t)
	seen := map[string]string{}
	for _, s := range rt.NodeSets() {
		if !s.Enabled || s.ID != s.Module+"/"+s.Name || len(s.Types) == 0 {
			t.Errorf("set %+v", s)
		}
		for _, typ := range s.Types {
			if prev, dup := seen[typ]; dup {
				t.Errorf("type %q in %s and %s", typ, prev, s.ID)
			}
			seen[typ] = s.ID
		}
	}
	for _, sp := range rt.Specs() {
		if seen[sp.Type] == "" {
			t.Errorf("type %q in no set", sp.Type)
		}
	}
	for typ, want := range map[string]string{"inject": "node-red/inject", "link call": "node-red/link", "csv": "node-red/CSV", "join": "node-red/split",
		"mqtt-broker": "node-red/mqtt", "file in": "node-red/file", "sqlitedb": "flowgate/storage", "ha-device": "flowgate/homeassistant", "rpi-gpio in": "flowgate/hardware"} {
		if seen[typ] != want {
			t.Errorf("%q in %q, want %q", typ, seen[typ], want)
		}
	}
}

// A disabled set stays disabled after a restart; a set in use cannot be
// disabled; an unknown set is not found.
func TestNodeSetStateKeptAndChecked(t *testing.T) {
	dir := t.TempDir()
	s := Settings{Listen: "127.0.0.1:0", DataDir: dir, Broker: "off", HW: "off"}
	rt, err := New(s)
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := rt.SetNodeSetEnabled(t.Context(), "node-red/rbe", false); err != nil {
		t.Fatal(err)
	}
	if _, err := rt.Deploy(t.Context(), echoFlow("/x", "y"), engine.DeployFull, ""); err != nil {
		t.Fatal(err)
	}
	var inUse *editor.TypeInUseError
	if _, err := rt.SetNodeSetEnabled(t.Context(), "node-red/httpin", false); !errors.As(err, &inUse) || err.Error() != "Type in use: http in, http response" {
		t.Errorf("disabling a set in use: %v", err)
	}
	if _, err := rt.SetNodeSetEnabled(t.Context(), "node-red/nope", false); !errors.Is(err, editor.ErrNotFound) {
		t.Errorf("unknown set: %v", err)
	}
	_ = rt.Shutdown(context.Background())

	rt2, err := New(s)
	if err != nil {
		t.Fatal(err)
	}
	if err := rt2.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt2.Shutdown(context.Background()) })
	for _, set := range rt2.NodeSets() {
		if set.Enabled != (set.ID != "node-red/rbe") {
			t.Errorf("after restart %s enabled = %v", set.ID, set.Enabled)
		}
	}
	cfg := echoFlow("/x", "y")
	cfg.Nodes = append(cfg.Nodes, cfg.Nodes[len(cfg.Nodes)-1])
	cfg.Nodes[len(cfg.Nodes)-1].ID, cfg.Nodes[len(cfg.Nodes)-1].Type = "r", "rbe"
	cfg.Nodes[len(cfg.Nodes)-1].Raw = json.RawMessage(`{"id":"r","type":"rbe","z":"t","func":"rbe","gap":"","wires":[]}`)
	rev, err := rt2.Deploy(t.Context(), cfg, engine.DeployFull, "")
	if err != nil {
		t.Fatal(err)
	}
	ws := rt2.DeployWarnings(rev)
	if !slices.ContainsFunc(ws, func(p flows.Problem) bool { return p.Node == "r" && strings.Contains(p.Reason, "disabled") }) {
		t.Errorf("warnings = %v, want the disabled rbe", ws)
	}
	if _, running := rt2.eng.Node("r"); running {
		t.Error("the node of a disabled set runs")
	}
	if _, err := rt2.SetNodeSetEnabled(t.Context(), "node-red/rbe", true); err != nil {
		t.Fatal(err)
	}
	if _, running := rt2.eng.Node("r"); !running {
		t.Error("the kept node does not run once its set is enabled")
	}
}

// GET /diagnostics has the sections of Node-RED 4's report.
func TestDiagnostics(t *testing.T) {
	rt := startRuntime(t)
	code, body := get(t, "http://"+rt.Addr()+"/diagnostics")
	var d map[string]any
	if code != 200 || json.Unmarshal([]byte(body), &d) != nil {
		t.Fatalf("%d %s", code, body)
	}
	for _, k := range []string{"report", "scope", "time", "intl", "go", "os", "runtime"} {
		if d[k] == nil {
			t.Errorf("no %q in %s", k, body)
		}
	}
	r := d["runtime"].(map[string]any)
	if r["isStarted"] != true || r["modules"].(map[string]any)["node-red"] == nil || d["report"] != "diagnostics" {
		t.Errorf("runtime = %v", r)
	}
}
