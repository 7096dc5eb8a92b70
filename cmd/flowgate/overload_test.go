package main

import (
	"bufio"
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// overloadFlow: POST /flood answers at once and feeds a delay node that
// passes 10 messages a second and drops the rest; an inject node fires
// every 10 ms into another such delay node.
const overloadFlow = `[{"id":"t1","type":"tab","label":"overload"},
{"id":"in","type":"http in","z":"t1","url":"/flood","method":"post","upload":false,"swaggerDoc":"","wires":[["ok","lim"]]},
{"id":"ok","type":"http response","z":"t1","statusCode":"","headers":{},"wires":[]},
{"id":"lim","type":"delay","z":"t1","pauseType":"rate","timeout":"5","timeoutUnits":"seconds","rate":"10","nbRateUnits":"1","rateUnits":"second","randomFirst":"1","randomLast":"5","randomUnits":"seconds","drop":true,"allowrate":false,"outputs":1,"wires":[[]]},
{"id":"tick","type":"inject","z":"t1","props":[{"p":"payload"}],"repeat":"0.01","crontab":"","once":true,"onceDelay":0,"topic":"","payload":"","payloadType":"date","wires":[["lim2"]]},
{"id":"lim2","type":"delay","z":"t1","pauseType":"rate","timeout":"5","timeoutUnits":"seconds","rate":"1","nbRateUnits":"1","rateUnits":"second","randomFirst":"1","randomLast":"5","randomUnits":"seconds","drop":true,"allowrate":false,"outputs":1,"wires":[[]]}]`

// scrape returns the samples of GET /metrics by their full name.
func scrape(t *testing.T, client *http.Client, base string) map[string]float64 {
	t.Helper()
	resp, err := client.Get(base + "/metrics")
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		l := sc.Text()
		if strings.HasPrefix(l, "#") {
			continue
		}
		if i := strings.LastIndexByte(l, ' '); i > 0 {
			v, _ := strconv.ParseFloat(l[i+1:], 64)
			out[l[:i]] = v
		}
	}
	return out
}

func TestOverload(t *testing.T) {
	if testing.Short() {
		t.Skip("floods the binary for 3 s")
	}
	in := start(t, t.TempDir())
	if code, body := in.do("POST", "/flows", []byte(overloadFlow)); code >= 300 {
		t.Fatalf("deploy = %d %s", code, body)
	}
	probe := &http.Client{Timeout: 2 * time.Second}
	before := scrape(t, probe, in.base)

	var sent, failed atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			client := &http.Client{Timeout: 5 * time.Second}
			body := bytes.Repeat([]byte("x"), 4096)
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := client.Post(in.base+"/flood", "text/plain", bytes.NewReader(body))
				if err != nil || resp.StatusCode != 200 {
					failed.Add(1)
				} else {
					sent.Add(1)
				}
				if resp != nil {
					resp.Body.Close()
				}
			}
		})
	}
	var maxRSS, maxQueue float64
	var slowest time.Duration
	for end := time.Now().Add(3 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		t0 := time.Now()
		resp, err := probe.Get(in.base + "/healthz")
		if err != nil {
			t.Fatalf("/healthz under load: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("/healthz under load = %d", resp.StatusCode)
		}
		slowest = max(slowest, time.Since(t0))
		m := scrape(t, probe, in.base)
		maxRSS = max(maxRSS, m["process_resident_memory_bytes"])
		for _, id := range []string{`{node="lim",type="delay"}`, `{node="lim2",type="delay"}`} {
			maxQueue = max(maxQueue, m["flowgate_node_queue_length"+id])
		}
	}
	close(stop)
	wg.Wait()
	after := scrape(t, probe, in.base)
	t.Logf("%d requests answered, %d failed; /healthz slowest %v; RSS %.1f MB before, %.1f MB peak; delay queue peak %v; lim received %v",
		sent.Load(), failed.Load(), slowest, before["process_resident_memory_bytes"]/1e6, maxRSS/1e6, maxQueue, after[`flowgate_node_received_total{node="lim",type="delay"}`])
	if failed.Load() > 0 {
		t.Errorf("%d flood requests failed", failed.Load())
	}
	if sent.Load() < 100 {
		t.Errorf("only %d flood requests answered in 3 s", sent.Load())
	}
	if slowest > time.Second {
		t.Errorf("/healthz took %v under load", slowest)
	}
	if limit := before["process_resident_memory_bytes"] + 150e6; maxRSS > limit {
		t.Errorf("RSS peaked at %.1f MB, more than 150 MB over the %.1f MB before the flood", maxRSS/1e6, before["process_resident_memory_bytes"]/1e6)
	}
	if maxQueue > 1000 {
		t.Errorf("a rate-limiting delay node's input queue reached %v messages", maxQueue)
	}
	if got := after[`flowgate_node_received_total{node="lim",type="delay"}`]; got < float64(sent.Load()) {
		t.Errorf("lim received %v messages of %d sent", got, sent.Load())
	}
}
