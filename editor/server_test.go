package editor

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/flows"
)

// fakeBackend is an in-memory runtime: deploys validate with
// flows.Validate and replace the configuration; inject and debug nodes
// are the deployed nodes of those types.
type fakeBackend struct {
	mu       sync.Mutex
	cfg      *flows.Config
	deploys  []fakeDeploy
	injects  []fakeInject
	active   map[string]bool
	running  bool
	statuses map[string]engine.Status
	specs    []engine.Spec
	settings map[string]any
	// deployErr, when set, is what every Deploy returns.
	deployErr error
}

type fakeDeploy struct {
	Mode engine.DeployMode
	Rev  string
}

type fakeInject struct {
	ID    string
	Props engine.Msg
}

func newFakeBackend() *fakeBackend {
	return &fakeBackend{cfg: flows.New(nil), active: map[string]bool{}, running: true, statuses: map[string]engine.Status{}}
}

func (b *fakeBackend) Flows() *flows.Config {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.cfg
}

func (b *fakeBackend) Deploy(_ context.Context, cfg *flows.Config, mode engine.DeployMode, rev string) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.deployErr != nil {
		return "", b.deployErr
	}
	if rev != "" && rev != b.cfg.Rev {
		return "", ErrStaleRev
	}
	if err := flows.Validate(cfg).Err(); err != nil {
		return "", err
	}
	b.cfg = flows.New(cfg.Nodes)
	b.deploys = append(b.deploys, fakeDeploy{mode, rev})
	return b.cfg.Rev, nil
}

func (b *fakeBackend) Specs() []engine.Spec { return b.specs }

func (b *fakeBackend) Settings() map[string]any { return b.settings }

func (b *fakeBackend) node(id, typ string) bool {
	n, ok := b.cfg.ByID(id)
	return ok && n.Type == typ
}

func (b *fakeBackend) Inject(_ context.Context, id string, props engine.Msg) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.node(id, "inject") {
		return ErrNotFound
	}
	b.injects = append(b.injects, fakeInject{id, props})
	return nil
}

func (b *fakeBackend) SetActive(id string, on bool) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.node(id, "debug") {
		return ErrNotFound
	}
	b.active[id] = on
	return nil
}

func (b *fakeBackend) FlowsRunning() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.running
}

func (b *fakeBackend) SetFlowsRunning(_ context.Context, run bool) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.running = run
	return nil
}

func (b *fakeBackend) Statuses() map[string]engine.Status {
	b.mu.Lock()
	defer b.mu.Unlock()
	return maps.Clone(b.statuses)
}

// newTestServer serves a Server over b on a loopback httptest server.
func newTestServer(t *testing.T, b *fakeBackend, mod func(*Options)) (*Server, *httptest.Server) {
	t.Helper()
	o := Options{Backend: b, Version: "4.1.15"}
	if mod != nil {
		mod(&o)
	}
	s := New(o)
	ts := httptest.NewServer(s)
	t.Cleanup(func() {
		s.Close()
		ts.Close()
	})
	return s, ts
}

type response struct {
	Status      int
	ContentType string
	Body        string
}

func do(t *testing.T, ts *httptest.Server, method, path string, headers map[string]string, body string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, ts.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" { // as the editor and curl send it; headers may override
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
		if v == "" {
			req.Header.Del(k)
		}
	}
	res, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{res.StatusCode, res.Header.Get("Content-Type"), string(b)}
}

// golden is one admin API exchange captured from real Node-RED 4 by
// testdata/nodered/capture.js.
type golden struct {
	Name    string `json:"name"`
	Request struct {
		Method    string            `json:"method"`
		Path      string            `json:"path"`
		Headers   map[string]string `json:"headers"`
		Body      *string           `json:"body"`
		BodyBytes int               `json:"bodyBytes"`
	} `json:"request"`
	Status      int    `json:"status"`
	ContentType string `json:"contentType"`
	Body        string `json:"body"`
}

