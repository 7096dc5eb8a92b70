package network

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/nodes/internal/shutdown"
)

func websocketListenerSpec() engine.Spec {
	return engine.Spec{
		Type: "websocket-listener", Category: "config", Config: true, LabelProp: "path",
		Props: []engine.Prop{
			{Name: "path", Label: "Path", Kind: engine.KindString, Default: "", Required: true},
			{Name: "wholemsg", Label: "Send/Receive", Kind: engine.KindSelect, Default: "false", Options: []engine.Option{
				{Value: "false", Label: "payload"}, {Value: "true", Label: "entire message"}}},
		},
		Help: help("websocket-listener"),
	}
}

// Limits of websocket sessions.
const (
	// wsQueueLen is how many frames may wait for a peer that does not
	// read; more are dropped with a warning.
	wsQueueLen = 256
	// wsWriteTimeout bounds one frame's write; a peer that stalls longer
	// is disconnected.
	wsWriteTimeout = 10 * time.Second
	// wsReconnect is Node-RED's websocket-client reconnect delay.
	wsReconnect = 3 * time.Second
)

// wsListener is the websocket-listener config node: a websocket server on
// the editor's listener at path, shared by the websocket in and out nodes
// naming it (they find it with Resources.Lookup).
type wsListener struct {
	*wsHub
	id   string
	path string

	remove func() // removes the route; set by Start
}

func newWebsocketListener(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	n := &wsListener{id: cfg.ID, wsHub: newWSHub(res, cfg, p.String("wholemsg", "false") == "true", true)}
	n.path = p.String("path", "")
	switch {
	case n.path == "":
		p.Fail("path", "missing path")
	case strings.Contains(n.path, "/debug/ws"):
		p.Fail("path", "invalid path %q", n.path)
	case !strings.HasPrefix(n.path, "/"):
		n.path = "/" + n.path
	}
	return n, p.Err()
}

// Start serves the path on the editor's listener.
func (n *wsListener) Start(ctx context.Context) error {
	if n.res.HTTP == nil {
		return errors.New("no http server for websocket listeners")
	}
	for _, id := range n.res.Nodes("websocket-listener", "") {
		if id == n.id {
			continue
		}
		if other, ok := n.res.Lookup(id); ok {
			if o, ok := other.(*wsListener); ok && o.path == n.path && o.serving() {
				n.res.Error(fmt.Errorf("Cannot have two WebSocket listeners on the same path: %s", n.path), nil)
				return nil
			}
		}
	}
	up := &websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	remove, err := n.res.HTTP.Route("get", wsRoutePath(n.path), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !websocket.IsWebSocketUpgrade(r) {
			sendError(w, http.StatusNotFound, "Cannot GET "+requestPath(r))
			return
		}
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return // the upgrader has answered
		}
		n.serve(c)
	}))
	if err != nil {
		return err
	}
	n.mu.Lock()
	n.remove = remove
	n.mu.Unlock()
	return nil
}

func (n *wsListener) serving() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.remove != nil
}

// Close stops serving the path and closes every session.
func (n *wsListener) Close(ctx context.Context) error {
	n.mu.Lock()
	remove := n.remove
	n.remove = nil
	n.mu.Unlock()
	if remove != nil {
		remove()
	}
	return n.closeAll(ctx)
}

