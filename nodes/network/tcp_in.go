package network

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/nodes/internal/shutdown"
)

func tcpInSpec() engine.Spec {
	return engine.Spec{
		Type: "tcp in", Category: "network", KeepsName: true, Color: "Silver", Icon: "bridge-dash.svg",
		LabelProp: "name", PaletteLabel: "tcp in", Inputs: 0, Outputs: 1,
		Props: []engine.Prop{
			{Name: "name", Label: "Name", Kind: engine.KindString, Default: ""},
			{Name: "server", Label: "Type", Kind: engine.KindSelect, Default: "server", Required: true, Options: []engine.Option{
				{Value: "server", Label: "Listen on"}, {Value: "client", Label: "Connect to"}}},
			{Name: "host", Label: "at host", Kind: engine.KindString, Default: ""},
			{Name: "port", Label: "Port", Kind: engine.KindNumber, Default: "", Required: true},
			{Name: "datamode", Label: "Output", Kind: engine.KindSelect, Default: "stream", Options: []engine.Option{
				{Value: "stream", Label: "stream of"}, {Value: "single", Label: "single"}}},
			{Name: "datatype", Label: "Output type", Kind: engine.KindSelect, Default: "buffer", Options: []engine.Option{
				{Value: "buffer", Label: "Buffer"}, {Value: "utf8", Label: "String"}, {Value: "base64", Label: "Base64 String"}}},
			{Name: "newline", Label: "delimited by", Kind: engine.KindString, Default: ""},
			{Name: "topic", Label: "Topic", Kind: engine.KindString, Default: ""},
			{Name: "trim", Label: "re-attach delimiter", Kind: engine.KindBool, Default: false},
			{Name: "base64", Label: "Base64", Kind: engine.KindBool, Default: false},
			{Name: "tls", Label: "TLS Configuration", Kind: engine.KindConfig, ConfigType: "tls-config", Default: ""},
		},
		Help: help("tcp in"),
	}
}

// Limits of tcp sockets.
const (
	// tcpWriteTimeout bounds one write; a peer that does not read for
	// that long is disconnected.
	tcpWriteTimeout = 10 * time.Second
	// tcpReconnect is Node-RED's socketReconnectTime default.
	tcpReconnect = 10 * time.Second
	// tcpMaxSingle bounds what a single-mode connection accumulates.
	tcpMaxSingle = 64 << 20
)

// tcpIn listens for or opens TCP connections and sends what arrives. Its
// sessions are the pool Node-RED's tcp out "reply" mode writes to: tcp out
// finds them through Resources.Nodes and Lookup.
type tcpIn struct {
	res      *engine.Resources
	server   bool
	host     string
	port     int
	stream   bool
	datatype string
	newline  string
	topic    string
	trim     bool
	retry    time.Duration

	tlsID string      // the tls-config node, "" for none
	tls   *tls.Config // its configuration, set by Start

	ln   net.Listener       // server mode; set by Start
	stop context.CancelFunc // set by Start
	wg   sync.WaitGroup     // the accept or connect loop and the sessions

	mu       sync.Mutex // guards sessions and closing
	sessions map[string]*tcpSession
	closing  bool
}

// tcpSession is one open connection with a writer lock.
type tcpSession struct {
	id   string
	conn net.Conn
	wmu  sync.Mutex // serialises writes
}

// write sends b, bounded by tcpWriteTimeout; a failed write closes the
// connection.
func (s *tcpSession) write(b []byte) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	_ = s.conn.SetWriteDeadline(time.Now().Add(tcpWriteTimeout))
	_, err := s.conn.Write(b)
	if err != nil {
		s.conn.Close()
	}
	return err
}

func newTCPIn(cfg *engine.Config, res *engine.Resources, s Settings) (engine.Node, error) {
	p := cfg.Reader()
	n := &tcpIn{res: res, retry: s.SocketReconnect, sessions: map[string]*tcpSession{}}
	n.server = p.String("server", "server") == "server"
	if raw := p.Any("server"); raw == true || raw == false {
		n.server = raw == true
	}
	n.host = p.String("host", "")
	n.tlsID = p.String("tls", "")
	n.port = tcpPort(p, "port")
	n.stream = p.String("datamode", "stream") != "single"
	n.datatype = p.String("datatype", "buffer")
	switch n.datatype {
	case "":
		n.datatype = "buffer"
	case "buffer", "utf8", "base64":
	default:
		p.Fail("datatype", "unknown output type %q", n.datatype)
	}
	n.newline = tcpUnescape(p.String("newline", ""))
	n.topic = p.String("topic", "")
	n.trim = p.Bool("trim", false)
	if !n.server && n.host == "" {
		p.Fail("host", "missing host")
	}
	return n, p.Err()
}

