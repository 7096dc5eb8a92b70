package runtime

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/flows"
)

func hash(t *testing.T, pw string) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return string(h)
}

// startWith starts a runtime from a settings file in dir (its data dir).
func startWith(t *testing.T, dir, settings string) (*Runtime, error) {
	t.Helper()
	file := filepath.Join(dir, "settings.yaml")
	if err := os.WriteFile(file, []byte(settings), 0o600); err != nil {
		t.Fatal(err)
	}
	s := Settings{Listen: "127.0.0.1:0", DataDir: dir, Broker: "off", HW: "sim", File: file}
	if err := s.LoadFile(); err != nil {
		return nil, err
	}
	rt, err := New(s)
	if err != nil {
		return nil, err
	}
	if err := rt.Start(t.Context()); err != nil {
		return nil, err
	}
	t.Cleanup(func() { _ = rt.Shutdown(context.Background()) })
	return rt, nil
}

func request(t *testing.T, client *http.Client, method, u string, h map[string]string, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header.Set(k, v)
	}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestAdminAuthFromSettingsFile(t *testing.T) {
	dir := t.TempDir()
	rt, err := startWith(t, dir, fmt.Sprintf(`
adminAuth:
  type: credentials
  users:
    - {username: admin, password: %q, permissions: "*"}
    - {username: viewer, password: %q, permissions: read}
`, hash(t, "secret"), hash(t, "look")))
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + rt.Addr()
	c := http.DefaultClient
	if code, body := request(t, c, "GET", base+"/auth/login", nil, ""); code != 200 || !strings.Contains(body, `"type":"credentials"`) {
		t.Errorf("GET /auth/login = %d %s", code, body)
	}
	if code, _ := request(t, c, "GET", base+"/flows", nil, ""); code != 401 {
		t.Errorf("GET /flows without a token = %d, want 401", code)
	}
	tokenOf := func(user, pass string) string {
		form := url.Values{"client_id": {"node-red-editor"}, "grant_type": {"password"}, "scope": {""}, "username": {user}, "password": {pass}}
		code, body := request(t, c, "POST", base+"/auth/token", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, form.Encode())
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		_ = json.Unmarshal([]byte(body), &tok)
		if code != 200 || tok.AccessToken == "" {
			t.Fatalf("login %s = %d %s", user, code, body)
		}
		return tok.AccessToken
	}
	admin, viewer := tokenOf("admin", "secret"), tokenOf("viewer", "look")
	flowsBody := string(echoFlow("/who", "a").MarshalV1())
	h := func(tok string) map[string]string {
		return map[string]string{"Authorization": "Bearer " + tok, "Content-Type": "application/json"}
	}
	if code, _ := request(t, c, "POST", base+"/flows", h(viewer), flowsBody); code != 403 {
		t.Errorf("viewer deploy = %d, want 403", code)
	}
	if code, body := request(t, c, "POST", base+"/flows", h(admin), flowsBody); code != 204 {
		t.Errorf("admin deploy = %d %s, want 204", code, body)
	}
	if code, body := request(t, c, "GET", base+"/who", nil, ""); code != 200 || body != "a" {
		t.Errorf("http in without httpNodeAuth = %d %q", code, body)
	}
	// Flowgate's own admin APIs follow the same rules
	for _, tc := range []struct {
		method, path, tok string
		want              int
	}{
		{"GET", "/api/data", "", 401},
		{"GET", "/api/data", viewer, 200},
		{"DELETE", "/api/data/1", viewer, 403},
		{"GET", "/api/hw", "", 401},
		{"PUT", "/api/hw/pins/17", viewer, 403},
	} {
		hdr := map[string]string{}
		if tc.tok != "" {
			hdr = h(tc.tok)
		}
		if code, body := request(t, c, tc.method, base+tc.path, hdr, `{"level":1}`); code != tc.want {
			t.Errorf("%s %s = %d %s, want %d", tc.method, tc.path, code, body, tc.want)
		}
	}
}

