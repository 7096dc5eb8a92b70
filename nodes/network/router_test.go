package network

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// echoRoute answers with its name and the params it got.
func echoRoute(name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info, _ := r.Context().Value(routeInfoKey{}).(*routeInfo)
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintf(w, "%s %v", name, info.params.Map())
	})
}

func get(t *testing.T, method, url string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func TestRouter(t *testing.T) {
	rt := &Router{}
	srv := httptest.NewServer(rt)
	defer srv.Close()
	for _, r := range []struct{ method, path, name string }{
		{"get", "/hello", "hello"},
		{"get", "/user/:id", "user"},
		{"post", "/user/:id", "postuser"},
		{"get", "/files/:name.:ext", "file"},
		{"get", "/opt/:a/:b?", "opt"},
		{"get", "/wild/*", "wild"},
		{"get", "/num/:n(\\d+)", "num"},
		{"put", "dir/", "dir"},
		{"get", "/hello", "second"}, // the first registered wins, as in Express
	} {
		if _, err := rt.Route(r.method, r.path, echoRoute(r.name)); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name, method, path string
		status             int
		body               string
	}{
		{"exact", "GET", "/hello", 200, "hello map[]"},
		{"case-insensitive", "GET", "/HeLLo", 200, "hello map[]"},
		{"trailing slash", "GET", "/hello/", 200, "hello map[]"},
		{"query ignored", "GET", "/hello?x=1", 200, "hello map[]"},
		{"param", "GET", "/user/42", 200, "user map[id:42]"},
		{"param decoded", "GET", "/user/a%20b", 200, "user map[id:a b]"},
		{"param keeps case", "GET", "/USER/Bob", 200, "user map[id:Bob]"},
		{"method", "POST", "/user/7", 200, "postuser map[id:7]"},
		{"format params", "GET", "/files/report.pdf", 200, "file map[ext:pdf name:report]"},
		{"optional absent", "GET", "/opt/x", 200, "opt map[a:x]"},
		{"optional present", "GET", "/opt/x/y", 200, "opt map[a:x b:y]"},
		{"wildcard", "GET", "/wild/a/b/c", 200, "wild map[0:a/b/c]"},
		{"custom capture", "GET", "/num/12", 200, "num map[n:12]"},
		{"custom capture mismatch", "GET", "/num/ab", 404, "Cannot GET /num/ab"},
		{"path without leading slash", "PUT", "/dir", 200, "dir map[]"},
		{"HEAD served by GET", "HEAD", "/hello", 200, ""},
		{"no route", "GET", "/nothere?x=1", 404, "Cannot GET /nothere"},
		{"wrong method", "DELETE", "/hello", 404, "Cannot DELETE /hello"},
		{"one segment only", "GET", "/user/1/2", 404, "Cannot GET /user/1/2"},
		{"html escaped", "GET", "/%3Cb%3E", 404, "Cannot GET /%3Cb%3E"},
		{"options", "OPTIONS", "/user/1", 200, "GET,HEAD,POST"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body, h := get(t, tt.method, srv.URL+tt.path)
			if status != tt.status {
				t.Errorf("status = %d, want %d", status, tt.status)
			}
			if tt.status == 404 {
				if !strings.Contains(body, "<pre>"+tt.body+"</pre>") {
					t.Errorf("body = %q, want it to contain %q", body, tt.body)
				}
				if h.Get("Content-Type") != "text/html; charset=utf-8" || h.Get("X-Content-Type-Options") != "nosniff" {
					t.Errorf("headers = %v", h)
				}
				return
			}
			if body != tt.body {
				t.Errorf("body = %q, want %q", body, tt.body)
			}
		})
	}
}

func TestRouterRemove(t *testing.T) {
	rt := &Router{}
	srv := httptest.NewServer(rt)
	defer srv.Close()
	removeA, err := rt.Route("get", "/x", echoRoute("a"))
	if err != nil {
		t.Fatal(err)
	}
	removeB, err := rt.Route("get", "/x", echoRoute("b"))
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name   string
		do     func()
		status int
		body   string
	}{
		{"first wins", func() {}, 200, "a map[]"},
		{"removing the first uncovers the second", removeA, 200, "b map[]"},
		{"remove is idempotent", removeA, 200, "b map[]"},
		{"all removed", removeB, 404, ""},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			s.do()
			status, body, _ := get(t, "GET", srv.URL+"/x")
			if status != s.status || (s.body != "" && body != s.body) {
				t.Errorf("got %d %q, want %d %q", status, body, s.status, s.body)
			}
		})
	}
}

func TestRouterInvalid(t *testing.T) {
	rt := &Router{}
	for _, tt := range []struct{ name, method, path string }{
		{"bad method", "g e t", "/x"},
		{"empty method", "", "/x"},
		{"bad regexp", "get", "/:id(a[)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := rt.Route(tt.method, tt.path, echoRoute("x")); err == nil {
				t.Fatal("no error")
			}
		})
	}
}

// TestRouterConcurrent registers and removes routes while requests are served
// (run with -race).
func TestRouterConcurrent(t *testing.T) {
	rt := &Router{}
	srv := httptest.NewServer(rt)
	defer srv.Close()
	if _, err := rt.Route("get", "/stable", echoRoute("stable")); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for j := range 50 {
				remove, err := rt.Route("get", fmt.Sprintf("/r%d/%d", i, j), echoRoute("r"))
				if err != nil {
					t.Error(err)
					return
				}
				remove()
			}
		})
	}
	var codes []int
	for range 50 {
		status, _, _ := get(t, "GET", srv.URL+"/stable")
		codes = append(codes, status)
	}
	wg.Wait()
	for _, c := range codes {
		if c != 200 {
			t.Fatalf("a request failed during route changes: %v", codes)
		}
	}
	if got := len(rt.routes()); got != 1 {
		t.Errorf("%d routes left, want 1", got)
	}
}

func TestCompileRoute(t *testing.T) {
	tests := []struct {
		path  string
		match string
		want  map[string]string
	}{
		{"/a/:b", "/a/x", map[string]string{"b": "x"}},
		{"/a/:b/", "/a/x", map[string]string{"b": "x"}},
		{"/a.json", "/a.json", map[string]string{}},
		{"/a/*/c", "/a/b/d/c", map[string]string{"0": "b/d"}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			re, keys, err := compileRoute(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			m := re.FindStringSubmatch(tt.match)
			if m == nil {
				t.Fatalf("%s does not match %s (%s)", tt.match, tt.path, re)
			}
			got := map[string]string{}
			for _, k := range keys {
				got[k.name] = m[re.SubexpIndex(k.group)]
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Error(diff)
			}
		})
	}
}
