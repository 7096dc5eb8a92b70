package main

import (
	"bytes"
	"debug/buildinfo"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// system is one thing under test: Flowgate or Node-RED. start launches a
// fresh instance with a fresh data directory on a loopback port and returns
// once it answers GET /flows.
type system struct {
	name    string
	version string // e.g. "flowgate dev (go1.26)", "node-red 4.1.15 (node v20)"
	size    float64
	sizeFig string // "binary size" or "install size (node_modules)"
	start   func() (*proc, time.Duration, error)
	// startWith is start with more command-line arguments (Flowgate only).
	startWith func(args ...string) (*proc, time.Duration, error)
}

// proc is a running instance.
type proc struct {
	cmd  *exec.Cmd
	dir  string
	base string
	// deployHeader is sent with POST /flows.
	deployHeader map[string]string
	exited       chan struct{} // closed when the process has ended
}

// launch starts cmd and a goroutine that waits for it to end.
func launch(cmd *exec.Cmd, dir, base string) (*proc, error) {
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	p := &proc{cmd: cmd, dir: dir, base: base, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.exited) }()
	return p, nil
}

// waitReady polls GET /flows until it answers 200 and returns the time since t0.
func (p *proc) waitReady(t0 time.Time, limit time.Duration) (time.Duration, error) {
	for deadline := t0.Add(limit); time.Now().Before(deadline); {
		if _, err := get(p.base + "/flows"); err == nil {
			return time.Since(t0), nil
		}
		select {
		case <-p.exited:
			return 0, fmt.Errorf("%s exited before answering GET /flows", p.cmd.Path)
		case <-time.After(time.Millisecond):
		}
	}
	return 0, fmt.Errorf("%s did not answer GET /flows within %s", p.cmd.Path, limit)
}

// stop interrupts the instance, kills it after 10s, and removes its directory.
func (p *proc) stop() {
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
	os.RemoveAll(p.dir)
}

