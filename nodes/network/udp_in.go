package network

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"syscall"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/nodes/internal/shutdown"
)

func udpInSpec() engine.Spec {
	return engine.Spec{
		Type: "udp in", Category: "network", Color: "Silver", Icon: "bridge-dash.svg",
		LabelProp: "name", Inputs: 0, Outputs: 1,
		Props: []engine.Prop{
			{Name: "name", Label: "Name", Kind: engine.KindString, Default: ""},
			{Name: "iface", Label: "Interface", Kind: engine.KindString, Default: ""},
			{Name: "port", Label: "Port", Kind: engine.KindNumber, Default: "", Required: true},
			{Name: "ipv", Label: "IP version", Kind: engine.KindSelect, Default: "udp4", Options: []engine.Option{
				{Value: "udp4", Label: "ipv4"}, {Value: "udp6", Label: "ipv6"}}},
			{Name: "multicast", Label: "Listen for", Kind: engine.KindSelect, Default: "false", Options: []engine.Option{
				{Value: "false", Label: "udp messages"}, {Value: "true", Label: "multicast messages"}}},
			{Name: "group", Label: "Group", Kind: engine.KindString, Default: ""},
			{Name: "datatype", Label: "Output", Kind: engine.KindSelect, Default: "buffer", Options: []engine.Option{
				{Value: "buffer", Label: "a Buffer"}, {Value: "utf8", Label: "a String"}, {Value: "base64", Label: "a Base64 encoded string"}}},
		},
		Help: help("udp in"),
	}
}

// udpMaxDatagram is the largest UDP payload.
const udpMaxDatagram = 65535

type udpInNode struct {
	res       *engine.Resources
	port      int
	ipv       string
	multicast bool
	group     net.IP
	iface     string
	datatype  string

	conn *net.UDPConn
	wg   sync.WaitGroup // the read loop
}

func newUDPIn(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	n := &udpInNode{res: res}
	n.port = p.Int("port", -1)
	if n.port < 0 || n.port > 65535 {
		p.Fail("port", "must be a port number")
	}
	n.ipv = udpIPV(p)
	n.multicast = p.String("multicast", "false") == "true"
	if n.multicast {
		g := p.String("group", "")
		if n.group = net.ParseIP(g); n.group == nil || !n.group.IsMulticast() {
			p.Fail("group", "invalid multicast group")
		}
	}
	n.iface = p.String("iface", "")
	n.datatype = p.String("datatype", "buffer")
	switch n.datatype {
	case "buffer", "utf8", "base64":
	default:
		p.Fail("datatype", "unknown output type %q", n.datatype)
	}
	return n, p.Err()
}

// Start binds the port (shared with other sockets, SO_REUSEADDR as in
// Node-RED) and joins the multicast group.
func (n *udpInNode) Start(ctx context.Context) error {
	conn, err := n.listen(ctx)
	if err != nil {
		if errors.Is(err, syscall.EACCES) && n.port < 1024 {
			err = errors.New("UDP access error, you may need root access for ports below 1024")
		}
		return fmt.Errorf("error: %w", err)
	}
	n.conn = conn
	n.wg.Add(1)
	go n.read()
	return nil
}

func (n *udpInNode) listen(ctx context.Context) (*net.UDPConn, error) {
	if n.multicast {
		ifi, err := udpInterface(n.iface)
		if err != nil {
			return nil, err
		}
		return net.ListenMulticastUDP(n.ipv, ifi, &net.UDPAddr{IP: n.group, Port: n.port})
	}
	host := ""
	if ip := net.ParseIP(n.iface); ip != nil {
		host = ip.String()
	}
	pc, err := reuseListen().ListenPacket(ctx, n.ipv, net.JoinHostPort(host, strconv.Itoa(n.port)))
	if err != nil {
		return nil, err
	}
	return pc.(*net.UDPConn), nil
}

func (n *udpInNode) read() {
	defer n.wg.Done()
	buf := make([]byte, udpMaxDatagram)
	for {
		k, from, err := n.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			return // closed
		}
		ip := from.Addr().Unmap().String()
		m := engine.NewMsg()
		m["fromip"], m["ip"], m["port"] = ip+":"+strconv.Itoa(int(from.Port())), ip, float64(from.Port())
		switch n.datatype {
		case "utf8":
			m["payload"] = string(buf[:k])
		case "base64":
			m["payload"] = base64.StdEncoding.EncodeToString(buf[:k])
		default:
			m["payload"] = append([]byte(nil), buf[:k]...)
		}
		n.res.Send(0, m)
	}
}

// Close closes the socket (leaving the group) and waits, within ctx, for
// the read loop.
func (n *udpInNode) Close(ctx context.Context) error {
	if n.conn != nil {
		n.conn.Close()
	}
	n.res.Status(engine.Status{})
	return shutdown.Wait(ctx, &n.wg)
}

// udpIPV reads the ipv property ("udp4" or "udp6").
func udpIPV(p *engine.Props) string {
	ipv := p.String("ipv", "udp4")
	switch ipv {
	case "":
		return "udp4"
	case "udp4", "udp6":
		return ipv
	}
	p.Fail("ipv", "must be udp4 or udp6, got %q", ipv)
	return "udp4"
}

// udpInterface finds a multicast interface by name or by one of its
// addresses; "" is the system's choice.
func udpInterface(iface string) (*net.Interface, error) {
	if iface == "" {
		return nil, nil
	}
	if ifi, err := net.InterfaceByName(iface); err == nil {
		return ifi, nil
	}
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, err
	}
	for i := range ifs {
		addrs, _ := ifs[i].Addrs()
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok && ipn.IP.String() == iface {
				return &ifs[i], nil
			}
		}
	}
	return nil, fmt.Errorf("udp: interface %s not found", iface)
}

// reuseListen sets SO_REUSEADDR, as Node-RED's reuseAddr, so that a udp in
// and a udp out may share a port.
func reuseListen() *net.ListenConfig {
	return &net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
		})
		return errors.Join(err, serr)
	}}
}
