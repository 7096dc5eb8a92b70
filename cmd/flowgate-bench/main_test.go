package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// buildFlowgate builds the flowgate binary into a temporary directory.
func buildFlowgate(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the flowgate binary; skipped with -short")
	}
	bin := filepath.Join(t.TempDir(), "flowgate")
	cmd := exec.Command("go", "build", "-o", bin, "../flowgate")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ../flowgate: %v\n%s", err, out)
	}
	return bin
}

// quickOptions are a quick run's options. Without mosquitto the mosquitto
// rows are skipped with a message, unless CI is set: then it fails.
func quickOptions(t *testing.T, bin string) (options, *bytes.Buffer) {
	var out bytes.Buffer
	mosq := findMosquitto()
	if mosq == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("mosquitto is not installed (CI is set: .ci/run installs it)")
		}
		t.Log("mosquitto is not installed: the mosquitto relay rows are skipped")
	}
	return options{bin: bin, conns: 4, dur: 200 * time.Millisecond, runs: 1, quick: true, mosquitto: mosq,
		jsonOut: filepath.Join(t.TempDir(), "bench.json"), out: &out, log: &out}, &out
}

// figure returns the named row of a report.
func figure(t *testing.T, rep *Report, name string) Figure {
	t.Helper()
	for _, f := range rep.Figures {
		if f.Name == name {
			return f
		}
	}
	t.Fatalf("no figure %q in the report", name)
	return Figure{}
}

// checkReport checks the figures every quick run must produce.
func checkReport(t *testing.T, rep *Report, o options, compare bool) {
	t.Helper()
	systems := []string{"Flowgate"}
	if compare {
		systems = append(systems, "Node-RED")
	}
	names := []string{
		"http in → change → http response", "  latency p50", "  latency p99",
		chainName("change", 100), chainName("change", 1000),
		"start-up to first GET /flows", "idle RSS", "RSS after load", "peak RSS",
	}
	if o.mosquitto != "" {
		flood, p50, p99 := mqttNames("mosquitto")
		names = append(names, flood, p50, p99)
		if _, p50, p99 := brokerAloneNames("mosquitto"); true {
			for _, name := range []string{p50, p99} {
				if f := figure(t, rep, name); f.Flowgate == nil || *f.Flowgate <= 0 {
					t.Errorf("%s = %v, want a positive value", name, f.Flowgate)
				}
			}
		}
		if f := figure(t, rep, mqttFloor); f.Flowgate == nil || *f.Flowgate <= 0 {
			t.Errorf("%s = %v, want a positive value", mqttFloor, f.Flowgate)
		}
	} else if f := figure(t, rep, "mqtt in → change → mqtt out, mosquitto"); f.Flowgate != nil || f.Note != "n/a (mosquitto not installed)" {
		t.Errorf("mosquitto row without mosquitto: %v, %q", f.Flowgate, f.Note)
	}
	for _, name := range names {
		f := figure(t, rep, name)
		for _, sys := range systems {
			v := f.Flowgate
			if sys == "Node-RED" {
				v = f.NodeRED
			}
			if v == nil || *v <= 0 {
				t.Errorf("%s: %s = %v, want a positive value", name, sys, v)
			}
		}
		if compare && f.Better != "" && f.Ratio == nil {
			t.Errorf("%s: no ratio", name)
		}
		if !compare && f.NodeRED != nil {
			t.Errorf("%s: Node-RED value %v without --compare", name, *f.NodeRED)
		}
	}
	flood, p50, p99 := mqttNames("embedded broker")
	aFlood, a50, a99 := brokerAloneNames("embedded broker")
	for _, name := range []string{flood, p50, p99, aFlood, a50, a99, idleBrokerFig} {
		if f := figure(t, rep, name); f.Flowgate == nil || *f.Flowgate <= 0 || f.NodeRED != nil {
			t.Errorf("%s: Flowgate %v, Node-RED %v; want Flowgate only", name, f.Flowgate, f.NodeRED)
		}
	}
	if f := figure(t, rep, "binary size"); f.Flowgate == nil || *f.Flowgate <= 0 {
		t.Errorf("binary size = %v", f.Flowgate)
	}
	if f := figure(t, rep, chainName("function", 1000)); f.Flowgate == nil && f.Note != "n/a (no function node)" {
		t.Errorf("function chain without a value says %q", f.Note)
	}
	data, err := os.ReadFile(o.jsonOut)
	if err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatalf("--json wrote %s: %v", data, err)
	}
	if len(back.Figures) != len(rep.Figures) || back.CPU == "" || back.Cores < 1 {
		t.Errorf("--json wrote %d figures, cpu %q, %d cores", len(back.Figures), back.CPU, back.Cores)
	}
}

