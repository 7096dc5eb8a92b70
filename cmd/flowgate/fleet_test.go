package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/flowgate/flowgate/runtime/fleet"
)

// TestFleet runs a real mosquitto and three Flowgate gateways (gw1 and gw2
// in group barn, gw3 alone) and drives them with `flowgate fleet`: list,
// deploy to one, deploy to a group, a gateway stopped during a deploy gets
// it on restart, rollback, and a deploy signed with another key and a
// replayed old one refused.
func TestFleet(t *testing.T) {
	broker := startMosquitto(t)
	keys := t.TempDir()
	if code, out, errs := fleetRun(t, "keygen", keys); code != 0 {
		t.Fatalf("keygen = %d %s %s", code, out, errs)
	}
	pub := filepath.Join(keys, "fleet.pub")
	join := func(id, group, data string) *instance {
		args := []string{"--fleet-broker", broker, "--fleet-id", id, "--fleet-pub", pub}
		if group != "" {
			args = append(args, "--fleet-group", group)
		}
		return start(t, data, args...)
	}
	gw2data := t.TempDir()
	gw1, gw2, gw3 := join("gw1", "barn", t.TempDir()), join("gw2", "barn", gw2data), join("gw3", "", t.TempDir())
	waitList(t, broker, "gw1 barn online", "gw2 barn online", "gw3 - online")

	t.Run("list", func(t *testing.T) {
		_, out, _ := fleetRun(t, "list", "--broker", broker)
		for _, want := range []string{"gw1 barn online dev 0 ok", "gw2 barn online dev 0 ok", "gw3 - online dev 0 ok"} {
			if !strings.Contains(squeeze(out), want) {
				t.Errorf("list lacks %q:\n%s", want, out)
			}
		}
	})

	key := filepath.Join(keys, "fleet.key")
	deploy := func(t *testing.T, to, tag string) (int, string) {
		t.Helper()
		code, out, errs := fleetRun(t, "deploy", "--broker", broker, "--key", key, "--wait", "20s", "--to", to, flowsFile(t, tag))
		return code, out + errs
	}
	t.Run("deploy to one", func(t *testing.T) {
		code, out := deploy(t, "gw3", "v1")
		if code != 0 || !strings.Contains(out, "gw3\tapplied") || strings.Contains(out, "gw1") {
			t.Fatalf("deploy = %d\n%s", code, out)
		}
		serves(t, gw3, "v1")
		if code, _ := gw1.do("GET", "/fleet", nil); code != 404 {
			t.Errorf("gw1 GET /fleet = %d: the deploy to gw3 reached gw1", code)
		}
	})
	t.Run("deploy to a group", func(t *testing.T) {
		code, out := deploy(t, "group:barn", "v2")
		if code != 0 || !strings.Contains(out, "gw1\tapplied") || !strings.Contains(out, "gw2\tapplied") || strings.Contains(out, "gw3") {
			t.Fatalf("deploy = %d\n%s", code, out)
		}
		serves(t, gw1, "v2")
		serves(t, gw2, "v2")
		serves(t, gw3, "v1")
	})
	t.Run("stopped during a deploy gets it on restart", func(t *testing.T) {
		gw2.stop()
		waitList(t, broker, "gw2 barn offline")
		code, out := deploy(t, "group:barn", "v3")
		if code != 0 || !strings.Contains(out, "gw1\tapplied") || !strings.Contains(out, "gw2\tpending") {
			t.Fatalf("deploy = %d\n%s", code, out)
		}
		serves(t, gw1, "v3")
		gw2 = join("gw2", "barn", gw2data)
		eventually(t, gw2, "v3")
	})
	t.Run("a deploy the gateway refuses names the node and changes nothing", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "bad.json")
		if err := os.WriteFile(bad, []byte(`[{"id":"n1","type":"inject","z":"t","wires":[]},{"id":"n1","type":"debug","z":"t","wires":[]}]`), 0o644); err != nil {
			t.Fatal(err)
		}
		code, out, errs := fleetRun(t, "deploy", "--broker", broker, "--key", key, "--wait", "20s", "--to", "gw1", bad)
		if code != 1 || !strings.Contains(out, "gw1\tfailed") || !strings.Contains(out, "error: node n1 (debug) id: duplicate id") {
			t.Errorf("bad deploy = %d\n%s%s", code, out, errs)
		}
		serves(t, gw1, "v3")
	})
	t.Run("rollback", func(t *testing.T) {
		code, out, errs := fleetRun(t, "rollback", "--broker", broker, "--key", key, "--wait", "20s", "--to", "group:barn")
		if code != 0 || !strings.Contains(out, "gw1\tapplied") || !strings.Contains(out, "gw2\tapplied") {
			t.Fatalf("rollback = %d\n%s%s", code, out, errs)
		}
		serves(t, gw1, "v2")
		serves(t, gw2, "v2")
	})
	t.Run("another key and a replay refused", func(t *testing.T) {
		c := mqttClient(t, broker)
		old := retained(t, c, "flowgate/fleet/gw3/deploy") // v1's envelope
		if code, out := deploy(t, "gw3", "v4"); code != 0 {
			t.Fatalf("deploy v4 = %d\n%s", code, out)
		}
		serves(t, gw3, "v4")

		results := make(chan fleet.Result, 10)
		c.Subscribe("flowgate/fleet/gw3/result", 1, func(_ paho.Client, m paho.Message) {
			var r fleet.Result
			if json.Unmarshal(m.Payload(), &r) == nil {
				results <- r
			}
		}).WaitTimeout(5 * time.Second)
		if tok := c.Publish("flowgate/fleet/gw3/deploy", 1, false, old); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
			t.Fatal(tok.Error())
		}
		oldRev := openRev(t, old)
		select {
		case r := <-results:
			if r.Rev != oldRev || r.Status != fleet.StatusRefused || !strings.Contains(r.Error, "not newer") {
				t.Errorf("replay answered %+v", r)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("no answer to the replayed deploy")
		}

		otherKeys := t.TempDir()
		fleetRun(t, "keygen", otherKeys)
		code, out, errs := fleetRun(t, "deploy", "--broker", broker, "--key", filepath.Join(otherKeys, "fleet.key"), "--wait", "20s", "--to", "gw3", flowsFile(t, "evil"))
		if code != 1 || !strings.Contains(out, "gw3\trefused") || !strings.Contains(out, "signature") {
			t.Errorf("deploy signed with another key = %d\n%s%s", code, out, errs)
		}
		serves(t, gw3, "v4")
	})
	t.Run("a gateway lost without a goodbye is offline by its will", func(t *testing.T) {
		_ = gw3.cmd.Process.Kill()
		<-gw3.done
		waitList(t, broker, "gw3 - offline")
	})
}

