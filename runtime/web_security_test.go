package runtime

import (
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
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// /api/data is behind httpNodeAuth when it is set, behind adminAuth when
// that is set, and behind both when both are (the token then rides in
// access_token, the basic auth in Authorization).
func TestDataAPIAuth(t *testing.T) {
	nodeAuth := fmt.Sprintf("httpNodeAuth: {user: bob, pass: %q}\n", hash(t, "pw"))
	adminAuth := fmt.Sprintf("adminAuth: {type: credentials, users: [{username: admin, password: %q, permissions: \"*\"}]}\n", hash(t, "secret"))
	type req struct {
		method, path, body string
		basic, token       bool
		want               int
	}
	tests := []struct {
		name     string
		settings string
		reqs     []req
	}{
		{"httpNodeAuth only", nodeAuth, []req{
			{method: "GET", path: "/api/data", want: 401},
			{method: "POST", path: "/api/data", body: `[{"topic":"a","payload":1}]`, want: 401},
			{method: "DELETE", path: "/api/data/1", want: 401},
			{method: "POST", path: "/api/data", body: `[{"topic":"a","payload":1}]`, basic: true, want: 201},
			{method: "GET", path: "/api/data/1", basic: true, want: 200},
			{method: "DELETE", path: "/api/data/1", basic: true, want: 204},
		}},
		{"adminAuth only", adminAuth, []req{
			{method: "GET", path: "/api/data", want: 401},
			{method: "GET", path: "/api/data", token: true, want: 200},
		}},
		{"both", nodeAuth + adminAuth, []req{
			{method: "GET", path: "/api/data", want: 401},
			{method: "GET", path: "/api/data", basic: true, want: 401},
			{method: "GET", path: "/api/data", token: true, want: 401},
			{method: "GET", path: "/api/data", basic: true, token: true, want: 200},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt, err := startWith(t, t.TempDir(), tt.settings)
			if err != nil {
				t.Fatal(err)
			}
			base := "http://" + rt.Addr()
			token := ""
			if strings.Contains(tt.settings, "adminAuth") {
				token = adminToken(t, base, "admin", "secret")
			}
			for _, r := range tt.reqs {
				u := base + r.path
				h := map[string]string{"Content-Type": "application/json"}
				if r.token {
					u += "?access_token=" + url.QueryEscape(token)
					if !r.basic {
						h["Authorization"] = "Bearer " + token
					}
				}
				if r.basic {
					h["Authorization"] = "Basic " + basic("bob", "pw")
				}
				if code, body := request(t, http.DefaultClient, r.method, u, h, r.body); code != r.want {
					t.Errorf("%s %s (basic %v, token %v) = %d %s, want %d", r.method, r.path, r.basic, r.token, code, body, r.want)
				}
			}
		})
	}
}

func basic(user, pass string) string {
	req, _ := http.NewRequest("GET", "http://x", nil)
	req.SetBasicAuth(user, pass)
	return strings.TrimPrefix(req.Header.Get("Authorization"), "Basic ")
}

func adminToken(t *testing.T, base, user, pass string) string {
	t.Helper()
	form := url.Values{"client_id": {"node-red-editor"}, "grant_type": {"password"}, "username": {user}, "password": {pass}}
	code, body := request(t, http.DefaultClient, "POST", base+"/auth/token", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, form.Encode())
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal([]byte(body), &tok); err != nil || code != 200 || tok.AccessToken == "" {
		t.Fatalf("login %s = %d %s", user, code, body)
	}
	return tok.AccessToken
}

// An admin token survives a restart; the sessions file is 0600 and holds
// no token.
func TestSessionsSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	settings := fmt.Sprintf("adminAuth: {type: credentials, users: [{username: admin, password: %q, permissions: \"*\"}]}\n", hash(t, "secret"))
	rt, err := startWith(t, dir, settings)
	if err != nil {
		t.Fatal(err)
	}
	token := adminToken(t, "http://"+rt.Addr(), "admin", "secret")
	if err := rt.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(dir, sessionsFile))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("sessions file: %v %v", st, err)
	}
	if raw, _ := os.ReadFile(filepath.Join(dir, sessionsFile)); strings.Contains(string(raw), token) {
		t.Fatal("the sessions file holds the token")
	}
	again, err := startWith(t, dir, settings)
	if err != nil {
		t.Fatal(err)
	}
	h := map[string]string{"Authorization": "Bearer " + token}
	if code, body := request(t, http.DefaultClient, "GET", "http://"+again.Addr()+"/flows", h, ""); code != 200 {
		t.Errorf("GET /flows with the token after a restart = %d %s", code, body)
	}
}

