package runtime

import (
	"bufio"
	"bytes"
	"fmt"
	"net/http"
	"os"
	goruntime "runtime"
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

	var ms goruntime.MemStats
	goruntime.ReadMemStats(&ms)
	if rss, ok := residentBytes(); ok {
		m.gauge("process_resident_memory_bytes", "Resident memory size in bytes.", float64(rss))
	}
	m.gauge("go_goroutines", "Number of goroutines that currently exist.", float64(goruntime.NumGoroutine()))
	m.gauge("go_memstats_heap_alloc_bytes", "Number of heap bytes allocated and still in use.", float64(ms.HeapAlloc))
	m.gauge("go_memstats_sys_bytes", "Number of bytes obtained from the system.", float64(ms.Sys))

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