func TestQuickFlowgateOnly(t *testing.T) {
	bin := buildFlowgate(t)
	// A stand-in for `make dist`'s arm64 binary; no ARMv7 one.
	if err := os.WriteFile(filepath.Join(filepath.Dir(bin), "flowgate-linux-arm64"), make([]byte, 3<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	o, out := quickOptions(t, bin)
	rep, err := run(o)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	checkReport(t, rep, o, false)
	if f := figure(t, rep, "binary size, linux/arm64"); f.Flowgate == nil || *f.Flowgate != 3 {
		t.Errorf("arm64 binary size = %v, want 3", f.Flowgate)
	}
	if f := figure(t, rep, "binary size, linux/arm (ARMv7)"); f.Flowgate != nil || !strings.Contains(f.Note, "n/a (run make dist)") {
		t.Errorf("ARMv7 binary size without the binary: %v, %q", f.Flowgate, f.Note)
	}
	if !strings.Contains(out.String(), "http in → change → http response") {
		t.Errorf("the table lacks the http row:\n%s", out)
	}
	t.Logf("\n%s", out)
}

func TestQuickCompare(t *testing.T) {
	dir := defaultNodeREDDir()
	if nodeREDInstalled(dir) == "" {
		t.Skipf("node-red 4 is not installed in %s; `make bench-compare` installs it", dir)
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not on PATH")
	}
	bin := buildFlowgate(t)
	o, out := quickOptions(t, bin)
	o.compare, o.nrDir = true, dir
	rep, err := run(o)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	checkReport(t, rep, o, true)
	if f := figure(t, rep, chainName("function", 1000)); f.NodeRED == nil {
		t.Errorf("Node-RED function chain not measured")
	}
	if f := figure(t, rep, "install size"); f.NodeRED == nil || *f.NodeRED < 1 {
		t.Errorf("install size = %v", f.NodeRED)
	}
	t.Logf("\n%s", out)
}

func TestChainFlowsAreValidJSON(t *testing.T) {
	for _, kind := range []string{"change", "function"} {
		flow, err := concatFlows(httpFlow, chainFlow(kind))
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		var nodes []map[string]any
		if err := json.Unmarshal([]byte(flow), &nodes); err != nil {
			t.Fatal(err)
		}
		// tab + 3 http nodes + tab + in + split + 10 + join + response
		if len(nodes) != 4+15 {
			t.Errorf("%s: %d nodes, want 19", kind, len(nodes))
		}
	}
}

func TestMQTTFlow(t *testing.T) {
	flow := mqttFlow(1883, mqttPrefix("Node-RED"))
	var nodes []map[string]any
	if err := json.Unmarshal([]byte(flow), &nodes); err != nil {
		t.Fatalf("%v\n%s", err, flow)
	}
	types := map[string]map[string]any{}
	for _, n := range nodes {
		types[n["type"].(string)] = n
	}
	for typ, want := range map[string][2]string{
		"mqtt in":     {"topic", "bench/nodered/in"},
		"mqtt-broker": {"port", "1883"},
		"mqtt out":    {"topic", ""},
	} {
		if got := types[typ][want[0]]; got != want[1] {
			t.Errorf("%s.%s = %v, want %q", typ, want[0], got, want[1])
		}
	}
	if len(nodes) != 5 {
		t.Errorf("%d nodes, want 5", len(nodes))
	}
}

func TestMedianAndFormat(t *testing.T) {
	tests := []struct {
		name string
		in   []float64
		want float64
	}{
		{"odd", []float64{3, 1, 2}, 2},
		{"even", []float64{4, 1, 3, 2}, 2.5},
		{"one", []float64{7}, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := median(tt.in); got != tt.want {
				t.Errorf("median(%v) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
	if got := thousands(1234567); got != "1,234,567" {
		t.Errorf("thousands = %q", got)
	}
	if got := num(nil); got != "n/a" {
		t.Errorf("num(nil) = %q", got)
	}
}
