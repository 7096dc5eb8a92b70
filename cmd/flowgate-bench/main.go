// Command flowgate-bench measures a built flowgate binary as a user sees it
// and, with --compare, Node-RED 4 beside it on the same machine in the same
// run: start-up time to the first answered GET /flows, idle RSS, requests
// per second and latency of an `http in → change → http response` flow
// under a 32-connection load generator (with a bare net/http handler as the
// floor), items per second through `split → 10 × change → join` and the
// same with 10 function nodes, RSS after the load, peak RSS, and the size
// on disk; and an `mqtt in → change → mqtt out` relay (flood throughput and
// paced latency) through a mosquitto the command starts, and through
// Flowgate's embedded broker; each broker alone (one client publishing to
// and subscribing to one topic: flood and paced latency); the idle RSS of
// a fresh Flowgate with the embedded broker on and the welcome flow
// running; and the sizes of the linux/arm64 and ARMv7 binaries when
// `make dist` has written them beside --bin.
//
// Both systems get the same Node-RED-format flows through POST /flows, each
// answer is checked before it is timed, the systems alternate run by run,
// and every figure is the median of --runs runs. --compare installs
// node-red@4 with npm into the user's cache folder once.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

func main() {
	var o options
	flag.StringVar(&o.bin, "bin", "bin/flowgate", "flowgate binary to measure")
	flag.BoolVar(&o.compare, "compare", false, "also measure Node-RED 4 (installed with npm into --nodered-dir once)")
	flag.StringVar(&o.nrDir, "nodered-dir", defaultNodeREDDir(), "where --compare installs and finds node-red@4")
	flag.IntVar(&o.conns, "c", 32, "load generator connections")
	flag.DurationVar(&o.dur, "d", 5*time.Second, "load duration per run")
	flag.IntVar(&o.runs, "runs", 3, "runs per figure (the median is reported)")
	flag.BoolVar(&o.quick, "quick", false, "tiny sizes and one run, to test the command itself")
	flag.DurationVar(&o.chainTimeout, "chain-timeout", time.Minute, "longest wait for one chain answer; slower is reported, not timed")
	flag.StringVar(&o.jsonOut, "json", "", "also write the figures as JSON to this file")
	flag.StringVar(&o.mosquitto, "mosquitto", findMosquitto(), "mosquitto binary for the MQTT relay figures; empty skips them")
	flag.Parse()
	o.out, o.log = os.Stdout, os.Stderr
	if _, err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "flowgate-bench:", err)
		os.Exit(1)
	}
}

type options struct {
	bin     string
	compare bool
	nrDir   string
	conns   int
	dur     time.Duration
	runs    int
	quick   bool
	jsonOut string
	// mosquitto is the mosquitto binary; "" skips the mosquitto rows.
	mosquitto string
	// chainTimeout bounds one chain request.
	chainTimeout time.Duration
	out          io.Writer // the table
	log          io.Writer // progress
}

// Figure is one row of the table. Values are medians; a nil value is n/a.
// Ratio is how many times Flowgate is ahead (>1: Flowgate is better),
// whichever way "better" points for the figure.
type Figure struct {
	Name     string   `json:"name"`
	Unit     string   `json:"unit"`
	Better   string   `json:"better,omitempty"` // "higher" or "lower"
	Flowgate *float64 `json:"flowgate"`
	NodeRED  *float64 `json:"nodered"`
	Ratio    *float64 `json:"ratio"`
	Note     string   `json:"note,omitempty"`
}

// Report is the whole result, as written by --json.
type Report struct {
	Date     string            `json:"date"`
	CPU      string            `json:"cpu"`
	Cores    int               `json:"cores"`
	Versions map[string]string `json:"versions"`
	// Load is the 1-minute load average at the start and the end: other
	// work on the machine skews every figure.
	Load     string   `json:"loadavg"`
	Runs     int      `json:"runs"`
	Conns    int      `json:"connections"`
	Duration string   `json:"load_duration"`
	Figures  []Figure `json:"figures"`
}

// samples collects per-system measurements of each figure, by name.
type samples map[string]map[string][]float64

func (s samples) add(fig, sys string, v float64) {
	if s[fig] == nil {
		s[fig] = map[string][]float64{}
	}
	s[fig][sys] = append(s[fig][sys], v)
}

