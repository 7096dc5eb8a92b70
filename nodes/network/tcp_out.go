package network

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/nodes/internal/shutdown"
)

func tcpOutSpec() engine.Spec {
	return engine.Spec{
		Type: "tcp out", Category: "network", KeepsName: true, Color: "Silver", Icon: "bridge-dash.svg",
		LabelProp: "name", PaletteLabel: "tcp out", Inputs: 1, Outputs: 0, Align: "right",
		Props: []engine.Prop{
			{Name: "name", Label: "Name", Kind: engine.KindString, Default: ""},
			{Name: "host", Label: "at host", Kind: engine.KindString, Default: ""},
			{Name: "port", Label: "Port", Kind: engine.KindNumber, Default: ""},
			{Name: "beserver", Label: "Type", Kind: engine.KindSelect, Default: "client", Required: true, Options: []engine.Option{
				{Value: "server", Label: "Listen on"}, {Value: "client", Label: "Connect to"}, {Value: "reply", Label: "Reply to TCP"}}},
			{Name: "base64", Label: "Decode Base64 message", Kind: engine.KindBool, Default: false, Required: true},
			{Name: "end", Label: "Close connection after each message is sent", Kind: engine.KindBool, Default: false, Required: true},
			{Name: "tls", Label: "TLS Configuration", Kind: engine.KindConfig, ConfigType: "tls-config", Default: ""},
		},
		Help: help("tcp out"),
	}
}

// tcpOut writes msg.payload to a TCP peer it connects to (client), to the
// peers connected to it (server), or to the tcp in session of msg._session
// (reply).
type tcpOut struct {
	res    *engine.Resources
	mode   string // client, server or reply
	host   string
	port   int
	b64    bool
	doEnd  bool
	retry  time.Duration
	inputs func() []*tcpIn // the tcp in nodes whose sessions reply mode writes to

	tlsID string      // the tls-config node, "" for none
	tls   *tls.Config // its configuration, set by Start

	ln   net.Listener       // server mode; set by Start
	stop context.CancelFunc // set by Start
	wg   sync.WaitGroup     // the accept or connect loop and the sessions

	mu      sync.Mutex // guards conns, client, fast and closing
	conns   map[*tcpSession]bool
	client  *tcpSession // client mode: the open connection
	fast    bool        // client mode: the last close was ours (end): reconnect at once
	closing bool
}

func newTCPOut(cfg *engine.Config, res *engine.Resources, s Settings) (engine.Node, error) {
	p := cfg.Reader()
	n := &tcpOut{res: res, retry: s.SocketReconnect, conns: map[*tcpSession]bool{}}
	n.mode = p.String("beserver", "client")
	if n.mode == "" {
		n.mode = "client"
	}
	n.host = p.String("host", "")
	n.tlsID = p.String("tls", "")
	n.b64 = p.Bool("base64", false)
	n.doEnd = p.Bool("end", false)
	switch n.mode {
	case "client":
		if n.host == "" {
			p.Fail("host", "missing host")
		}
		n.port = tcpPort(p, "port")
	case "server":
		n.port = tcpPort(p, "port")
	case "reply":
	default:
		p.Fail("beserver", "unknown type %q", n.mode)
	}
	n.inputs = func() []*tcpIn {
		var out []*tcpIn
		for _, id := range res.Nodes("tcp in", "") {
			if node, ok := res.Lookup(id); ok {
				if in, ok := node.(*tcpIn); ok {
					out = append(out, in)
				}
			}
		}
		return out
	}
	return n, p.Err()
}

// Start listens (server) or connects in the background (client).
func (n *tcpOut) Start(ctx context.Context) error {
	ctx, n.stop = context.WithCancel(context.WithoutCancel(ctx))
	n.tls = nodeTLS(n.res, n.tlsID, n.mode == "server")
	switch n.mode {
	case "client":
		n.wg.Add(1)
		go n.connectLoop(ctx)
	case "server":
		ln, err := listenTCP(ctx, n.port, n.tls)
		if err != nil {
			n.res.Error(fmt.Errorf("unable to listen on port %d, error: %w", n.port, err), nil)
			return nil
		}
		n.ln = ln
		n.res.Status(engine.Status{Text: tcpConnections(0)})
		n.wg.Add(1)
		go n.accept()
	}
	return nil
}

