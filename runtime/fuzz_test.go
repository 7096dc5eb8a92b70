package runtime

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/flowgate/flowgate/engine"
)

// FuzzPostFlows throws arbitrary bodies at POST /flows of a real runtime
// (both API versions, every deployment type) and checks that it never
// answers 5xx or panics, and that a refused deploy leaves the running
// flows and the stored file as they were. An accepted one is undone.
func FuzzPostFlows(f *testing.F) {
	seeds := []string{
		`[]`, `{"flows":[]}`, `{"flows":[],"rev":"x"}`, `null`, `{}`, `[1]`, `"x"`, ``,
		string(echoFlow("/who", "a").MarshalV1()),
		`[{"id":"t","type":"tab"},{"id":"n","type":"inject","z":"t","repeat":"-1","wires":[["n"]]}]`,
		`[{"id":"n","type":"change","z":"t","rules":[{"t":"set","p":"a..b","pt":"msg","to":"{{","tot":"jsonata"}],"wires":[["x"]]}]`,
		`[{"id":"n","type":"function","z":"t","func":"while(","wires":[]}]`,
		`[{"id":"n","type":"http request","z":"t","credentials":{"password":1},"wires":[]}]`,
		`[{"id":"s","type":"subflow","in":[{"wires":[{"id":"s"}]}]},{"id":"i","type":"subflow:s","z":"t"}]`,
		`[{"id":"a","type":"switch","z":"t","rules":[{"t":"regex","v":"("}],"wires":[[]]}]`,
		`[{"id":"g","type":"group","z":"t","nodes":["g"]},{"id":"j","type":"junction","z":"t","wires":[["j"]]}]`,
	}
	for i, s := range seeds {
		f.Add([]byte(s), uint8(i))
	}
	rt, err := New(Settings{Listen: "127.0.0.1:0", DataDir: f.TempDir(), Broker: "off", HW: "off"})
	if err != nil {
		f.Fatal(err)
	}
	if err := rt.Start(context.Background()); err != nil {
		f.Fatal(err)
	}
	defer func() { _ = rt.Shutdown(context.Background()) }()
	base := echoFlow("/who", "a")
	reset := func(t *testing.T) {
		if _, err := rt.Deploy(context.Background(), base, engine.DeployFull, ""); err != nil {
			t.Fatal(err)
		}
	}
	f.Fuzz(func(t *testing.T, body []byte, sel uint8) {
		if rt.Flows().Rev != base.Rev {
			reset(t)
		}
		stored, _ := os.ReadFile(rt.s.FlowsFile)
		req := httptest.NewRequest("POST", "/flows", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if sel&1 == 1 {
			req.Header.Set("Node-RED-API-Version", "v2")
		}
		req.Header.Set("Node-RED-Deployment-Type", []string{"full", "flows", "nodes", "full"}[sel>>1&3])
		w := httptest.NewRecorder()
		served := make(chan struct{})
		go func() { rt.editor.ServeHTTP(w, req); close(served) }()
		select {
		case <-served:
		case <-time.After(10 * time.Second):
			t.Fatalf("POST /flows %q (sel %d) hangs", body, sel)
		}
		switch {
		case w.Code >= 500:
			t.Fatalf("POST /flows %q = %d %s", body, w.Code, w.Body)
		case w.Code < 300:
			reset(t)
			return
		}
		if rt.Flows().Rev != base.Rev {
			t.Fatalf("refused deploy (%d) changed the running flows", w.Code)
		}
		if now, _ := os.ReadFile(rt.s.FlowsFile); !bytes.Equal(now, stored) {
			t.Fatalf("refused deploy (%d) changed the flows file", w.Code)
		}
		rr := httptest.NewRecorder()
		rt.editor.ServeHTTP(rr, httptest.NewRequest("GET", "/who", nil))
		if rr.Code != http.StatusOK || rr.Body.String() != "a" {
			t.Fatalf("after a refused deploy GET /who = %d %q", rr.Code, rr.Body)
		}
	})
}
