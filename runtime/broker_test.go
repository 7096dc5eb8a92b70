package runtime

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

var quiet = slog.New(slog.DiscardHandler)

// startBroker starts a broker on a loopback port and stops it at the end.
func startBroker(t *testing.T, dir string, m MQTTBroker) *Broker {
	t.Helper()
	b, err := StartBroker("127.0.0.1:0", dir, m, quiet)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Stop() })
	return b
}

// connect connects a paho client; opts may adjust the options.
func connect(t *testing.T, url, id string, opts func(*paho.ClientOptions)) (paho.Client, error) {
	t.Helper()
	o := paho.NewClientOptions().AddBroker(url).SetClientID(id).
		SetAutoReconnect(false).SetConnectRetry(false).SetConnectTimeout(5 * time.Second)
	if opts != nil {
		opts(o)
	}
	c := paho.NewClient(o)
	tok := c.Connect()
	if !tok.WaitTimeout(5 * time.Second) {
		return nil, os.ErrDeadlineExceeded
	}
	if err := tok.Error(); err != nil {
		return nil, err
	}
	t.Cleanup(func() { c.Disconnect(0) })
	return c, nil
}

func mustConnect(t *testing.T, url, id string, opts func(*paho.ClientOptions)) paho.Client {
	t.Helper()
	c, err := connect(t, url, id, opts)
	if err != nil {
		t.Fatalf("connect %s as %s: %v", url, id, err)
	}
	return c
}

func login(user, pass string) func(*paho.ClientOptions) {
	return func(o *paho.ClientOptions) { o.SetUsername(user).SetPassword(pass) }
}

func wait(t *testing.T, tok paho.Token) {
	t.Helper()
	if !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("mqtt: %v", tok.Error())
	}
}

// subscribe subscribes c to filter and returns the messages' "topic payload".
func subscribe(t *testing.T, c paho.Client, filter string) (<-chan string, byte) {
	t.Helper()
	ch := make(chan string, 16)
	tok := c.Subscribe(filter, 1, func(_ paho.Client, m paho.Message) { ch <- m.Topic() + " " + string(m.Payload()) })
	wait(t, tok)
	return ch, tok.(*paho.SubscribeToken).Result()[filter]
}

func expect(t *testing.T, ch <-chan string, want string) {
	t.Helper()
	select {
	case got := <-ch:
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	case <-time.After(5 * time.Second):
		t.Errorf("no message, want %q", want)
	}
}

func expectNone(t *testing.T, ch <-chan string) {
	t.Helper()
	select {
	case got := <-ch:
		t.Errorf("got %q, want nothing", got)
	case <-time.After(200 * time.Millisecond):
	}
}

