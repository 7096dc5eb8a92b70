package network

import (
	"bufio"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
)

// freeTCPPort returns a loopback TCP port that was free a moment ago.
func freeTCPPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func tcpFlow(nodes ...map[string]any) []any {
	flow := []any{
		map[string]any{"id": "f1", "type": "tab"},
		map[string]any{"id": "got", "type": enginetest.HelperType, "z": "f1"},
	}
	for _, n := range nodes {
		n["z"] = "f1"
		flow = append(flow, n)
	}
	return flow
}

// tcpDial connects to port, retrying while the node starts listening.
func tcpDial(t *testing.T, port int) net.Conn {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err == nil {
			t.Cleanup(func() { c.Close() })
			return c
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func payloads(msgs []engine.Msg) []any {
	var out []any
	for _, m := range msgs {
		out = append(out, m["payload"])
	}
	return out
}

func TestTCPInServer(t *testing.T) {
	tests := []struct {
		name  string
		props map[string]any
		send  []string // written one by one, then the connection is closed
		want  []any
	}{
		{"utf8 lines", map[string]any{"datamode": "stream", "datatype": "utf8", "newline": `\n`}, []string{"a\nb", "c\nrest"}, []any{"a", "bc", "rest"}},
		{"utf8 lines re-attached", map[string]any{"datamode": "stream", "datatype": "utf8", "newline": `\n`, "trim": true}, []string{"a\nb\n"}, []any{"a\n", "b\n"}},
		{"single buffer", map[string]any{"datamode": "single", "datatype": "buffer"}, []string{"ab", "cd"}, []any{[]byte("abcd")}},
		{"single utf8", map[string]any{"datamode": "single", "datatype": "utf8"}, []string{"ab", "cd"}, []any{"abcd"}},
		{"single base64", map[string]any{"datamode": "single", "datatype": "base64"}, []string{"hi"}, []any{"aGk="}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			port := freeTCPPort(t)
			h := enginetest.New(t, Types()...)
			in := map[string]any{"id": "in1", "type": "tcp in", "server": "server", "host": "", "port": strconv.Itoa(port), "topic": "tp", "newline": "", "base64": false, "wires": []any{[]any{"got"}}}
			for k, v := range tt.props {
				in[k] = v
			}
			h.Deploy(tcpFlow(in))
			c := tcpDial(t, port)
			for _, s := range tt.send {
				if _, err := c.Write([]byte(s)); err != nil {
					t.Fatal(err)
				}
				time.Sleep(20 * time.Millisecond) // separate segments
			}
			c.Close()
			msgs := h.Wait("got", len(tt.want), 5*time.Second)
			if diff := cmp.Diff(tt.want, payloads(msgs), enginetest.OrderedObjects()); diff != "" {
				t.Errorf("payloads (-want +got):\n%s", diff)
			}
			m := msgs[0]
			if m["topic"] != "tp" || m["_session"].(*engine.Object).Value("type") != "tcp" {
				t.Errorf("msg = %v", m)
			}
			if in["datamode"] == "single" && m["ip"] != "::ffff:127.0.0.1" {
				t.Errorf("msg.ip = %v", m["ip"])
			}
		})
	}
}

func TestTCPInReplyOut(t *testing.T) {
	tests := []struct {
		name    string
		session bool
		reset   bool
		want    []string // per client; "" for nothing
	}{
		{"reply to the session", true, false, []string{"", "back\n"}},
		{"broadcast without session", false, false, []string{"back\n", "back\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			port := freeTCPPort(t)
			h := enginetest.New(t, Types()...)
			h.Deploy(tcpFlow(
				map[string]any{"id": "in1", "type": "tcp in", "server": "server", "port": strconv.Itoa(port), "datamode": "stream", "datatype": "utf8", "newline": `\n`, "wires": []any{[]any{"got"}}},
				map[string]any{"id": "out1", "type": "tcp out", "beserver": "reply", "host": "", "port": "", "base64": false, "end": false},
			))
			a := tcpDial(t, port)
			if _, err := a.Write([]byte("from a\n")); err != nil {
				t.Fatal(err)
			}
			h.Wait("got", 1, 5*time.Second)
			b := tcpDial(t, port)
			if _, err := b.Write([]byte("from b\n")); err != nil {
				t.Fatal(err)
			}
			m := h.Wait("got", 2, 5*time.Second)[1]
			reply := engine.Msg{"payload": "back\n"}
			if tt.session {
				reply["_session"] = m["_session"]
			}
			h.Send("out1", reply)
			for i, c := range []net.Conn{a, b} {
				_ = c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
				line, _ := bufio.NewReader(c).ReadString('\n')
				if line != tt.want[i] {
					t.Errorf("client %d got %q, want %q", i, line, tt.want[i])
				}
			}
		})
	}
}

func TestTCPOutServerAndInClient(t *testing.T) {
	// a tcp out server; a tcp in client connected to it receives what it sends
	port := freeTCPPort(t)
	h := enginetest.New(t, TypesWith(Settings{SocketReconnect: 20 * time.Millisecond})...)
	h.Deploy(tcpFlow(
		map[string]any{"id": "out1", "type": "tcp out", "beserver": "server", "host": "", "port": strconv.Itoa(port), "base64": true, "end": false},
		map[string]any{"id": "in1", "type": "tcp in", "server": "client", "host": "127.0.0.1", "port": strconv.Itoa(port), "datamode": "stream", "datatype": "utf8", "newline": `\n`, "wires": []any{[]any{"got"}}},
	))
	deadline := time.Now().Add(5 * time.Second)
	for {
		h.Send("out1", engine.Msg{"payload": "aGkK"}) // "hi\n", base64-decoded
		if msgs, ok := h.WaitAll(map[string]int{"got": 1}, 50*time.Millisecond); ok {
			if msgs["got"][0]["payload"] != "hi" {
				t.Errorf("tcp in got %v", msgs["got"][0])
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the tcp in client never received")
		}
	}
}

func TestTCPOutClient(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	h := enginetest.New(t, TypesWith(Settings{SocketReconnect: 20 * time.Millisecond})...)
	h.Deploy(tcpFlow(map[string]any{"id": "out1", "type": "tcp out", "beserver": "client", "host": "127.0.0.1", "port": strconv.Itoa(port), "base64": false, "end": true}))
	for i, want := range []string{"one", "two"} {
		c, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		wsWaitStatus(t, h, "out1", "connected")
		h.Send("out1", engine.Msg{"payload": want})
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		got, _ := io.ReadAll(c) // end: the node closes after each message
		c.Close()
		if string(got) != want {
			t.Errorf("connection %d got %q, want %q", i, got, want)
		}
	}
}

// tcpPeer is a test server answering each connection with reply(request).
func tcpPeer(t *testing.T, reply func(c net.Conn)) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				reply(c)
			}()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

func TestTCPRequest(t *testing.T) {
	tests := []struct {
		name  string
		props map[string]any
		reply string
		want  []any
	}{
		{"char", map[string]any{"out": "char", "splitc": `\n`, "ret": "string"}, "abc\ndef\n", []any{"abc\n"}},
		{"count", map[string]any{"out": "count", "splitc": "3", "ret": "buffer"}, "abcdef", []any{[]byte("abc")}},
		{"time", map[string]any{"out": "time", "splitc": "50", "ret": "string"}, "hello", []any{"hello"}},
		{"sit lines", map[string]any{"out": "sit", "splitc": "0", "ret": "string", "newline": `\n`}, "x\ny\n", []any{"x", "y"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			port := tcpPeer(t, func(c net.Conn) {
				buf := make([]byte, 64)
				k, _ := c.Read(buf)
				if string(buf[:k]) != "ping" {
					return
				}
				_, _ = c.Write([]byte(tt.reply))
				time.Sleep(200 * time.Millisecond)
			})
			h := enginetest.New(t, Types()...)
			req := map[string]any{"id": "r1", "type": "tcp request", "server": "127.0.0.1", "port": strconv.Itoa(port), "newline": "", "trim": false, "wires": []any{[]any{"got"}}}
			for k, v := range tt.props {
				req[k] = v
			}
			h.Deploy(tcpFlow(req))
			h.Send("r1", engine.Msg{"payload": "ping", "topic": "keep"})
			msgs := h.Wait("got", len(tt.want), 5*time.Second)
			if diff := cmp.Diff(tt.want, payloads(msgs), enginetest.OrderedObjects()); diff != "" {
				t.Errorf("payloads (-want +got):\n%s", diff)
			}
			if msgs[0]["topic"] != "keep" {
				t.Errorf("msg.topic = %v, want the request's", msgs[0]["topic"])
			}
		})
	}
}

func TestTCPRequestConnectFail(t *testing.T) {
	port := freeTCPPort(t)
	h := enginetest.New(t, Types()...)
	h.Deploy(tcpFlow(map[string]any{"id": "r1", "type": "tcp request", "server": "127.0.0.1", "port": strconv.Itoa(port), "out": "time", "splitc": "0", "ret": "buffer"}))
	h.Send("r1", engine.Msg{"payload": "x"})
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		for _, e := range h.Errors() {
			if strings.Contains(e, "connect failed 127.0.0.1:"+strconv.Itoa(port)) {
				return
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Errorf("no connect error in %v", h.Errors())
}

func TestTCPErrors(t *testing.T) {
	tests := []struct {
		name string
		node map[string]any
		want string
	}{
		{"tcp in client without host", map[string]any{"id": "n", "type": "tcp in", "server": "client", "host": "", "port": "1"}, "host"},
		{"tcp in bad port", map[string]any{"id": "n", "type": "tcp in", "server": "server", "port": "x"}, "port"},
		{"tcp out bad mode", map[string]any{"id": "n", "type": "tcp out", "beserver": "nope"}, "beserver"},
		{"tcp request bad port", map[string]any{"id": "n", "type": "tcp request", "port": "abc", "out": "time", "splitc": "0"}, "port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := enginetest.New(t, Types()...)
			w := h.Deploy(tcpFlow(tt.node))
			// a port that is not a number is also out of range: two reasons
			if len(w) == 0 || slices.ContainsFunc(w, func(fe engine.Warning) bool { return fe.Node != "n" || fe.Field != tt.want }) {
				t.Fatalf("deploy warnings %v, want them on n %s", w, tt.want)
			}
			if !h.Inert("n") {
				t.Errorf("node n runs, status %+v: want it stopped, its problem shown", h.E.Statuses()["n"])
			}
		})
	}
}

func TestTCPPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	for _, node := range []map[string]any{
		{"id": "n", "type": "tcp in", "server": "server", "port": port, "datamode": "stream", "datatype": "buffer"},
		{"id": "n", "type": "tcp out", "beserver": "server", "port": port},
	} {
		t.Run(node["type"].(string), func(t *testing.T) {
			h := enginetest.New(t, Types()...)
			h.Deploy(tcpFlow(node))
			want := "unable to listen on port " + port + ", error: "
			found := false
			for _, e := range h.Errors() {
				found = found || strings.HasPrefix(e, want)
			}
			if !found {
				t.Errorf("errors %q, want %q...", h.Errors(), want)
			}
		})
	}
}
