package network

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
)

// smtpServer is a minimal SMTP server on loopback: implicit TLS or
// STARTTLS, AUTH PLAIN, and the received mails.
type smtpServer struct {
	ln       net.Listener
	tls      *tls.Config
	implicit bool // TLS from the first byte
	user     string
	pass     string

	mu    sync.Mutex // guards mails
	mails []received
	wg    sync.WaitGroup
}

type received struct {
	from   string
	rcpt   []string
	data   string
	authed string // the user AUTH PLAIN logged in
	tls    bool   // delivered over TLS
}

func selfSigned(t *testing.T) *tls.Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
}

func startSMTP(t *testing.T, implicit bool) *smtpServer {
	t.Helper()
	s := &smtpServer{tls: selfSigned(t), implicit: implicit, user: "gw@example.com", pass: "s3cret"}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if implicit {
		ln = tls.NewListener(ln, s.tls)
	}
	s.ln = ln
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() { defer s.wg.Done(); s.serve(c) }()
		}
	}()
	t.Cleanup(func() { ln.Close(); s.wg.Wait() })
	return s
}

func (s *smtpServer) port() string { return strconv.Itoa(s.ln.Addr().(*net.TCPAddr).Port) }

func (s *smtpServer) serve(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	isTLS := s.implicit
	r, w := bufio.NewReader(c), c
	say := func(line string) { _, _ = io.WriteString(w, line+"\r\n") }
	say("220 test ESMTP")
	var m received
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		cmd := strings.ToUpper(strings.SplitN(line, " ", 2)[0])
		switch cmd {
		case "EHLO", "HELO":
			if !isTLS {
				say("250-test")
				say("250-STARTTLS")
			} else {
				say("250-test")
			}
			say("250 AUTH PLAIN")
		case "STARTTLS":
			say("220 go ahead")
			tc := tls.Server(c, s.tls)
			if tc.Handshake() != nil {
				return
			}
			c, isTLS = tc, true
			r, w = bufio.NewReader(tc), tc
		case "AUTH":
			f := strings.Fields(line)
			b, _ := base64.StdEncoding.DecodeString(f[len(f)-1])
			parts := strings.Split(string(b), "\x00")
			if len(parts) != 3 || parts[1] != s.user || parts[2] != s.pass {
				say("535 authentication failed")
				continue
			}
			m.authed = parts[1]
			say("235 ok")
		case "MAIL":
			m.from = strings.Trim(strings.TrimPrefix(line[5:], "FROM:"), "<> ")
			say("250 ok")
		case "RCPT":
			m.rcpt = append(m.rcpt, strings.Trim(strings.TrimPrefix(line[5:], "TO:"), "<> "))
			say("250 ok")
		case "DATA":
			say("354 send")
			var data strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				data.WriteString(strings.TrimPrefix(l, "."))
			}
			m.data, m.tls = data.String(), isTLS
			s.mu.Lock()
			s.mails = append(s.mails, m)
			s.mu.Unlock()
			m = received{authed: m.authed}
			say("250 queued as 1")
		case "QUIT":
			say("221 bye")
			return
		default:
			say("250 ok")
		}
	}
}

func (s *smtpServer) received() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.mails...)
}

func emailHarness(t *testing.T, props map[string]any) *enginetest.Harness {
	t.Helper()
	h := enginetest.New(t, append(Types(), catcherType())...)
	n := map[string]any{"id": "m1", "type": "e-mail", "z": "f1", "server": "127.0.0.1", "dname": "alert",
		"credentials": map[string]any{"userid": "gw@example.com", "password": "s3cret"}}
	for k, v := range props {
		n[k] = v
	}
	h.Deploy([]any{
		map[string]any{"id": "f1", "type": "tab"},
		map[string]any{"id": "c", "type": "catcher", "z": "f1", "wires": []any{[]any{"caught"}}},
		map[string]any{"id": "caught", "type": enginetest.HelperType, "z": "f1"},
		n,
	})
	return h
}