// fleetRun runs `flowgate fleet args...` in process.
func fleetRun(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errs bytes.Buffer
	code := run(append([]string{"fleet"}, args...), &out, &errs)
	return code, out.String(), errs.String()
}

// flowsFile writes flows serving GET /fleet with tag, and returns its path.
func flowsFile(t *testing.T, tag string) string {
	t.Helper()
	f := fmt.Sprintf(`[{"id":"ft","type":"tab","label":"Fleet"},
{"id":"f1","type":"http in","z":"ft","url":"/fleet","method":"get","wires":[["f2"]]},
{"id":"f2","type":"change","z":"ft","rules":[{"t":"set","p":"payload","pt":"msg","to":%q,"tot":"str"}],"wires":[["f3"]]},
{"id":"f3","type":"http response","z":"ft","wires":[]}]`, tag)
	file := filepath.Join(t.TempDir(), tag+".json")
	if err := os.WriteFile(file, []byte(f), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// serves checks that the gateway answers GET /fleet with tag.
func serves(t *testing.T, in *instance, tag string) {
	t.Helper()
	if code, body := in.do("GET", "/fleet", nil); code != 200 || string(body) != tag {
		t.Errorf("%s GET /fleet = %d %q, want %q", in.base, code, body, tag)
	}
}

// eventually waits (bounded) until the gateway serves tag.
func eventually(t *testing.T, in *instance, tag string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(in.base + "/fleet")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 && string(b) == tag {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never served %q\n%s", in.base, tag, in.logs)
		}
		time.Sleep(50 * time.Millisecond) // polling an outside process: nothing to wait on
	}
}

// waitList waits (bounded) until `fleet list` shows every line of want.
func waitList(t *testing.T, broker string, want ...string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, out, errs := fleetRun(t, "list", "--broker", broker, "--wait", "5s")
		missing := ""
		for _, w := range want {
			if !strings.Contains(squeeze(out), w) {
				missing = w
			}
		}
		if missing == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("fleet list never showed %q:\n%s%s", missing, out, errs)
		}
		time.Sleep(100 * time.Millisecond) // polling the broker's retained states
	}
}

// squeeze joins the fields of each line with one space.
func squeeze(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.Join(strings.Fields(l), " ")
	}
	return strings.Join(lines, "\n")
}

func openRev(t *testing.T, env []byte) int64 {
	t.Helper()
	d, err := fleet.Open(env, nil)
	if err != nil {
		t.Fatal(err)
	}
	return d.Rev
}

// retained returns the retained message of topic.
func retained(t *testing.T, c paho.Client, topic string) []byte {
	t.Helper()
	got := make(chan []byte, 1)
	c.Subscribe(topic, 1, func(_ paho.Client, m paho.Message) {
		select {
		case got <- m.Payload():
		default:
		}
	}).WaitTimeout(5 * time.Second)
	defer func() { c.Unsubscribe(topic).WaitTimeout(5 * time.Second) }()
	select {
	case b := <-got:
		return b
	case <-time.After(10 * time.Second):
		t.Fatalf("no retained message on %s", topic)
		return nil
	}
}

func mqttClient(t *testing.T, broker string) paho.Client {
	t.Helper()
	c := paho.NewClient(paho.NewClientOptions().AddBroker(strings.Replace(broker, "mqtt://", "tcp://", 1)).SetClientID("fleet-test"))
	if tok := c.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("test client: %v", tok.Error())
	}
	t.Cleanup(func() { c.Disconnect(50) })
	return c
}

// startMosquitto starts Debian's mosquitto on a free loopback port and
// returns its mqtt:// address; it skips the test when mosquitto is
// missing, unless CI is set.
func startMosquitto(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("mosquitto")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("mosquitto is not installed (CI is set): apt-get install mosquitto")
		}
		t.Skip("mosquitto is not installed: apt-get install mosquitto to run this test")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, port, _ := net.SplitHostPort(addr)
	conf := filepath.Join(t.TempDir(), "mosquitto.conf")
	if err := os.WriteFile(conf, []byte("listener "+port+" 127.0.0.1\nallow_anonymous true\npersistence false\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-c", conf)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	deadline := time.Now().Add(5 * time.Second)
	for {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return "mqtt://" + addr
		}
		if time.Now().After(deadline) {
			t.Fatalf("mosquitto did not listen on %s", addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