func run(o options) (*Report, error) {
	sizes := []int{10_000, 100_000}
	settle := time.Second
	// MQTT: mqttK messages per flood, paced at mqttRate/s for mqttPace.
	mqttK, mqttPace, mqttWarm := 50_000, 5*time.Second, 5_000
	if o.quick {
		o.runs, o.dur, sizes, settle = 1, 300*time.Millisecond, []int{100, 1000}, 200*time.Millisecond
		mqttK, mqttPace, mqttWarm = 200, 500*time.Millisecond, 100
	}
	if o.chainTimeout <= 0 {
		o.chainTimeout = time.Minute
	}
	if o.runs < 1 {
		o.runs = 1
	}

	fg, err := flowgateSystem(o.bin)
	if err != nil {
		return nil, err
	}
	systems := []*system{fg}
	rep := &Report{Date: time.Now().UTC().Format("2006-01-02"), CPU: cpuModel(), Cores: runtime.NumCPU(),
		Versions: map[string]string{"bench": runtime.Version(), "flowgate": fg.version},
		Runs:     o.runs, Conns: o.conns, Duration: o.dur.String()}
	if o.compare {
		if err := installNodeRED(o.nrDir, o.log); err != nil {
			return nil, err
		}
		nr, err := nodeREDSystem(o.nrDir)
		if err != nil {
			return nil, err
		}
		systems = append(systems, nr)
		rep.Versions["nodered"] = nr.version
	}
	// order alternates which system goes first, run by run.
	order := func(r int) []*system {
		s := slices.Clone(systems)
		if r%2 == 1 {
			slices.Reverse(s)
		}
		return s
	}
	S := samples{}
	load0 := loadAvg()

	for _, s := range systems {
		S.add(s.sizeFig, s.name, s.size)
	}
	fmt.Fprintf(o.log, "start-up, %d run(s)...\n", o.runs)
	for r := range o.runs {
		for _, s := range order(r) {
			p, d, err := s.start()
			if err != nil {
				return nil, fmt.Errorf("%s: %w", s.name, err)
			}
			p.stop()
			S.add("start-up to first GET /flows", s.name, d.Seconds()*1000)
		}
	}

	// One long-lived instance per system for everything else.
	procs := map[string]*proc{}
	defer func() {
		for _, p := range procs {
			p.stop()
		}
	}()
	for _, s := range systems {
		p, _, err := s.start()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.name, err)
		}
		procs[s.name] = p
	}
	time.Sleep(settle) // let start-up garbage settle before reading idle RSS
	for _, s := range systems {
		S.add("idle RSS", s.name, procs[s.name].rssMiB("VmRSS"))
	}

	// The mosquitto both systems relay through, each on its own topics.
	var mosq *mosquitto
	mosqNote := ""
	if o.mosquitto == "" {
		mosqNote = "n/a (mosquitto not installed)"
	} else {
		if mosq, err = startMosquitto(o.mosquitto); err != nil {
			return nil, err
		}
		defer mosq.p.stop()
		if out, err := exec.Command(o.mosquitto, "-h").Output(); len(out) > 0 {
			_ = err // mosquitto -h exits 3
			rep.Versions["mosquitto"], _, _ = strings.Cut(string(out), "\n")
		}
	}
	extra := map[string][]string{}
	relays := map[string]*relayClient{}
	defer func() {
		for _, rc := range relays {
			rc.close()
		}
	}()

	// Deploy and check every answer before timing anything.
	hasFunc := map[string]bool{}
	for _, s := range systems {
		ok, err := procs[s.name].hasType("function")
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.name, err)
		}
		hasFunc[s.name] = ok
		if mosq != nil {
			extra[s.name] = []string{mqttFlow(mosq.port, mqttPrefix(s.name))}
		}
		if err := prepare(procs[s.name], ok, extra[s.name]...); err != nil {
			return nil, fmt.Errorf("%s: %w", s.name, err)
		}
		if mosq != nil {
			rc, err := newRelayClient(fmt.Sprintf("127.0.0.1:%d", mosq.port), mqttPrefix(s.name))
			if err != nil {
				return nil, err
			}
			relays[s.name] = rc
		}
	}
	// lost notes the MQTT runs that lost messages, by row.
	lost := map[string][]string{}
	// mqttRun checks the relay answers, then floods it and paces it,
	// adding the figures to the rows named by via.
	mqttRun := func(rc *relayClient, sys, via string, timed bool) error {
		if err := rc.check(); err != nil {
			return fmt.Errorf("%s: %w", sys, err)
		}
		k, pace := mqttK, mqttPace
		if !timed {
			k, pace = mqttWarm, mqttPace/3
		}
		flood, p50, p99 := mqttNames(via)
		v, err := rc.flood(k, o.chainTimeout/2)
		switch {
		case errors.Is(err, errLost):
			fmt.Fprintf(o.log, "%s: mqtt flood via %s: %v\n", sys, via, err)
			if timed {
				lost[flood] = append(lost[flood], sys+": "+err.Error())
			}
		case err != nil:
			return fmt.Errorf("%s: mqtt flood via %s: %w", sys, via, err)
		case timed:
			S.add(flood, sys, v)
		}
		l50, l99, err := rc.paced(mqttRate, pace)
		switch {
		case errors.Is(err, errLost):
			fmt.Fprintf(o.log, "%s: mqtt paced via %s: %v\n", sys, via, err)
			if timed {
				lost[p50] = append(lost[p50], sys+": "+err.Error())
			}
		case err != nil:
			return fmt.Errorf("%s: mqtt paced via %s: %w", sys, via, err)
		case timed:
			S.add(p50, sys, l50)
			S.add(p99, sys, l99)
		}
		return nil
	}
	kinds := func(sys string) []string {
		if hasFunc[sys] {
			return []string{"change", "function"}
		}
		return []string{"change"}
	}
	// A chain that does not answer within --chain-timeout is not timed
	// again at that size or above: failed[sys][kind] is the smallest such
	// N. The instance is restarted, so its backlog does not load the
	// machine during the other measurements; peak RSS keeps the old
	// instance's peak.
	failed := map[string]map[string]int{}
	peak := map[string]float64{}
	chainRun := func(s *system, kind string, n int, timed bool) error {
		if f := failed[s.name][kind]; f > 0 && n >= f {
			return nil
		}
		add := 0.0
		if kind == "function" {
			add = 10
		}
		v, err := chain(procs[s.name].base, kind, n, add, o.chainTimeout)
		if errors.Is(err, errTimeout) {
			fmt.Fprintf(o.log, "%s: %s chain, N=%d: no answer within %s; restarting it\n", s.name, kind, n, o.chainTimeout)
			if failed[s.name] == nil {
				failed[s.name] = map[string]int{}
			}
			failed[s.name][kind] = n
			p := procs[s.name]
			peak[s.name] = max(peak[s.name], p.rssMiB("VmHWM"))
			delete(procs, s.name)
			p.stop()
			if p, _, err = s.start(); err != nil {
				return err
			}
			procs[s.name] = p
			return prepare(p, hasFunc[s.name], extra[s.name]...)
		}
		if err != nil {
			return fmt.Errorf("%s: %s chain, N=%d: %w", s.name, kind, n, err)
		}
		if timed {
			S.add(chainName(kind, n), s.name, v)
		}
		return nil
	}
	// The first answer at each size is checked untimed (and warms up).
	for _, s := range systems {
		fmt.Fprintf(o.log, "checking %s's answers...\n", s.name)
		for _, kind := range kinds(s.name) {
			for _, n := range sizes {
				if err := chainRun(s, kind, n, false); err != nil {
					return nil, err
				}
			}
		}
		if rc := relays[s.name]; rc != nil {
			if err := mqttRun(rc, s.name, "mosquitto", false); err != nil {
				return nil, err
			}
		}
	}

	const httpFig = "http in → change → http response"
	for r := range o.runs {
		for _, s := range order(r) {
			fmt.Fprintf(o.log, "run %d/%d: %s...\n", r+1, o.runs, s.name)
			res := load(procs[s.name].base+"/bench", o.conns, o.dur)
			if res.rps == 0 {
				return nil, fmt.Errorf("%s: no request answered under load", s.name)
			}
			S.add(httpFig, s.name, res.rps)
			S.add("  latency p50", s.name, res.p50)
			S.add("  latency p99", s.name, res.p99)
			for _, kind := range kinds(s.name) {
				for _, n := range sizes {
					if err := chainRun(s, kind, n, true); err != nil {
						return nil, err
					}
				}
			}
			if rc := relays[s.name]; rc != nil {
				if err := mqttRun(rc, s.name, "mosquitto", true); err != nil {
					return nil, err
				}
			}
		}
	}
	for _, s := range systems {
		S.add("RSS after load", s.name, procs[s.name].rssMiB("VmRSS"))
		S.add("peak RSS", s.name, max(peak[s.name], procs[s.name].rssMiB("VmHWM")))
	}
	// Flowgate's embedded broker, on its own instance: idle RSS with the
	// broker on and the welcome flow running, the broker alone, then the
	// relay through it.
	fmt.Fprintf(o.log, "Flowgate with its embedded broker, %d run(s)...\n", o.runs)
	if err := withEmbeddedBroker(fg, func(p *proc, port int) error {
		time.Sleep(settle)
		S.add(idleBrokerFig, "Flowgate", p.rssMiB("VmRSS"))
		if body, err := get(p.base + "/hello"); err != nil || !strings.Contains(body, "flowgate") {
			return fmt.Errorf("Flowgate --broker: the welcome flow's GET /hello answered %q, %v", body, err)
		}
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		for r := range o.runs + 1 {
			v, l50, l99, err := brokerAlone(addr, mqttK, mqttPace, o.chainTimeout/2)
			if err != nil {
				return fmt.Errorf("embedded broker alone: %w", err)
			}
			if r > 0 { // the first run warms up
				addBrokerAlone(S, "embedded broker", v, l50, l99)
			}
		}
		prefix := mqttPrefix("Flowgate")
		if err := p.deploy(mqttFlow(port, prefix)); err != nil {
			return err
		}
		rc, err := newRelayClient(addr, prefix)
		if err != nil {
			return err
		}
		defer rc.close()
		for r := range o.runs + 1 {
			if err := mqttRun(rc, "Flowgate", "embedded broker", r > 0); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return nil, err
	}
	fmt.Fprintf(o.log, "floor, %d run(s)...\n", o.runs)
	for range o.runs {
		res, err := bareFloor(o.conns, o.dur)
		if err != nil {
			return nil, err
		}
		S.add("floor: bare net/http handler", "Flowgate", res.rps)
		if mosq != nil {
			// The same flood and pace straight through mosquitto, no relay.
			v, l50, l99, err := brokerAlone(fmt.Sprintf("127.0.0.1:%d", mosq.port), mqttK, mqttPace, o.chainTimeout/2)
			if err != nil {
				return nil, fmt.Errorf("mosquitto alone: %w", err)
			}
			addBrokerAlone(S, "mosquitto", v, l50, l99)
		}
	}
	rep.Load = load0 + " → " + loadAvg()

	// The rows, in order.
	fig := func(name, unit, better, note string) Figure {
		f := Figure{Name: name, Unit: unit, Better: better, Note: note}
		if v := S[name]["Flowgate"]; len(v) > 0 {
			f.Flowgate = ptr(median(v))
		}
		if v := S[name]["Node-RED"]; len(v) > 0 {
			f.NodeRED = ptr(median(v))
		}
		if f.Flowgate != nil && f.NodeRED != nil && *f.Flowgate > 0 && *f.NodeRED > 0 {
			switch better {
			case "higher":
				f.Ratio = ptr(*f.Flowgate / *f.NodeRED)
			case "lower":
				f.Ratio = ptr(*f.NodeRED / *f.Flowgate)
			}
		}
		return f
	}
	figs := []Figure{
		fig(httpFig, "req/s", "higher", ""),
		fig("  latency p50", "ms", "lower", ""),
		fig("  latency p99", "ms", "lower", ""),
		fig("floor: bare net/http handler", "req/s", "", "bare Go net/http, same load generator"),
	}
	timedOut := func(kind string, n int) string {
		var who []string
		for _, s := range systems {
			if f := failed[s.name][kind]; f > 0 && n >= f {
				who = append(who, s.name)
			}
		}
		if len(who) == 0 {
			return ""
		}
		return fmt.Sprintf("%s: no answer within %s", strings.Join(who, ", "), o.chainTimeout)
	}
	for _, n := range sizes {
		figs = append(figs, fig(chainName("change", n), "items/s", "higher", timedOut("change", n)))
	}
	for _, n := range sizes {
		note := timedOut("function", n)
		if !hasFunc["Flowgate"] {
			note = "n/a (no function node)"
		}
		figs = append(figs, fig(chainName("function", n), "items/s", "higher", note))
	}
	for _, via := range []string{"mosquitto", "embedded broker"} {
		flood, p50, p99 := mqttNames(via)
		note := mosqNote
		for i, row := range []struct{ name, unit, better string }{
			{flood, "msgs/s", "higher"}, {p50, "ms", "lower"}, {p99, "ms", "lower"},
		} {
			n := note
			if via == "embedded broker" && i == 0 {
				n = "Flowgate only"
			}
			if l := lost[row.name]; len(l) > 0 {
				n = strings.TrimSpace(n + " " + strings.Join(l, "; "))
			}
			figs = append(figs, fig(row.name, row.unit, row.better, n))
		}
	}
	for _, via := range []string{"mosquitto", "embedded broker"} {
		flood, p50, p99 := brokerAloneNames(via)
		n := via + " alone, same client, no relay"
		if via == "mosquitto" && mosq == nil {
			n = mosqNote
		}
		figs = append(figs, fig(flood, "msgs/s", "", n), fig(p50, "ms", "", ""), fig(p99, "ms", "", ""))
	}
	figs = append(figs,
		fig("start-up to first GET /flows", "ms", "lower", ""),
		fig("idle RSS", "MiB", "lower", ""),
		fig(idleBrokerFig, "MiB", "", "Flowgate only; goal (issue 8): under 25 MB"),
		fig("RSS after load", "MiB", "lower", ""),
		fig("peak RSS", "MiB", "lower", ""),
		fig("binary size", "MiB", "", "Flowgate: the whole program"),
	)
	// The cross-built binaries `make dist` writes beside --bin (DIST_ARM64,
	// DIST_ARMV7 in the Makefile).
	for _, d := range []struct{ name, file string }{
		{"binary size, linux/arm64", "flowgate-linux-arm64"},
		{"binary size, linux/arm (ARMv7)", "flowgate-linux-armv7"},
	} {
		f := Figure{Name: d.name, Unit: "MiB", Note: "Flowgate only; n/a (run make dist)"}
		if st, err := os.Stat(filepath.Join(filepath.Dir(o.bin), d.file)); err == nil {
			f.Flowgate, f.Note = ptr(float64(st.Size())/(1<<20)), "Flowgate only; "+d.file+", stripped"
		}
		figs = append(figs, f)
	}
	if o.compare {
		figs = append(figs, fig("install size", "MiB", "", "Node-RED: node_modules, node itself not counted"))
	}
	rep.Figures = figs
	printTable(o.out, rep, o.compare)
	if o.jsonOut != "" {
		data, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(o.jsonOut, append(data, '\n'), 0o644); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// mqttFloor is the row of the flood through mosquitto without a relay.
const mqttFloor = "floor: mosquitto, publisher → subscriber"

// idleBrokerFig is the idle RSS of a fresh Flowgate with the embedded
// broker on and the welcome flow (written on first start) running.
const idleBrokerFig = "idle RSS, --broker on, welcome flow"

// brokerAloneNames are the rows of a broker alone: one client publishing
// to and subscribing to one topic, no relay.
func brokerAloneNames(via string) (flood, p50, p99 string) {
	flood = "floor: " + via + ", publisher → subscriber"
	return flood, fmt.Sprintf("  %s alone, %d msg/s: latency p50", via, mqttRate),
		fmt.Sprintf("  %s alone, %d msg/s: latency p99", via, mqttRate)
}

func addBrokerAlone(S samples, via string, flood, p50, p99 float64) {
	f, l50, l99 := brokerAloneNames(via)
	S.add(f, "Flowgate", flood)
	S.add(l50, "Flowgate", p50)
	S.add(l99, "Flowgate", p99)
}

// brokerAlone floods the broker at addr with k messages (msgs/s), then
// paces it at mqttRate for pace (latency p50, p99 in ms), publishing to
// and subscribing to one topic.
func brokerAlone(addr string, k int, pace, timeout time.Duration) (flood, p50, p99 float64, err error) {
	rc, err := newTopicClient(addr, "bench/floor", "bench/floor")
	if err != nil {
		return 0, 0, 0, err
	}
	defer rc.close()
	if err := rc.check(); err != nil {
		return 0, 0, 0, err
	}
	if flood, err = rc.flood(k, timeout); err != nil {
		return 0, 0, 0, err
	}
	p50, p99, err = rc.paced(mqttRate, pace)
	return flood, p50, p99, err
}

// loadAvg is the 1-minute load average, from /proc/loadavg.
func loadAvg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f, _, _ := strings.Cut(string(data), " ")
	return f
}

// mqttRate is the paced relay's rate, messages per second.
const mqttRate = 200

// mqttNames are the rows of the relay through via.
func mqttNames(via string) (flood, p50, p99 string) {
	return "mqtt in → change → mqtt out, " + via,
		fmt.Sprintf("  %s, %d msg/s: latency p50", via, mqttRate),
		fmt.Sprintf("  %s, %d msg/s: latency p99", via, mqttRate)
}

// withEmbeddedBroker starts an instance of fg with its embedded broker on
// a free loopback port and a fresh data directory, runs f, and stops it.
func withEmbeddedBroker(fg *system, f func(p *proc, port int) error) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	p, _, err := fg.startWith("--broker", addr)
	if err != nil {
		return fmt.Errorf("Flowgate --broker %s: %w", addr, err)
	}
	defer p.stop()
	return f(p, port)
}

func chainName(kind string, n int) string {
	return fmt.Sprintf("split → 10 × %s → join, N=%s", kind, thousands(n))
}

// prepare deploys the bench flows to p and checks the http flow answers.
// extra flows are deployed with them.
func prepare(p *proc, function bool, extra ...string) error {
	flows := []string{httpFlow, chainFlow("change")}
	if function {
		flows = append(flows, chainFlow("function"))
	}
	flows = append(flows, extra...)
	flow, err := concatFlows(flows...)
	if err != nil {
		return err
	}
	if err := p.deploy(flow); err != nil {
		return err
	}
	return checkHTTP(p.base)
}

// checkHTTP waits up to 10s for the http flow to answer, then checks the
// answer: a deploy may return before the flows have started.
func checkHTTP(base string) error {
	var body string
	var err error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if body, err = get(base + "/bench"); err == nil {
			break
		}
	}
	if err != nil || strings.TrimSpace(body) != httpWant {
		return fmt.Errorf("http flow answered %q, %v; want %s", body, err, httpWant)
	}
	return nil
}

