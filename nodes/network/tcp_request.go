package network

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/nodes/internal/shutdown"
)

func tcpRequestSpec() engine.Spec {
	return engine.Spec{
		Type: "tcp request", Category: "network", KeepsName: true, Color: "Silver", Icon: "bridge-dash.svg",
		LabelProp: "name", PaletteLabel: "tcp request", Inputs: 1, Outputs: 1,
		Props: []engine.Prop{
			{Name: "name", Label: "Name", Kind: engine.KindString, Default: ""},
			{Name: "server", Label: "Server", Kind: engine.KindString, Default: ""},
			{Name: "port", Label: "Port", Kind: engine.KindString, Default: ""},
			{Name: "out", Label: "Return", Kind: engine.KindSelect, Default: "time", Required: true, Options: []engine.Option{
				{Value: "time", Label: "after a fixed timeout of"}, {Value: "char", Label: "when character received is"},
				{Value: "count", Label: "a fixed number of chars"}, {Value: "sit", Label: "never - keep connection open"},
				{Value: "immed", Label: "immediately - don't wait for reply"}}},
			{Name: "ret", Label: "Output", Kind: engine.KindSelect, Default: "buffer", Options: []engine.Option{
				{Value: "buffer", Label: "Buffer"}, {Value: "string", Label: "String"}}},
			{Name: "splitc", Label: "Split", Kind: engine.KindString, Default: "0", Required: true},
			{Name: "newline", Label: "delimited by", Kind: engine.KindString, Default: ""},
			{Name: "trim", Label: "re-attach delimiter", Kind: engine.KindBool, Default: false},
			{Name: "tls", Label: "TLS Configuration", Kind: engine.KindConfig, ConfigType: "tls-config", Default: ""},
		},
		Help: help("tcp request"),
	}
}

// Limits of tcp request.
const (
	tcpRequestQueue = 1000     // Node-RED's tcpMsgQueueSize
	tcpRequestBuf   = 64 << 10 // Node-RED's reply buffer
)

// tcpRequest writes msg.payload to host:port and sends what comes back,
// cut by time, a character, a count, or (sit) as it arrives on a connection
// kept open. One connection per host:port.
type tcpRequest struct {
	res     *engine.Resources
	log     nodeLog
	host    string
	port    int
	out     string // time, char, count or sit
	splitc  int    // ms (time; -1 immediately), the character, or the count
	str     bool   // ret "string"
	newline string
	trim    bool
	tlsID   string      // the tls-config node, "" for none
	tls     *tls.Config // its configuration, set by Start

	ctx    context.Context    // set by Start
	cancel context.CancelFunc // set by Start
	wg     sync.WaitGroup     // connection goroutines and timers

	mu      sync.Mutex // guards clients, lastID and closing
	clients map[string]*tcpReqConn
	lastID  string
	closing bool
}

// tcpReqConn is the connection to one host:port.
type tcpReqConn struct {
	id         string
	conn       net.Conn // nil while connecting
	connecting bool
	queue      []engine.Msg // waiting for the connection
	last       engine.Msg   // the template of replies
	buf        []byte       // time, char and count modes
	timer      bool         // time mode: the timer runs
	chunk      string       // sit + string + newline: the unterminated part
}

func newTCPRequest(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	n := &tcpRequest{res: res, log: nodeLog{res: res, cfg: cfg}, clients: map[string]*tcpReqConn{}}
	n.host = p.String("server", "")
	n.tlsID = p.String("tls", "")
	if ps := strings.TrimSpace(p.String("port", "")); ps != "" {
		v, err := strconv.Atoi(ps)
		if err != nil || v <= 0 || v > 65535 {
			p.Fail("port", "invalid port %q", ps)
		}
		n.port = v
	}
	n.out = p.String("out", "time")
	n.str = p.String("ret", "buffer") == "string"
	n.newline = tcpUnescape(p.String("newline", ""))
	n.trim = p.Bool("trim", false)
	split := engine.ToString(p.Any("splitc"))
	switch n.out {
	case "immed":
		n.out, n.splitc = "time", -1
	case "time", "count", "sit":
		n.splitc = int(engine.ToNumber(split))
	case "char":
		n.splitc = tcpSplitChar(split)
	default:
		p.Fail("out", "unknown return mode %q", n.out)
	}
	return n, p.Err()
}

