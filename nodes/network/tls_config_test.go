package network

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"github.com/flowgate/flowgate/internal/mosquittotest"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
)

// testPKI is a CA made by the test and certificates it signed, as PEM
// files in dir.
type testPKI struct {
	dir                                              string
	ca, serverCert, serverKey, clientCert, clientKey string // file paths
	otherCA                                          string // a CA that signed nothing here
}

func newTestPKI(t *testing.T) *testPKI {
	t.Helper()
	dir := t.TempDir()
	// readable by mosquitto, which run as root drops to its own user
	for _, d := range []string{dir, filepath.Dir(dir)} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	p := &testPKI{dir: dir}
	write := func(name, typ string, der []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	serial := int64(1)
	newCert := func(tmpl *x509.Certificate, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*x509.Certificate, *ecdsa.PrivateKey, []byte, []byte) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		serial++
		tmpl.SerialNumber = big.NewInt(serial)
		tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
		if parent == nil {
			parent, parentKey = tmpl, key
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
		if err != nil {
			t.Fatal(err)
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		kder, err := x509.MarshalECPrivateKey(key)
		if err != nil {
			t.Fatal(err)
		}
		return cert, key, der, kder
	}
	caTmpl := func(cn string) *x509.Certificate {
		return &x509.Certificate{Subject: pkix.Name{CommonName: cn}, IsCA: true, BasicConstraintsValid: true,
			KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	}
	ca, caKey, caDER, _ := newCert(caTmpl("flowgate test CA"), nil, nil)
	p.ca = write("ca.pem", "CERTIFICATE", caDER)
	_, _, otherDER, _ := newCert(caTmpl("another CA"), nil, nil)
	p.otherCA = write("other-ca.pem", "CERTIFICATE", otherDER)
	_, _, sDER, sKey := newCert(&x509.Certificate{Subject: pkix.Name{CommonName: "localhost"}, DNSNames: []string{"localhost"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		KeyUsage: x509.KeyUsageDigitalSignature}, ca, caKey)
	p.serverCert, p.serverKey = write("server.pem", "CERTIFICATE", sDER), write("server-key.pem", "EC PRIVATE KEY", sKey)
	_, _, cDER, cKey := newCert(&x509.Certificate{Subject: pkix.Name{CommonName: "flowgate"},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, KeyUsage: x509.KeyUsageDigitalSignature}, ca, caKey)
	p.clientCert, p.clientKey = write("client.pem", "CERTIFICATE", cDER), write("client-key.pem", "EC PRIVATE KEY", cKey)
	return p
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// startMosquittoTLS starts mosquitto with a TLS listener that requires a
// client certificate signed by the test CA.
func startMosquittoTLS(t *testing.T, p *testPKI) string {
	t.Helper()
	return mosquittotest.Start(t, "", fmt.Sprintf("cafile %s\ncertfile %s\nkeyfile %s\nrequire_certificate true\n",
		p.ca, p.serverCert, p.serverKey)).Addr
}

// TestMQTTTLSConfig: mqtt-broker nodes with usetls reach mosquitto's TLS
// listener through a tls-config node, with files or uploaded PEM
// (credentials), MQTT 3.1.1 and 5; a tls-config with the wrong CA, or
// without the client certificate the listener requires, never connects
// and says why.
func TestMQTTTLSConfig(t *testing.T) {
	p := newTestPKI(t)
	addr := startMosquittoTLS(t, p)
	host, port, _ := net.SplitHostPort(addr)
	broker := func(id, tlsID, version string) map[string]any {
		return map[string]any{"id": id, "type": "mqtt-broker", "broker": host, "port": port, "usetls": true, "tls": tlsID,
			"protocolVersion": version, "keepalive": "60", "cleansession": true}
	}
	flow := []any{
		map[string]any{"id": "t", "type": "tab"},
		map[string]any{"id": "files", "type": "tls-config", "cert": p.clientCert, "key": p.clientKey, "ca": p.ca, "verifyservercert": true},
		map[string]any{"id": "pem", "type": "tls-config", "cert": "", "key": "", "ca": "", "verifyservercert": true, "servername": "localhost",
			"credentials": map[string]any{"certdata": readFile(t, p.clientCert), "keydata": readFile(t, p.clientKey), "cadata": readFile(t, p.ca)}},
		map[string]any{"id": "wrongca", "type": "tls-config", "cert": p.clientCert, "key": p.clientKey, "ca": p.otherCA, "verifyservercert": true},
		map[string]any{"id": "nocert", "type": "tls-config", "cert": "", "key": "", "ca": p.ca, "verifyservercert": true},
		broker("b1", "files", "4"), broker("b2", "pem", "5"), broker("b3", "wrongca", "4"), broker("b4", "nocert", "4"),
		map[string]any{"id": "out", "z": "t", "type": "mqtt out", "topic": "tls/t", "qos": "1", "broker": "b1"},
		map[string]any{"id": "in", "z": "t", "type": "mqtt in", "topic": "tls/#", "qos": "1", "datatype": "utf8", "broker": "b2", "wires": []any{[]any{"c"}}},
		map[string]any{"id": "bad1", "z": "t", "type": "mqtt in", "topic": "tls/#", "qos": "1", "broker": "b3"},
		map[string]any{"id": "bad2", "z": "t", "type": "mqtt in", "topic": "tls/#", "qos": "1", "broker": "b4"},
		map[string]any{"id": "c", "z": "t", "type": "helper"},
	}
	h := enginetest.New(t, Types()...)
	h.Deploy(flow)
	waitStatus(t, h, "out", "connected")
	waitStatus(t, h, "in", "connected")
	h.Send("out", engine.Msg{"payload": "over tls"})
	if m := h.Wait("c", 1, 5*time.Second)[0]; m["payload"] != "over tls" {
		t.Errorf("got %v", m)
	}
	// the failing ones say why in the debug sidebar, once
	want := []string{"certificate signed by unknown authority", "certificate required"}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) && !containsAll(debugTexts(h), want) {
		time.Sleep(20 * time.Millisecond)
	}
	if texts := debugTexts(h); !containsAll(texts, want) {
		t.Errorf("debug messages %q do not say %q", texts, want)
	}
	for _, id := range []string{"bad1", "bad2"} {
		if s := h.E.Statuses()[id]; s.Text == "connected" {
			t.Errorf("%s connected", id)
		}
	}
}

// debugTexts returns the texts of every message to the debug sidebar.
func debugTexts(h *enginetest.Harness) string {
	var b strings.Builder
	for _, e := range h.Events() {
		if e.Topic == "debug" {
			fmt.Fprintf(&b, "%v\n", e.Data)
		}
	}
	return b.String()
}

func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// tlsPair is a server TLS configuration with the certificate and key files.
func tlsPair(certFile, keyFile string) (*tls.Config, error) {
	c, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, err
	}
	return &tls.Config{Certificates: []tls.Certificate{c}}, nil
}

// TestTLSConfigErrors: a certificate without its key, or files that do not
// exist, are errors naming the field.
func TestTLSConfigErrors(t *testing.T) {
	h := enginetest.New(t, Types()...)
	w := h.Deploy(`[{"id":"a","type":"tls-config","cert":"/x/cert.pem","key":"","ca":""},
	{"id":"b","type":"tls-config","cert":"","key":"","ca":"","credentials":{"keydata":"k"}}]`)
	text := fmt.Sprint(w)
	for _, want := range []string{"key", "certdata"} {
		if !strings.Contains(text, want) {
			t.Errorf("warnings %s do not name %s", text, want)
		}
	}
	h2 := enginetest.New(t, Types()...)
	h2.Deploy(`[{"id":"t","type":"tab"},{"id":"a","type":"tls-config","cert":"","key":"","ca":"/does/not/exist.pem"}]`)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) && !strings.Contains(fmt.Sprint(h2.Errors()), "tls-config ca") {
		time.Sleep(10 * time.Millisecond)
	}
	if errs := fmt.Sprint(h2.Errors()); !strings.Contains(errs, "tls-config ca") || !strings.Contains(errs, "exist.pem") {
		t.Errorf("errors %s do not name the ca file", errs)
	}
}

// TestHTTPRequestTLSConfig: http request uses its tls-config: the test
// CA verifies an https server with the test's certificate, which the
// system's roots do not.
func TestHTTPRequestTLSConfig(t *testing.T) {
	p := newTestPKI(t)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "secure")
	}))
	cert, err := tlsPair(p.serverCert, p.serverKey)
	if err != nil {
		t.Fatal(err)
	}
	srv.TLS = cert
	srv.StartTLS()
	defer srv.Close()
	flow, _ := json.Marshal([]any{
		map[string]any{"id": "t", "type": "tab"},
		map[string]any{"id": "tc", "type": "tls-config", "cert": "", "key": "", "ca": p.ca, "verifyservercert": true},
		map[string]any{"id": "with", "z": "t", "type": "http request", "method": "GET", "ret": "txt", "url": srv.URL, "tls": "tc", "wires": []any{[]any{"c1"}}},
		map[string]any{"id": "without", "z": "t", "type": "http request", "method": "GET", "ret": "txt", "url": srv.URL, "wires": []any{[]any{"c2"}}},
		map[string]any{"id": "c1", "z": "t", "type": "helper"}, map[string]any{"id": "c2", "z": "t", "type": "helper"},
	})
	h := enginetest.New(t, Types()...)
	h.Deploy(string(flow))
	h.Send("with", engine.Msg{"payload": ""})
	if m := h.Wait("c1", 1, 10*time.Second)[0]; m["payload"] != "secure" || m["statusCode"] != 200.0 {
		t.Errorf("with the tls-config: %v", m)
	}
	h.Send("without", engine.Msg{"payload": ""})
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) && len(h.Errors()) == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	if errs := fmt.Sprint(h.Errors()); !strings.Contains(errs, "certificate") {
		t.Errorf("without the tls-config the request should fail verification, errors: %s", errs)
	}
}

