package runtime

import (
	"bytes"
	"fmt"
	"net/http"
	"regexp"
	goruntime "runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/flowgate/flowgate/engine"
)

// metricValue returns the value of the sample line "name{labels} v".
func metricValue(t *testing.T, body, sample string) float64 {
	t.Helper()
	for _, l := range strings.Split(body, "\n") {
		if rest, ok := strings.CutPrefix(l, sample+" "); ok {
			v, err := strconv.ParseFloat(rest, 64)
			if err != nil {
				t.Fatalf("%s: %v", l, err)
			}
			return v
		}
	}
	t.Fatalf("no sample %s in:\n%s", sample, body)
	return 0
}

func TestMetrics(t *testing.T) {
	rt := startRuntime(t)
	base := "http://" + rt.Addr()
	if _, err := rt.Deploy(t.Context(), echoFlow("/m", "x"), engine.DeployFull, ""); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if code, _ := get(t, base+"/m"); code != 200 {
			t.Fatalf("GET /m = %d", code)
		}
	}
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type = %q", ct)
	}
	code, body := get(t, base+"/metrics")
	if code != 200 {
		t.Fatalf("GET /metrics = %d %s", code, body)
	}
	// every line is a comment or a well-formed sample, every sample has a TYPE
	line := regexp.MustCompile(`^[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? -?[0-9.e+-]+$`)
	typed := map[string]bool{}
	for _, l := range strings.Split(strings.TrimSuffix(body, "\n"), "\n") {
		if f := strings.Fields(l); len(f) == 4 && f[1] == "TYPE" {
			typed[f[2]] = true
		}
		if strings.HasPrefix(l, "#") {
			continue
		}
		if !line.MatchString(l) {
			t.Errorf("malformed line %q", l)
		}
		if name, _, _ := strings.Cut(strings.SplitN(l, " ", 2)[0], "{"); !typed[name] {
			t.Errorf("sample %q before its # TYPE", l)
		}
	}
	for _, tc := range []struct {
		sample string
		min    float64
	}{
		{"process_resident_memory_bytes", 1 << 20},
		{"go_goroutines", 2},
		{"flowgate_nodes", 3},
		{"flowgate_deploys_total", 2}, // the welcome flow and echoFlow
		{`flowgate_node_received_total{node="ch",type="change"}`, 3},
		{`flowgate_node_received_total{node="out",type="http response"}`, 3},
		{`flowgate_node_queue_length{node="ch",type="change"}`, 0},
		{"flowgate_messages_dropped_total", 0},
		{"flowgate_comms_clients", 0},
		{"go_memstats_heap_alloc_bytes", 1 << 10},
		{"go_memstats_heap_inuse_bytes", 1 << 10},
		{"go_memstats_heap_idle_bytes", 0},
		{"go_memstats_heap_released_bytes", 0},
		{"go_memstats_sys_bytes", 1 << 20},
		{"go_gc_heap_goal_bytes", 1 << 10},
		{"go_memory_limit_bytes", 1 << 20},
		{"go_gc_cycles_total", 0},
		{"go_gc_pause_seconds_total", 0},
	} {
		t.Run(tc.sample, func(t *testing.T) {
			if v := metricValue(t, body, tc.sample); v < tc.min {
				t.Errorf("%s = %v, want >= %v", tc.sample, v, tc.min)
			}
		})
	}
}

func TestMetricsGoFigures(t *testing.T) {
	rt := startRuntime(t)
	base := "http://" + rt.Addr()
	_, before := get(t, base+"/metrics")
	goruntime.GC()
	_, after := get(t, base+"/metrics")
	if b, a := metricValue(t, before, "go_gc_cycles_total"), metricValue(t, after, "go_gc_cycles_total"); a < b+1 {
		t.Errorf("go_gc_cycles_total %v → %v across runtime.GC()", b, a)
	}
	if p := metricValue(t, after, "go_gc_pause_seconds_total"); p <= 0 || p > 60 {
		t.Errorf("go_gc_pause_seconds_total = %v after a collection", p)
	}
	inuse, alloc := metricValue(t, after, "go_memstats_heap_inuse_bytes"), metricValue(t, after, "go_memstats_heap_alloc_bytes")
	if idle, sys := metricValue(t, after, "go_memstats_heap_idle_bytes"), metricValue(t, after, "go_memstats_sys_bytes"); inuse < alloc || inuse+idle > sys {
		t.Errorf("heap alloc %v, in use %v, idle %v, sys %v: not alloc <= inuse, inuse+idle <= sys", alloc, inuse, idle, sys)
	}
	if rel, idle := metricValue(t, after, "go_memstats_heap_released_bytes"), metricValue(t, after, "go_memstats_heap_idle_bytes"); rel > idle {
		t.Errorf("released %v > idle %v", rel, idle)
	}
}

func TestMetricsNeedLogin(t *testing.T) {
	rt, err := startWith(t, t.TempDir(), fmt.Sprintf(`
adminAuth:
  type: credentials
  users:
    - {username: viewer, password: %q, permissions: read}
`, hash(t, "look")))
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := get(t, "http://"+rt.Addr()+"/metrics"); code != 401 {
		t.Errorf("GET /metrics without a token = %d, want 401", code)
	}
}

func TestMetricLabelEscaping(t *testing.T) {
	m := metricWriter{b: new(bytes.Buffer)}
	m.sample("x", 1.5, "node", "a\"b\\c\nd")
	if got, want := m.b.String(), `x{node="a\"b\\c\nd"} 1.5`+"\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
