package network

import (
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
)

// freeUDPPort returns a loopback UDP port that was free a moment ago.
func freeUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// udpFlow is a udp out node "out1" and a udp in node "in1" wired to
// collector "got".
func udpFlow(in, out map[string]any) []any {
	in["id"], in["type"], in["z"], in["wires"] = "in1", "udp in", "f1", []any{[]any{"got"}}
	out["id"], out["type"], out["z"] = "out1", "udp out", "f1"
	return []any{
		map[string]any{"id": "f1", "type": "tab"},
		map[string]any{"id": "got", "type": enginetest.HelperType, "z": "f1"},
		in, out,
	}
}

func TestUDP(t *testing.T) {
	tests := []struct {
		name     string
		datatype string
		out      map[string]any
		send     engine.Msg
		want     any
	}{
		{"buffer", "buffer", map[string]any{}, engine.Msg{"payload": []byte{0, 1, 2}}, []byte{0, 1, 2}},
		{"utf8 from a number", "utf8", map[string]any{}, engine.Msg{"payload": 42.5}, "42.5"},
		{"base64 output", "base64", map[string]any{}, engine.Msg{"payload": "hi"}, "aGk="},
		{"base64 decoded on send", "utf8", map[string]any{"base64": true}, engine.Msg{"payload": "aGk="}, "hi"},
		{"object as text", "utf8", map[string]any{}, engine.Msg{"payload": map[string]any{"a": 1.0}}, "[object Object]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			port := freeUDPPort(t)
			h := enginetest.New(t, Types()...)
			out := map[string]any{"addr": "127.0.0.1", "port": strconv.Itoa(port), "ipv": "udp4", "multicast": "false", "base64": false}
			for k, v := range tt.out {
				out[k] = v
			}
			h.Deploy(udpFlow(map[string]any{"port": strconv.Itoa(port), "ipv": "udp4", "multicast": "false", "datatype": tt.datatype, "iface": "", "group": ""}, out))
			h.Send("out1", tt.send)
			got := h.Wait("got", 1, 5*time.Second)
			if diff := cmp.Diff(tt.want, got[0]["payload"], enginetest.OrderedObjects()); diff != "" {
				t.Errorf("payload mismatch (-want +got):\n%s", diff)
			}
			if got[0]["ip"] != "127.0.0.1" || got[0]["fromip"] != "127.0.0.1:"+engine.ToString(got[0]["port"]) {
				t.Errorf("sender fields wrong: %v", got[0])
			}
		})
	}
}

// TestUDPReplyToSender sends with an empty address and port, taken from
// msg.ip and msg.port, from a fixed local port (outport) that the test's
// peer sees.
func TestUDPReplyToSender(t *testing.T) {
	peer, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	outport := freeUDPPort(t)
	h := enginetest.New(t, Types()...)
	h.Deploy(udpFlow(map[string]any{"port": strconv.Itoa(freeUDPPort(t))}, map[string]any{"addr": "", "port": "", "outport": strconv.Itoa(outport)}))
	h.Send("out1", engine.Msg{"payload": "pong", "ip": "127.0.0.1", "port": float64(peer.LocalAddr().(*net.UDPAddr).Port)})
	peer.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 100)
	k, from, err := peer.ReadFromUDP(buf)
	if err != nil {
		t.Fatal(err)
	}
	if string(buf[:k]) != "pong" || from.Port != outport {
		t.Errorf("got %q from port %d, want pong from %d", buf[:k], from.Port, outport)
	}
}

func TestUDPOutWarnings(t *testing.T) {
	tests := []struct {
		name string
		out  map[string]any
		msg  engine.Msg
		want string
	}{
		{"no address", map[string]any{"port": "9"}, engine.Msg{"payload": "x"}, "udp: ip address not set"},
		{"no port", map[string]any{"addr": "127.0.0.1"}, engine.Msg{"payload": "x"}, "udp: port not set"},
		{"bad port", map[string]any{"addr": "127.0.0.1"}, engine.Msg{"payload": "x", "port": 70000.0}, "udp: port number not valid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := enginetest.New(t, Types()...)
			h.Deploy(udpFlow(map[string]any{"port": strconv.Itoa(freeUDPPort(t))}, tt.out))
			h.Send("out1", tt.msg)
			deadline := time.Now().Add(5 * time.Second)
			for time.Now().Before(deadline) {
				for _, e := range h.Events() {
					if d, ok := engine.AsObject(e.Data); ok && e.Topic == "debug" && d.Value("msg") == tt.want {
						return
					}
				}
				time.Sleep(5 * time.Millisecond)
			}
			t.Errorf("no warning %q in %v", tt.want, h.Events())
		})
	}
}

func TestUDPInDeployWarnings(t *testing.T) {
	for _, tt := range []struct{ name, field string }{{"port", "port"}, {"group", "group"}, {"datatype", "datatype"}} {
		t.Run(tt.name, func(t *testing.T) {
			in := map[string]any{"port": "1234", "multicast": "false", "datatype": "buffer"}
			switch tt.name {
			case "port":
				in["port"] = "70000"
			case "group":
				in["multicast"], in["group"] = "true", "10.0.0.1"
			case "datatype":
				in["datatype"] = "hex"
			}
			h := enginetest.New(t, Types()...)
			w := h.Deploy(udpFlow(in, map[string]any{}))
			if len(w) != 1 || w[0].Node != "in1" || w[0].Field != tt.field {
				t.Fatalf("deploy warnings %v, want one on in1 %s", w, tt.field)
			}
			if !h.Inert("in1") {
				t.Errorf("node in1 runs, status %+v: want it stopped, its problem shown", h.E.Statuses()["in1"])
			}
		})
	}
}
