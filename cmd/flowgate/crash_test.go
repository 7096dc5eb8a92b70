package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// Crash safety: the real binary is SIGKILLed at random moments while it
// deploys or writes readings, restarted on the same data directory, and
// must find its flows, credentials and time-series store whole.

// kill sends SIGKILL and waits for the process to be gone.
func (in *instance) kill() {
	in.t.Helper()
	_ = in.cmd.Process.Kill()
	select {
	case <-in.done:
	case <-time.After(10 * time.Second):
		in.t.Fatal("flowgate did not die on SIGKILL")
	}
}

// crashFlow is version v of a small flow: a comment naming the version
// and an http request node whose credential user is "u<v>" (a credential
// the editor API shows in clear, so the test can read it back).
func crashFlow(v int) []byte {
	nodes := []map[string]any{
		{"id": "tab1", "type": "tab", "label": "crash"},
		{"id": "ver", "type": "comment", "z": "tab1", "name": fmt.Sprintf("v%d", v), "info": "", "wires": []any{}},
		{"id": "req", "type": "http request", "z": "tab1", "name": "", "method": "GET", "ret": "txt", "paytoqs": "ignore",
			"url": "http://127.0.0.1:1/", "authType": "basic", "wires": [][]string{},
			"credentials": map[string]any{"user": fmt.Sprintf("u%d", v), "password": fmt.Sprintf("p%d", v)}},
	}
	// some bulk so that a write takes long enough to be interrupted
	for i := range 200 {
		nodes = append(nodes, map[string]any{"id": fmt.Sprintf("c%d", i), "type": "comment", "z": "tab1",
			"name": fmt.Sprintf("filler %d of version %d", i, v), "info": string(bytes.Repeat([]byte("x"), 200)), "wires": []any{}})
	}
	b, _ := json.Marshal(nodes)
	return b
}

// loadedVersion reads the version the restarted instance runs, and the
// credential user it holds for it.
func loadedVersion(t *testing.T, in *instance) (version int, user string) {
	t.Helper()
	code, body := in.do("GET", "/flows", nil)
	if code != 200 {
		t.Fatalf("GET /flows = %d %s", code, body)
	}
	var nodes []map[string]any
	if err := json.Unmarshal(body, &nodes); err != nil {
		t.Fatalf("GET /flows: %v: %s", err, body)
	}
	version = -1
	for _, n := range nodes {
		if n["id"] == "ver" {
			if _, err := fmt.Sscanf(n["name"].(string), "v%d", &version); err != nil {
				t.Fatalf("version comment %q", n["name"])
			}
		}
	}
	if version < 0 {
		t.Fatalf("no version comment in the flows: %.300s", body)
	}
	code, body = in.do("GET", "/credentials/"+url.PathEscape("http request")+"/req", nil)
	var cr map[string]any
	if code != 200 || json.Unmarshal(body, &cr) != nil {
		t.Fatalf("GET /credentials = %d %s", code, body)
	}
	user, _ = cr["user"].(string)
	return version, user
}

func TestCrashDuringDeploys(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts the binary 20 times")
	}
	data := t.TempDir()
	in := start(t, data)
	if code, body := in.do("POST", "/flows", crashFlow(0)); code >= 300 {
		t.Fatalf("deploy v0 = %d %s", code, body)
	}
	acked := 0 // the newest version whose deploy was answered 200
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 20 {
		var attempted, done atomic.Int64
		attempted.Store(int64(acked))
		done.Store(int64(acked))
		stop := make(chan struct{})
		finished := make(chan struct{})
		base := in.base
		go func() {
			defer close(finished)
			client := &http.Client{Timeout: 5 * time.Second}
			for v := acked + 1; ; v++ {
				select {
				case <-stop:
					return
				default:
				}
				attempted.Store(int64(v))
				resp, err := client.Post(base+"/flows", "application/json", bytes.NewReader(crashFlow(v)))
				if err != nil {
					return // killed
				}
				resp.Body.Close()
				if resp.StatusCode >= 300 {
					return
				}
				done.Store(int64(v))
			}
		}()
		time.Sleep(time.Duration(20+rng.IntN(200)) * time.Millisecond)
		in.kill()
		close(stop)
		<-finished
		in = start(t, data)
		v, user := loadedVersion(t, in)
		old, tried := int(done.Load()), int(attempted.Load())
		if v != old && v != tried {
			t.Fatalf("round %d: flows at version %d, want the last acknowledged %d or the one in flight %d", round, v, old, tried)
		}
		if want := fmt.Sprintf("u%d", v); user != want {
			t.Fatalf("round %d: flows at version %d but credential user %q, want %q", round, v, user, want)
		}
		for _, f := range []string{"flows.json", "flows_cred.json"} {
			if st, err := os.Stat(filepath.Join(data, f)); err != nil || st.Size() == 0 {
				t.Fatalf("round %d: %s missing or empty: %v", round, f, err)
			}
		}
		acked = v
		t.Logf("round %d: %d deploys acknowledged, running version %d", round, old, v)
	}
}

// storeFlow: POST /w stores msg.payload under topic "crash" in batches
// of 10 (or every 20 ms) and answers at once.
const storeFlow = `[{"id":"t1","type":"tab","label":"store"},
{"id":"in","type":"http in","z":"t1","url":"/w","method":"post","upload":false,"swaggerDoc":"","wires":[["st","ok"]]},
{"id":"st","type":"store in","z":"t1","topic":"crash","batch":10,"flush":20,"maxAge":0,"maxAgeUnits":"days","maxRows":0,"wires":[]},
{"id":"ok","type":"http response","z":"t1","statusCode":"","headers":{},"wires":[]}]`