// rssMiB reads a field (VmRSS, VmHWM) of /proc/<pid>/status in MiB.
func (p *proc) rssMiB(field string) float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if strings.HasPrefix(line, field+":") {
			f := strings.Fields(line)
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

// deploy replaces the instance's flows through POST /flows.
func (p *proc) deploy(flow string) error {
	req, err := http.NewRequest(http.MethodPost, p.base+"/flows", strings.NewReader(flow))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range p.deployHeader {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return fmt.Errorf("deploy: %s: %s", resp.Status, b)
	}
	return nil
}

// hasType reports whether GET /nodes lists a node type: both Flowgate and
// Node-RED answer node sets ({"types": [...]}); an array of specs
// ({"type": ...}), as older Flowgates answered, is searched too.
func (p *proc) hasType(typ string) (bool, error) {
	req, err := http.NewRequest(http.MethodGet, p.base+"/nodes", nil)
	if err != nil {
		return false, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	var list []struct {
		Type  string   `json:"type"`
		Types []string `json:"types"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		return false, fmt.Errorf("GET /nodes: %w", err)
	}
	for _, n := range list {
		if n.Type == typ {
			return true, nil
		}
		for _, t := range n.Types {
			if t == typ {
				return true, nil
			}
		}
	}
	return false, nil
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

// flowgateSystem measures the binary at bin.
func flowgateSystem(bin string) (*system, error) {
	st, err := os.Stat(bin)
	if err != nil {
		return nil, err
	}
	// A binary just built has its pages dirty in the page cache, where the
	// kernel cannot page them out; an installed gateway's binary is clean.
	// Write it out first, so that Flowgate releases its start-up pages as
	// it does on a gateway (runtime.releaseStartPages).
	if err := syncFile(bin); err != nil {
		return nil, err
	}
	version := "flowgate"
	if out, err := exec.Command(bin, "version").Output(); err == nil {
		version = strings.TrimSpace(string(out))
	}
	if bi, err := buildinfo.ReadFile(bin); err == nil {
		version += " (" + bi.GoVersion + ")"
	}
	s := &system{name: "Flowgate", version: version, size: float64(st.Size()) / (1 << 20), sizeFig: "binary size"}
	s.startWith = func(args ...string) (*proc, time.Duration, error) {
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
		cmd.Args = append(cmd.Args, args...) // a later flag wins
		cmd.Stderr = os.Stderr
		t0 := time.Now()
		p, err := launch(cmd, dir, "http://"+addr)
		if err != nil {
			return nil, 0, err
		}
		d, err := p.waitReady(t0, 10*time.Second)
		if err != nil {
			p.stop()
			return nil, 0, err
		}
		return p, d, nil
	}
	s.start = func() (*proc, time.Duration, error) { return s.startWith() }
	return s, nil
}

// syncFile writes a file's dirty pages to the disk.
func syncFile(name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// defaultNodeREDDir is where --compare installs Node-RED 4: outside the
// repository, in the user's cache folder.
func defaultNodeREDDir() string {
	c, err := os.UserCacheDir()
	if err != nil {
		c = os.TempDir()
	}
	return filepath.Join(c, "flowgate-bench", "node-red-4")
}

// nodeREDInstalled returns the installed Node-RED version under dir, or "".
func nodeREDInstalled(dir string) string {
	data, err := os.ReadFile(filepath.Join(dir, "node_modules", "node-red", "package.json"))
	if err != nil {
		return ""
	}
	var pkg struct {
		Version string `json:"version"`
	}
	if json.Unmarshal(data, &pkg) != nil || !strings.HasPrefix(pkg.Version, "4.") {
		return ""
	}
	return pkg.Version
}

// installNodeRED installs node-red@4 with npm into dir unless it is there.
func installNodeRED(dir string, log io.Writer) error {
	if nodeREDInstalled(dir) != "" {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	fmt.Fprintf(log, "installing node-red@4 into %s (once)...\n", dir)
	cmd := exec.Command("npm", "install", "--prefix", dir, "--no-audit", "--no-fund", "--omit=dev", "--loglevel=error", "node-red@4")
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("npm install node-red@4: %w", err)
	}
	if nodeREDInstalled(dir) == "" {
		return errors.New("npm install node-red@4 left no node_modules/node-red 4.x")
	}
	return nil
}

// dirSize is the apparent size of every regular file under dir, in MiB.
func dirSize(dir string) float64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return float64(n) / (1 << 20)
}

// nodeREDSettings is the settings.js of each fresh user directory: loopback
// only, no editor login, quiet logs, http in routes at the root, nothing
// phoning home.
const nodeREDSettings = `module.exports = {
    uiHost: "127.0.0.1",
    uiPort: %d,
    httpAdminRoot: "/",
    httpNodeRoot: "/",
    flowFile: "flows.json",
    credentialSecret: false,
    logging: { console: { level: "warn", metrics: false, audit: false } },
    diagnostics: { enabled: false, ui: false },
    telemetry: { enabled: false },
    editorTheme: { projects: { enabled: false }, tours: false },
};
`

// nodeREDSystem measures the Node-RED installed under dir, started as
// `node red.js` so the pid measured is the node process itself.
func nodeREDSystem(dir string) (*system, error) {
	ver := nodeREDInstalled(dir)
	if ver == "" {
		return nil, fmt.Errorf("no node-red 4 under %s", dir)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, err
	}
	nodeVer := "node"
	if out, err := exec.Command(node, "--version").Output(); err == nil {
		nodeVer = "node " + strings.TrimSpace(string(out))
	}
	red := filepath.Join(dir, "node_modules", "node-red", "red.js")
	s := &system{name: "Node-RED", version: "node-red " + ver + " (" + nodeVer + ")",
		size: dirSize(filepath.Join(dir, "node_modules")), sizeFig: "install size"}
	s.start = func() (*proc, time.Duration, error) {
		udir, err := os.MkdirTemp("", "flowgate-bench-nr-")
		if err != nil {
			return nil, 0, err
		}
		port, err := freePort()
		if err != nil {
			return nil, 0, err
		}
		settings := filepath.Join(udir, "settings.js")
		if err := os.WriteFile(settings, fmt.Appendf(nil, nodeREDSettings, port), 0o644); err != nil {
			return nil, 0, err
		}
		cmd := exec.Command(node, red, "-u", udir, "-s", settings, "-p", strconv.Itoa(port))
		var errBuf bytes.Buffer
		cmd.Stdout, cmd.Stderr = &errBuf, &errBuf
		t0 := time.Now()
		p, err := launch(cmd, udir, fmt.Sprintf("http://127.0.0.1:%d", port))
		if err != nil {
			return nil, 0, err
		}
		p.deployHeader = map[string]string{"Node-RED-Deployment-Type": "full"}
		d, err := p.waitReady(t0, 60*time.Second)
		if err != nil {
			p.stop()
			return nil, 0, fmt.Errorf("%w\n%s", err, errBuf.String())
		}
		return p, d, nil
	}
	return s, nil
}