// wsRoutePath escapes what Express route syntax would read in a literal
// websocket path (params, wildcards, groups).
func wsRoutePath(path string) string {
	var b strings.Builder
	for _, r := range path {
		if strings.ContainsRune(`:*()?+\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// wsUser is a websocket in or out node registered with a listener or client.
type wsUser struct {
	res   *engine.Resources
	input bool // websocket in: receives the messages
}

// wsHub is what the websocket-listener and websocket-client config nodes
// share (one Node-RED constructor serves both): the registered in/out nodes,
// the open sessions, message decoding and sending.
type wsHub struct {
	res      *engine.Resources
	log      nodeLog
	wholemsg bool
	server   bool // a listener: status counts sessions

	mu      sync.Mutex // guards users, conns, closing and the listener's remove
	users   map[string]wsUser
	conns   map[string]*wsConn
	closing bool
	wg      sync.WaitGroup // session goroutines
}

func newWSHub(res *engine.Resources, cfg *engine.Config, wholemsg, server bool) *wsHub {
	return &wsHub{res: res, log: nodeLog{res: res, cfg: cfg}, wholemsg: wholemsg, server: server,
		users: map[string]wsUser{}, conns: map[string]*wsConn{}}
}

// register adds an in or out node; it shows the current status when
// sessions are already open (Node-RED's nodes all register before the
// first connection opens, ours may start later).
func (h *wsHub) register(id string, u wsUser) {
	h.mu.Lock()
	h.users[id] = u
	count := len(h.conns)
	h.mu.Unlock()
	if count > 0 {
		u.res.Status(h.countStatus(count))
	}
}

func (h *wsHub) deregister(id string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.users, id)
}

// status shows s on every registered node, as Node-RED's opened, erro and
// closed events do.
func (h *wsHub) status(s engine.Status) {
	h.mu.Lock()
	users := make([]wsUser, 0, len(h.users))
	for _, u := range h.users {
		users = append(users, u)
	}
	h.mu.Unlock()
	for _, u := range users {
		u.res.Status(s)
	}
}

// countStatus is the status after a session opened or closed.
func (h *wsHub) countStatus(count int) engine.Status {
	if !h.server {
		return engine.Status{Fill: "green", Shape: "dot", Text: "connected "}
	}
	if count > 0 {
		return engine.Status{Fill: "green", Shape: "dot", Text: fmt.Sprintf("connected %d", count)}
	}
	return engine.Status{Fill: "red", Shape: "ring", Text: "disconnected"}
}

// serve runs session c until it ends (on the caller's goroutine).
func (h *wsHub) serve(c *websocket.Conn) {
	s := &wsConn{c: c, id: wsID(), queue: make(chan wsFrame, wsQueueLen), done: make(chan struct{})}
	h.mu.Lock()
	if h.closing {
		h.mu.Unlock()
		c.Close()
		return
	}
	h.conns[s.id] = s
	count := len(h.conns)
	h.wg.Add(1)
	h.mu.Unlock()
	defer h.wg.Done()
	h.status(h.countStatus(count))

	var writer sync.WaitGroup
	writer.Add(1)
	go func() {
		defer writer.Done()
		s.write()
	}()
	err := h.read(s)
	s.stop()
	writer.Wait()

	h.mu.Lock()
	delete(h.conns, s.id)
	count = len(h.conns)
	closing := h.closing
	h.mu.Unlock()
	if closing {
		return
	}
	if err != nil {
		// Node-RED's erro event: a status, not a node error
		h.status(engine.Status{Fill: "red", Shape: "ring", Text: "error"})
		if h.res.Log != nil {
			h.res.Log.Info("websocket session error", "err", err)
		}
	}
	if h.server {
		h.status(h.countStatus(count))
	} else {
		h.status(engine.Status{Fill: "red", Shape: "ring", Text: "disconnected"})
	}
}

// read delivers s's messages to the websocket in nodes until s closes; a
// nil result is a normal close.
func (h *wsHub) read(s *wsConn) error {
	for {
		kind, data, err := s.c.ReadMessage()
		if err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) || s.stopped() {
				return nil
			}
			return err
		}
		h.deliver(s.id, kind, data)
	}
}

// deliver decodes one frame (Node-RED's handleEvent) and sends it from
// every websocket in node.
func (h *wsHub) deliver(id string, kind int, data []byte) {
	var payload any = string(data)
	if kind == websocket.BinaryMessage {
		payload = data
	}
	m := engine.Msg{"payload": payload}
	if h.wholemsg {
		if v, err := engine.DecodeJSON(data); err == nil {
			if obj, ok := v.(*engine.Object); ok {
				m = engine.Msg(obj.Map())
			} else if v != nil {
				m = engine.Msg{"payload": v}
			}
		}
	}
	if _, ok := m["_msgid"].(string); !ok {
		m["_msgid"] = engine.NewMsg()["_msgid"]
	}
	m["_session"] = engine.ObjectOf("type", "websocket", "id", id)
	h.mu.Lock()
	var inputs []*engine.Resources
	for _, u := range h.users {
		if u.input {
			inputs = append(inputs, u.res)
		}
	}
	h.mu.Unlock()
	for i, res := range inputs {
		if i < len(inputs)-1 {
			res.Send(0, m.Clone())
		} else {
			res.Send(0, m)
		}
	}
}

// send queues data to session id, or to every session when id is "".
func (h *wsHub) send(id string, f wsFrame) {
	h.mu.Lock()
	var targets []*wsConn
	if id != "" {
		if s, ok := h.conns[id]; ok {
			targets = append(targets, s)
		}
	} else {
		for _, s := range h.conns {
			targets = append(targets, s)
		}
	}
	h.mu.Unlock()
	for _, s := range targets {
		if !s.enqueue(f) && id == "" {
			h.log.warn("An error occurred while sending: " + s.id + " send queue full")
		}
	}
}

// closeAll closes every session and waits for their goroutines.
func (h *wsHub) closeAll(ctx context.Context) error {
	h.mu.Lock()
	h.closing = true
	conns := make([]*wsConn, 0, len(h.conns))
	for _, s := range h.conns {
		conns = append(conns, s)
	}
	h.mu.Unlock()
	for _, s := range conns {
		s.stop()
	}
	return shutdown.Wait(ctx, &h.wg)
}

// wsFrame is one outgoing message.
type wsFrame struct {
	kind int // websocket.TextMessage or BinaryMessage
	data []byte
}

// wsConn is one open websocket session.
type wsConn struct {
	c     *websocket.Conn
	id    string
	queue chan wsFrame
	once  sync.Once
	done  chan struct{} // closed by stop
}

func (s *wsConn) enqueue(f wsFrame) bool {
	select {
	case <-s.done:
		return false
	default:
	}
	select {
	case s.queue <- f:
		return true
	default:
		return false
	}
}

// stop ends the session: a close frame, then the socket closes.
func (s *wsConn) stop() {
	s.once.Do(func() {
		close(s.done)
		_ = s.c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
		s.c.Close()
	})
}

func (s *wsConn) stopped() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// write sends queued frames until the session stops; a peer that does not
// read within wsWriteTimeout is disconnected.
func (s *wsConn) write() {
	for {
		select {
		case <-s.done:
			return
		case f := <-s.queue:
			_ = s.c.SetWriteDeadline(time.Now().Add(wsWriteTimeout))
			if err := s.c.WriteMessage(f.kind, f.data); err != nil {
				s.stop()
				return
			}
		}
	}
}

// wsID is a session id as RED.util.generateId makes them.
func wsID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// lookupWSHub finds the running websocket-listener or websocket-client id.
func lookupWSHub(res *engine.Resources, id string) (*wsHub, bool) {
	node, ok := res.Lookup(id)
	if !ok {
		return nil, false
	}
	switch n := node.(type) {
	case *wsListener:
		return n.wsHub, true
	case *wsClient:
		return n.wsHub, true
	}
	return nil, false
}