// storedValues returns the payloads stored under "crash", oldest first.
func storedValues(t *testing.T, in *instance) []int {
	t.Helper()
	code, body := in.do("GET", "/api/data?topic=crash&limit=10000", nil)
	var page struct {
		Data []struct {
			Payload struct {
				N *float64 `json:"n"`
			} `json:"payload"`
		} `json:"data"`
	}
	if code != 200 || json.Unmarshal(body, &page) != nil {
		t.Fatalf("GET /api/data = %d %.300s", code, body)
	}
	vs := make([]int, len(page.Data))
	for i, r := range page.Data {
		if r.Payload.N == nil {
			t.Fatalf("reading %d: no payload.n", i)
		}
		vs[i] = int(*r.Payload.N)
	}
	return vs
}

func TestCrashDuringStoreWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts the binary 10 times")
	}
	data := t.TempDir()
	in := start(t, data)
	if code, body := in.do("POST", "/flows", []byte(storeFlow)); code >= 300 {
		t.Fatalf("deploy = %d %s", code, body)
	}
	next := 1
	rng := rand.New(rand.NewPCG(3, 4))
	for round := range 10 {
		var sent, refused atomic.Int64
		finished := make(chan struct{})
		base, from := in.base, next
		go func() {
			defer close(finished)
			client := &http.Client{Timeout: 5 * time.Second}
			for v := from; ; v++ {
				resp, err := client.Post(base+"/w", "application/json", bytes.NewReader(fmt.Appendf(nil, `{"n":%d}`, v)))
				if err != nil {
					return // killed
				}
				resp.Body.Close()
				if resp.StatusCode != 200 {
					refused.Store(int64(resp.StatusCode))
					return
				}
				sent.Store(int64(v))
			}
		}()
		time.Sleep(time.Duration(50+rng.IntN(250)) * time.Millisecond)
		in.kill()
		<-finished
		if code := refused.Load(); code != 0 {
			t.Fatalf("round %d: POST /w = %d", round, code)
		}
		in = start(t, data)
		vs := storedValues(t, in)
		for i, v := range vs {
			if v != i+1 {
				t.Fatalf("round %d: reading %d is %d: not a prefix of 1..%d (%d readings)", round, i, v, sent.Load(), len(vs))
			}
		}
		if len(vs) < next-1 {
			t.Fatalf("round %d: %d readings, fewer than the %d found before", round, len(vs), next-1)
		}
		if int64(len(vs)) > sent.Load()+1 {
			t.Fatalf("round %d: %d readings but only %d sent", round, len(vs), sent.Load()+1)
		}
		t.Logf("round %d: %d posted, %d stored", round, sent.Load(), len(vs))
		next = len(vs) + 1
	}
}

// contextFlow stores each posted number in the persistent flow context and
// answers with it once stored; GET /c reads it back.
const contextFlow = `[{"id":"ct","type":"tab","label":"context"},
{"id":"cin","type":"http in","z":"ct","url":"/c","method":"post","wires":[["cset"]]},
{"id":"cset","type":"change","z":"ct","rules":[{"t":"set","p":"#:(disk)::n","pt":"flow","to":"payload.n","tot":"msg"}],"wires":[["cout"]]},
{"id":"cout","type":"http response","z":"ct","wires":[]},
{"id":"gin","type":"http in","z":"ct","url":"/c","method":"get","wires":[["gget"]]},
{"id":"gget","type":"change","z":"ct","rules":[{"t":"set","p":"payload","pt":"msg","to":"#:(disk)::n","tot":"flow"}],"wires":[["gout"]]},
{"id":"gout","type":"http response","z":"ct","wires":[]}]`

// TestCrashDuringContextWrites kills the binary while a persistent context
// store (written through: flushInterval 0) takes a stream of writes: after
// each restart the store opens and holds the last acknowledged value (or
// the one in flight).
func TestCrashDuringContextWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts the binary 5 times")
	}
	data := t.TempDir()
	settings := filepath.Join(t.TempDir(), "settings.yaml")
	if err := os.WriteFile(settings, []byte("contextStorage:\n  default: {module: memory}\n  disk: {module: localfilesystem, config: {flushInterval: 0}}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	in := start(t, data, "--settings", settings)
	if code, body := in.do("POST", "/flows", []byte(contextFlow)); code >= 300 {
		t.Fatalf("deploy = %d %s", code, body)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	last := 0
	for round := range 5 {
		var acked atomic.Int64
		acked.Store(int64(last))
		finished := make(chan struct{})
		base, from := in.base, last+1
		go func() {
			defer close(finished)
			client := &http.Client{Timeout: 5 * time.Second}
			for v := from; ; v++ {
				resp, err := client.Post(base+"/c", "application/json", bytes.NewReader(fmt.Appendf(nil, `{"n":%d}`, v)))
				if err != nil {
					return // killed
				}
				resp.Body.Close()
				if resp.StatusCode != 200 {
					return
				}
				acked.Store(int64(v))
			}
		}()
		time.Sleep(time.Duration(50+rng.IntN(200)) * time.Millisecond)
		in.kill()
		<-finished
		in = start(t, data, "--settings", settings)
		code, body := in.do("GET", "/c", nil)
		var got int
		if code != 200 || json.Unmarshal(body, &got) != nil {
			t.Fatalf("round %d: GET /c = %d %s", round, code, body)
		}
		if a := int(acked.Load()); got < a || got > a+1 {
			t.Fatalf("round %d: stored %d, acknowledged %d", round, got, a)
		}
		t.Logf("round %d: acknowledged %d, stored %d", round, acked.Load(), got)
		last = got
	}
}