// tcpPort reads a port property (a number or a numeric string).
func tcpPort(p *engine.Props, name string) int {
	port := p.Int(name, -1)
	if port <= 0 || port > 65535 {
		p.Fail(name, "invalid port")
	}
	return port
}

// tcpUnescape turns the \n, \r and \t the editor stores into characters.
func tcpUnescape(s string) string {
	return strings.NewReplacer(`\n`, "\n", `\r`, "\r", `\t`, "\t").Replace(s)
}

// Start listens (server) or connects in the background (client).
func (n *tcpIn) Start(ctx context.Context) error {
	ctx, n.stop = context.WithCancel(context.WithoutCancel(ctx))
	n.tls = nodeTLS(n.res, n.tlsID, n.server)
	if !n.server {
		n.wg.Add(1)
		go n.connectLoop(ctx)
		return nil
	}
	ln, err := listenTCP(ctx, n.port, n.tls)
	if err != nil {
		n.res.Error(fmt.Errorf("unable to listen on port %d, error: %w", n.port, err), nil)
		return nil
	}
	n.ln = ln
	n.wg.Add(1)
	go n.accept()
	return nil
}

func (n *tcpIn) accept() {
	defer n.wg.Done()
	for {
		c, err := n.ln.Accept()
		if err != nil {
			return
		}
		s, count, ok := n.add(c)
		if !ok {
			continue
		}
		n.res.Status(engine.Status{Text: tcpConnections(count)})
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			n.read(s, tcpRemote(c.RemoteAddr()))
			if count, ok := n.drop(s); ok {
				n.res.Status(engine.Status{Text: tcpConnections(count)})
			}
		}()
	}
}

// add registers a new session; false when the node is closing.
func (n *tcpIn) add(c net.Conn) (*tcpSession, int, bool) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetKeepAlivePeriod(120 * time.Second)
		_ = tc.SetKeepAlive(true)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closing {
		c.Close()
		return nil, 0, false
	}
	s := &tcpSession{id: wsID(), conn: c}
	n.sessions[s.id] = s
	return s, len(n.sessions), true
}

// drop forgets s; false when the node is closing.
func (n *tcpIn) drop(s *tcpSession) (int, bool) {
	s.conn.Close()
	n.mu.Lock()
	defer n.mu.Unlock()
	delete(n.sessions, s.id)
	return len(n.sessions), !n.closing
}