// TestWebsocketClientTLSConfig: a websocket-client reaches a wss:// server
// whose certificate the test CA signed, through its tls-config.
func TestWebsocketClientTLSConfig(t *testing.T) {
	p := newTestPKI(t)
	up := websocket.Upgrader{}
	sessions := make(chan *websocket.Conn, 4)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, err := up.Upgrade(w, r, nil); err == nil {
			sessions <- c
		}
	}))
	cert, err := tlsPair(p.serverCert, p.serverKey)
	if err != nil {
		t.Fatal(err)
	}
	srv.TLS = cert
	srv.StartTLS()
	t.Cleanup(srv.Close)
	h := enginetest.New(t, Types()...)
	h.Deploy([]any{
		engine.ObjectOf("id", "f1", "type", "tab"),
		engine.ObjectOf("id", "tc", "type", "tls-config", "cert", "", "key", "", "ca", p.ca, "verifyservercert", true),
		engine.ObjectOf("id", "c1", "type", "websocket-client", "path", "wss"+strings.TrimPrefix(srv.URL, "https"), "tls", "tc", "wholemsg", "false"),
		engine.ObjectOf("id", "out1", "type", "websocket out", "z", "f1", "server", "", "client", "c1"),
	})
	select {
	case c := <-sessions:
		c.Close()
	case <-time.After(10 * time.Second):
		t.Fatalf("the client never connected over TLS: %v", h.Errors())
	}
}