// tcpSplitChar reads the char mode's split character: an escape (\n, \r,
// \t, \e, \f, \0), 0x.. hex, or the first character.
func tcpSplitChar(s string) int {
	switch s {
	case `\n`:
		return 0x0A
	case `\r`:
		return 0x0D
	case `\t`:
		return 0x09
	case `\e`:
		return 0x1B
	case `\f`:
		return 0x0C
	case `\0`:
		return 0
	}
	if strings.HasPrefix(s, "0x") {
		v, _ := strconv.ParseInt(s[2:], 16, 32)
		return int(v)
	}
	if s == "" {
		return -1
	}
	return int(s[0])
}

// Start keeps the context the connections live in.
func (n *tcpRequest) Start(ctx context.Context) error {
	n.ctx, n.cancel = context.WithCancel(context.WithoutCancel(ctx))
	n.tls = nodeTLS(n.res, n.tlsID, false)
	return nil
}

// Blocking: Handle waits on a socket round trip, so it runs off its part's goroutine.
func (n *tcpRequest) Blocking() {}

// Handle queues the payload for its connection, opening it if needed.
func (n *tcpRequest) Handle(_ context.Context, m engine.Msg, _ *engine.Output) error {
	if v, ok := m["payload"]; ok {
		switch v.(type) {
		case []byte, string:
		default:
			m["payload"] = engine.ToString(v)
		}
	}
	host := n.host
	if host == "" {
		host = engine.ToString(m["host"])
		if m["host"] == nil {
			host = ""
		}
	}
	port := n.port
	if port == 0 {
		port = int(engine.ToNumber(m["port"]))
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.out == "sit" && m["reset"] != nil {
		switch r := m["reset"].(type) {
		case bool:
			if r {
				for id, c := range n.clients {
					n.dropLocked(id, c)
				}
			}
		case string:
			if c, ok := n.clients[r]; ok && strings.Contains(r, ":") {
				n.dropLocked(r, c)
			}
		}
		shape := "dot"
		if len(n.clients) == 0 {
			shape = "ring"
		}
		n.res.Status(engine.Status{Fill: "green", Shape: shape, Text: tcpConnections(len(n.clients))})
		if _, ok := m["payload"]; !ok {
			return nil
		}
	}
	id := host + ":" + strconv.Itoa(port)
	if host == "" {
		id = "undefined:" + strconv.Itoa(port)
	}
	if id != n.lastID {
		n.res.Status(engine.Status{})
		n.lastID = id
	}
	c, ok := n.clients[id]
	if !ok {
		c = &tcpReqConn{id: id}
		n.clients[id] = c
	}
	c.last = m
	if c.conn != nil {
		writePayload(c.conn, m)
		return nil
	}
	if len(c.queue) == tcpRequestQueue {
		c.queue = c.queue[1:]
	}
	c.queue = append(c.queue, m)
	if c.connecting {
		return nil
	}
	if host == "" || port == 0 {
		n.log.warn("Host and/or port not set")
		delete(n.clients, id)
		return nil
	}
	c.connecting = true
	n.wg.Add(1)
	go n.connect(c, net.JoinHostPort(host, strconv.Itoa(port)))
	return nil
}

func writePayload(c net.Conn, m engine.Msg) {
	var b []byte
	switch t := m["payload"].(type) {
	case []byte:
		b = t
	case string:
		b = []byte(t)
	default:
		return
	}
	_ = c.SetWriteDeadline(time.Now().Add(tcpWriteTimeout))
	_, _ = c.Write(b)
}

// connect dials, flushes the queue and reads until the connection ends.
func (n *tcpRequest) connect(c *tcpReqConn, addr string) {
	defer n.wg.Done()
	conn, err := dialTCP(n.ctx, addr, n.tls)
	n.mu.Lock()
	if err != nil || n.closing || n.clients[c.id] != c {
		last := c.last
		if n.clients[c.id] == c {
			delete(n.clients, c.id)
		}
		closing := n.closing
		n.mu.Unlock()
		if conn != nil {
			conn.Close()
		}
		if err != nil && !closing {
			n.res.Status(engine.Status{Fill: "red", Shape: "ring", Text: "error"})
			n.res.Error(fmt.Errorf("connect failed %s", c.id), last)
		}
		return
	}
	c.conn, c.connecting = conn, false
	n.res.Status(engine.Status{Fill: "green", Shape: "dot", Text: tcpConnections(len(n.clients))})
	for _, m := range c.queue {
		writePayload(conn, m)
	}
	c.queue = nil
	if n.out == "time" && n.splitc < 0 {
		delete(n.clients, c.id)
		n.mu.Unlock()
		closeWrite(conn)
		conn.Close()
		n.res.Status(engine.Status{})
		return
	}
	n.mu.Unlock()

	buf := make([]byte, 64<<10)
	for {
		k, err := conn.Read(buf)
		if k > 0 && !n.data(c, buf[:k]) {
			break
		}
		if err != nil {
			break
		}
	}
	conn.Close()
	n.mu.Lock()
	if n.clients[c.id] == c {
		c.conn = nil
	}
	closing := n.closing
	n.mu.Unlock()
	if !closing {
		n.res.Status(engine.Status{Fill: "grey", Shape: "ring", Text: "disconnected"})
	}
}

// data handles received bytes; false when the connection is done.
func (n *tcpRequest) data(c *tcpReqConn, data []byte) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.clients[c.id] != c {
		return false
	}
	if n.out == "sit" {
		m := c.last.Clone()
		if !n.str {
			m["payload"] = append([]byte(nil), data...)
			n.res.Send(0, m)
			return true
		}
		if n.newline == "" {
			m["payload"] = string(data)
			n.res.Send(0, m)
			return true
		}
		c.chunk += string(data)
		parts := strings.Split(c.chunk, n.newline)
		for _, part := range parts[:len(parts)-1] {
			p := m.Clone()
			if n.trim {
				part += n.newline
			}
			p["payload"] = part
			n.res.Send(0, p)
		}
		c.chunk = parts[len(parts)-1]
		return true
	}
	for _, b := range data {
		if len(c.buf) < tcpRequestBuf {
			c.buf = append(c.buf, b)
		}
		switch n.out {
		case "time":
			if !c.timer {
				c.timer = true
				n.wg.Add(1)
				go n.flushAfter(c)
			}
		case "count":
			if len(c.buf) >= n.splitc {
				n.replyLocked(c)
				return false
			}
		case "char":
			if int(b) == n.splitc {
				n.replyLocked(c)
				return false
			}
		}
	}
	return true
}