func TestHTTPNodeAuth(t *testing.T) {
	rt, err := startWith(t, t.TempDir(), fmt.Sprintf("httpNodeAuth: {user: bob, pass: %q}\n", hash(t, "pw")))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rt.Deploy(t.Context(), echoFlow("/who", "a"), engine.DeployFull, ""); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, user, pass string
		want             int
	}{
		{"none", "", "", 401},
		{"wrong password", "bob", "nope", 401},
		{"wrong user", "alice", "pw", 401},
		{"right", "bob", "pw", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", "http://"+rt.Addr()+"/who", nil)
			if tt.user != "" {
				req.SetBasicAuth(tt.user, tt.pass)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != tt.want {
				t.Errorf("status = %d, want %d", res.StatusCode, tt.want)
			}
			if tt.want == 401 && !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Basic") {
				t.Errorf("WWW-Authenticate = %q", res.Header.Get("WWW-Authenticate"))
			}
		})
	}
	if code, _ := get(t, "http://"+rt.Addr()+"/flows"); code != 200 {
		t.Errorf("admin API under httpNodeAuth = %d, want 200 (it has adminAuth)", code)
	}
}

func TestHTTPS(t *testing.T) {
	dir := t.TempDir()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	_ = os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	_ = os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)

	if _, err := startWith(t, t.TempDir(), "https: {key: /nonexistent.pem, cert: /nonexistent.pem}\n"); err == nil || !strings.Contains(err.Error(), "https") {
		t.Errorf("missing certificate files: err = %v", err)
	}
	rt, err := startWith(t, dir, fmt.Sprintf("https: {key: %q, cert: %q}\n", keyFile, certFile))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	cert, _ := x509.ParseCertificate(der)
	pool.AddCert(cert)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	defer client.CloseIdleConnections()
	if code, _ := request(t, client, "GET", "https://"+rt.Addr()+"/healthz", nil, ""); code != 200 {
		t.Errorf("GET https /healthz = %d", code)
	}
	if code, _ := get(t, "http://"+rt.Addr()+"/healthz"); code != 400 {
		t.Errorf("plain http to the TLS listener = %d, want 400", code)
	}
}

// credFlow calls srv through an http request node with basic auth
// credentials.
func credFlow(t *testing.T, srv string, creds string) *flows.Config {
	t.Helper()
	credsProp := ""
	if creds != "" {
		credsProp = `,"credentials":` + creds
	}
	cfg, err := flows.Parse([]byte(`[{"id":"t","type":"tab","label":"t"},
		{"id":"in","type":"http in","z":"t","url":"/call","method":"get","wires":[["req"]]},
		{"id":"req","type":"http request","z":"t","method":"GET","ret":"txt","url":"` + srv + `","authType":"basic","wires":[["out"]]` + credsProp + `},
		{"id":"out","type":"http response","z":"t","wires":[]}]`))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestCredentials(t *testing.T) {
	echoAuth := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, _ := r.BasicAuth()
		fmt.Fprintf(w, "%s:%s", u, p)
	}))
	defer echoAuth.Close()
	dir := t.TempDir()
	rt, err := startWith(t, dir, "")
	if err != nil {
		t.Fatal(err)
	}
	call := func(rt *Runtime) string {
		t.Helper()
		_, body := get(t, "http://"+rt.Addr()+"/call")
		return body
	}
	if _, err := rt.Deploy(t.Context(), credFlow(t, echoAuth.URL, `{"user":"user-one","password":"s3cret-pw"}`), engine.DeployFull, ""); err != nil {
		t.Fatal(err)
	}
	if got := call(rt); got != "user-one:s3cret-pw" {
		t.Fatalf("the node got %q, want its credentials user-one:s3cret-pw", got)
	}
	t.Run("not in the API nor the flows file", func(t *testing.T) {
		_, body := get(t, "http://"+rt.Addr()+"/flows")
		if strings.Contains(body, "s3cret-pw") || strings.Contains(body, "credentials") {
			t.Errorf("GET /flows shows credentials: %s", body)
		}
		for _, f := range []string{"flows.json", "flows_cred.json", ".flows.json.backup"} {
			b, _ := os.ReadFile(filepath.Join(dir, f))
			if strings.Contains(string(b), "s3cret-pw") || strings.Contains(string(b), "user-one") {
				t.Errorf("%s holds a credential in clear: %s", f, b)
			}
		}
		for _, f := range []string{"flows_cred.json", ".config.runtime.json"} {
			st, err := os.Stat(filepath.Join(dir, f))
			if err != nil || st.Mode().Perm() != 0o600 {
				t.Errorf("%s: %v, mode %v, want 0600", f, err, st)
			}
		}
		code, body := get(t, "http://"+rt.Addr()+"/credentials/http%20request/req")
		if code != 200 || body != `{"has_password":true,"user":"user-one"}` {
			t.Errorf("GET /credentials = %d %s", code, body)
		}
	})
	t.Run("kept when deployed without them", func(t *testing.T) {
		if _, err := rt.Deploy(t.Context(), rt.Flows(), engine.DeployFull, ""); err != nil {
			t.Fatal(err)
		}
		if got := call(rt); got != "user-one:s3cret-pw" {
			t.Errorf("after a deploy without credentials: %q", got)
		}
		if _, err := rt.Deploy(t.Context(), credFlow(t, echoAuth.URL, `{"user":"user-two","password":"__PWRD__"}`), engine.DeployFull, ""); err != nil {
			t.Fatal(err)
		}
		if got := call(rt); got != "user-two:s3cret-pw" {
			t.Errorf("changed user, placeholder password: %q, want user-two:s3cret-pw", got)
		}
	})
	_ = rt.Shutdown(context.Background())

	t.Run("survive a restart", func(t *testing.T) {
		rt2, err := startWith(t, dir, "")
		if err != nil {
			t.Fatal(err)
		}
		if got := call(rt2); got != "user-two:s3cret-pw" {
			t.Errorf("after restart: %q", got)
		}
		_ = rt2.Shutdown(context.Background())
	})
	t.Run("wrong secret refuses to start", func(t *testing.T) {
		if _, err := startWith(t, dir, "credentialSecret: another\n"); err == nil || !strings.Contains(err.Error(), "decrypt") {
			t.Errorf("err = %v, want a decrypt error", err)
		}
	})
}

