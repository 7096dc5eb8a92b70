package storage

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
)

// dataAPIServer serves a fresh data API on loopback and returns a caller:
// status and body (trimmed) of one request.
func dataAPIServer(t *testing.T) func(method, path, body string) (int, string) {
	t.Helper()
	api := NewDataAPI(NewDBs(t.TempDir()), 0)
	t.Cleanup(func() { _ = api.Close() })
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return func(method, path, body string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, strings.TrimSpace(string(b))
	}
}

func TestDataAPI(t *testing.T) {
	call := dataAPIServer(t)
	do := func(method, path, body string) (int, any) {
		t.Helper()
		status, data := call(method, path, body)
		var v any
		if len(data) > 0 {
			var err error
			if v, err = engine.DecodeJSON([]byte(data)); err != nil {
				t.Fatalf("%s %s: not JSON: %s", method, path, data)
			}
		}
		return status, v
	}
	where := url.QueryEscape(`[{"field":"t","op":">=","value":21}]`)
	steps := []struct {
		name, method, path, body string
		status                   int
		want                     any
	}{
		{"insert one", "POST", "/api/data", `{"topic":"room/1","payload":{"t":20},"ts":1000}`, 201, engine.ObjectOf("ids", []any{1.0})},
		{"insert a list", "POST", "/api/data", `[{"topic":"room/2","payload":{"t":21},"ts":2000},{"topic":"room/1","payload":{"t":22},"ts":3000}]`, 201, engine.ObjectOf("ids", []any{2.0, 3.0})},
		{"insert without topic", "POST", "/api/data", `{"payload":1}`, 400, engine.ObjectOf("error", "reading 0: needs a topic")},
		{"select one", "GET", "/api/data/2", "", 200, engine.ObjectOf("id", 2.0, "topic", "room/2", "payload", engine.ObjectOf("t", 21.0), "ts", 2000.0)},
		{"select one missing", "GET", "/api/data/99", "", 404, engine.ObjectOf("error", "no reading 99")},
		{"series page 1", "GET", "/api/data?topic=room/%2B&limit=2", "", 200, engine.ObjectOf("limit", 2.0, "offset", 0.0, "next", 2.0, "data", []any{
			engine.ObjectOf("id", 1.0, "topic", "room/1", "payload", engine.ObjectOf("t", 20.0), "ts", 1000.0),
			engine.ObjectOf("id", 2.0, "topic", "room/2", "payload", engine.ObjectOf("t", 21.0), "ts", 2000.0),
		},
		)},
		{"series page 2", "GET", "/api/data?topic=room/%2B&limit=2&offset=2", "", 200, engine.ObjectOf("limit", 2.0, "offset", 2.0, "data", []any{
			engine.ObjectOf("id", 3.0, "topic", "room/1", "payload", engine.ObjectOf("t", 22.0), "ts", 3000.0),
		},
		)},
		{"series by time range", "GET", "/api/data?from=1970-01-01T00:00:02Z&to=3000", "", 200, engine.ObjectOf("limit", 100.0, "offset", 0.0, "data", []any{
			engine.ObjectOf("id", 2.0, "topic", "room/2", "payload", engine.ObjectOf("t", 21.0), "ts", 2000.0),
		},
		)},
		{"select by conditions, newest first", "GET", "/api/data?order=desc&where=" + where, "", 200, engine.ObjectOf("limit", 100.0, "offset", 0.0, "data", []any{
			engine.ObjectOf("id", 3.0, "topic", "room/1", "payload", engine.ObjectOf("t", 22.0), "ts", 3000.0),
			engine.ObjectOf("id", 2.0, "topic", "room/2", "payload", engine.ObjectOf("t", 21.0), "ts", 2000.0),
		},
		)},
		{"bad order", "GET", "/api/data?order=up", "", 400, engine.ObjectOf("error", "order: must be asc or desc, got up")},
		{"delete one", "DELETE", "/api/data/1", "", 204, nil},
		{"delete one again", "DELETE", "/api/data/1", "", 404, engine.ObjectOf("error", "no reading 1")},
		{"delete without conditions", "DELETE", "/api/data", "", 400, engine.ObjectOf("error", "no condition: refusing to delete every reading")},
		{"delete by conditions", "DELETE", "/api/data?topic=room/2", "", 200, engine.ObjectOf("deleted", 1.0)},
		{"what is left", "GET", "/api/data", "", 200, engine.ObjectOf("limit", 100.0, "offset", 0.0, "data", []any{
			engine.ObjectOf("id", 3.0, "topic", "room/1", "payload", engine.ObjectOf("t", 22.0), "ts", 3000.0),
		},
		)},
	}
	for _, s := range steps {
		status, got := do(s.method, s.path, s.body)
		if status != s.status {
			t.Errorf("%s: status %d, want %d (%v)", s.name, status, s.status, got)
		}
		if diff := cmp.Diff(s.want, got, enginetest.OrderedObjects()); diff != "" {
			t.Errorf("%s (-want +got):\n%s", s.name, diff)
		}
	}
}