func waitMails(t *testing.T, s *smtpServer, h *enginetest.Harness, n int) []received {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(s.received()) < n {
		if c := h.Collected()["caught"]; len(c) > 0 {
			t.Fatalf("caught %v", errorText(c[0]))
		}
		if time.Now().After(deadline) {
			t.Fatalf("server received %d mails, want %d", len(s.received()), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return s.received()
}

func TestEmailSends(t *testing.T) {
	for _, tt := range []struct {
		name     string
		implicit bool
	}{{"starttls", false}, {"implicit tls", true}} {
		t.Run(tt.name, func(t *testing.T) {
			s := startSMTP(t, tt.implicit)
			h := emailHarness(t, map[string]any{"port": s.port(), "secure": tt.implicit, "tls": false})
			h.Send("m1", engine.Msg{"payload": "disk full on gw1", "topic": "Alert ü", "to": "ops@example.com", "cc": "boss@example.com"})
			got := waitMails(t, s, h, 1)[0]
			if !got.tls || got.authed != "gw@example.com" || got.from != "gw@example.com" {
				t.Errorf("tls %v authed %q from %q", got.tls, got.authed, got.from)
			}
			if strings.Join(got.rcpt, ",") != "ops@example.com,boss@example.com" {
				t.Errorf("rcpt %v", got.rcpt)
			}
			msg, err := mail.ReadMessage(strings.NewReader(got.data))
			if err != nil {
				t.Fatal(err)
			}
			subj, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
			body, _ := io.ReadAll(msg.Body)
			if subj != "Alert ü" || msg.Header.Get("To") != "ops@example.com" || msg.Header.Get("Cc") != "boss@example.com" || strings.TrimSpace(string(body)) != "disk full on gw1" {
				t.Errorf("subject %q to %q cc %q body %q", subj, msg.Header.Get("To"), msg.Header.Get("Cc"), body)
			}
		})
	}
}

func TestEmailNodeToWinsAndAttachments(t *testing.T) {
	s := startSMTP(t, false)
	h := emailHarness(t, map[string]any{"port": s.port(), "secure": false, "tls": false, "name": "fixed@example.com"})
	h.Send("m1", engine.Msg{"payload": "<b>hi</b>", "plaintext": "hi", "to": "other@example.com", "bcc": "x@example.com",
		"attachments": []any{map[string]any{"filename": "a.txt", "content": "file body"}}})
	got := waitMails(t, s, h, 1)[0]
	if strings.Join(got.rcpt, ",") != "fixed@example.com" {
		t.Errorf("rcpt %v, want only the node's To (bcc ignored)", got.rcpt)
	}
	msg, err := mail.ReadMessage(strings.NewReader(got.data))
	if err != nil {
		t.Fatal(err)
	}
	if msg.Header.Get("Subject") != "Message from Node-RED" {
		t.Errorf("subject %q", msg.Header.Get("Subject"))
	}
	_, params, _ := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var kinds []string
	for {
		p, err := mr.NextPart()
		if err != nil {
			break
		}
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if fn := p.FileName(); fn != "" {
			b, _ := io.ReadAll(base64.NewDecoder(base64.StdEncoding, p))
			kinds = append(kinds, fn+"="+string(b))
			continue
		}
		kinds = append(kinds, ct)
	}
	if strings.Join(kinds, ";") != "multipart/alternative;a.txt=file body" {
		t.Errorf("parts %v", kinds)
	}
}

func TestEmailFailures(t *testing.T) {
	t.Run("certificate checked", func(t *testing.T) {
		s := startSMTP(t, true)
		h := emailHarness(t, map[string]any{"port": s.port(), "secure": true, "tls": true})
		h.Send("m1", engine.Msg{"payload": "x", "to": "ops@example.com"})
		c := h.Wait("caught", 1, 5*time.Second)
		if len(c) != 1 || !strings.Contains(errorText(c[0]), "certificate") || len(s.received()) != 0 {
			t.Fatalf("caught %v, mails %d", c, len(s.received()))
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		s := startSMTP(t, false)
		h := emailHarness(t, map[string]any{"port": s.port(), "secure": false, "tls": false,
			"credentials": map[string]any{"userid": "gw@example.com", "password": "nope"}})
		h.Send("m1", engine.Msg{"payload": "x", "to": "ops@example.com"})
		c := h.Wait("caught", 1, 5*time.Second)
		if len(c) != 1 || !strings.Contains(errorText(c[0]), "535") {
			t.Fatalf("caught %v", c)
		}
	})
	t.Run("bad port warns at deploy and stops the node", func(t *testing.T) {
		h := enginetest.New(t, Types()...)
		w := h.Deploy([]any{map[string]any{"id": "m1", "type": "e-mail", "z": "f1", "port": "smtp"}})
		if len(w) != 1 || w[0].Node != "m1" || w[0].Field != "port" {
			t.Fatalf("deploy warnings %v, want one on m1 port", w)
		}
		if !h.Inert("m1") {
			t.Errorf("node m1 runs, status %+v: want it stopped, its problem shown", h.E.Statuses()["m1"])
		}
	})
}
