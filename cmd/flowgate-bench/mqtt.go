package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// mqttFlow is mqtt in (<prefix>/in) → change (msg.topic = <prefix>/out) →
// mqtt out, with an mqtt-broker node pointing at 127.0.0.1:port, in
// Node-RED's format (the properties the Node-RED 4 editor writes). Each
// system relays its own prefix, so two systems can share one broker.
func mqttFlow(port int, prefix string) string {
	return fmt.Sprintf(`[{"id":"mt","type":"tab","label":"mqtt relay"},
{"id":"mb","type":"mqtt-broker","name":"bench","broker":"127.0.0.1","port":"%[1]d","clientid":"","autoConnect":true,"usetls":false,"protocolVersion":"4","keepalive":"60","cleansession":true,"autoUnsubscribe":true,"birthTopic":"","birthQos":"0","birthRetain":"false","birthPayload":"","birthMsg":{},"closeTopic":"","closeQos":"0","closeRetain":"false","closePayload":"","closeMsg":{},"willTopic":"","willQos":"0","willRetain":"false","willPayload":"","willMsg":{},"userProps":"","sessionExpiry":""},
{"id":"mi","type":"mqtt in","z":"mt","name":"","topic":"%[2]s/in","qos":"0","datatype":"utf8","broker":"mb","nl":false,"rap":true,"rh":0,"inputs":0,"wires":[["mc"]]},
{"id":"mc","type":"change","z":"mt","rules":[{"t":"set","p":"topic","pt":"msg","to":"%[2]s/out","tot":"str"}],"action":"","property":"","from":"","to":"","reg":false,"wires":[["mo"]]},
{"id":"mo","type":"mqtt out","z":"mt","name":"","topic":"","qos":"0","retain":"false","respTopic":"","contentType":"","userProps":"","correl":"","expiry":"","broker":"mb","wires":[]}]`, port, prefix)
}

// mqttPrefix is the topic prefix a system relays.
func mqttPrefix(sys string) string {
	return "bench/" + strings.ToLower(strings.ReplaceAll(sys, "-", ""))
}

// findMosquitto returns the mosquitto binary: on PATH or in /usr/sbin
// (Debian's place, often not on a user's PATH); "" when there is none.
func findMosquitto() string {
	if p, err := exec.LookPath("mosquitto"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/sbin/mosquitto"); err == nil {
		return "/usr/sbin/mosquitto"
	}
	return ""
}

// mosquitto is a running mosquitto on a loopback port.
type mosquitto struct {
	port int
	p    *proc
}

// mosquittoConf: loopback only, anonymous, nothing on disk, and no bound
// on the queue of a slow subscriber, so a flood is relayed, not dropped.
const mosquittoConf = `listener %d 127.0.0.1
allow_anonymous true
persistence false
max_queued_messages 0
set_tcp_nodelay true
log_dest none
`

// startMosquitto starts bin with a temporary config on a free loopback
// port and returns once it accepts connections.
func startMosquitto(bin string) (*mosquitto, error) {
	dir, err := os.MkdirTemp("", "flowgate-bench-mosquitto-")
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	conf := filepath.Join(dir, "mosquitto.conf")
	if err := os.WriteFile(conf, fmt.Appendf(nil, mosquittoConf, port), 0o644); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	cmd := exec.Command(bin, "-c", conf)
	cmd.Stderr = os.Stderr
	p, err := launch(cmd, dir, "")
	if err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return &mosquitto{port: port, p: p}, nil
		}
		select {
		case <-p.exited:
			os.RemoveAll(dir)
			return nil, fmt.Errorf("%s exited at start", bin)
		default:
		}
	}
	p.stop()
	return nil, fmt.Errorf("%s did not listen on %s within 10s", bin, addr)
}

// relayClient is a publisher and a subscriber on one broker: it publishes
// "<round> <seq> <unix ns>" to one topic (<prefix>/in) and collects what
// comes back on another (<prefix>/out).
type relayClient struct {
	pub, sub paho.Client
	in, out  string

	mu    sync.Mutex // guards the fields below, written by paho's router
	round int        // only this round's messages count (late ones do not)
	seen  []bool     // seq → arrived; only seqs below len(seen) count
	got   int        // distinct seqs arrived
	lat   []float64  // ms, send to receipt, of the arrived seqs
	all   chan struct{}
}

func mqttClient(addr string) (paho.Client, error) {
	o := paho.NewClientOptions().AddBroker("tcp://" + addr).
		SetClientID(fmt.Sprintf("flowgate-bench-%d-%d", os.Getpid(), time.Now().UnixNano())).
		SetCleanSession(true).SetAutoReconnect(false).SetConnectRetry(false).
		SetConnectTimeout(10 * time.Second).SetWriteTimeout(10 * time.Second)
	c := paho.NewClient(o)
	if t := c.Connect(); !t.WaitTimeout(10*time.Second) || t.Error() != nil {
		return nil, fmt.Errorf("mqtt connect %s: %v", addr, t.Error())
	}
	return c, nil
}