func TestCredentialsInStoredFlowsAreMoved(t *testing.T) {
	dir := t.TempDir()
	cfg := credFlow(t, "http://127.0.0.1:1/", `{"user":"u","password":"pw"}`)
	if err := os.WriteFile(filepath.Join(dir, "flows.json"), cfg.MarshalV1(), 0o600); err != nil {
		t.Fatal(err)
	}
	rt, err := startWith(t, dir, "credentialSecret: k\n")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "flows.json"))
	if strings.Contains(string(b), "credentials") {
		t.Errorf("flows.json still holds credentials: %s", b)
	}
	if got := rt.Credentials("http request", "req"); got["user"] != "u" || got["has_password"] != true {
		t.Errorf("credentials = %v", got)
	}
	if _, err := os.Stat(filepath.Join(dir, ".config.runtime.json")); err == nil {
		t.Error("a key file was generated although credentialSecret is set")
	}
}

func TestCredentialsForEditorWithoutAny(t *testing.T) {
	rt := startRuntime(t)
	got := rt.Credentials("http request", "nope")
	if got["user"] != "" || got["has_password"] != false || len(got) != 2 {
		t.Errorf("credentials of a node without any = %v, want Node-RED's {user: \"\", has_password: false}", got)
	}
}

// A Node-RED user directory's flows_cred.json (AES-256-CTR, made with
// Node-RED's credentials.js algorithm) loads with its credentialSecret and
// is rewritten in Flowgate's format by the next deploy.
func TestNodeREDCredentialsImport(t *testing.T) {
	echoAuth := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, _ := r.BasicAuth()
		fmt.Fprintf(w, "%s:%s", u, p)
	}))
	defer echoAuth.Close()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "flows.json"), credFlow(t, echoAuth.URL, "").MarshalV1(), 0o600); err != nil {
		t.Fatal(err)
	}
	nr, err := os.ReadFile("testdata/nodered_flows_cred.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "flows_cred.json"), nr, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := startWith(t, dir, "credentialSecret: wrong\n"); err == nil {
		t.Fatal("a wrong credentialSecret started")
	}
	rt, err := startWith(t, dir, "credentialSecret: nr-secret\n")
	if err != nil {
		t.Fatal(err)
	}
	if _, body := get(t, "http://"+rt.Addr()+"/call"); body != "nr-user:nr-pass" {
		t.Errorf("node got %q, want nr-user:nr-pass", body)
	}
	if _, err := rt.Deploy(t.Context(), rt.Flows(), engine.DeployFull, ""); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "flows_cred.json"))
	if !strings.Contains(string(b), `"$gcm"`) {
		t.Errorf("not rewritten in Flowgate's format: %s", b)
	}
}
