package main

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Hostile inputs against the real binary, for what it keeps on disk:
// flows and credentials through crashes, and the file nodes' sandbox
// (fileAllowDirs). Each test is bounded to seconds.

// flowsFiles are the flows file and its backup, as the runtime writes
// them after the credentials of a deploy.
var flowsFiles = []string{"flows.json", ".flows.json.backup"}

// snapshot reads files of dir (nil for an absent one).
func snapshot(t *testing.T, dir string, names []string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		out[n] = b
	}
	return out
}

// restore puts files back as snapshot read them.
func restore(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	for n, b := range files {
		p := filepath.Join(dir, n)
		if b == nil {
			if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			continue
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// crashAfterCredentials deploys crashFlow(v), kills the binary and puts
// the flows files back as they were before the deploy: the disk as a
// SIGKILL leaves it after the deploy's credentials were written and
// before its flows were (the runtime writes them in that order; hitting
// that moment with a real signal is luck, rolling back the flows files
// is exact).
func crashAfterCredentials(t *testing.T, in *instance, v int) {
	t.Helper()
	before := snapshot(t, in.data, flowsFiles)
	if code, body := in.do("POST", "/flows", crashFlow(v)); code >= 300 {
		t.Fatalf("deploy v%d = %d %s", v, code, body)
	}
	in.kill()
	restore(t, in.data, before)
}

// TestHostileDoubleCrash: deploy A, deploy B and crash, restart, deploy
// B and crash at the same moment: the flows of A must run with A's
// credentials, never B's.
func TestHostileDoubleCrash(t *testing.T) {
	data := t.TempDir()
	in := start(t, data)
	if code, body := in.do("POST", "/flows", crashFlow(1)); code >= 300 {
		t.Fatalf("deploy v1 = %d %s", code, body)
	}
	for crash := 1; crash <= 2; crash++ {
		crashAfterCredentials(t, in, 2)
		in = start(t, data)
		if v, user := loadedVersion(t, in); v != 1 || user != "u1" {
			t.Fatalf("after crash %d: flows v%d with credential user %q, want v1 with u1\n%s", crash, v, user, in.logs)
		}
	}
	if code, body := in.do("POST", "/flows", crashFlow(2)); code >= 300 {
		t.Fatalf("deploy v2 = %d %s", code, body)
	}
	in.kill()
	in = start(t, data)
	if v, user := loadedVersion(t, in); v != 2 || user != "u2" {
		t.Fatalf("after a whole deploy: flows v%d with credential user %q, want v2 with u2", v, user)
	}
}

// sandboxFlow: POST /w?f=NAME appends the body to NAME with a file node,
// GET /r?f=NAME reads NAME with file in; a refused path answers 500
// through a catch node.
const sandboxFlow = `[{"id":"st","type":"tab","label":"sandbox"},
{"id":"win","type":"http in","z":"st","url":"/w","method":"post","wires":[["wname"]]},
{"id":"wname","type":"change","z":"st","rules":[{"t":"set","p":"filename","pt":"msg","to":"req.query.f","tot":"msg"}],"wires":[["wfile"]]},
{"id":"wfile","type":"file","z":"st","filename":"filename","filenameType":"msg","appendNewline":false,"createDir":true,"overwriteFile":"false","encoding":"none","wires":[["ok"]]},
{"id":"rin","type":"http in","z":"st","url":"/r","method":"get","wires":[["rname"]]},
{"id":"rname","type":"change","z":"st","rules":[{"t":"set","p":"filename","pt":"msg","to":"req.query.f","tot":"msg"}],"wires":[["rfile"]]},
{"id":"rfile","type":"file in","z":"st","filename":"filename","filenameType":"msg","format":"utf8","sendError":false,"encoding":"none","allProps":false,"wires":[["ok"]]},
{"id":"ok","type":"http response","z":"st","statusCode":"","headers":{},"wires":[]},
{"id":"catch","type":"catch","z":"st","scope":null,"uncaught":false,"wires":[["refused"]]},
{"id":"refused","type":"http response","z":"st","statusCode":"500","headers":{},"wires":[]}]`

// sandbox starts the binary with fileAllowDirs set to a fresh allowed
// directory and deploys sandboxFlow; it returns the allowed directory and
// an outside one.
func sandbox(t *testing.T) (in *instance, allowed, outside string) {
	t.Helper()
	allowed, outside = t.TempDir(), t.TempDir()
	settings := filepath.Join(t.TempDir(), "settings.yaml")
	if err := os.WriteFile(settings, fmt.Appendf(nil, "fileAllowDirs: [%q]\n", allowed), 0o644); err != nil {
		t.Fatal(err)
	}
	in = start(t, t.TempDir(), "--settings", settings)
	if code, body := in.do("POST", "/flows", []byte(sandboxFlow)); code >= 300 {
		t.Fatalf("deploy = %d %s", code, body)
	}
	return in, allowed, outside
}

func TestHostileFileSandboxDanglingLink(t *testing.T) {
	in, allowed, outside := sandbox(t)
	link := filepath.Join(allowed, "dangling")
	if err := os.Symlink(filepath.Join(outside, "created.txt"), link); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(allowed, "dirlink")); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{link, filepath.Join(allowed, "dirlink", "sub", "created.txt")} {
		code, body := in.do("POST", "/w?f="+url.QueryEscape(name), []byte(`{"d":"escaped"}`))
		if code != 500 {
			t.Errorf("append through %s = %d %s, want 500 (refused)", name, code, body)
		}
	}
	// the answers came after the node was done: the directory is final
	if entries, err := os.ReadDir(outside); err != nil || len(entries) != 0 {
		t.Fatalf("created outside the allowed directory: %v %v", entries, err)
	}
	inside := filepath.Join(allowed, "inside.txt")
	if code, body := in.do("POST", "/w?f="+url.QueryEscape(inside), []byte(`{"d":"kept"}`)); code != 200 {
		t.Fatalf("append inside = %d %s", code, body)
	}
	if b, err := os.ReadFile(inside); err != nil || string(b) != `{"d":"kept"}` {
		t.Fatalf("inside.txt = %q %v", b, err)
	}
}

func TestHostileFileSandboxSwapRace(t *testing.T) {
	in, allowed, outside := sandbox(t)
	secret := filepath.Join(outside, "secret.txt")
	if err := os.WriteFile(secret, []byte("SECRET"), 0o644); err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(allowed, "swap.txt")
	stop, swapped := make(chan struct{}), make(chan int)
	go func() {
		n := 0
		for ; ; n++ {
			select {
			case <-stop:
				swapped <- n
				return
			default:
			}
			_ = os.Remove(name)
			if n%2 == 0 {
				_ = os.Symlink(secret, name)
			} else {
				_ = os.WriteFile(name, []byte("inside"), 0o644)
			}
		}
	}()
	client := &http.Client{Timeout: 5 * time.Second}
	target := in.base + "/r?f=" + url.QueryEscape(name)
	deadline := time.Now().Add(15 * time.Second)
	reads, insides := 0, 0
	for ; reads < 2000 && time.Now().Before(deadline); reads++ {
		resp, err := client.Get(target)
		if err != nil {
			close(stop)
			t.Fatalf("read %d: %v", reads, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(b), "SECRET") {
			close(stop)
			t.Fatalf("read %d returned the file outside the allowed directory (status %d)", reads, resp.StatusCode)
		}
		if resp.StatusCode == 200 && string(b) == "inside" {
			insides++
		}
	}
	close(stop)
	t.Logf("%d reads (%d of the inside file) during %d swaps", reads, insides, <-swapped)
}