// flushAfter is time mode's timer: splitc ms after the first byte, the
// reply is sent and the connection closed.
func (n *tcpRequest) flushAfter(c *tcpReqConn) {
	defer n.wg.Done()
	t := time.NewTimer(time.Duration(max(n.splitc, 0)) * time.Millisecond)
	defer t.Stop()
	select {
	case <-n.ctx.Done():
		return
	case <-t.C:
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.clients[c.id] == c {
		n.replyLocked(c)
	}
}

// replyLocked sends the buffered reply and ends the connection.
func (n *tcpRequest) replyLocked(c *tcpReqConn) {
	m := c.last.Clone()
	if n.str {
		m["payload"] = string(c.buf)
	} else {
		m["payload"] = c.buf
	}
	c.buf = nil
	n.res.Send(0, m)
	n.res.Status(engine.Status{})
	n.dropLocked(c.id, c)
}

func (n *tcpRequest) dropLocked(id string, c *tcpReqConn) {
	if c.conn != nil {
		c.conn.Close()
	}
	delete(n.clients, id)
}

// Close ends every connection.
func (n *tcpRequest) Close(ctx context.Context) error {
	n.mu.Lock()
	n.closing = true
	for id, c := range n.clients {
		n.dropLocked(id, c)
	}
	n.mu.Unlock()
	if n.cancel != nil {
		n.cancel()
	}
	if err := shutdown.Wait(ctx, &n.wg); err != nil {
		return err
	}
	n.res.Status(engine.Status{})
	return nil
}
