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
	"syscall"
	"testing"
	"time"
)

// These tests build the real binary, start it on a loopback port with a
// fresh data directory, and talk to it over HTTP as a user's curl would.

var binPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "flowgate-e2e-")
	if err != nil {
		panic(err)
	}
	binPath = filepath.Join(dir, "flowgate")
	build := exec.Command("go", "build", "-o", binPath, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building flowgate:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type instance struct {
	t    *testing.T
	cmd  *exec.Cmd
	base string
	data string
	logs *bytes.Buffer
	done chan error
}

func start(t *testing.T, data string, args ...string) *instance {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	in := &instance{t: t, base: "http://" + addr, data: data, logs: &bytes.Buffer{}, done: make(chan error, 1)}
	in.cmd = exec.Command(binPath, append([]string{"--listen", addr, "--data", data, "--broker", "off", "--hw", "sim"}, args...)...)
	in.cmd.Stderr = in.logs
	if err := in.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { in.done <- in.cmd.Wait() }()
	t.Cleanup(func() { in.stop() })
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(in.base + "/flows")
		if err == nil {
			resp.Body.Close()
			return in
		}
		if time.Now().After(deadline) {
			t.Fatalf("flowgate did not start: %v\n%s", err, in.logs)
		}
		select {
		case err := <-in.done:
			t.Fatalf("flowgate exited: %v\n%s", err, in.logs)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// stop sends SIGTERM and returns how long the process took to exit.
func (in *instance) stop() time.Duration {
	if in.cmd.ProcessState != nil {
		return 0
	}
	t0 := time.Now()
	_ = in.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-in.done:
		if err != nil {
			in.t.Errorf("flowgate exited with %v\n%s", err, in.logs)
		}
	case <-time.After(20 * time.Second):
		_ = in.cmd.Process.Kill()
		in.t.Errorf("flowgate did not exit after SIGTERM\n%s", in.logs)
	}
	return time.Since(t0)
}

func (in *instance) do(method, path string, body []byte, hdr ...string) (int, []byte) {
	in.t.Helper()
	req, err := http.NewRequest(method, in.base+path, bytes.NewReader(body))
	if err != nil {
		in.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		in.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func compact(t *testing.T, s string) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestWelcomeFlowOnFirstStart(t *testing.T) {
	in := start(t, t.TempDir())
	code, body := in.do("GET", "/hello", nil)
	var hello map[string]string
	if code != 200 || json.Unmarshal(body, &hello) != nil || hello["hello"] != "world" || hello["from"] != "flowgate" {
		t.Fatalf("GET /hello = %d %s", code, body)
	}
	code, body = in.do("GET", "/flows", nil)
	if code != 200 || !strings.Contains(string(body), `"label":"Welcome"`) {
		t.Fatalf("GET /flows = %d %s", code, body)
	}
}

// A Node-RED export with an unknown node type, unknown properties and nodes
// whose z names no tab (as Node-RED's own examples are posted).
const nodeRedExport = `[{"id":"a1","type":"http in","z":"tab9","name":"","url":"/Greet/:name","method":"get","upload":false,"swaggerDoc":"","x":120,"y":80,"wires":[["a2"]],"custom":{"keep":["me",1.50]}},
{"id":"a2","type":"template","z":"tab9","name":"","field":"payload","fieldType":"msg","format":"handlebars","syntax":"mustache","template":"Hello {{req.params.name}} <&>","output":"str","x":300,"y":80,"wires":[["a3","a4"]]},
{"id":"a3","type":"http response","z":"tab9","name":"","statusCode":"201","headers":{"x-flow":"yes"},"x":480,"y":80,"wires":[]},
{"id":"a4","type":"some-contrib-node","z":"tab9","name":"kept","secret":"\u00e9t\u00e9","x":480,"y":140,"wires":[[]]}]`

// nodeRedExportBack is what Node-RED's GET /flows gives for nodeRedExport:
// JSON.stringify(JSON.parse(body)), so 1.50 is 1.5 and \u00e9 is é.
var nodeRedExportBack = strings.NewReplacer("1.50", "1.5", `\u00e9`, "é").Replace(nodeRedExport)

func TestDeployNodeRedExportRoundTripAndRestart(t *testing.T) {
	data := t.TempDir()
	in := start(t, data)
	code, body := in.do("POST", "/flows", []byte(nodeRedExport))
	if code != 204 && code != 200 {
		t.Fatalf("POST /flows = %d %s", code, body)
	}
	_, got := in.do("GET", "/flows", nil)
	if want := compact(t, nodeRedExportBack); string(got) != want {
		t.Errorf("GET /flows does not round-trip:\n got %s\nwant %s", got, want)
	}
	check := func(in *instance) {
		t.Helper()
		resp, err := http.Get(in.base + "/greet/ada/")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 201 || string(b) != "Hello ada <&>" || resp.Header.Get("x-flow") != "yes" {
			t.Errorf("GET /greet/ada/ = %d %q %v", resp.StatusCode, b, resp.Header)
		}
	}
	check(in)
	if d := in.stop(); d > 10*time.Second {
		t.Errorf("shutdown took %v", d)
	}
	again := start(t, data)
	_, got = again.do("GET", "/flows", nil)
	if want := compact(t, nodeRedExportBack); string(got) != want {
		t.Errorf("flows lost on restart:\n got %s\nwant %s", got, want)
	}
	check(again)
}

// TestPropertyProblemsDeploy pins Node-RED: a bad regular expression or a
// non-numeric number field does not refuse the deploy; the node reports it.
func TestPropertyProblemsDeploy(t *testing.T) {
	in := start(t, t.TempDir())
	for name, body := range map[string]string{
		"bad regular expression":   `[{"id":"s1","type":"switch","z":"t","property":"payload","propertyType":"msg","rules":[{"t":"regex","v":"([a-z","vt":"str"}],"checkall":"true","outputs":1,"wires":[[]]}]`,
		"non-numeric number field": `[{"id":"r1","type":"range","z":"t","minin":"abc","maxin":"10","minout":"0","maxout":"1","action":"scale","round":false,"property":"payload","wires":[[]]}]`,
		"wire to a missing node":   `[{"id":"x1","type":"junction","z":"t","wires":[["nope"]]}]`,
	} {
		if code, resp := in.do("POST", "/flows", []byte(body)); code >= 300 {
			t.Errorf("%s: status %d, want the deploy accepted: %s", name, code, resp)
		}
	}
	// API v2 answers the warnings beside the rev, naming node and field
	body := `{"flows":[{"id":"s1","type":"switch","z":"t","property":"payload","propertyType":"msg","rules":[{"t":"regex","v":"([a-z","vt":"str"}],"checkall":"true","outputs":1,"wires":[[]]}]}`
	code, resp := in.do("POST", "/flows", []byte(body), "Node-RED-API-Version", "v2")
	if code != 200 || !strings.Contains(string(resp), `"rev"`) || !strings.Contains(string(resp), `"warnings"`) || !strings.Contains(string(resp), `"node":"s1"`) || !strings.Contains(string(resp), `"severity":"warning"`) {
		t.Errorf("v2 deploy answer %d %s: want the rev and the warning for s1", code, resp)
	}
}

func TestBadDeploysChangeNothing(t *testing.T) {
	data := t.TempDir()
	in := start(t, data)
	if code, body := in.do("POST", "/flows", []byte(nodeRedExport)); code >= 300 {
		t.Fatalf("deploy: %d %s", code, body)
	}
	stored, err := os.ReadFile(filepath.Join(data, "flows.json"))
	if err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte(" "), 50<<20)
	cases := []struct {
		name, body string
		raw        []byte
		code       int
		mention    []string
	}{
		{name: "malformed JSON", body: `[{"id":"x","type":"inject",}]`, code: 400, mention: []string{"line"}},
		{name: "node without id", body: `[{"type":"junction","z":"t","wires":[]}]`, code: 400, mention: []string{"element 0", "id"}},
		{name: "duplicate id", body: `[{"id":"x","type":"junction","z":"t","wires":[]},{"id":"x","type":"junction","z":"t","wires":[]}]`, code: 400, mention: []string{`"x"`, "duplicate"}},
		{name: "50 MB body", raw: big, code: 413},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body := tc.raw
			if body == nil {
				body = []byte(tc.body)
			}
			code, resp := in.do("POST", "/flows", body)
			if code != tc.code {
				t.Fatalf("status %d, want %d: %s", code, tc.code, resp)
			}
			for _, m := range tc.mention {
				if !strings.Contains(string(resp), m) {
					t.Errorf("error %s does not mention %s", resp, m)
				}
			}
			now, _ := os.ReadFile(filepath.Join(data, "flows.json"))
			if !bytes.Equal(now, stored) {
				t.Error("the stored flows file changed")
			}
			if resp, err := http.Get(in.base + "/greet/bob"); err != nil || resp.StatusCode != 201 {
				t.Errorf("running flow stopped answering: %v %v", resp, err)
			} else {
				resp.Body.Close()
			}
		})
	}
}

func TestStaleRevIsRefused(t *testing.T) {
	in := start(t, t.TempDir())
	_, body := in.do("GET", "/flows", nil, "Node-RED-API-Version", "v2")
	var v2 struct {
		Rev   string            `json:"rev"`
		Flows []json.RawMessage `json:"flows"`
	}
	if err := json.Unmarshal(body, &v2); err != nil || v2.Rev == "" {
		t.Fatalf("GET /flows v2 = %s (%v)", body, err)
	}
	post := func(rev string) int {
		doc, _ := json.Marshal(map[string]any{"rev": rev, "flows": v2.Flows})
		code, _ := in.do("POST", "/flows", doc, "Node-RED-API-Version", "v2")
		return code
	}
	if code := post("0000"); code != 409 {
		t.Errorf("stale rev: status %d, want 409", code)
	}
	if code := post(v2.Rev); code != 200 {
		t.Errorf("current rev: status %d, want 200", code)
	}
}

func TestValidateCommand(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(good, []byte(nodeRedExport), 0o644)
	os.WriteFile(bad, []byte(`[{"id":"nope","type":"junction","z":"t","wires":[]},{"id":"nope","type":"junction","z":"t","wires":[]}]`), 0o644)
	var out, errb bytes.Buffer
	if code := run([]string{"validate", good}, &out, &errb); code != 0 {
		t.Errorf("validate good: exit %d: %s %s", code, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "some-contrib-node") {
		t.Errorf("validate does not warn about the unknown type: %s", out.String())
	}
	out.Reset()
	if code := run([]string{"validate", bad}, &out, &errb); code != 1 || !strings.Contains(out.String(), "nope") {
		t.Errorf("validate bad: exit %d: %s", code, out.String())
	}
	// Node-RED deploys a bad pattern and reports it at start: a warning
	warn := filepath.Join(dir, "warn.json")
	os.WriteFile(warn, []byte(`[{"id":"c","type":"change","z":"t","rules":[{"t":"change","p":"payload","pt":"msg","from":"([","fromt":"re","to":"x","tot":"str"}]}]`), 0o644)
	out.Reset()
	if code := run([]string{"validate", warn}, &out, &errb); code != 0 || !strings.Contains(out.String(), "warning: ") || !strings.Contains(out.String(), "Unterminated character class") {
		t.Errorf("validate with a property problem: exit %d: %s", code, out.String())
	}
	notArray := filepath.Join(dir, "object.json")
	os.WriteFile(notArray, []byte(`{"id":"x"}`), 0o644)
	out.Reset()
	if code := run([]string{"validate", notArray}, &out, &errb); code != 1 {
		t.Errorf("validate not an array: exit %d: %s", code, out.String())
	}
}

// A Node-RED export with a function node and JSONata runs unchanged.
func TestFunctionAndJSONataFlow(t *testing.T) {
	in := start(t, t.TempDir())
	flow := `[{"id":"c1","type":"http in","z":"calc","name":"","url":"/calc","method":"post","upload":false,"swaggerDoc":"","x":100,"y":40,"wires":[["c2"]]},
{"id":"c2","type":"function","z":"calc","name":"sum","func":"const p = msg.payload;\nmsg.payload = { sum: p.a + p.b, items: p.list.map(x => x * 10) };\nnode.status({fill:'green', shape:'dot', text:'ok'});\nreturn msg;","outputs":1,"timeout":0,"noerr":0,"initialize":"","finalize":"","libs":[],"x":260,"y":40,"wires":[["c3"]]},
{"id":"c3","type":"change","z":"calc","name":"","rules":[{"t":"set","p":"payload.doubled","pt":"msg","to":"payload.sum * 2","tot":"jsonata"},{"t":"set","p":"payload.total","pt":"msg","to":"$sum(payload.items)","tot":"jsonata"}],"x":420,"y":40,"wires":[["c4"]]},
{"id":"c4","type":"http response","z":"calc","name":"","statusCode":"","headers":{},"x":580,"y":40,"wires":[]}]`
	if code, body := in.do("POST", "/flows", []byte(flow)); code >= 300 {
		t.Fatalf("deploy: %d %s", code, body)
	}
	code, body := in.do("POST", "/calc", []byte(`{"a":2,"b":3,"list":[1,2,3]}`))
	var got map[string]any
	if code != 200 || json.Unmarshal(body, &got) != nil {
		t.Fatalf("POST /calc = %d %s", code, body)
	}
	want := map[string]any{"sum": 5.0, "items": []any{10.0, 20.0, 30.0}, "doubled": 10.0, "total": 60.0}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("POST /calc = %v, want %v", got, want)
	}
}