// TestBroker: the embedded broker accepts an MQTT connection and stops.
func TestBroker(t *testing.T) {
	b, err := StartBroker("127.0.0.1:0", "", MQTTBroker{}, quiet)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.DialTimeout("tcp", b.Addr(), 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// CONNECT, MQTT 3.1.1, clean session, keepalive 60, client id "t"
	connect := []byte{0x10, 13, 0, 4, 'M', 'Q', 'T', 'T', 4, 2, 0, 60, 0, 1, 't'}
	if _, err := c.Write(connect); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
	ack := make([]byte, 4)
	if _, err := c.Read(ack); err != nil || ack[0] != 0x20 || ack[3] != 0 {
		t.Fatalf("CONNACK %v, %v", ack, err)
	}
	if _, err := StartBroker(b.Addr(), "", MQTTBroker{}, quiet); err == nil {
		t.Error("a second broker on the same port started")
	}
	if err := b.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := b.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
}

// TestBrokerAuth: logins against bcrypt hashes, ACL read and write
// denials, anonymous clients refused once users exist.
func TestBrokerAuth(t *testing.T) {
	b := startBroker(t, "", MQTTBroker{Users: []MQTTUser{
		{Username: "alice", Password: hash(t, "a-pass"), ACL: []MQTTACL{
			{Topic: "sensors/#", Access: "read"},
			{Topic: "cmd/%u/#", Access: "write"},
		}},
		{Username: "bob", Password: hash(t, "b-pass")},
	}})
	url := "tcp://" + b.Addr()
	t.Run("refused logins", func(t *testing.T) {
		for _, tc := range []struct{ name, user, pass string }{
			{"wrong password", "alice", "b-pass"},
			{"unknown user", "carol", "a-pass"},
			{"anonymous", "", ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if _, err := connect(t, url, "x", login(tc.user, tc.pass)); err == nil {
					t.Error("connected")
				}
			})
		}
	})
	alice := mustConnect(t, url, "alice-1", login("alice", "a-pass"))
	bob := mustConnect(t, url, "bob-1", login("bob", "b-pass"))
	bobGot, _ := subscribe(t, bob, "#")
	t.Run("read allowed", func(t *testing.T) {
		got, code := subscribe(t, alice, "sensors/+/temp")
		if code != 1 {
			t.Fatalf("SUBACK %#x, want granted QoS 1", code)
		}
		wait(t, bob.Publish("sensors/kitchen/temp", 1, false, "21"))
		expect(t, got, "sensors/kitchen/temp 21")
		expect(t, bobGot, "sensors/kitchen/temp 21")
	})
	t.Run("read denied", func(t *testing.T) {
		for _, filter := range []string{"#", "cmd/alice/x", "sensorsx/a", "+/kitchen/temp"} {
			if _, code := subscribe(t, alice, filter); code != 0x80 {
				t.Errorf("subscribe %q: SUBACK %#x, want 0x80", filter, code)
			}
		}
	})
	t.Run("write allowed", func(t *testing.T) {
		wait(t, alice.Publish("cmd/alice/light", 1, false, "on"))
		expect(t, bobGot, "cmd/alice/light on")
	})
	t.Run("write denied", func(t *testing.T) {
		for _, topic := range []string{"cmd/bob/light", "sensors/kitchen/temp"} {
			alice.Publish(topic, 1, false, "x").WaitTimeout(time.Second)
		}
		expectNone(t, bobGot)
	})
}

// TestBrokerLoginThrottle: after 5 failed logins for a username (or, for
// clients without one, a remote IP) within 10 minutes even the right
// password is refused until the window passes; other users are unaffected.
func TestBrokerLoginThrottle(t *testing.T) {
	b := startBroker(t, "", MQTTBroker{Users: []MQTTUser{
		{Username: "alice", Password: hash(t, "a-pass")},
		{Username: "bob", Password: hash(t, "b-pass")},
	}})
	now := time.Now()
	var mu sync.Mutex
	b.auth.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	url := "tcp://" + b.Addr()
	for i := range 5 {
		if _, err := connect(t, url, "x", login("alice", "wrong")); err == nil {
			t.Fatalf("wrong password %d connected", i+1)
		}
		if _, err := connect(t, url, "anon", nil); err == nil {
			t.Fatalf("anonymous %d connected", i+1)
		}
	}
	if _, err := connect(t, url, "alice-1", login("alice", "a-pass")); err == nil {
		t.Error("the right password connected while throttled")
	}
	mustConnect(t, url, "bob-1", login("bob", "b-pass"))
	advance(brokerFailWindow - time.Second)
	if _, err := connect(t, url, "alice-2", login("alice", "a-pass")); err == nil {
		t.Error("connected before the window passed")
	}
	advance(time.Second)
	mustConnect(t, url, "alice-3", login("alice", "a-pass"))
	b.auth.mu.Lock()
	ipFails := len(b.auth.failures["ip:127.0.0.1"])
	b.auth.mu.Unlock()
	if ipFails != 5 {
		t.Errorf("failures recorded for 127.0.0.1: %d, want 5", ipFails)
	}
}

