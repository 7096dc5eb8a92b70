package runtime

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/flows"
)

func startRuntime(t *testing.T) *Runtime {
	t.Helper()
	rt, err := New(Settings{Listen: "127.0.0.1:0", DataDir: t.TempDir(), Broker: "off", HW: "off"})
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.Shutdown(context.Background()) })
	return rt
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func echoFlow(path, text string) *flows.Config {
	cfg, err := flows.Parse([]byte(`[{"id":"t","type":"tab","label":"t"},
		{"id":"in","type":"http in","z":"t","url":"` + path + `","method":"get","wires":[["ch"]]},
		{"id":"ch","type":"change","z":"t","rules":[{"t":"set","p":"payload","pt":"msg","to":"` + text + `","tot":"str"}],"wires":[["out"]]},
		{"id":"out","type":"http response","z":"t","wires":[]}]`))
	if err != nil {
		panic(err)
	}
	return cfg
}

// Two runtimes side by side in one process share nothing: the runtime is an
// instance, not a singleton.
func TestTwoRuntimesSideBySide(t *testing.T) {
	a, b := startRuntime(t), startRuntime(t)
	if _, err := a.Deploy(t.Context(), echoFlow("/who", "a"), engine.DeployFull, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Deploy(t.Context(), echoFlow("/who", "b"), engine.DeployFull, ""); err != nil {
		t.Fatal(err)
	}
	for rt, want := range map[*Runtime]string{a: "a", b: "b"} {
		if code, body := get(t, "http://"+rt.Addr()+"/who"); code != 200 || body != want {
			t.Errorf("%s: GET /who = %d %q, want %q", rt.Addr(), code, body, want)
		}
	}
}

func TestInvalidDeployReportsEveryProblem(t *testing.T) {
	rt := startRuntime(t)
	before := rt.Flows().Rev
	// two problems Flowgate refuses: a duplicate id, and z naming a config node
	cfg, err := flows.Parse([]byte(`[{"id":"j","type":"junction","z":"t","wires":[]},{"id":"j","type":"junction","z":"t","wires":[]},
		{"id":"b","type":"mqtt-broker"},{"id":"d","type":"junction","z":"b","wires":[]}]`))
	if err != nil {
		t.Fatal(err)
	}
	_, err = rt.Deploy(t.Context(), cfg, engine.DeployFull, "")
	var ps flows.Problems
	if err == nil || !errors.As(err, &ps) {
		t.Fatalf("err = %v, want flows.Problems", err)
	}
	if !strings.Contains(ps.Error(), "duplicate id") || !strings.Contains(ps.Error(), `names node "b"`) {
		t.Errorf("problems %v do not name both the duplicate id and the bad z", ps)
	}
	if rt.Flows().Rev != before {
		t.Error("a refused deploy changed the flows")
	}
	// bad fields and a wire to a missing node do not refuse a deploy, as in
	// Node-RED: the deploy warns, and the node reports its fields
	cfg, _ = flows.Parse([]byte(`[{"id":"r1","type":"range","z":"t","minin":"x","maxin":"y","wires":[[]]},{"id":"j","type":"junction","z":"t","wires":[["missing"]]}]`))
	rev, err := rt.Deploy(t.Context(), cfg, engine.DeployFull, "")
	if err != nil {
		t.Fatalf("deploy with bad fields: %v", err)
	}
	warned := map[string]bool{}
	for _, w := range rt.DeployWarnings(rev) {
		warned[w.Node+" "+w.Field] = true
	}
	if !warned["r1 minin"] || !warned["r1 maxin"] || !warned["j wires"] {
		t.Errorf("deploy warnings %v, want r1 minin, r1 maxin and j wires", rt.DeployWarnings(rev))
	}
	if st := rt.eng.Statuses()["r1"]; st.Fill != "red" {
		t.Errorf("status of r1 = %+v, want red", st)
	}
}

func TestStaleRev(t *testing.T) {
	rt := startRuntime(t)
	if _, err := rt.Deploy(t.Context(), echoFlow("/x", "x"), engine.DeployFull, "not-the-rev"); err == nil {
		t.Fatal("stale rev accepted")
	}
}
