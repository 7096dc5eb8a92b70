// Command flowgate-soak runs mixed traffic against a Flowgate binary for a
// while and reports its memory and goroutines over time: http in round
// trips (each answer checked), inject nodes firing every 10 ms into a
// rate-limiting delay, the time-series store written in batches, and a
// redeploy of the changing tab every few seconds, and numbered QoS 1 MQTT
// messages through the embedded broker into an mqtt in → change → mqtt out
// flow (on a tab the redeploys leave alone) and back. It exits non-zero on
// any failed or wrong answer, any lost MQTT message, or when the goroutine
// count does not come back to its starting level.
//
//	go run ./cmd/flowgate-soak -bin bin/flowgate -d 3m
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	bin := flag.String("bin", "bin/flowgate", "the flowgate binary")
	dur := flag.Duration("d", 3*time.Minute, "how long to run")
	every := flag.Duration("deploy", 5*time.Second, "redeploy the changing tab this often")
	clients := flag.Int("c", 4, "concurrent http clients")
	report := flag.Duration("report", 15*time.Second, "report figures this often")
	rate := flag.Int("mqtt-rate", 200, "MQTT messages published per second")
	flag.Parse()
	if err := run(*bin, *dur, *every, *clients, *report, *rate); err != nil {
		fmt.Fprintln(os.Stderr, "flowgate-soak:", err)
		os.Exit(1)
	}
}

// soakFlow is the deployment: tab "web" (never changed) echoes requests;
// tab "bg" (changed on every redeploy, version v) has inject nodes every
// 10 ms into a rate limit, and one every 100 ms into the time-series store;
// tab "mq" (never changed) answers each MQTT message on soak/in/N with
// "soak/in/N" on soak/out, through the embedded broker at host:port.
func soakFlow(v int, host, port string) []byte {
	return fmt.Appendf(nil, `[{"id":"web","type":"tab","label":"web"},
{"id":"in","type":"http in","z":"web","url":"/soak/:n","method":"get","upload":false,"swaggerDoc":"","wires":[["ch"]]},
{"id":"ch","type":"change","z":"web","rules":[{"t":"set","p":"payload","pt":"msg","to":"req.params.n","tot":"msg"}],"wires":[["tpl"]]},
{"id":"tpl","type":"template","z":"web","field":"payload","fieldType":"msg","format":"handlebars","syntax":"mustache","template":"echo {{payload}}","output":"str","wires":[["out"]]},
{"id":"out","type":"http response","z":"web","statusCode":"","headers":{},"wires":[]},
{"id":"bg","type":"tab","label":"background v%d"},
{"id":"tick","type":"inject","z":"bg","props":[{"p":"payload"}],"repeat":"0.01","crontab":"","once":true,"onceDelay":0,"topic":"","payload":"","payloadType":"date","wires":[["fn"]]},
{"id":"fn","type":"function","z":"bg","func":"msg.payload = {v: %d, t: msg.payload}; return msg;","outputs":1,"timeout":0,"noerr":0,"initialize":"","finalize":"","libs":[],"wires":[["lim"]]},
{"id":"lim","type":"delay","z":"bg","pauseType":"rate","timeout":"5","timeoutUnits":"seconds","rate":"5","nbRateUnits":"1","rateUnits":"second","randomFirst":"1","randomLast":"5","randomUnits":"seconds","drop":true,"allowrate":false,"outputs":1,"wires":[[]]},
{"id":"tick2","type":"inject","z":"bg","props":[{"p":"payload"},{"p":"topic","vt":"str"}],"repeat":"0.1","crontab":"","once":true,"onceDelay":0,"topic":"soak/v%d","payload":"","payloadType":"date","wires":[["st"]]},
{"id":"st","type":"store in","z":"bg","topic":"","batch":50,"flush":500,"maxAge":0,"maxAgeUnits":"days","maxRows":1000,"wires":[]},
{"id":"mb","type":"mqtt-broker","name":"embedded","broker":%q,"port":%q,"clientid":"flowgate-soak-flow","autoConnect":true,"usetls":false,"protocolVersion":"4","keepalive":"60","cleansession":true},
{"id":"mq","type":"tab","label":"mqtt"},
{"id":"mqin","type":"mqtt in","z":"mq","name":"","topic":"soak/in/#","qos":"1","datatype":"utf8","broker":"mb","nl":false,"rap":true,"rh":0,"inputs":0,"wires":[["mqch"]]},
{"id":"mqch","type":"change","z":"mq","rules":[{"t":"set","p":"payload","pt":"msg","to":"topic","tot":"msg"}],"wires":[["mqout"]]},
{"id":"mqout","type":"mqtt out","z":"mq","name":"","topic":"soak/out","qos":"1","retain":"false","respTopic":"","contentType":"","userProps":"","correl":"","expiry":"","broker":"mb","wires":[]}]`, v, v, v, host, port)
}