func readJSONFile(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// TestNodeREDGolden replays, in order, the requests captured from real
// Node-RED against a Server over the fake backend, and compares status,
// content type and body. Node-RED's random flow id (POST /flow) is
// replaced on both sides; messages Flowgate words with more context must
// contain Node-RED's; of GET /settings only the keys both share are
// compared.
func TestNodeREDGolden(t *testing.T) {
	var names []string
	readJSONFile(t, "testdata/nodered/index.json", &names)
	b := newFakeBackend()
	_, ts := newTestServer(t, b, nil)
	var nrID, ourID string // the ids POST /flow returned
	for _, name := range names {
		var g golden
		readJSONFile(t, filepath.Join("testdata/nodered", name+".json"), &g)
		body := ""
		if g.Request.Body != nil {
			body = *g.Request.Body
		}
		if g.Request.BodyBytes > 0 {
			body = `[{"id":"t1","type":"tab","label":"` + strings.Repeat("x", g.Request.BodyBytes) + `"}]`
		}
		got := do(t, ts, g.Request.Method, g.Request.Path, g.Request.Headers, body)
		if name == "post_flow" {
			var a, b struct{ ID string }
			_ = json.Unmarshal([]byte(g.Body), &a)
			_ = json.Unmarshal([]byte(got.Body), &b)
			nrID, ourID = a.ID, b.ID
		}
		if nrID != "" {
			g.Body = strings.ReplaceAll(g.Body, nrID, "NEWID")
			got.Body = strings.ReplaceAll(got.Body, ourID, "NEWID")
		}
		t.Run(name, func(t *testing.T) {
			if got.Status != g.Status {
				t.Errorf("status = %d, Node-RED %d (body %s)", got.Status, g.Status, got.Body)
			}
			switch name {
			case "post_flows_too_large":
				// Node-RED answers with an HTML stack trace; Flowgate with JSON.
				if got.ContentType != "application/json; charset=utf-8" || !strings.Contains(got.Body, `"code":"request_too_large"`) {
					t.Errorf("got %s %s", got.ContentType, got.Body)
				}
				return
			}
			if got.ContentType != g.ContentType {
				t.Errorf("content type = %q, Node-RED %q", got.ContentType, g.ContentType)
			}
			if !strings.HasPrefix(g.ContentType, "application/json") {
				if got.Body != g.Body {
					t.Errorf("body = %q, Node-RED %q", got.Body, g.Body)
				}
				return
			}
			var want, have map[string]any
			if json.Unmarshal([]byte(g.Body), &want) != nil {
				// an array: compare as is
				if diff := cmp.Diff(decode(t, g.Body), decode(t, got.Body)); diff != "" {
					t.Errorf("body (-Node-RED +Flowgate):\n%s", diff)
				}
				return
			}
			if err := json.Unmarshal([]byte(got.Body), &have); err != nil {
				t.Fatalf("body %q: %v", got.Body, err)
			}
			switch name {
			case "post_flow_no_nodes", "post_flow_duplicate", "delete_flow_global":
				if have["code"] != want["code"] || !strings.Contains(have["message"].(string), want["message"].(string)) {
					t.Errorf("body = %v, want code %v and a message containing %q", have, want["code"], want["message"])
				}
				return
			case "get_settings":
				for k := range have {
					if _, ok := want[k]; !ok {
						delete(have, k)
					}
				}
				for k := range want {
					if _, ok := have[k]; !ok {
						delete(want, k)
					}
				}
				for _, k := range []string{"httpNodeRoot", "version", "context", "runtimeState"} {
					if _, ok := have[k]; !ok {
						t.Errorf("settings lack %q", k)
					}
				}
				delete(want, "diagnostics") // Flowgate has no /diagnostics
				delete(have, "diagnostics")
				delete(want, "editorTheme") // Node-RED lists its translations
				delete(have, "editorTheme")
			}
			if diff := cmp.Diff(want, have); diff != "" {
				t.Errorf("body (-Node-RED +Flowgate):\n%s", diff)
			}
		})
	}

	t.Run("deploy types", func(t *testing.T) {
		var modes []engine.DeployMode
		for _, d := range b.deploys {
			modes = append(modes, d.Mode)
		}
		want := []engine.DeployMode{"full", "full", "full", "reload", "nodes", "flows", "flows", "flows"}
		if diff := cmp.Diff(want, modes); diff != "" {
			t.Errorf("deploy modes (-want +got):\n%s", diff)
		}
	})
	t.Run("inject props", func(t *testing.T) {
		want := []fakeInject{
			{"i1", nil},
			{"i1", engine.Msg{"__user_inject_props__": []any{map[string]any{"p": "payload", "v": "x", "vt": "str"}}}},
		}
		if diff := cmp.Diff(want, b.injects); diff != "" {
			t.Errorf("injects (-want +got):\n%s", diff)
		}
	})
}

func decode(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return v
}

const twoNodes = `[{"id":"t1","type":"tab","label":"Flow 1"},{"id":"n1","type":"comment","z":"t1","x":1,"y":2,"wires":[]}]`

// TestPostFlowsErrors checks that bad deploys get a clear JSON error and
// change nothing.
func TestPostFlowsErrors(t *testing.T) {
	v2 := map[string]string{"Node-RED-API-Version": "v2"}
	tests := []struct {
		name    string
		headers map[string]string
		body    string
		status  int
		want    map[string]any // keys that must match
		deploys int
	}{
		{name: "malformed json names line and column", body: "[{\"id\":\"a\",\n \"type\": }]", status: 400,
			want: map[string]any{"code": "invalid_json", "message": "parse flows: invalid JSON at line 2, column 10: unexpected character '}'"}},
		{name: "empty body", body: "", status: 400, want: map[string]any{"code": "invalid_json"}},
		{name: "v1 object", body: `{"flows":[]}`, status: 400, want: map[string]any{"code": "invalid_flows"}},
		{name: "v2 array", headers: v2, body: `[]`, status: 400, want: map[string]any{"code": "invalid_flows"}},
		{name: "element without id", body: `[{"type":"tab"}]`, status: 400, want: map[string]any{"code": "invalid_flows"}},
		{name: "problems", body: `[{"id":"a","type":"inject","z":"t","wires":[["nope"]]},{"id":"a","type":"debug","z":"t"}]`, status: 400,
			want: map[string]any{"code": "invalid_flows", "problems": []any{
				map[string]any{"node": "a", "type": "inject", "field": "wires", "reason": `output 0 wired to missing node "nope": ignored`, "severity": "warning"},
				map[string]any{"node": "a", "type": "debug", "field": "id", "reason": "duplicate id: nodes at index 0 and 1", "severity": "error"},
			}}},
		{name: "stale rev", headers: v2, body: `{"flows":[],"rev":"abc"}`, status: 409,
			want: map[string]any{"code": "version_mismatch", "message": "Error"}},
		{name: "empty rev is stale too", headers: v2, body: `{"flows":[],"rev":""}`, status: 409,
			want: map[string]any{"code": "version_mismatch"}},
		{name: "null rev is stale too", headers: v2, body: `{"flows":[],"rev":null}`, status: 409,
			want: map[string]any{"code": "version_mismatch"}},
		{name: "bad deployment type", headers: map[string]string{"Node-RED-Deployment-Type": "bogus"}, body: `[]`, status: 400,
			want: map[string]any{"code": "invalid_deployment_type"}},
		{name: "bad api version", headers: map[string]string{"Node-RED-API-Version": "v3"}, body: `[]`, status: 400,
			want: map[string]any{"code": "invalid_api_version", "message": "Invalid API Version requested"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newFakeBackend()
			b.cfg = mustParse(t, twoNodes)
			_, ts := newTestServer(t, b, nil)
			got := do(t, ts, "POST", "/flows", tt.headers, tt.body)
			if got.Status != tt.status || got.ContentType != "application/json; charset=utf-8" {
				t.Fatalf("got %d %s %s, want %d JSON", got.Status, got.ContentType, got.Body, tt.status)
			}
			have := decode(t, got.Body).(map[string]any)
			for k, w := range tt.want {
				if diff := cmp.Diff(w, have[k]); diff != "" {
					t.Errorf("%s (-want +got):\n%s", k, diff)
				}
			}
			if len(b.deploys) != 0 || string(b.cfg.MarshalV1()) != twoNodes {
				t.Errorf("flows changed: %d deploys, %s", len(b.deploys), b.cfg.MarshalV1())
			}
		})
	}
}

func mustParse(t *testing.T, s string) *flows.Config {
	t.Helper()
	c, err := flows.Parse([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestPostFlowsDeploys checks the deploy paths that succeed.
func TestPostFlowsDeploys(t *testing.T) {
	t.Run("v2 with the current rev", func(t *testing.T) {
		b := newFakeBackend()
		b.cfg = mustParse(t, twoNodes)
		_, ts := newTestServer(t, b, nil)
		body := `{"flows":[{"id":"t2","type":"tab"}],"rev":"` + b.cfg.Rev + `"}`
		got := do(t, ts, "POST", "/flows", map[string]string{"Node-RED-API-Version": "v2", "Node-RED-Deployment-Type": "flows"}, body)
		want := response{200, "application/json; charset=utf-8", `{"rev":"` + flows.ComputeRev([]byte(`[{"id":"t2","type":"tab"}]`)) + `"}`}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]fakeDeploy{{engine.DeployFlows, mustParse(t, twoNodes).Rev}}, b.deploys); diff != "" {
			t.Errorf("deploys (-want +got):\n%s", diff)
		}
	})
	t.Run("reload ignores the body", func(t *testing.T) {
		b := newFakeBackend()
		b.cfg = mustParse(t, twoNodes)
		_, ts := newTestServer(t, b, nil)
		got := do(t, ts, "POST", "/flows", map[string]string{"Node-RED-Deployment-Type": "reload"}, `not even json`)
		if got.Status != http.StatusNoContent || string(b.cfg.MarshalV1()) != twoNodes {
			t.Errorf("got %v, flows %s", got, b.cfg.MarshalV1())
		}
		if diff := cmp.Diff([]fakeDeploy{{engine.DeployReload, ""}}, b.deploys); diff != "" {
			t.Errorf("deploys (-want +got):\n%s", diff)
		}
	})
	t.Run("runtime errors", func(t *testing.T) {
		tests := []struct {
			name   string
			err    error
			status int
			body   string
		}{
			{"field errors become problems", errors.Join(&engine.FieldError{Node: "n1", Type: "comment", Field: "x", Reason: "bad"}),
				400, `{"code":"invalid_flows","message":"invalid flows: error: node \"n1\" (comment) x: bad","problems":[{"node":"n1","type":"comment","field":"x","reason":"bad","severity":"error"}]}`},
			{"wrapped stale rev", errors.Join(errors.New("deploy"), ErrStaleRev), 409, `{"code":"version_mismatch","message":"Error"}`},
			{"persistence failure", errors.New("disk full"), 500, `{"code":"unexpected_error","message":"disk full"}`},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				b := newFakeBackend()
				b.deployErr = tt.err
				_, ts := newTestServer(t, b, nil)
				got := do(t, ts, "POST", "/flows", nil, twoNodes)
				if diff := cmp.Diff(response{tt.status, "application/json; charset=utf-8", tt.body}, got); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			})
		}
	})
}

