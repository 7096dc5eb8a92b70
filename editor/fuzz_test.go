package editor

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

// fuzzFlows is the deployed configuration FuzzAdminAPI starts from: a tab
// with an inject and a debug node, so that /inject and /debug find nodes.
const fuzzFlows = `[{"id":"t1","type":"tab","label":"Flow 1"},{"id":"i1","type":"inject","z":"t1","wires":[["d1"]]},{"id":"d1","type":"debug","z":"t1","wires":[]},{"id":"c1","type":"mqtt-broker"}]`

// FuzzAdminAPI sends arbitrary requests to a Server over the fake backend:
// it must never panic nor answer 5xx (the fake returns no error that is
// the runtime's fault).
func FuzzAdminAPI(f *testing.F) {
	methods := []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodHead, http.MethodPatch, http.MethodOptions}
	type seed struct {
		method       uint8
		path, body   string
		apiV, deploy string
		contentType  string
	}
	for _, s := range []seed{
		{0, "/flows", "", "v2", "", ""},
		{0, "/flows", "", "v1", "", ""},
		{1, "/flows", twoNodes, "", "", "application/json"},
		{1, "/flows", `{"flows":[{"id":"t2","type":"tab"}],"rev":"x"}`, "v2", "flows", "application/json"},
		{1, "/flows", `{"flows":[{"id":"t2","type":"tab"}]}`, "v2", "nodes", ""},
		{1, "/flows", `not json`, "", "reload", ""},
		{1, "/flows", `[{"id":"a","type":"inject","z":"nope","wires":[["zz"]]}]`, "", "full", ""},
		{1, "/flows", `[{"id":1}]`, "", "", ""},
		{1, "/flows", `{"flows":null}`, "v2", "", ""},
		{0, "/flows/state", "", "", "", ""},
		{1, "/flows/state", `{"state":"stop"}`, "", "", "application/json"},
		{1, "/flows/state", `{"state":3}`, "", "", ""},
		{1, "/flow", `{"id":"t9","label":"x","nodes":[{"id":"n9","type":"comment"}]}`, "", "", ""},
		{1, "/flow", `{"nodes":"x"}`, "", "", ""},
		{0, "/flow/t1", "", "", "", ""},
		{0, "/flow/global", "", "", "", ""},
		{2, "/flow/t1", `{"id":"t1","label":"y","nodes":[]}`, "", "", ""},
		{2, "/flow/global", `{"id":"global","configs":[{"id":"c2","type":"x"}]}`, "", "", ""},
		{2, "/flow/t1", `{"id":"other"}`, "", "", ""},
		{3, "/flow/t1", "", "", "", ""},
		{3, "/flow/global", "", "", "", ""},
		{0, "/nodes", "", "", "", ""},
		{0, "/settings", "", "", "", ""},
		{0, "/credentials/mqtt-broker/c1", "", "", "", ""},
		{1, "/inject/i1", `{"__user_inject_props__":[{"p":"payload","v":"1","vt":"num"}]}`, "", "", ""},
		{1, "/inject/i1", `{"__user_inject_props__":`, "", "", ""},
		{1, "/inject/d1", "", "", "", ""},
		{1, "/debug/d1/enable", "", "", "", ""},
		{1, "/debug/disable", `{"nodes":["d1","nope",3]}`, "", "", ""},
		{1, "/debug/enable", `{"nodes":"d1"}`, "", "", ""},
		{0, "/healthz", "", "", "", ""},
		{0, "/auth/login", "", "", "", ""},
		{1, "/auth/token", `client_id=node-red-editor&grant_type=password&scope=*&username=a&password=b`, "", "", "application/x-www-form-urlencoded"},
		{1, "/auth/revoke", `{"token":"x"}`, "", "", ""},
		{0, "/", "", "", "", ""},
		{0, "/assets/app.js", "", "", "", ""},
		{0, "/nope/%2e%2e/x", "", "", "", ""},
		{4, "/flows", "", "", "", ""},
		{6, "/flows", "", "", "", ""},
	} {
		f.Add(s.method, s.path, s.body, s.apiV, s.deploy, s.contentType)
	}
	web := fstest.MapFS{"index.html": {Data: []byte("<html>editor</html>")}, "assets/app.js": {Data: []byte("1")}}
	f.Fuzz(func(t *testing.T, mi uint8, path, body, apiV, deploy, contentType string) {
		b := newFakeBackend()
		b.cfg = mustParse(t, fuzzFlows)
		s := New(Options{Backend: b, Version: "4.1.15", Web: web, MaxBodyBytes: 1 << 16})
		defer s.Close()
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		req, err := http.NewRequest(methods[int(mi)%len(methods)], "http://localhost"+path, strings.NewReader(body))
		if err != nil {
			return
		}
		for k, v := range map[string]string{"Node-RED-API-Version": apiV, "Node-RED-Deployment-Type": deploy, "Content-Type": contentType} {
			if v != "" {
				req.Header.Set(k, v)
			}
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %q (api %q, deploy %q, type %q) body %q: %d %s", req.Method, path, apiV, deploy, contentType, body, rec.Code, rec.Body)
		}
	})
}