// /readyz is 503 while the stored flows failed to start, and 200 after a
// good deploy; /healthz is 200 throughout.
func TestReadyz(t *testing.T) {
	dir := t.TempDir()
	// duplicate ids: flows Flowgate refuses (a wire to a missing node, or a
	// bad property, only warns, as in Node-RED)
	bad := `[{"id":"x","type":"junction","z":"t","wires":[]},{"id":"x","type":"junction","z":"t","wires":[]}]`
	if err := os.WriteFile(filepath.Join(dir, "flows.json"), []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	rt, err := startWith(t, dir, "")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + rt.Addr()
	if code, body := get(t, base+"/readyz"); code != 503 || !strings.Contains(body, "stored flows not started") {
		t.Errorf("GET /readyz = %d %s, want 503", code, body)
	}
	if code, _ := get(t, base+"/healthz"); code != 200 {
		t.Errorf("GET /healthz = %d, want 200", code)
	}
	h := map[string]string{"Content-Type": "application/json"}
	if code, body := request(t, http.DefaultClient, "POST", base+"/flows", h, string(echoFlow("/a", "a").MarshalV1())); code != 204 {
		t.Fatalf("deploy = %d %s", code, body)
	}
	if code, body := get(t, base+"/readyz"); code != 200 {
		t.Errorf("GET /readyz after a good deploy = %d %s", code, body)
	}
}

func TestHTTPServerSettings(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "settings.yaml")
	yaml := "httpServer: {requestTimeout: 1000, headersTimeout: 0, keepAliveTimeout: 2000, maxConnections: 7}\nmqttBroker: {listen: \"127.0.0.1:0\"}\n"
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	s := Settings{File: file}
	if err := s.LoadFile(); err != nil {
		t.Fatal(err)
	}
	srv := s.HTTPServer.server(nil)
	if srv.ReadTimeout != time.Second || srv.ReadHeaderTimeout != -1 || srv.IdleTimeout != 2*time.Second || srv.WriteTimeout != defaultWriteTimeout {
		t.Errorf("server timeouts = read %v, header %v, idle %v, write %v", srv.ReadTimeout, srv.ReadHeaderTimeout, srv.IdleTimeout, srv.WriteTimeout)
	}
	if n := s.HTTPServer.maxConnections(); n != 7 {
		t.Errorf("maxConnections = %d", n)
	}
	if s.Broker != "127.0.0.1:0" {
		t.Errorf("broker address from mqttBroker.listen = %q", s.Broker)
	}
	def := Settings{}.HTTPServer.server(nil)
	if def.ReadTimeout != 300*time.Second || def.ReadHeaderTimeout != 60*time.Second || def.IdleTimeout != 5*time.Second {
		t.Errorf("default timeouts = %v %v %v", def.ReadTimeout, def.ReadHeaderTimeout, def.IdleTimeout)
	}
	neg := Settings{File: file, Broker: "off"}
	neg.HTTPServer.MaxConnections = new(-1)
	if err := neg.Check(); err == nil || !strings.Contains(err.Error(), "httpServer.maxConnections") {
		t.Errorf("Check(-1) = %v", err)
	}
}

// Short server timeouts cut a slow header sender, but not a /comms
// websocket that stays open longer than all of them.
func TestTimeoutsCutSlowClientsNotWebsockets(t *testing.T) {
	rt, err := startWith(t, t.TempDir(), "httpServer: {requestTimeout: 300, headersTimeout: 300, writeTimeout: 300, keepAliveTimeout: 300}\n")
	if err != nil {
		t.Fatal(err)
	}
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+rt.Addr()+"/comms", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if err := ws.WriteJSON(map[string]string{"subscribe": "debug"}); err != nil {
		t.Fatal(err)
	}

	slow, err := net.Dial("tcp", rt.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	_, _ = slow.Write([]byte("GET /flows HTTP/1.1\r\nHost: x\r\n"))
	_ = slow.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadAll(slow); isTimeout(err) {
		t.Fatal("the slow header sender was not cut within 10 s")
	}
	// the websocket, older than every timeout now, still carries messages
	done := make(chan struct{})
	defer close(done)
	go func() {
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			rt.editor.Hub().Publish("debug", map[string]any{"msg": "still here"})
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, data, err := ws.ReadMessage()
	if err != nil || !strings.Contains(string(data), "still here") {
		t.Fatalf("websocket after the timeouts: %s %v", data, err)
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