func (n *tcpIn) connectLoop(ctx context.Context) {
	defer n.wg.Done()
	addr := net.JoinHostPort(n.host, strconv.Itoa(n.port))
	for {
		n.res.Status(engine.Status{Fill: "grey", Shape: "dot", Text: "connecting"})
		c, err := dialTCP(ctx, addr, n.tls)
		wait := n.retry
		if err == nil {
			s, _, ok := n.add(c)
			if !ok {
				return
			}
			n.res.Status(engine.Status{Fill: "green", Shape: "dot", Text: "connected"})
			if n.read(s, nil) {
				wait = 20 * time.Millisecond // the peer ended after sending: reconnect at once
			}
			if _, ok := n.drop(s); !ok {
				return
			}
		} else if n.res.Log != nil {
			n.res.Log.Info("tcp in: connect failed", "addr", addr, "err", err)
		}
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

// read sends what s receives until it closes; from is the peer for msg.ip
// and msg.port (server mode). It reports whether a message was sent at the
// end of the connection.
func (n *tcpIn) read(s *tcpSession, from *net.TCPAddr) bool {
	var text strings.Builder
	var bin []byte
	// split applies in server mode to any string output, in client mode
	// to utf8 only (Node-RED).
	split := n.stream && n.newline != "" && (n.datatype == "utf8" || (n.server && n.datatype == "base64"))
	buf := make([]byte, 64<<10)
	for {
		k, err := s.conn.Read(buf)
		if k > 0 {
			chunk := buf[:k]
			switch {
			case split:
				text.WriteString(n.decode(chunk).(string))
				parts := strings.Split(text.String(), n.newline)
				for _, part := range parts[:len(parts)-1] {
					if n.trim {
						part += n.newline
					}
					n.emit(s, part, from)
				}
				text.Reset()
				text.WriteString(parts[len(parts)-1])
			case n.stream:
				n.emit(s, n.decode(chunk), from)
			case n.datatype == "buffer":
				if len(bin)+k <= tcpMaxSingle {
					bin = append(bin, chunk...)
				}
			default:
				if text.Len()+k <= tcpMaxSingle {
					text.WriteString(n.decode(chunk).(string))
				}
			}
		}
		if err != nil {
			break
		}
	}
	// the end of the connection flushes single mode and a split remainder
	if !n.stream || split || (n.server && n.datatype == "base64") {
		if !n.server {
			from = nil
		}
		if n.datatype == "buffer" && !n.stream {
			if len(bin) > 0 {
				n.emit(s, bin, from)
				return true
			}
		} else if text.Len() > 0 {
			if n.stream {
				from = nil // Node-RED only knows the peer in single mode
			}
			n.emit(s, text.String(), from)
			return true
		}
	}
	return false
}

func (n *tcpIn) decode(b []byte) any {
	switch n.datatype {
	case "utf8":
		return string(b)
	case "base64":
		return base64.StdEncoding.EncodeToString(b)
	}
	return append([]byte(nil), b...)
}

func (n *tcpIn) emit(s *tcpSession, payload any, from *net.TCPAddr) {
	m := engine.NewMsg()
	m["topic"], m["payload"] = n.topic, payload
	if from != nil {
		m["ip"], m["port"] = tcpIP(from), float64(from.Port)
	}
	m["_session"] = engine.ObjectOf("type", "tcp", "id", s.id)
	n.res.Send(0, m)
}

// Close stops listening or reconnecting, ends every connection and waits.
func (n *tcpIn) Close(ctx context.Context) error {
	if n.stop != nil {
		n.stop()
	}
	if n.ln != nil {
		n.ln.Close()
	}
	n.mu.Lock()
	n.closing = true
	for _, s := range n.sessions {
		s.conn.Close()
	}
	n.mu.Unlock()
	if err := shutdown.Wait(ctx, &n.wg); err != nil {
		return err
	}
	n.res.Status(engine.Status{})
	return nil
}

// session returns the open session id, or every session when id is "".
func (n *tcpIn) session(id string) []*tcpSession {
	n.mu.Lock()
	defer n.mu.Unlock()
	if id != "" {
		if s, ok := n.sessions[id]; ok {
			return []*tcpSession{s}
		}
		return nil
	}
	out := make([]*tcpSession, 0, len(n.sessions))
	for _, s := range n.sessions {
		out = append(out, s)
	}
	return out
}

// tcpConnections is Node-RED's "N connection(s)" status text.
func tcpConnections(n int) string {
	if n == 1 {
		return "1 connection"
	}
	return strconv.Itoa(n) + " connections"
}

func tcpRemote(a net.Addr) *net.TCPAddr {
	t, _ := a.(*net.TCPAddr)
	return t
}

// tcpIP is the peer address as Node's dual-stack server reports it: IPv4
// peers as ::ffff:a.b.c.d.
func tcpIP(a *net.TCPAddr) string {
	if v4 := a.IP.To4(); v4 != nil {
		return "::ffff:" + v4.String()
	}
	return a.IP.String()
}

// tcpPayload is the bytes tcp out and tcp request write for a payload.
func tcpPayload(v any, b64 bool) ([]byte, bool) {
	switch t := v.(type) {
	case nil:
		return nil, false
	case []byte:
		return t, true
	case string:
		if b64 {
			b, err := base64.StdEncoding.DecodeString(t)
			if err != nil {
				b, _ = base64.RawStdEncoding.DecodeString(strings.TrimRight(t, "="))
			}
			return b, true
		}
		return []byte(t), true
	}
	return []byte(engine.ToString(v)), true
}