// TestBrokerAnonymous: allowAnonymous admits clients without a login beside users.
func TestBrokerAnonymous(t *testing.T) {
	yes := true
	b := startBroker(t, "", MQTTBroker{AllowAnonymous: &yes, Users: []MQTTUser{{Username: "u", Password: hash(t, "p")}}})
	mustConnect(t, "tcp://"+b.Addr(), "anon", nil)
	if _, err := connect(t, "tcp://"+b.Addr(), "bad", login("u", "wrong")); err == nil {
		t.Error("a wrong password connected")
	}
}

// writeCert writes a self-signed certificate for 127.0.0.1 and returns its
// files and a pool trusting it.
func writeCert(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "flowgate test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// pubSub checks that a message published by one client reaches another.
func pubSub(t *testing.T, sub, pub paho.Client) {
	t.Helper()
	got, _ := subscribe(t, sub, "t/#")
	wait(t, pub.Publish("t/1", 1, false, "hello"))
	expect(t, got, "t/1 hello")
}

// TestBrokerWebsocket: MQTT over websockets, beside TCP clients.
func TestBrokerWebsocket(t *testing.T) {
	b := startBroker(t, "", MQTTBroker{WS: "127.0.0.1:0"})
	if b.WSAddr() == "" || strings.HasSuffix(b.WSAddr(), ":0") {
		t.Fatalf("websocket address %q", b.WSAddr())
	}
	ws := mustConnect(t, "ws://"+b.WSAddr()+"/mqtt", "ws", nil)
	tcp := mustConnect(t, "tcp://"+b.Addr(), "tcp", nil)
	t.Run("ws to tcp", func(t *testing.T) { pubSub(t, tcp, ws) })
	t.Run("tcp to ws", func(t *testing.T) { pubSub(t, ws, tcp) })
	t.Run("port in use", func(t *testing.T) {
		if b2, err := StartBroker("127.0.0.1:0", "", MQTTBroker{WS: b.WSAddr()}, quiet); err == nil {
			_ = b2.Stop()
			t.Error("a second websocket listener on the same port started")
		}
	})
}

// TestBrokerTLS: with mqttBroker.tls both listeners speak TLS only.
func TestBrokerTLS(t *testing.T) {
	cert, key, pool := writeCert(t)
	b := startBroker(t, "", MQTTBroker{WS: "127.0.0.1:0", TLS: &HTTPS{Cert: cert, Key: key}})
	trust := func(o *paho.ClientOptions) { o.SetTLSConfig(&tls.Config{RootCAs: pool}) }
	tcp := mustConnect(t, "tls://"+b.Addr(), "tls", trust)
	wss := mustConnect(t, "wss://"+b.WSAddr()+"/mqtt", "wss", trust)
	t.Run("tls to wss", func(t *testing.T) { pubSub(t, wss, tcp) })
	t.Run("plain refused", func(t *testing.T) {
		if _, err := connect(t, "tcp://"+b.Addr(), "plain", func(o *paho.ClientOptions) { o.SetConnectTimeout(time.Second) }); err == nil {
			t.Error("plain TCP connected to the TLS listener")
		}
	})
	t.Run("untrusted refused", func(t *testing.T) {
		if _, err := connect(t, "tls://"+b.Addr(), "untrusted", nil); err == nil {
			t.Error("connected without trusting the certificate")
		}
	})
}

// TestBrokerPersist: retained messages and persistent sessions survive a
// restart on the same data directory; persist: false keeps nothing.
func TestBrokerPersist(t *testing.T) {
	dir := t.TempDir()
	b, err := StartBroker("127.0.0.1:0", dir, MQTTBroker{}, quiet)
	if err != nil {
		t.Fatal(err)
	}
	persistent := func(o *paho.ClientOptions) { o.SetCleanSession(false) }
	sess := mustConnect(t, "tcp://"+b.Addr(), "sess", persistent)
	subscribe(t, sess, "queue/#")
	sess.Disconnect(100)
	pub := mustConnect(t, "tcp://"+b.Addr(), "pub", nil)
	wait(t, pub.Publish("state/lamp", 1, true, "on"))
	pub.Disconnect(100)
	if _, err := StartBroker("127.0.0.1:0", dir, MQTTBroker{}, quiet); err == nil {
		t.Error("a second broker opened the same store")
	}
	if err := b.Stop(); err != nil {
		t.Fatal(err)
	}

	b = startBroker(t, dir, MQTTBroker{})
	url := "tcp://" + b.Addr()
	t.Run("retained", func(t *testing.T) {
		got, _ := subscribe(t, mustConnect(t, url, "new", nil), "state/#")
		expect(t, got, "state/lamp on")
	})
	t.Run("session", func(t *testing.T) {
		wait(t, mustConnect(t, url, "pub2", nil).Publish("queue/1", 1, false, "queued"))
		got := make(chan string, 4)
		mustConnect(t, url, "sess", func(o *paho.ClientOptions) {
			o.SetCleanSession(false).SetDefaultPublishHandler(func(_ paho.Client, m paho.Message) {
				got <- m.Topic() + " " + string(m.Payload())
			})
		})
		expect(t, got, "queue/1 queued")
	})
	t.Run("persist false", func(t *testing.T) {
		no := false
		if err := b.Stop(); err != nil {
			t.Fatal(err)
		}
		b2 := startBroker(t, dir, MQTTBroker{Persist: &no})
		got, _ := subscribe(t, mustConnect(t, "tcp://"+b2.Addr(), "new2", nil), "state/#")
		expectNone(t, got)
	})
}

// TestBrokerLimits: limits from the settings replace the defaults.
func TestBrokerLimits(t *testing.T) {
	b := startBroker(t, "", MQTTBroker{MaxClients: 1, MaxInflight: 7, MaxPacketSize: "64kb"})
	caps := b.Server().Options.Capabilities
	if caps.MaximumClients != 1 || caps.MaximumInflight != 7 || caps.MaximumPacketSize != 64<<10 {
		t.Errorf("capabilities clients %d inflight %d packet %d", caps.MaximumClients, caps.MaximumInflight, caps.MaximumPacketSize)
	}
	mustConnect(t, "tcp://"+b.Addr(), "one", nil)
	if _, err := connect(t, "tcp://"+b.Addr(), "two", nil); err == nil {
		t.Error("a second client connected with maxClients 1")
	}
	d := startBroker(t, "", MQTTBroker{})
	if caps := d.Server().Options.Capabilities; caps.MaximumClients != brokerMaxClients || caps.MaximumPacketSize != brokerMaxPacket {
		t.Errorf("default capabilities %+v", caps)
	}
}

// TestMQTTBrokerCheck: every bad mqttBroker setting is named.
func TestMQTTBrokerCheck(t *testing.T) {
	good := hash(t, "p")
	for _, tc := range []struct {
		name string
		m    MQTTBroker
		want string
	}{
		{"ok", MQTTBroker{Users: []MQTTUser{{Username: "u", Password: good, ACL: []MQTTACL{{Topic: "a/#", Access: "read"}}}}}, ""},
		{"plain password", MQTTBroker{Users: []MQTTUser{{Username: "u", Password: "p"}}}, "mqttBroker.users[0].password: not a bcrypt hash"},
		{"no username", MQTTBroker{Users: []MQTTUser{{Password: good}}}, "mqttBroker.users[0].username: required"},
		{"twice", MQTTBroker{Users: []MQTTUser{{Username: "u", Password: good}, {Username: "u", Password: good}}}, "mqttBroker.users[1].username"},
		{"access", MQTTBroker{Users: []MQTTUser{{Username: "u", Password: good, ACL: []MQTTACL{{Topic: "a", Access: "all"}}}}}, "mqttBroker.users[0].acl[0].access"},
		{"filter", MQTTBroker{Users: []MQTTUser{{Username: "u", Password: good, ACL: []MQTTACL{{Topic: "a/#/b"}}}}}, "mqttBroker.users[0].acl[0].topic"},
		{"packet size", MQTTBroker{MaxPacketSize: "lots"}, "mqttBroker.maxPacketSize"},
		{"inflight", MQTTBroker{MaxInflight: 70000}, "mqttBroker.maxInflight"},
		{"clients", MQTTBroker{MaxClients: -1}, "mqttBroker.maxClients"},
		{"tls", MQTTBroker{TLS: &HTTPS{Cert: "/nonexistent", Key: "/nonexistent"}}, "mqttBroker.tls"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.m.check()
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("check() = %v, want %q", err, tc.want)
			}
		})
	}
}

