package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// nodeRedAdminVersion is the node-red-admin (Node-RED's command-line
// tool, from npm) the tests run; it ships with Node-RED 4.1.7.
const nodeRedAdminVersion = "4.1.7"

// nodeRedAdmin returns the path of node-red-admin.js, installing the
// pinned version with npm into the user's cache directory once. Without
// npm the test is skipped, unless CI is set.
func nodeRedAdmin(t *testing.T) string {
	t.Helper()
	cache, err := os.UserCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(cache, "flowgate-test", "node-red-admin-"+nodeRedAdminVersion)
	script := filepath.Join(dir, "node_modules", "node-red-admin", "node-red-admin.js")
	if _, err := os.Stat(script); err == nil {
		return script
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("npm is needed to install node-red-admin")
		}
		t.Skip("npm not installed: node-red-admin tests skipped")
	}
	// install beside, then rename: a run cut short leaves no half install
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "install-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, npm, "install", "--no-audit", "--no-fund", "--prefix", tmp, "node-red-admin@"+nodeRedAdminVersion).CombinedOutput()
	if err != nil {
		t.Fatalf("npm install node-red-admin@%s: %v\n%s", nodeRedAdminVersion, err, out)
	}
	if err := os.Rename(tmp, dir); err != nil && !os.IsExist(err) {
		if _, serr := os.Stat(script); serr != nil {
			t.Fatal(err)
		}
	}
	return script
}

// cli runs node-red-admin with its own config directory.
type cli struct {
	t      *testing.T
	script string
	home   string
}

// run runs a node-red-admin command, writing the lines of input one at
// a time, each once the tool has prompted for it (it reads each prompt
// with a fresh reader, which would swallow lines sent ahead). It
// returns stdout and stderr together and whether the command succeeded.
func (c cli) run(input []string, args ...string) (string, bool) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", append([]string{c.script}, append(args, "-u", c.home)...)...)
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	stdin, err := cmd.StdinPipe()
	if err != nil {
		c.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	go func() {
		defer stdin.Close()
		for i, line := range input {
			for strings.Count(out.String(), ":") <= i && ctx.Err() == nil {
				time.Sleep(10 * time.Millisecond) // polls a child's output: no event to wait on
			}
			_, _ = io.WriteString(stdin, line+"\n")
		}
	}()
	err = cmd.Wait()
	return out.String(), err == nil
}