type sample struct {
	at         time.Duration
	rss, gor   float64
	requests   int64
	deploys    int64
	failures   int64
	nodesDrops float64
	mqttSent   int64
	mqttGot    int64
}

// freeAddr returns a loopback address with a port free a moment ago.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func run(bin string, dur, every time.Duration, clients int, report time.Duration, rate int) error {
	dir, err := os.MkdirTemp("", "flowgate-soak-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	brokerAddr, err := freeAddr()
	if err != nil {
		return err
	}
	brokerHost, brokerPort, _ := net.SplitHostPort(brokerAddr)
	var logs bytes.Buffer
	cmd := exec.Command(bin, "--listen", addr, "--data", filepath.Join(dir, "data"), "--broker", brokerAddr, "--hw", "off", "--log-level", "warn")
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
		}
	}()
	base := "http://" + addr
	client := &http.Client{Timeout: 10 * time.Second}
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if resp, err := client.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("flowgate did not start:\n%s", logs.String())
		}
	}
	deploy := func(v int, typ string) error {
		req, _ := http.NewRequest("POST", base+"/flows", bytes.NewReader(soakFlow(v, brokerHost, brokerPort)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Node-RED-Deployment-Type", typ)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode >= 300 {
			b, _ := io.ReadAll(resp.Body)
			return fmt.Errorf("deploy v%d: %d %s", v, resp.StatusCode, b)
		}
		return nil
	}
	if err := deploy(0, "full"); err != nil {
		return err
	}
	mq, err := startMQTT(brokerAddr, rate)
	if err != nil {
		return fmt.Errorf("%w\n%s", err, logs.String())
	}
	defer mq.close()
	time.Sleep(time.Second) // settle before the first figures
	start := time.Now()
	first, err := scrape(client, base)
	if err != nil {
		return err
	}

	ctx, cancel := context.WithTimeout(context.Background(), dur)
	defer cancel()
	ctx, stopSig := signal.NotifyContext(ctx, os.Interrupt)
	defer stopSig()
	var requests, deploys, failures atomic.Int64
	var errMu sync.Mutex // guards firstErr
	var firstErr error
	fail := func(err error) {
		if failures.Add(1) == 1 {
			errMu.Lock()
			firstErr = err
			errMu.Unlock()
		}
	}
	var wg sync.WaitGroup
	wg.Go(func() { mq.publish(ctx, fail) })
	for c := range clients {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				n := strconv.Itoa(c*1_000_000_000 + i)
				resp, err := client.Get(base + "/soak/" + n)
				if err != nil {
					if ctx.Err() == nil {
						fail(err)
					}
					continue
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || string(b) != "echo "+n {
					fail(fmt.Errorf("GET /soak/%s = %d %q", n, resp.StatusCode, b))
					continue
				}
				requests.Add(1)
			}
		})
	}
	wg.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for v := 1; ; v++ {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			mq.deploying(true)
			err := deploy(v, "flows")
			mq.deploying(false)
			if err != nil {
				fail(err)
				continue
			}
			deploys.Add(1)
		}
	})
	var samples []sample
	take := func() error {
		m, err := scrape(client, base)
		if err != nil {
			return err
		}
		s := sample{at: time.Since(start).Round(time.Second), rss: m["process_resident_memory_bytes"], gor: m["go_goroutines"],
			requests: requests.Load(), deploys: deploys.Load(), failures: failures.Load(), nodesDrops: m["flowgate_messages_dropped_total"],
			mqttSent: mq.sent.Load(), mqttGot: mq.unique.Load()}
		samples = append(samples, s)
		fmt.Printf("%8v  RSS %6.1f MB  goroutines %4.0f  requests %8d  deploys %4d  failures %d  dropped %v  mqtt %d/%d\n",
			s.at, s.rss/1e6, s.gor, s.requests, s.deploys, s.failures, s.nodesDrops, s.mqttGot, s.mqttSent)
		return nil
	}
	fmt.Printf("%8v  RSS %6.1f MB  goroutines %4.0f  (after the first deploy)\n", time.Duration(0), first["process_resident_memory_bytes"]/1e6, first["go_goroutines"])
	tick := time.NewTicker(report)
	for ctx.Err() == nil {
		select {
		case <-ctx.Done():
		case <-tick.C:
			if err := take(); err != nil {
				fail(err)
			}
		}
	}
	tick.Stop()
	wg.Wait()
	mqr := mq.drain(10 * time.Second)
	// the last redeploy's nodes settle, idle keep-alive connections go
	client.CloseIdleConnections()
	time.Sleep(2 * time.Second)
	if err := take(); err != nil {
		return err
	}
	last := samples[len(samples)-1]
	el := time.Since(start).Seconds()
	fmt.Printf("\n%d requests (%.0f/s), %d deploys, %d failures; RSS %.1f → %.1f MB (peak %.1f); goroutines %.0f → %.0f\n",
		last.requests, float64(last.requests)/el, last.deploys, last.failures,
		first["process_resident_memory_bytes"]/1e6, last.rss/1e6, peak(samples)/1e6, first["go_goroutines"], last.gor)
	fmt.Printf("mqtt: %d sent (%.0f/s), %d received, %d duplicates, %d lost (%d of them published during a redeploy)\n",
		mqr.sent, float64(mqr.sent)/el, mqr.received, mqr.dups, mqr.lost, mqr.lostInDeploy)
	select {
	case err := <-exited:
		return fmt.Errorf("flowgate exited during the soak: %v\n%s", err, logs.String())
	default:
	}
	if firstErr != nil {
		return fmt.Errorf("%d failures, the first: %w", last.failures, firstErr)
	}
	if mqr.strange > 0 {
		return fmt.Errorf("%d unexpected MQTT messages on soak/out", mqr.strange)
	}
	if mqr.lost > 0 {
		return fmt.Errorf("%d MQTT messages lost (%d published during a redeploy; the mqtt tab is not redeployed, so none may be lost), the first: soak/in/%d",
			mqr.lost, mqr.lostInDeploy, mqr.firstLost)
	}
	if last.gor > first["go_goroutines"]+5 {
		return fmt.Errorf("goroutines grew from %.0f to %.0f", first["go_goroutines"], last.gor)
	}
	if logs.Len() > 0 {
		fmt.Printf("\nflowgate warnings:\n%s", tail(logs.String(), 20))
	}
	return nil
}

func peak(ss []sample) float64 {
	var p float64
	for _, s := range ss {
		p = max(p, s.rss)
	}
	return p
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n") + "\n"
}

// scrape returns the samples of GET /metrics by their full name.
func scrape(client *http.Client, base string) (map[string]float64, error) {
	resp, err := client.Get(base + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("GET /metrics = %d", resp.StatusCode)
	}
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
	return out, sc.Err()
}