// TestMQTTBrokerSettingsFile: the mqttBroker block of the settings file,
// and --broker-ws winning over its ws.
func TestMQTTBrokerSettingsFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "settings.yaml")
	yaml := "mqttBroker:\n  ws: \":9001\"\n  allowAnonymous: false\n  maxClients: 10\n  users:\n    - username: u\n      password: " + hash(t, "p") + "\n      acl:\n        - {topic: \"a/#\", access: readwrite}\n"
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	s := Settings{File: file, MQTTBroker: MQTTBroker{WS: "127.0.0.1:9002"}}
	if err := s.LoadFile(); err != nil {
		t.Fatal(err)
	}
	m := s.MQTTBroker
	if m.WS != "127.0.0.1:9002" || m.MaxClients != 10 || m.anonymous() || len(m.Users) != 1 || m.Users[0].ACL[0] != (MQTTACL{Topic: "a/#", Access: "readwrite"}) {
		t.Errorf("merged %+v", m)
	}
	if err := s.Check(); err != nil {
		t.Error(err)
	}
}

func TestFilterCovers(t *testing.T) {
	for _, tc := range []struct {
		pattern, filter string
		want            bool
	}{
		{"a/#", "a", true},
		{"a/#", "a/b/c", true},
		{"a/#", "a/+/c", true},
		{"a/#", "a/#", true},
		{"a/+", "a/b", true},
		{"a/+", "a/+", true},
		{"a/+", "a/#", false},
		{"a/+", "a/b/c", false},
		{"a/b", "a/b", true},
		{"a/b", "a/+", false},
		{"a/b", "a", false},
		{"#", "$SYS/x", false},
		{"+/x", "$SYS/x", false},
		{"$SYS/#", "$SYS/broker/uptime", true},
		{"#", "anything/at/all", true},
	} {
		if got := filterCovers(tc.pattern, tc.filter); got != tc.want {
			t.Errorf("filterCovers(%q, %q) = %v, want %v", tc.pattern, tc.filter, got, tc.want)
		}
	}
}

