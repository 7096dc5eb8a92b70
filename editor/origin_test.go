package editor

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestOriginPolicy(t *testing.T) {
	tests := []struct {
		name, host, origin, site string
		allowed                  []string
		want                     bool
	}{
		{name: "no origin (curl)", host: "gw.local:1880", want: true},
		{name: "same host", host: "gw.local:1880", origin: "http://gw.local:1880", want: true},
		{name: "same host, other case", host: "gw.local:1880", origin: "http://GW.local:1880", want: true},
		{name: "same host over https", host: "gw.local", origin: "https://gw.local", want: true},
		{name: "other port", host: "gw.local:1880", origin: "http://gw.local:1881", want: false},
		{name: "loopback page", host: "gw.local:1880", origin: "http://localhost:5173", want: false},
		{name: "loopback ip page", host: "gw.local:1880", origin: "http://127.0.0.1:5173", want: false},
		{name: "foreign", host: "gw.local:1880", origin: "https://evil.example", want: false},
		{name: "suffix trick", host: "127.0.0.1:1880", origin: "http://127.0.0.1:1880.evil.example", want: false},
		{name: "null", host: "gw.local:1880", origin: "null", want: false},
		{name: "listed", host: "127.0.0.1:1880", origin: "https://flows.example", allowed: []string{"https://Flows.example/"}, want: true},
		{name: "not listed", host: "127.0.0.1:1880", origin: "https://other.example", allowed: []string{"https://flows.example"}, want: false},
		{name: "star", host: "127.0.0.1:1880", origin: "https://other.example", allowed: []string{"*"}, want: true},
		{name: "cross-site without origin", host: "gw.local:1880", site: "cross-site", want: false},
		{name: "same-site without origin", host: "gw.local:1880", site: "same-origin", want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "http://"+tt.host+"/flows", nil)
			if tt.origin != "" {
				r.Header.Set("Origin", tt.origin)
			}
			if tt.site != "" {
				r.Header.Set("Sec-Fetch-Site", tt.site)
			}
			if got := newOriginPolicy(tt.allowed).allows(r); got != tt.want {
				t.Errorf("allows(%q from %q) = %v, want %v", tt.host, tt.origin, got, tt.want)
			}
		})
	}
}

// What a page on another site can make a browser send without a CORS
// preflight is refused by every admin write, and changes nothing.
func TestCrossSiteWritesRefused(t *testing.T) {
	b := newFakeBackend()
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusCreated) })
	_, ts := newTestServer(t, b, func(o *Options) {
		o.APIs = map[string]http.Handler{"/api/data": api}
		o.Fallback = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusAccepted) })
	})
	flow := `[{"id":"t","type":"tab"}]`
	bodies := []struct{ name, ct, body string }{
		{"text/plain", "text/plain", flow},
		{"form", "application/x-www-form-urlencoded", "a=" + flow},
		{"multipart", "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n" + flow + "\r\n--x--\r\n"},
		{"no content type", "", flow},
	}
	paths := []struct{ method, path string }{
		{"POST", "/flows"}, {"POST", "/flow"}, {"PUT", "/flow/t"}, {"POST", "/flows/state"},
		{"POST", "/inject/n"}, {"POST", "/debug/n/enable"}, {"POST", "/api/data"}, {"DELETE", "/api/data/1"},
	}
	for _, p := range paths {
		for _, bd := range bodies {
			t.Run(p.method+" "+p.path+" "+bd.name, func(t *testing.T) {
				r := do(t, ts, p.method, p.path, map[string]string{"Content-Type": bd.ct}, bd.body)
				if r.Status != http.StatusUnsupportedMediaType {
					t.Errorf("status %d, want 415: %s", r.Status, r.Body)
				}
			})
		}
	}
	if n := len(b.deploys); n != 0 {
		t.Errorf("%d deploys went through", n)
	}
	// the http in routes of user flows take any body
	if r := do(t, ts, "POST", "/hook", map[string]string{"Content-Type": "text/plain", "Origin": "https://evil.example"}, "x"); r.Status != http.StatusAccepted {
		t.Errorf("http in route: status %d, want 202", r.Status)
	}
}

func TestCrossOriginAdminRefused(t *testing.T) {
	b := newFakeBackend()
	_, ts := newTestServer(t, b, nil)
	json := map[string]string{"Content-Type": "application/json"}
	with := func(k, v string) map[string]string {
		return map[string]string{"Content-Type": "application/json", k: v}
	}
	tests := []struct {
		name, method, path string
		h                  map[string]string
		want               int
	}{
		{"foreign origin deploy", "POST", "/flows", with("Origin", "https://evil.example"), 403},
		{"foreign origin read", "GET", "/flows", with("Origin", "https://evil.example"), 403},
		{"foreign origin login", "POST", "/auth/token", with("Origin", "https://evil.example"), 403},
		{"cross-site fetch", "POST", "/inject/n", with("Sec-Fetch-Site", "cross-site"), 403},
		{"cross-site link", "GET", "/flows", map[string]string{"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"}, 200},
		{"own page", "POST", "/flows", with("Origin", ts.URL), 204},
		{"curl", "POST", "/flows", json, 204},
		{"health from anywhere", "GET", "/healthz", with("Origin", "https://evil.example"), 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := ""
			if tt.method == "POST" && tt.path == "/flows" {
				body = `[{"id":"t","type":"tab"}]`
			}
			if r := do(t, ts, tt.method, tt.path, tt.h, body); r.Status != tt.want {
				t.Errorf("status %d, want %d: %s", r.Status, tt.want, r.Body)
			}
		})
	}
}