// syncBuffer is a bytes.Buffer written by the child's two streams and
// read by the input writer.
type syncBuffer struct {
	mu sync.Mutex // guards b
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Node-RED's own command-line tool against the real binary: hash-pw for
// the settings, target, login, list, info, disable and enable of node
// sets (a deployed node of a disabled type is kept and not run, and runs
// once its set is enabled), and the refusals of install and remove.
func TestNodeRedAdmin(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil && os.Getenv("CI") == "" {
		t.Skip("node not installed: node-red-admin tests skipped")
	}
	c := cli{t: t, script: nodeRedAdmin(t), home: t.TempDir()}

	out, ok := c.run([]string{"s3cret"}, "hash-pw")
	hash := regexp.MustCompile(`\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}`).FindString(out)
	if !ok || hash == "" {
		t.Fatalf("hash-pw: %q", out)
	}
	settings := writeSettings(t, fmt.Sprintf("adminAuth: {type: credentials, users: [{username: admin, password: %q, permissions: \"*\"}]}\n", hash))
	in := start(t, t.TempDir(), "--settings", settings)

	step := func(name string, input []string, wantOK bool, want ...string) string {
		t.Helper()
		out, ok := c.run(input, strings.Fields(name)...)
		if ok != wantOK {
			t.Errorf("node-red-admin %s: succeeded %v, want %v\n%s", name, ok, wantOK, out)
		}
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("node-red-admin %s: output lacks %q:\n%s", name, w, out)
			}
		}
		return out
	}
	step("target "+in.base, nil, true, "Target: "+in.base)
	step("list", nil, false, "Not logged in. Use 'login' to log in.")
	step("login", []string{"admin", "wrong"}, false, "Login failed")
	step("login", []string{"admin", "s3cret"}, true, "Logged in")

	token := c.token(t)
	auth := []string{"Authorization", "Bearer " + token, "Node-RED-API-Version", "v2"}
	var got struct{ Version string }
	if _, b := in.do("GET", "/settings", nil, auth...); json.Unmarshal(b, &got) != nil || got.Version == "" {
		t.Fatalf("GET /settings: %s", b)
	}
	var sets []map[string]any
	if err := json.Unmarshal([]byte(step("list --json", nil, true)), &sets); err != nil {
		t.Fatalf("list --json: %v", err)
	}
	want := map[string]any{"id": "node-red/inject", "name": "inject", "types": []any{"inject"}, "enabled": true, "local": false, "user": false, "module": "node-red", "version": got.Version}
	found := map[string]bool{}
	for _, s := range sets {
		found[s["id"].(string)] = true
		if s["id"] == "node-red/inject" && fmt.Sprint(s) != fmt.Sprint(want) {
			t.Errorf("inject set = %v, want %v", s, want)
		}
	}
	for _, id := range []string{"node-red/inject", "node-red/mqtt", "node-red/split", "node-red/CSV", "flowgate/hardware", "flowgate/homeassistant"} {
		if !found[id] {
			t.Errorf("list lacks %s: %v", id, sets)
		}
	}
	step("list", nil, true, "node-red/link", "link in", "enabled")
	step("info node-red/template", nil, true, "Name:      node-red/template", "Module:    node-red", "Types:     template", "State:     enabled")
	step("info node-red", nil, true, "Module:    node-red", "node-red/inject")
	step("info flowgate/nope", nil, false, "404: Node not found")

	// a set disabled before a deploy: its node is kept, not run
	step("disable node-red/template", nil, true, "node-red/template", "disabled")
	step("info node-red/template", nil, true, "State:     disabled")
	flow := `{"flows":[{"id":"t1","type":"tab"},
		{"id":"a","type":"http in","z":"t1","url":"/a","method":"get","wires":[["tpl"]]},
		{"id":"tpl","type":"template","z":"t1","template":"hello","output":"str","field":"payload","fieldType":"msg","wires":[["ra"]]},
		{"id":"ra","type":"http response","z":"t1","wires":[]},
		{"id":"b","type":"http in","z":"t1","url":"/b","method":"get","wires":[["rb"]]},
		{"id":"rb","type":"http response","z":"t1","wires":[]}]}`
	code, body := in.do("POST", "/flows", []byte(flow), auth...)
	if code != 200 || !strings.Contains(string(body), `node type \"template\" is disabled: kept, not running`) {
		t.Fatalf("deploy with a disabled type: %d %s", code, body)
	}
	code, body = in.do("GET", "/flows", nil, auth...)
	if code != 200 || !strings.Contains(string(body), `"template":"hello"`) {
		t.Errorf("the node of the disabled type is not kept: %d %s", code, body)
	}
	if got, ok := getWithin(in.base+"/b", 5*time.Second); !ok {
		t.Errorf("GET /b (no disabled node) = %q, %v", got, ok)
	}
	if got, ok := getWithin(in.base+"/a", time.Second); ok {
		t.Errorf("GET /a answered %q through a node of a disabled type", got)
	}
	step("disable node-red/httpin", nil, false, "400: Type in use: http in, http response")
	step("enable node-red/template", nil, true, "node-red/template", "enabled")
	if got, ok := getWithin(in.base+"/a", 5*time.Second); !ok || got != "hello" {
		t.Errorf("GET /a once the set is enabled = %q, %v; want hello", got, ok)
	}

	step("install node-red-contrib-foo", nil, false, "400: cannot install node-red-contrib-foo: Flowgate's node types are built into its binary")
	step("remove node-red", nil, false, "400: cannot remove node-red")
	step("remove node-red-contrib-foo", nil, false, "404: Module not found")
}

// token is the access token node-red-admin keeps after login.
func (c cli) token(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(c.home, ".cli-config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Tokens struct {
			AccessToken string `json:"access_token"`
		} `json:"tokens"`
	}
	if err := json.Unmarshal(b, &cfg); err != nil || cfg.Tokens.AccessToken == "" {
		t.Fatalf("no token in the cli config: %s", b)
	}
	return cfg.Tokens.AccessToken
}

// getWithin GETs url and answers its body, or false when no answer came
// within d.
func getWithin(url string, d time.Duration) (string, bool) {
	c := &http.Client{Timeout: d}
	resp, err := c.Get(url)
	if err != nil {
		return "", false
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b), resp.StatusCode == http.StatusOK
}
