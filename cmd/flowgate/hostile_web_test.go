package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/crypto/bcrypt"
)

// Hostile inputs against the real binary, over the web listener: what a
// page on another site, a password guesser and slow clients can do.
// Every wait is bounded; the whole file runs in well under a minute.

// writeSettings writes a settings file into a fresh directory and returns
// its path.
func writeSettings(t *testing.T, yaml string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "settings.yaml")
	if err := os.WriteFile(f, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// raw sends a request as given and returns the status and body.
func (in *instance) raw(method, path, ctype string, body []byte, hdr ...string) (int, string) {
	in.t.Helper()
	req, err := http.NewRequest(method, in.base+path, bytes.NewReader(body))
	if err != nil {
		in.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		in.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	return resp.StatusCode, string(b)
}

// What a page on any site can send without a CORS preflight (text/plain,
// form and multipart bodies) is refused by /flows, /flow, /inject and
// /api/data, and a JSON body from a foreign Origin too: the flows file and
// the data store do not change. The http in routes of user flows still
// take any body from anywhere.
func TestHostileCrossSiteBodies(t *testing.T) {
	data := t.TempDir()
	in := start(t, data)
	if code, body := in.do("POST", "/flows", []byte(nodeRedExport)); code >= 300 {
		t.Fatalf("deploy: %d %s", code, body)
	}
	stored, err := os.ReadFile(filepath.Join(data, "flows.json"))
	if err != nil {
		t.Fatal(err)
	}
	exec := `[{"id":"t","type":"tab"},{"id":"e","type":"exec","z":"t","command":"touch /tmp/pwned","wires":[[],[],[]]}]`
	reading := `[{"topic":"evil","payload":1}]`
	bodies := []struct{ name, ctype, body string }{
		{"text/plain", "text/plain", exec},
		{"form", "application/x-www-form-urlencoded", "x=" + url.QueryEscape(exec)},
		{"multipart", "multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n" + exec + "\r\n--b--\r\n"},
		{"no type", "", exec},
	}
	for _, target := range []struct{ method, path, json string }{
		{"POST", "/flows", exec}, {"POST", "/flow", exec}, {"PUT", "/flow/tab9", exec},
		{"POST", "/inject/a1", `{}`}, {"POST", "/api/data", reading},
	} {
		for _, b := range bodies {
			body := strings.ReplaceAll(b.body, exec, target.json)
			if code, answer := in.raw(target.method, target.path, b.ctype, []byte(body)); code != http.StatusUnsupportedMediaType {
				t.Errorf("%s %s with %s: %d %s, want 415", target.method, target.path, b.name, code, answer)
			}
		}
		for _, h := range [][]string{{"Origin", "http://evil.example"}, {"Sec-Fetch-Site", "cross-site"}} {
			if code, answer := in.raw(target.method, target.path, "application/json", []byte(target.json), h...); code != http.StatusForbidden {
				t.Errorf("%s %s with %s: %d %s, want 403", target.method, target.path, h[0], code, answer)
			}
		}
	}
	now, _ := os.ReadFile(filepath.Join(data, "flows.json"))
	if !bytes.Equal(now, stored) {
		t.Error("the flows file changed")
	}
	if code, body := in.do("GET", "/api/data?topic=%23", nil); code != 200 || bytes.Contains(body, []byte("evil")) {
		t.Errorf("GET /api/data = %d %s: a reading was stored", code, body)
	}
	// the editor's own page (same origin) still deploys
	if code, body := in.raw("POST", "/flows", "application/json", []byte(nodeRedExport), "Origin", in.base); code != 204 {
		t.Errorf("same-origin deploy = %d %s", code, body)
	}
	// a user's http in route is not the admin API
	if code, body := in.raw("GET", "/greet/ada", "text/plain", nil, "Origin", "http://evil.example", "Sec-Fetch-Site", "cross-site"); code != 201 {
		t.Errorf("http in route from another site = %d %s", code, body)
	}
}

// rss returns the process's resident set in bytes.
func rss(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	t.Skip("no VmRSS")
	return 0
}

// tokenFrom logs in from the local address ip (127.0.0.x: every one is
// loopback on Linux) and returns the status.
func tokenFrom(t *testing.T, base, ip, user, pass string) int {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: d.DialContext}}
	defer c.CloseIdleConnections()
	form := url.Values{"client_id": {"node-red-editor"}, "grant_type": {"password"}, "username": {user}, "password": {pass}}
	resp, err := c.PostForm(base+"/auth/token", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// 100 logins with 1 MiB user names: each refused at once, memory and log
// stay bounded. Wrong passwords from one address do not lock the admin
// out from another.
func TestHostileLogins(t *testing.T) {
	h, err := bcrypt.GenerateFromPassword([]byte("secret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	settings := writeSettings(t, fmt.Sprintf("adminAuth: {type: credentials, users: [{username: admin, password: %q, permissions: \"*\"}]}\n", h))
	in := start(t, t.TempDir(), "--settings", settings)
	before := rss(t, in.cmd.Process.Pid)
	long := strings.Repeat("A", 1<<20)
	for i := range 100 {
		if code := tokenFrom(t, in.base, "127.0.0.1", long+strconv.Itoa(i), "x"); code != http.StatusBadRequest {
			t.Fatalf("login %d with a 1 MiB name: %d, want 400", i, code)
		}
	}
	after := rss(t, in.cmd.Process.Pid)
	if grown := after - before; grown > 64<<20 {
		t.Errorf("RSS grew by %d MB over 100 long-name logins", grown>>20)
	}

	for range 6 {
		tokenFrom(t, in.base, "127.0.0.1", "admin", "wrong")
	}
	if code := tokenFrom(t, in.base, "127.0.0.1", "admin", "secret"); code != http.StatusTooManyRequests {
		t.Errorf("the guessing address with the right password: %d, want 429", code)
	}
	if code := tokenFrom(t, in.base, "127.0.0.2", "admin", "secret"); code != http.StatusOK {
		t.Errorf("the admin from another address: %d, want 200", code)
	}
	in.stop() // the log is complete (and no longer written) once the process is gone
	if n := in.logs.Len(); n > 100*600+16<<10 {
		t.Errorf("%d bytes of log for 100 refused logins and a few more", n)
	}
}

// readUntilClosed reads c until the server ends the connection (EOF or a
// reset), and fails when that takes longer than within.
func readUntilClosed(t *testing.T, c net.Conn, within time.Duration) string {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(within))
	b, err := io.ReadAll(c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server kept the connection open for %v (read %q)", within, b)
	}
	return string(b)
}

// Slow and idle clients are cut by the settings' timeouts, the
// connection cap answers 503 past it, and a /comms websocket outlives
// every timeout.
func TestHostileSlowClients(t *testing.T) {
	settings := writeSettings(t, "httpServer: {headersTimeout: 1000, requestTimeout: 1500, writeTimeout: 1500, keepAliveTimeout: 1000, maxConnections: 8}\n")
	in := start(t, t.TempDir(), "--settings", settings)
	http.DefaultClient.CloseIdleConnections()
	addr := strings.TrimPrefix(in.base, "http://")
	dial := func() net.Conn {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/comms", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	opened := time.Now()

	t.Run("slow header sender", func(t *testing.T) {
		c := dial()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() { // a header byte every 100 ms, never finishing
			_, _ = io.WriteString(c, "GET /flows HTTP/1.1\r\nHost: x\r\nX-Slow: ")
			for ctx.Err() == nil {
				if _, err := c.Write([]byte("a")); err != nil {
					return
				}
				time.Sleep(100 * time.Millisecond)
			}
		}()
		readUntilClosed(t, c, 8*time.Second)
	})
	t.Run("slow body sender", func(t *testing.T) {
		c := dial()
		_, _ = io.WriteString(c, "POST /api/data HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n[")
		readUntilClosed(t, c, 8*time.Second)
	})
	t.Run("idle keep-alive", func(t *testing.T) {
		c := dial()
		_, _ = io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: "+addr+"\r\n\r\n")
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET /healthz: %v %v", resp, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		readUntilClosed(t, c, 8*time.Second)
	})
	t.Run("connection cap", func(t *testing.T) {
		var conns []net.Conn
		for range 12 { // the websocket holds one of the 8 slots
			conns = append(conns, dial())
		}
		refused, cut := 0, 0
		for _, c := range conns {
			if got := readUntilClosed(t, c, 8*time.Second); strings.HasPrefix(got, "HTTP/1.1 503") {
				refused++
			} else {
				cut++
			}
		}
		if refused < 5 || cut > 7 {
			t.Errorf("%d connections refused, %d held, want at least 5 refused and at most 7 held", refused, cut)
		}
		for _, c := range conns {
			c.Close()
		}
		// the slots come back: a new request is served
		deadline := time.Now().Add(5 * time.Second)
		for {
			resp, err := http.Get(in.base + "/healthz")
			if err == nil && resp.StatusCode == 200 {
				resp.Body.Close()
				break
			}
			if err == nil {
				resp.Body.Close()
			}
			if time.Now().After(deadline) {
				t.Fatalf("no slot came back: %v %v", resp, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
	t.Run("websocket outlives the timeouts", func(t *testing.T) {
		if age := time.Since(opened); age < 1500*time.Millisecond {
			t.Fatalf("the websocket is only %v old", age)
		}
		if err := ws.WriteJSON(map[string]string{"subscribe": "debug"}); err != nil {
			t.Fatal(err)
		}
		got := make(chan string, 1)
		go func() {
			_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
			_, b, err := ws.ReadMessage()
			if err != nil {
				got <- err.Error()
				return
			}
			got <- string(b)
		}()
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			if code, body := in.do("POST", "/inject/welcome.inject", nil); code != 200 {
				t.Fatalf("POST /inject = %d %s", code, body)
			}
			select {
			case b := <-got:
				var batch []map[string]any
				if json.Unmarshal([]byte(b), &batch) != nil || len(batch) == 0 || batch[0]["topic"] != "debug" {
					t.Fatalf("websocket after the timeouts: %s", b)
				}
				return
			case <-tick.C:
			}
		}
	})
}
