// Command flowgate-bench measures a built flowgate binary as a user sees it:
// binary size, start-up time to the first answered GET /flows, idle RSS,
// requests per second and latency of an `http in → change → http response`
// flow under a 32-connection load generator, RSS after the load and peak
// RSS, with a bare net/http handler on the same machine as the floor.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

func main() {
	bin := flag.String("bin", "bin/flowgate", "flowgate binary to measure")
	conns := flag.Int("c", 32, "load generator connections")
	dur := flag.Duration("d", 5*time.Second, "load duration per run")
	runs := flag.Int("runs", 3, "runs per figure (the median is reported)")
	out := flag.String("json", "", "also write the figures as JSON to this file")
	flag.Parse()
	if err := run(*bin, *conns, *dur, *runs, *out); err != nil {
		fmt.Fprintln(os.Stderr, "flowgate-bench:", err)
		os.Exit(1)
	}
}

// Figure is one measured value.
type Figure struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
}

func run(bin string, conns int, dur time.Duration, runs int, out string) error {
	var figs []Figure
	add := func(name string, v float64, unit string) { figs = append(figs, Figure{name, v, unit}) }

	st, err := os.Stat(bin)
	if err != nil {
		return err
	}
	add("binary size", float64(st.Size())/(1<<20), "MiB")

	var starts []float64
	for range runs {
		p, d, err := startFlowgate(bin)
		if err != nil {
			return err
		}
		starts = append(starts, d.Seconds()*1000)
		p.stop()
	}
	add("start-up to first GET /flows", median(starts), "ms")

	p, _, err := startFlowgate(bin)
	if err != nil {
		return err
	}
	defer p.stop()
	time.Sleep(time.Second) // let start-up garbage settle before reading idle RSS
	add("idle RSS", p.rssMiB("VmRSS"), "MiB")

	flow := `[{"id":"t","type":"tab","label":"bench"},
	{"id":"in","type":"http in","z":"t","url":"/bench","method":"get","wires":[["ch"]]},
	{"id":"ch","type":"change","z":"t","rules":[{"t":"set","p":"payload","pt":"msg","to":"{\"ok\":true}","tot":"json"}],"wires":[["res"]]},
	{"id":"res","type":"http response","z":"t","wires":[]}]`
	if err := deploy(p.base, flow); err != nil {
		return err
	}
	if body, err := get(p.base + "/bench"); err != nil || strings.TrimSpace(body) != `{"ok":true}` {
		return fmt.Errorf("http flow answered %q, %v; want {\"ok\":true}", body, err)
	}
	var rps, p50, p99 []float64
	for range runs {
		r := load(p.base+"/bench", conns, dur)
		rps, p50, p99 = append(rps, r.rps), append(p50, r.p50), append(p99, r.p99)
	}
	add("http in → change → http response", median(rps), "req/s")
	add("  latency p50", median(p50), "ms")
	add("  latency p99", median(p99), "ms")
	add("RSS after load", p.rssMiB("VmRSS"), "MiB")
	add("peak RSS", p.rssMiB("VmHWM"), "MiB")

	floor, err := bareFloor(conns, dur)
	if err != nil {
		return err
	}
	add("floor: bare net/http handler", floor.rps, "req/s")

	cpu := cpuModel()
	fmt.Printf("flowgate-bench on %s (%d cores), %s, %d connections, %s per run, median of %d\n\n", cpu, runtime.NumCPU(), runtime.Version(), conns, dur, runs)
	for _, f := range figs {
		fmt.Printf("%-40s %12s %s\n", f.Name, strconv.FormatFloat(f.Value, 'f', 1, 64), f.Unit)
	}
	if out != "" {
		data, _ := json.MarshalIndent(map[string]any{"cpu": cpu, "cores": runtime.NumCPU(), "go": runtime.Version(), "figures": figs}, "", "  ")
		return os.WriteFile(out, data, 0o644)
	}
	return nil
}

type proc struct {
	cmd  *exec.Cmd
	dir  string
	base string
}

func startFlowgate(bin string) (*proc, time.Duration, error) {
	dir, err := os.MkdirTemp("", "flowgate-bench-")
	if err != nil {
		return nil, 0, err
	}
	port, err := freePort()
	if err != nil {
		return nil, 0, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	cmd := exec.Command(bin, "--listen", addr, "--data", filepath.Join(dir, "data"), "--broker", "off", "--hw", "off", "--log-level", "warn")
	cmd.Stderr = os.Stderr
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, 0, err
	}
	p := &proc{cmd: cmd, dir: dir, base: "http://" + addr}
	for deadline := t0.Add(10 * time.Second); time.Now().Before(deadline); {
		if _, err := get(p.base + "/flows"); err == nil {
			return p, time.Since(t0), nil
		}
		time.Sleep(time.Millisecond)
	}
	p.stop()
	return nil, 0, errors.New("flowgate did not answer GET /flows within 10s")
}

func (p *proc) stop() {
	_ = p.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
	}
	os.RemoveAll(p.dir)
}

func (p *proc) rssMiB(field string) float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, field+":") {
			f := strings.Fields(line)
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

var client = &http.Client{Timeout: 10 * time.Second}

func get(url string) (string, error) {
	resp, err := client.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return string(b), fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return string(b), err
}

func deploy(base, flow string) error {
	resp, err := client.Post(base+"/flows", "application/json", bytes.NewBufferString(flow))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("deploy: %s: %s", resp.Status, b)
	}
	return nil
}

type loadResult struct{ rps, p50, p99 float64 }

// load runs conns keep-alive clients against url for d.
func load(url string, conns int, d time.Duration) loadResult {
	tr := &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	lat := make([][]float64, conns)
	var wg sync.WaitGroup
	t0 := time.Now()
	for i := range conns {
		wg.Go(func() {
			for ctx.Err() == nil {
				s := time.Now()
				resp, err := c.Get(url)
				if err != nil {
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == 200 {
					lat[i] = append(lat[i], float64(time.Since(s).Microseconds())/1000)
				}
			}
		})
	}
	wg.Wait()
	el := time.Since(t0).Seconds()
	all := slices.Concat(lat...)
	slices.Sort(all)
	if len(all) == 0 {
		return loadResult{}
	}
	return loadResult{rps: float64(len(all)) / el, p50: all[len(all)/2], p99: all[len(all)*99/100]}
}

func bareFloor(conns int, d time.Duration) (loadResult, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return loadResult{}, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = io.WriteString(w, `{"ok":true}`)
	})}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	return load("http://"+ln.Addr().String()+"/", conns, d), nil
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "model name") {
			if i := strings.IndexByte(line, ':'); i > 0 {
				return strings.TrimSpace(line[i+1:])
			}
		}
	}
	return runtime.GOARCH
}