func newRelayClient(addr, prefix string) (*relayClient, error) {
	return newTopicClient(addr, prefix+"/in", prefix+"/out")
}

// newTopicClient publishes to in and collects from out; with in == out it
// measures the broker and this client alone (the floor).
func newTopicClient(addr, in, out string) (*relayClient, error) {
	rc := &relayClient{in: in, out: out}
	var err error
	if rc.sub, err = mqttClient(addr); err != nil {
		return nil, err
	}
	t := rc.sub.Subscribe(out, 0, func(_ paho.Client, m paho.Message) {
		now := time.Now().UnixNano()
		f := strings.Fields(string(m.Payload()))
		if len(f) != 3 {
			return
		}
		round, err0 := strconv.Atoi(f[0])
		seq, err1 := strconv.Atoi(f[1])
		ts, err2 := strconv.ParseInt(f[2], 10, 64)
		if err0 != nil || err1 != nil || err2 != nil {
			return
		}
		rc.mu.Lock()
		defer rc.mu.Unlock()
		if round != rc.round || seq < 0 || seq >= len(rc.seen) || rc.seen[seq] {
			return
		}
		rc.seen[seq] = true
		rc.got++
		rc.lat = append(rc.lat, float64(now-ts)/1e6)
		if rc.got == len(rc.seen) {
			close(rc.all)
		}
	})
	if !t.WaitTimeout(10*time.Second) || t.Error() != nil {
		rc.sub.Disconnect(0)
		return nil, fmt.Errorf("mqtt subscribe: %v", t.Error())
	}
	if rc.pub, err = mqttClient(addr); err != nil {
		rc.sub.Disconnect(0)
		return nil, err
	}
	return rc, nil
}

func (rc *relayClient) close() {
	rc.pub.Disconnect(50)
	rc.sub.Disconnect(50)
}

// expect starts a round of k messages.
func (rc *relayClient) expect(k int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.round++
	rc.seen, rc.got, rc.lat, rc.all = make([]bool, k), 0, rc.lat[:0], make(chan struct{})
}

// publish sends message seq of the current round.
func (rc *relayClient) publish(seq int) paho.Token {
	rc.mu.Lock()
	round := rc.round
	rc.mu.Unlock()
	return rc.pub.Publish(rc.in, 0, false, fmt.Sprintf("%d %d %d", round, seq, time.Now().UnixNano()))
}

// wait waits for the round to complete or timeout and returns how many
// arrived and when the wait ended.
func (rc *relayClient) wait(timeout time.Duration) (int, time.Time) {
	rc.mu.Lock()
	all := rc.all
	rc.mu.Unlock()
	select {
	case <-all:
	case <-time.After(timeout):
	}
	end := time.Now()
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.got, end
}

// check waits up to 10s for the relay to answer: a deploy may return before
// the mqtt in node has subscribed, so one message is sent again and again.
func (rc *relayClient) check() error {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		rc.expect(1)
		rc.publish(0)
		if got, _ := rc.wait(200 * time.Millisecond); got == 1 {
			return nil
		}
	}
	return fmt.Errorf("mqtt relay %s → %s did not answer within 10s", rc.in, rc.out)
}

var errLost = errors.New("messages lost")

// flood publishes k messages at QoS 0 as fast as the client writes them
// and returns messages per second, first publish to k-th relayed message.
// Fewer than k back within timeout is errLost (with the count).
func (rc *relayClient) flood(k int, timeout time.Duration) (float64, error) {
	rc.expect(k)
	t0 := time.Now()
	var last paho.Token
	for i := range k {
		last = rc.publish(i)
	}
	last.WaitTimeout(timeout)
	got, end := rc.wait(timeout - time.Since(t0))
	if got < k {
		return 0, fmt.Errorf("%w: %d of %d relayed within %s", errLost, got, k, timeout)
	}
	return float64(k) / end.Sub(t0).Seconds(), nil
}

// paced publishes at rate messages per second for d and returns the p50
// and p99 latency (ms) of the relayed messages, all of which must arrive
// within 5s after the last one is sent.
func (rc *relayClient) paced(rate int, d time.Duration) (p50, p99 float64, err error) {
	k := int(float64(rate) * d.Seconds())
	rc.expect(k)
	gap := time.Second / time.Duration(rate)
	t0 := time.Now()
	for i := range k {
		time.Sleep(time.Until(t0.Add(time.Duration(i) * gap)))
		rc.publish(i)
	}
	got, _ := rc.wait(5 * time.Second)
	if got < k {
		return 0, 0, fmt.Errorf("%w: %d of %d relayed", errLost, got, k)
	}
	rc.mu.Lock()
	lat := slices.Clone(rc.lat)
	rc.mu.Unlock()
	slices.Sort(lat)
	return lat[len(lat)/2], lat[len(lat)*99/100], nil
}