// TestBodyLimit checks 413 on every write endpoint, by declared length
// and by chunked bodies that run over.
func TestBodyLimit(t *testing.T) {
	b := newFakeBackend()
	b.cfg = mustParse(t, twoNodes)
	_, ts := newTestServer(t, b, func(o *Options) { o.MaxBodyBytes = 100 })
	big := `[{"id":"t1","type":"tab","label":"` + strings.Repeat("x", 200) + `"}]`
	for _, ep := range []struct{ method, path string }{
		{"POST", "/flows"}, {"POST", "/flows/state"}, {"POST", "/flow"}, {"PUT", "/flow/t1"},
		{"POST", "/inject/i1"}, {"POST", "/debug/enable"},
	} {
		t.Run(ep.method+" "+ep.path, func(t *testing.T) {
			got := do(t, ts, ep.method, ep.path, nil, big)
			if got.Status != http.StatusRequestEntityTooLarge || !strings.Contains(got.Body, `"code":"request_too_large"`) {
				t.Errorf("got %v", got)
			}
		})
	}
	t.Run("chunked", func(t *testing.T) {
		req, _ := http.NewRequest("POST", ts.URL+"/flows", io.MultiReader(strings.NewReader(big)))
		req.ContentLength = -1
		req.Header.Set("Content-Type", "application/json")
		res, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("status = %d", res.StatusCode)
		}
	})
	if len(b.deploys) != 0 {
		t.Errorf("deploys = %v", b.deploys)
	}
}

