package runtime

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDataAPIOnTheEditorListener(t *testing.T) {
	rt := startRuntime(t)
	base := "http://" + rt.Addr()
	resp, err := http.Post(base+"/api/data", "application/json", strings.NewReader(`{"topic":"a/b","payload":{"t":1},"ts":5}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /api/data: %d", resp.StatusCode)
	}
	code, body := get(t, base+"/api/data?topic=a/%23")
	want := `{"limit":100,"offset":0,"data":[{"id":1,"topic":"a/b","payload":{"t":1},"ts":5}]}`
	if code != http.StatusOK || strings.TrimSpace(body) != want {
		t.Errorf("GET /api/data: %d %s, want %s", code, body, want)
	}
	if _, err := os.Stat(filepath.Join(rt.s.DataDir, "timeseries.db")); err != nil {
		t.Errorf("the store is not in the data directory: %v", err)
	}
	if code, _ := get(t, base+"/api/other"); code != http.StatusNotFound {
		t.Errorf("GET /api/other: %d, want 404 from the http in routes", code)
	}
}