func (n *tcpOut) accept() {
	defer n.wg.Done()
	for {
		c, err := n.ln.Accept()
		if err != nil {
			return
		}
		s := &tcpSession{conn: c}
		n.mu.Lock()
		if n.closing {
			n.mu.Unlock()
			c.Close()
			return
		}
		n.conns[s] = true
		count := len(n.conns)
		n.mu.Unlock()
		n.res.Status(engine.Status{Text: tcpConnections(count)})
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			buf := make([]byte, 4096) // input is ignored; the loop ends when the peer closes
			for {
				if _, err := c.Read(buf); err != nil {
					break
				}
			}
			c.Close()
			n.mu.Lock()
			delete(n.conns, s)
			count, closing := len(n.conns), n.closing
			n.mu.Unlock()
			if !closing {
				n.res.Status(engine.Status{Text: tcpConnections(count)})
			}
		}()
	}
}

func (n *tcpOut) connectLoop(ctx context.Context) {
	defer n.wg.Done()
	addr := net.JoinHostPort(n.host, strconv.Itoa(n.port))
	for {
		n.res.Status(engine.Status{Fill: "grey", Shape: "dot", Text: "connecting"})
		c, err := dialTCP(ctx, addr, n.tls)
		if err == nil {
			s := &tcpSession{conn: c}
			n.mu.Lock()
			if n.closing {
				n.mu.Unlock()
				c.Close()
				return
			}
			n.client = s
			n.mu.Unlock()
			n.res.Status(engine.Status{Fill: "green", Shape: "dot", Text: "connected"})
			buf := make([]byte, 4096)
			for {
				if _, err := c.Read(buf); err != nil {
					break
				}
			}
			c.Close()
		}
		n.mu.Lock()
		n.client = nil
		wait := n.retry
		if n.fast {
			n.fast, wait = false, 20*time.Millisecond
		}
		n.mu.Unlock()
		if ctx.Err() != nil {
			return
		}
		n.res.Status(engine.Status{Fill: "red", Shape: "ring", Text: "disconnected"})
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// Blocking: Handle waits on writing to a socket, so it runs off its part's goroutine.
func (n *tcpOut) Blocking() {}

// Handle writes the payload; msg.reset (reply mode) closes the session.
func (n *tcpOut) Handle(_ context.Context, m engine.Msg, _ *engine.Output) error {
	switch n.mode {
	case "client":
		n.mu.Lock()
		s := n.client
		if s != nil && n.doEnd {
			n.fast = true
		}
		n.mu.Unlock()
		b, ok := tcpPayload(m["payload"], n.b64)
		if s == nil || !ok {
			return nil
		}
		_ = s.write(b)
		if n.doEnd {
			n.res.Status(engine.Status{})
			s.conn.Close()
		}
	case "server":
		b, ok := tcpPayload(m["payload"], n.b64)
		if !ok {
			return nil
		}
		n.mu.Lock()
		conns := make([]*tcpSession, 0, len(n.conns))
		for s := range n.conns {
			conns = append(conns, s)
		}
		n.mu.Unlock()
		for _, s := range conns {
			_ = s.write(b)
			if n.doEnd {
				closeWrite(s.conn)
			}
		}
	case "reply":
		id := ""
		if sess, ok := engine.AsObject(m["_session"]); ok && sess.Value("type") == "tcp" {
			if id, _ = sess.Value("id").(string); id == "" {
				return nil
			}
		}
		reset := m["reset"] == true
		// Node-RED writes ""+msg.payload here, whatever it is
		b, ok := tcpPayload(m["payload"], n.b64)
		if !ok {
			b, ok = []byte("null"), true
			if _, has := m["payload"]; !has {
				b = []byte("undefined")
			}
		}
		for _, in := range n.inputs() {
			for _, s := range in.session(id) {
				switch {
				case reset:
					s.conn.Close()
				case ok:
					_ = s.write(b)
				}
			}
		}
	}
	return nil
}

// closeWrite ends a connection after what was written, as socket.end.
func closeWrite(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
		return
	}
	c.Close()
}

// Close stops listening or reconnecting and ends every connection.
func (n *tcpOut) Close(ctx context.Context) error {
	if n.stop != nil {
		n.stop()
	}
	if n.ln != nil {
		n.ln.Close()
	}
	n.mu.Lock()
	n.closing = true
	for s := range n.conns {
		s.conn.Close()
	}
	if n.client != nil {
		n.client.conn.Close()
	}
	n.mu.Unlock()
	if err := shutdown.Wait(ctx, &n.wg); err != nil {
		return err
	}
	n.res.Status(engine.Status{})
	return nil
}