// A client that reconnects under the same client id at once (an
// mqtt-broker node with a fixed client id, redeployed) keeps the
// subscriptions it makes on the new connection: the end of the old one,
// handled by the broker concurrently, must not remove them.
func TestBrokerClientIDReusedAtOnce(t *testing.T) {
	b := startBroker(t, "", MQTTBroker{})
	url := "tcp://" + b.Addr()
	pub := mustConnect(t, url, "pub", nil)
	const rounds = 100
	lost := 0
	for i := range rounds {
		old := mustConnect(t, url, "gateway", nil)
		wait(t, old.Subscribe("cmd/x", 1, nil))
		if i%2 == 0 {
			old.Disconnect(0) // DISCONNECT, then close
		}
		c := mustConnect(t, url, "gateway", nil)
		got := make(chan string, 4)
		wait(t, c.Subscribe("cmd/x", 1, func(_ paho.Client, m paho.Message) { got <- string(m.Payload()) }))
		wait(t, pub.Publish("cmd/x", 1, false, fmt.Sprint(i)))
		select {
		case <-got:
		case <-time.After(time.Second):
			lost++
			_, ok := b.srv.Clients.Get("gateway")
			t.Logf("round %d: command lost; client known to the broker %v, subscriptions %d", i, ok, b.srv.Info.Subscriptions)
		}
		c.Disconnect(0)
		old.Disconnect(0)
	}
	if lost > 0 {
		t.Errorf("%d of %d commands lost after a reconnection under the same client id", lost, rounds)
	}
}
