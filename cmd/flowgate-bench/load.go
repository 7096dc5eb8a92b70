package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The flows both systems run, in Node-RED's format.
const httpFlow = `[{"id":"bt","type":"tab","label":"bench"},
{"id":"in","type":"http in","z":"bt","url":"/bench","method":"get","upload":false,"swaggerDoc":"","wires":[["ch"]]},
{"id":"ch","type":"change","z":"bt","rules":[{"t":"set","p":"payload","pt":"msg","to":"{\"ok\":true}","tot":"json"}],"action":"","property":"","from":"","to":"","reg":false,"wires":[["res"]]},
{"id":"res","type":"http response","z":"bt","statusCode":"","headers":{},"wires":[]}]`

const httpWant = `{"ok":true}`

// chainFlow is http in (POST /chain-<kind>) → split → 10 × kind → join →
// http response, on its own tab, ids prefixed by kind. kind "change" sets
// msg.topic at each step and leaves the payload alone; kind "function" adds
// 1 to the payload at each step.
func chainFlow(kind string) string {
	var b strings.Builder
	k := kind[:1]
	fmt.Fprintf(&b, `[{"id":"%[1]st","type":"tab","label":"chain %[2]s"},
{"id":"%[1]sin","type":"http in","z":"%[1]st","url":"/chain-%[2]s","method":"post","upload":false,"swaggerDoc":"","wires":[["%[1]ssplit"]]},
{"id":"%[1]ssplit","type":"split","z":"%[1]st","splt":"\\n","spltType":"str","arraySplt":1,"arraySpltType":"len","stream":false,"addname":"","property":"payload","wires":[["%[1]s0"]]},`+"\n", k, kind)
	for i := range 10 {
		next := fmt.Sprintf("%s%d", k, i+1)
		if i == 9 {
			next = k + "join"
		}
		switch kind {
		case "change":
			fmt.Fprintf(&b, `{"id":"%s%d","type":"change","z":"%st","rules":[{"t":"set","p":"topic","pt":"msg","to":"step%d","tot":"str"}],"action":"","property":"","from":"","to":"","reg":false,"wires":[["%s"]]},`+"\n", k, i, k, i, next)
		case "function":
			fmt.Fprintf(&b, `{"id":"%s%d","type":"function","z":"%st","func":"msg.payload += 1;\nreturn msg;","outputs":1,"timeout":0,"noerr":0,"initialize":"","finalize":"","libs":[],"wires":[["%s"]]},`+"\n", k, i, k, next)
		}
	}
	fmt.Fprintf(&b, `{"id":"%[1]sjoin","type":"join","z":"%[1]st","mode":"auto","build":"object","property":"payload","propertyType":"msg","key":"topic","joiner":"\\n","joinerType":"str","useparts":false,"accumulate":false,"timeout":"","count":"","reduceRight":false,"reduceExp":"","reduceInit":"","reduceInitType":"","reduceFixup":"","wires":[["%[1]sres"]]},
{"id":"%[1]sres","type":"http response","z":"%[1]st","statusCode":"","headers":{},"wires":[]}]`, k)
	return b.String()
}

// concatFlows joins Node-RED flow arrays into one.
func concatFlows(flows ...string) (string, error) {
	var all []json.RawMessage
	for _, f := range flows {
		var part []json.RawMessage
		if err := json.Unmarshal([]byte(f), &part); err != nil {
			return "", fmt.Errorf("bench flow: %w", err)
		}
		all = append(all, part...)
	}
	b, err := json.Marshal(all)
	return string(b), err
}

// chainBody is the JSON array 0..n-1.
func chainBody(n int) []byte {
	b := make([]byte, 0, n*7)
	b = append(b, '[')
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(i), 10)
	}
	return append(b, ']')
}

// chain POSTs the array 0..n-1 to base/chain, checks the answer holds n
// items each equal to its index plus add, and returns items per second
// (request sent to answer read).
// A chain answer that takes longer than timeout is errTimeout.
func chain(base, kind string, n int, add float64, timeout time.Duration) (float64, error) {
	body := chainBody(n)
	c := &http.Client{Timeout: timeout}
	t0 := time.Now()
	resp, err := c.Post(base+"/chain-"+kind, "application/json", strings.NewReader(string(body)))
	if err != nil {
		return 0, timeoutErr(err)
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	el := time.Since(t0)
	if err != nil {
		return 0, timeoutErr(err)
	}
	if resp.StatusCode != 200 {
		return 0, fmt.Errorf("chain: %s: %.200s", resp.Status, raw)
	}
	var got []float64
	if err := json.Unmarshal(raw, &got); err != nil {
		return 0, fmt.Errorf("chain answer is not an array of numbers: %.200s", raw)
	}
	if len(got) != n {
		return 0, fmt.Errorf("chain answered %d items, want %d", len(got), n)
	}
	for i, v := range got {
		if v != float64(i)+add {
			return 0, fmt.Errorf("chain item %d is %v, want %v", i, v, float64(i)+add)
		}
	}
	return float64(n) / el.Seconds(), nil
}

// errTimeout is a chain that did not answer in time.
var errTimeout = errors.New("no answer in time")

func timeoutErr(err error) error {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return errTimeout
	}
	return err
}

type loadResult struct{ rps, p50, p99 float64 }

// load runs conns keep-alive clients against url for d, counting answers
// with status 200.
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

// bareFloor is the same load against a bare net/http handler that writes
// the same answer: what the machine and the load generator allow.
func bareFloor(conns int, d time.Duration) (loadResult, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return loadResult{}, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = io.WriteString(w, httpWant)
	})}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	return load("http://"+ln.Addr().String()+"/", conns, d), nil
}