// TestTCPTLSConfig: tcp in listens over TLS with the tls-config's
// certificate (a TLS client trusting only the test CA completes the
// handshake), and tcp out (client) reaches it over TLS.
func TestTCPTLSConfig(t *testing.T) {
	p := newTestPKI(t)
	port := freeTCPPort(t)
	flow := tcpFlow(
		map[string]any{"id": "in", "type": "tcp in", "server": "server", "port": strconv.Itoa(port), "datamode": "stream", "datatype": "utf8", "newline": "", "tls": "srv", "wires": []any{[]any{"got"}}},
		map[string]any{"id": "out", "type": "tcp out", "beserver": "client", "host": "127.0.0.1", "port": strconv.Itoa(port), "tls": "cli"},
	)
	flow = append(flow,
		map[string]any{"id": "srv", "type": "tls-config", "cert": p.serverCert, "key": p.serverKey, "ca": ""},
		map[string]any{"id": "cli", "type": "tls-config", "cert": "", "key": "", "ca": p.ca, "verifyservercert": true})
	h := enginetest.New(t, Types()...)
	h.Deploy(flow)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM([]byte(readFile(t, p.ca)))
	var c *tls.Conn
	var err error
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if c, err = tls.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port), &tls.Config{RootCAs: pool}); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("TLS handshake with tcp in: %v", err)
	}
	if _, err := c.Write([]byte("direct")); err != nil {
		t.Fatal(err)
	}
	c.Close()
	if m := h.Wait("got", 1, 5*time.Second)[0]; m["payload"] != "direct" {
		t.Errorf("tcp in got %v", m["payload"])
	}
	waitTCPOut(t, h)
	h.Send("out", engine.Msg{"payload": "via tcp out"})
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		for _, m := range h.Collected()["got"] {
			if m["payload"] == "via tcp out" {
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("tcp in never got tcp out's message over TLS: %v", payloads(h.Collected()["got"]))
}

// waitTCPOut waits until the tcp out client shows connected.
func waitTCPOut(t *testing.T, h *enginetest.Harness) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if h.E.Statuses()["out"].Text == "connected" {
			return
		}
	}
	t.Fatalf("tcp out never connected: %+v %v", h.E.Statuses()["out"], h.Errors())
}
