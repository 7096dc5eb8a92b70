package runtime

import (
	"bufio"
	"bytes"
	"fmt"
	"net/http"
	"os"
	goruntime "runtime"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/flowgate/flowgate/engine"
)

// serveMetrics answers GET /metrics in the Prometheus text exposition
// format (version 0.0.4), written by hand: process, engine, per-node,
// editor websocket and broker figures.
func (r *Runtime) serveMetrics(w http.ResponseWriter, _ *http.Request) {
	var b bytes.Buffer
	m := metricWriter{&b}

	if rss, ok := residentBytes(); ok {
		m.gauge("process_resident_memory_bytes", "Resident memory size in bytes.", float64(rss))
	}
	m.gauge("go_goroutines", "Number of goroutines that currently exist.", float64(goruntime.NumGoroutine()))
	writeGoMetrics(m)

	st := r.eng.Stats()
	m.gauge("flowgate_nodes", "Number of running nodes.", float64(st.Nodes))
	m.counter("flowgate_messages_dropped_total", "Messages lost: sent to a node that was not running, or queued when it stopped.", float64(st.Dropped))
	m.counter("flowgate_deploys_total", "Successful deployments since start.", float64(r.deploys.Load()))

	ns := r.eng.NodeStats()
	slices.SortFunc(ns, func(a, b engine.NodeStat) int { return strings.Compare(a.ID, b.ID) })
	m.help("flowgate_node_received_total", "counter", "Messages a node took from its input queue.")
	for _, n := range ns {
		m.sample("flowgate_node_received_total", float64(n.Received), "node", n.ID, "type", n.Type)
	}
	m.help("flowgate_node_dropped_total", "counter", "Messages lost at a node.")
	for _, n := range ns {
		m.sample("flowgate_node_dropped_total", float64(n.Dropped), "node", n.ID, "type", n.Type)
	}
	m.help("flowgate_node_queue_length", "gauge", "Messages waiting in a node's input queue.")
	for _, n := range ns {
		m.sample("flowgate_node_queue_length", float64(n.Queued), "node", n.ID, "type", n.Type)
	}

	hs := r.editor.Hub().Stats()
	m.gauge("flowgate_comms_clients", "Connected editor websocket clients.", float64(hs.Clients))
	m.counter("flowgate_comms_clients_dropped_total", "Editor clients disconnected because they read too slowly.", float64(hs.Dropped))
	m.counter("flowgate_comms_events_discarded_total", "Editor events that reached no client.", float64(hs.Discarded))

	if r.broker != nil && r.broker.srv != nil {
		m.gauge("flowgate_mqtt_broker_clients", "Clients connected to the embedded MQTT broker.", float64(atomic.LoadInt64(&r.broker.srv.Info.ClientsConnected)))
	}

	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	_, _ = w.Write(b.Bytes())
}

// goSamples are the runtime/metrics read for /metrics; reading them does
// not stop the world, unlike runtime.ReadMemStats.
var goSamples = []string{
	"/memory/classes/heap/objects:bytes",  // 0
	"/memory/classes/heap/unused:bytes",   // 1
	"/memory/classes/heap/free:bytes",     // 2
	"/memory/classes/heap/released:bytes", // 3
	"/memory/classes/total:bytes",         // 4
	"/gc/cycles/total:gc-cycles",          // 5
	"/gc/heap/goal:bytes",                 // 6
	"/gc/gomemlimit:bytes",                // 7
}

// writeGoMetrics writes the Go heap and collector figures, named as
// Prometheus' Go collector names them.
func writeGoMetrics(m metricWriter) {
	s := make([]metrics.Sample, len(goSamples))
	for i, name := range goSamples {
		s[i].Name = name
	}
	metrics.Read(s)
	v := func(i int) float64 {
		if s[i].Value.Kind() != metrics.KindUint64 {
			return 0
		}
		return float64(s[i].Value.Uint64())
	}
	m.gauge("go_memstats_heap_alloc_bytes", "Number of heap bytes allocated and still in use.", v(0))
	m.gauge("go_memstats_heap_inuse_bytes", "Number of heap bytes in spans in use.", v(0)+v(1))
	m.gauge("go_memstats_heap_idle_bytes", "Number of heap bytes in idle spans (free or released).", v(2)+v(3))
	m.gauge("go_memstats_heap_released_bytes", "Number of heap bytes returned to the operating system.", v(3))
	m.gauge("go_memstats_sys_bytes", "Number of bytes obtained from the system.", v(4))
	m.gauge("go_gc_heap_goal_bytes", "Heap size at which the next collection starts.", v(6))
	m.gauge("go_memory_limit_bytes", "Go's soft memory limit in effect (GOMEMLIMIT); 9.223372036854776e+18 means none.", v(7))
	m.counter("go_gc_cycles_total", "Completed garbage collection cycles.", v(5))
	// runtime/metrics has pauses only as a histogram; ReadGCStats gives
	// their exact total under a lock, without stopping the world.
	var gc debug.GCStats
	debug.ReadGCStats(&gc)
	m.counter("go_gc_pause_seconds_total", "Total time the world was stopped for garbage collection.", gc.PauseTotal.Seconds())
}

// metricWriter writes Prometheus text exposition lines.
type metricWriter struct{ b *bytes.Buffer }

func (m metricWriter) help(name, typ, help string) {
	fmt.Fprintf(m.b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
}

func (m metricWriter) gauge(name, help string, v float64) {
	m.help(name, "gauge", help)
	m.sample(name, v)
}

func (m metricWriter) counter(name, help string, v float64) {
	m.help(name, "counter", help)
	m.sample(name, v)
}

// sample writes one value with label pairs (name, value, name, value...).
func (m metricWriter) sample(name string, v float64, labels ...string) {
	m.b.WriteString(name)
	if len(labels) > 0 {
		m.b.WriteByte('{')
		for i := 0; i+1 < len(labels); i += 2 {
			if i > 0 {
				m.b.WriteByte(',')
			}
			m.b.WriteString(labels[i])
			m.b.WriteString(`="`)
			m.b.WriteString(labelEscaper.Replace(labels[i+1]))
			m.b.WriteByte('"')
		}
		m.b.WriteByte('}')
	}
	m.b.WriteByte(' ')
	m.b.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
	m.b.WriteByte('\n')
}

var labelEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`)

// residentBytes reads the process's resident set size from /proc (Linux).
func residentBytes() (int64, bool) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb * 1024, err == nil
		}
	}
	return 0, false
}
