package network

import (
	"context"
	"encoding/base64"
	"fmt"
	"math"
	"net"
	"strconv"
	"syscall"

	"github.com/flowgate/flowgate/engine"
)

func udpOutSpec() engine.Spec {
	return engine.Spec{
		Type: "udp out", Category: "network", Color: "Silver", Icon: "bridge-dash.svg", Align: "right",
		LabelProp: "name", Inputs: 1, Outputs: 0,
		Props: []engine.Prop{
			{Name: "name", Label: "Name", Kind: engine.KindString, Default: ""},
			{Name: "addr", Label: "Address", Kind: engine.KindString, Default: ""},
			{Name: "iface", Label: "Interface", Kind: engine.KindString, Default: ""},
			{Name: "port", Label: "Port", Kind: engine.KindString, Default: ""},
			{Name: "ipv", Label: "IP version", Kind: engine.KindSelect, Default: "udp4", Options: []engine.Option{
				{Value: "udp4", Label: "ipv4"}, {Value: "udp6", Label: "ipv6"}}},
			{Name: "outport", Label: "Bind to local port", Kind: engine.KindString, Default: ""},
			{Name: "base64", Label: "Decode Base64 encoded payload", Kind: engine.KindBool, Default: false, Required: true},
			{Name: "multicast", Label: "Send a", Kind: engine.KindSelect, Default: "false", Options: []engine.Option{
				{Value: "false", Label: "udp message"}, {Value: "broad", Label: "broadcast message"}, {Value: "multi", Label: "multicast message"}}},
		},
		Help: help("udp out"),
	}
}

type udpOutNode struct {
	res       *engine.Resources
	addr      string
	port      float64
	outport   int
	ipv       string
	base64    bool
	multicast string
	iface     string

	conn *net.UDPConn // set in Start, read by Handle
}

func newUDPOut(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	n := &udpOutNode{res: res}
	n.addr = p.String("addr", "")
	n.port = p.Number("port", 0)
	n.outport = p.Int("outport", 0)
	if n.outport < 0 || n.outport > 65535 {
		p.Fail("outport", "must be a port number")
	}
	n.ipv = udpIPV(p)
	n.base64 = p.Bool("base64", false)
	n.multicast = p.String("multicast", "false")
	switch n.multicast {
	case "false", "broad", "multi":
	case "":
		n.multicast = "false"
	default:
		p.Fail("multicast", "must be false, broad or multi, got %q", n.multicast)
	}
	n.iface = p.String("iface", "")
	return n, p.Err()
}

// Start opens the sending socket, bound to outport when given; broadcast
// is switched on for broadcast and multicast.
func (n *udpOutNode) Start(ctx context.Context) error {
	pc, err := reuseListen().ListenPacket(ctx, n.ipv, ":"+strconv.Itoa(n.outport))
	if err != nil {
		return fmt.Errorf("error: %w", err)
	}
	n.conn = pc.(*net.UDPConn)
	if n.multicast != "false" {
		raw, err := n.conn.SyscallConn()
		if err == nil {
			raw.Control(func(fd uintptr) {
				_ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_BROADCAST, 1)
				if n.multicast == "multi" && n.ipv == "udp4" {
					_ = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IP, syscall.IP_MULTICAST_TTL, 128)
					if ifi, err := udpInterface(n.iface); err == nil && ifi != nil {
						_ = syscall.SetsockoptIPMreqn(int(fd), syscall.IPPROTO_IP, syscall.IP_MULTICAST_IF, &syscall.IPMreqn{Ifindex: int32(ifi.Index)})
					}
				}
			})
		}
	}
	return nil
}

// Close closes the socket.
func (n *udpOutNode) Close(context.Context) error {
	if n.conn != nil {
		n.conn.Close()
	}
	n.res.Status(engine.Status{})
	return nil
}

// Handle sends msg.payload as one datagram to the node's address and port,
// or msg.ip and msg.port.
func (n *udpOutNode) Handle(_ context.Context, m engine.Msg, _ *engine.Output) error {
	payload, ok := m["payload"]
	if !ok || n.conn == nil {
		return nil
	}
	addr := n.addr
	if addr == "" {
		if s, ok := m["ip"].(string); ok {
			addr = s
		}
	}
	port := n.port
	if port == 0 {
		port = engine.ToNumber(m["port"])
		if _, ok := m["port"]; !ok {
			port = 0
		}
	}
	switch {
	case addr == "":
		n.res.Warn("udp: ip address not set")
		return nil
	case port == 0:
		n.res.Warn("udp: port not set")
		return nil
	case math.IsNaN(port) || port < 1 || port > 65535:
		n.res.Warn("udp: port number not valid")
		return nil
	}
	var data []byte
	switch {
	case n.base64:
		data, _ = base64.StdEncoding.DecodeString(engine.ToString(payload))
	default:
		if b, ok := payload.([]byte); ok {
			data = b
		} else {
			data = []byte(engine.ToString(payload))
		}
	}
	ua, err := net.ResolveUDPAddr(n.ipv, net.JoinHostPort(addr, strconv.Itoa(int(port))))
	if err == nil {
		_, err = n.conn.WriteToUDP(data, ua)
	}
	if err != nil {
		return fmt.Errorf("udp : Error: %v", err)
	}
	return nil
}