func printTable(w io.Writer, rep *Report, compare bool) {
	fmt.Fprintf(w, "flowgate-bench %s on %s (%d cores, load average %s); %d connections, %s per load run, median of %d run(s)\n",
		rep.Date, rep.CPU, rep.Cores, rep.Load, rep.Conns, rep.Duration, rep.Runs)
	fmt.Fprintf(w, "versions: %s; bench %s", rep.Versions["flowgate"], rep.Versions["bench"])
	if compare {
		fmt.Fprintf(w, "; %s", rep.Versions["nodered"])
	}
	if v := rep.Versions["mosquitto"]; v != "" {
		fmt.Fprintf(w, "; %s", v)
	}
	fmt.Fprint(w, "\n\n")
	const row = "%-50s %-7s %10s"
	if compare {
		fmt.Fprintf(w, row+" %10s %7s\n", "figure", "unit", "Flowgate", "Node-RED", "ratio")
	} else {
		fmt.Fprintf(w, row+"\n", "figure", "unit", "Flowgate")
	}
	for _, f := range rep.Figures {
		line := fmt.Sprintf(row, f.Name, f.Unit, num(f.Flowgate))
		if compare {
			r := ""
			if f.Ratio != nil {
				r = strconv.FormatFloat(*f.Ratio, 'f', 1, 64) + "×"
			}
			line += fmt.Sprintf(" %10s %7s", num(f.NodeRED), r)
		}
		if f.Note != "" {
			line += "  " + f.Note
		}
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
	if compare {
		fmt.Fprintln(w, "\nratio: how many times Flowgate is ahead (>1× = Flowgate better; throughput FG/NR, time and memory NR/FG)")
	}
}

func num(v *float64) string {
	if v == nil {
		return "n/a"
	}
	switch a := math.Abs(*v); {
	case a >= 1000:
		return thousands(int(math.Round(*v)))
	case a >= 100:
		return strconv.FormatFloat(*v, 'f', 0, 64)
	case a >= 10:
		return strconv.FormatFloat(*v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(*v, 'f', 2, 64)
	}
}

func thousands(n int) string {
	s := strconv.Itoa(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func ptr(v float64) *float64 { return &v }

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 0 {
		return (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return s[len(s)/2]
}

func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if strings.HasPrefix(line, "model name") {
			if i := strings.IndexByte(line, ':'); i > 0 {
				return strings.TrimSpace(line[i+1:])
			}
		}
	}
	return runtime.GOARCH
}