// TestSingleFlowAPI covers /flow paths the golden files do not.
func TestSingleFlowAPI(t *testing.T) {
	b := newFakeBackend()
	b.cfg = mustParse(t, `[{"id":"t1","type":"tab","label":"A"},{"id":"n1","type":"comment","z":"t1","x":1,"y":1,"wires":[]},{"id":"c1","type":"mqtt-broker","broker":"x"},{"id":"n2","type":"comment","z":"ghost","x":1,"y":1,"wires":[]}]`)
	_, ts := newTestServer(t, b, nil)
	tests := []struct {
		name, method, path, body string
		status                   int
		resp                     string
	}{
		{"implicit tab", "GET", "/flow/ghost", "", 200, `{"id":"ghost","nodes":[{"id":"n2","type":"comment","z":"ghost","x":1,"y":1,"wires":[]}]}`},
		{"global", "GET", "/flow/global", "", 200, `{"id":"global","configs":[{"id":"c1","type":"mqtt-broker","broker":"x","_users":[]}]}`},
		{"post malformed", "POST", "/flow", `{"label":`, 400, ""},
		{"post with a tab node", "POST", "/flow", `{"nodes":[{"id":"x","type":"tab"}]}`, 400, ""},
		{"put invalid wires", "PUT", "/flow/t1", `{"nodes":[{"id":"n1","type":"comment","wires":"missing"}]}`, 400, ""},
		{"put global", "PUT", "/flow/global", `{"id":"global","configs":[]}`, 200, `{"id":"global"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := do(t, ts, tt.method, tt.path, nil, tt.body)
			if got.Status != tt.status || got.ContentType != "application/json; charset=utf-8" {
				t.Fatalf("got %v", got)
			}
			if tt.resp != "" && got.Body != tt.resp {
				t.Errorf("body = %s, want %s", got.Body, tt.resp)
			}
		})
	}
	if _, ok := b.cfg.ByID("c1"); ok {
		t.Errorf("PUT /flow/global kept c1: %s", b.cfg.MarshalV1())
	}
	t.Run("stale edit", func(t *testing.T) {
		// A deploy between reading the flows and deploying the edit.
		b := newFakeBackend()
		b.cfg = mustParse(t, twoNodes)
		s := New(Options{Backend: staleBackend{b}})
		defer s.Close()
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest("DELETE", "/flow/t1", nil))
		if rec.Code != http.StatusConflict {
			t.Errorf("status = %d %s", rec.Code, rec.Body)
		}
	})
}

// staleBackend reports flows whose rev is not the deployed one.
type staleBackend struct{ *fakeBackend }

func (b staleBackend) Flows() *flows.Config {
	c := *b.fakeBackend.Flows()
	c.Rev = "older"
	return &c
}

func TestFlowsState(t *testing.T) {
	b := newFakeBackend()
	_, ts := newTestServer(t, b, nil)
	tests := []struct{ body, want string }{
		{`{"state":"stop"}`, `{"state":"stop"}`},
		{`{"state":"start"}`, `{"state":"start"}`},
		{`{"state":1}`, `{"code":"invalid_run_state","message":"Cannot change flows runtime state to ''}"}`},
		{``, `{"code":"invalid_run_state","message":"Cannot change flows runtime state to ''}"}`},
		{`{"state":`, `{"code":"invalid_json","message":"invalid JSON at line 1, column 10: unexpected end of JSON input"}`},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			if got := do(t, ts, "POST", "/flows/state", nil, tt.body); got.Body != tt.want {
				t.Errorf("body = %s, want %s", got.Body, tt.want)
			}
		})
	}
}

func TestNodesSettingsHealth(t *testing.T) {
	b := newFakeBackend()
	b.specs = []engine.Spec{{Type: "inject", Category: "common", Color: "#a6bbcf", Outputs: 1, Help: "<p>a & b</p>"}}
	b.settings = map[string]any{
		"flowFilePretty": true,
		"version":        "1.2.3",
		"context":        map[string]any{"stores": []string{"memory", "file"}},
		"editorTheme":    map[string]any{"header": map[string]any{"title": "Flowgate"}},
	}
	_, ts := newTestServer(t, b, nil)
	t.Run("specs", func(t *testing.T) {
		got := do(t, ts, "GET", "/api/specs", nil, "")
		want := `[{"type":"inject","category":"common","color":"#a6bbcf","inputs":0,"outputs":1,"props":null,"help":"<p>a & b</p>"}]`
		if got.Status != 200 || got.ContentType != "application/json; charset=utf-8" || got.Body != want {
			t.Errorf("got %v", got)
		}
	})
	t.Run("settings", func(t *testing.T) {
		got := decode(t, do(t, ts, "GET", "/settings", nil, "").Body)
		want := map[string]any{
			"httpNodeRoot":    "/",
			"version":         "1.2.3",
			"flowFilePretty":  true,
			"context":         map[string]any{"default": "memory", "stores": []any{"memory", "file"}},
			"runtimeState":    map[string]any{"enabled": true, "ui": true},
			"diagnostics":     map[string]any{"enabled": true, "ui": true},
			"externalModules": map[string]any{"palette": map[string]any{"allowInstall": false, "allowUpload": false}},
			"editorTheme":     map[string]any{"languages": []any{"en-US"}, "header": map[string]any{"title": "Flowgate"}},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("healthz", func(t *testing.T) {
		if got := do(t, ts, "GET", "/healthz", nil, ""); got.Status != 200 || got.Body != `{"status":"ok"}` {
			t.Errorf("got %v", got)
		}
	})
}

func TestInjectAndDebugErrors(t *testing.T) {
	b := newFakeBackend()
	b.cfg = mustParse(t, `[{"id":"i1","type":"inject","z":"t"},{"id":"d1","type":"debug","z":"t"}]`)
	_, ts := newTestServer(t, b, nil)
	tests := []struct {
		name, path, body string
		status           int
	}{
		{"inject malformed body", "/inject/i1", `{"__user_inject_props__":`, 400},
		{"inject non-object body", "/inject/i1", `[1]`, 200},
		{"inject a debug node", "/inject/d1", ``, 404},
		{"debug an inject node", "/debug/i1/enable", ``, 404},
		{"bulk with a bad id", "/debug/disable", `{"nodes":["d1","nope",3]}`, 201},
		{"bulk with nodes not a list", "/debug/enable", `{"nodes":"d1"}`, 400},
		{"bulk bad state", "/debug/toggle", `{"nodes":["d1"]}`, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := do(t, ts, "POST", tt.path, nil, tt.body); got.Status != tt.status {
				t.Errorf("got %v, want %d", got, tt.status)
			}
		})
	}
	if diff := cmp.Diff(map[string]bool{"d1": false}, b.active); diff != "" {
		t.Errorf("active (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]fakeInject{{"i1", nil}}, b.injects); diff != "" {
		t.Errorf("injects (-want +got):\n%s", diff)
	}
}

// TestRouting checks that what the admin API does not own reaches the
// editor files or the fallback (http in routes), whatever the method.
func TestRouting(t *testing.T) {
	fallback := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "fallback "+r.Method+" "+r.URL.Path)
	})
	web := fstest.MapFS{
		"index.html":        {Data: []byte("<html>editor</html>")},
		"assets/app-1a2.js": {Data: []byte("console.log(1)")},
		"favicon.svg":       {Data: []byte("<svg/>")},
	}
	tests := []struct {
		name         string
		web          bool
		method, path string
		status       int
		body         string
		cache        string
	}{
		{"user route", true, "GET", "/hello", 200, "fallback GET /hello", ""},
		{"user POST on a GET-only admin path", true, "POST", "/settings", 200, "fallback POST /settings", ""},
		{"user PUT on a POST-only admin path", true, "PUT", "/flows", 200, "fallback PUT /flows", ""},
		{"deeper than an admin path", true, "GET", "/flows/a/b", 200, "fallback GET /flows/a/b", ""},
		{"index", true, "GET", "/", 200, "<html>editor</html>", "no-cache"},
		{"hashed asset", true, "GET", "/assets/app-1a2.js", 200, "console.log(1)", "public, max-age=31536000, immutable"},
		{"other file", true, "GET", "/favicon.svg", 200, "<svg/>", "no-cache"},
		{"directory", true, "GET", "/assets", 200, "fallback GET /assets", ""},
		{"traversal", true, "GET", "/../index.html", 200, "<html>editor</html>", "no-cache"},
		{"POST to a file path", true, "POST", "/favicon.svg", 200, "fallback POST /favicon.svg", ""},
		{"not built", false, "GET", "/", 200, "make web", "no-cache"},
		{"not built asset", false, "GET", "/assets/app-1a2.js", 200, "fallback GET /assets/app-1a2.js", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := Options{Backend: newFakeBackend(), Fallback: fallback}
			if tt.web {
				o.Web = web
			}
			s := New(o)
			defer s.Close()
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, nil))
			if rec.Code != tt.status || !strings.Contains(rec.Body.String(), tt.body) || rec.Header().Get("Cache-Control") != tt.cache {
				t.Errorf("got %d %q cache %q", rec.Code, rec.Body, rec.Header().Get("Cache-Control"))
			}
		})
	}
	t.Run("no fallback", func(t *testing.T) {
		s := New(Options{Backend: newFakeBackend()})
		defer s.Close()
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest("GET", "/nope/zz", nil))
		if rec.Code != 404 || rec.Body.String() != "Cannot GET /nope/zz\n" {
			t.Errorf("got %d %q", rec.Code, rec.Body)
		}
	})
}

func TestLineCol(t *testing.T) {
	data := []byte("ab\ncdé\nx")
	tests := []struct{ off, line, col int }{{1, 1, 1}, {2, 1, 2}, {4, 2, 1}, {8, 2, 4}, {100, 3, 2}}
	for _, tt := range tests {
		if l, c := lineCol(data, tt.off); l != tt.line || c != tt.col {
			t.Errorf("lineCol(%d) = %d:%d, want %d:%d", tt.off, l, c, tt.line, tt.col)
		}
	}
}
