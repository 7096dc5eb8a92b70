package editor

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/flowgate/flowgate/engine"
)

// Hub tuning. Batching follows Node-RED 4's comms: what a client is sent
// is collected for up to batchDelay and written as one JSON array of at
// most batchMax {topic, data} items; a full batch goes out at once.
const (
	batchDelay   = 50 * time.Millisecond
	batchMax     = 50
	sendBuffer   = 1024             // items queued per client before it counts as too slow
	eventBuffer  = 4096             // published events waiting for the hub goroutine
	writeWait    = 10 * time.Second // deadline of one frame's write
	closeWait    = time.Second      // deadline of the close frame's write
	pingPeriod   = 15 * time.Second // Node-RED's webSocketKeepAliveTime: ping, and "hb" when idle
	pongWait     = 60 * time.Second // a client silent this long (not even a pong) is gone
	maxReadBytes = 64 << 10         // largest message a client may send
)

// HubStats counts the hub's clients and losses.
type HubStats struct {
	// Clients is the number of connected clients.
	Clients int64
	// Dropped counts clients disconnected because they read too slowly.
	Dropped int64
	// Discarded counts published events that reached no client because the
	// hub's queue was full or the data could not be encoded as JSON.
	Discarded int64
}

// Hub is the /comms websocket: Node-RED's editor protocol. A client sends
// {"subscribe":"<topic pattern>"} (MQTT wildcards: "+" one level, "#" the
// rest) and receives JSON arrays of {"topic","data"} for the topics it
// subscribed to; {"auth":"<token>"} is answered {"auth":"ok"}. With
// adminAuth, a client's first packet must be an auth packet with a valid
// token: anything else is answered {"auth":"fail"} and the connection
// closed. Statuses ("status/<id>") and notifications
// ("notification/...") are retained: a new subscription first receives
// the retained messages it matches, including the statuses the backend
// reports at that moment.
//
// One goroutine owns the clients. Each client has a buffered queue, a
// write pump (batches, pings, deadlines) and a read pump (read limit,
// pong deadline). A client whose queue is full is dropped, never waited
// for. Hub implements engine.Events and http.Handler (the upgrade).
type Hub struct {
	log      *slog.Logger
	statuses func() map[string]engine.Status
	// auth checks a token; nil when the admin API is open. Set before
	// the first client connects.
	auth     func(token string) (Session, bool)
	upgrader websocket.Upgrader
	// sendBuffer is the per-client queue length (a field so that tests
	// can make clients slow quickly).
	sendBuffer int

	events     chan event
	register   chan *client
	unregister chan *client
	requests   chan request
	quit       chan struct{} // closed by Close
	stopped    chan struct{} // closed when run returns
	closeOnce  sync.Once

	// mu guards closed, so that no pump is added to pumps once Close
	// waits for them.
	mu     sync.Mutex
	closed bool
	pumps  sync.WaitGroup

	clients   atomic.Int64
	dropped   atomic.Int64
	discarded atomic.Int64
	// patterns is every connected client's subscriptions, for Wants;
	// written by the run goroutine
	patterns atomic.Pointer[[]string]

	// Owned by the run goroutine.
	conns map[*client]struct{}
	// retained holds the encoded item of each retained topic; a nil
	// item marks a status the hub saw cleared.
	retained map[string][]byte
}

// retention says what a published topic does to the retained messages.
type retention int

const (
	retainNone   retention = iota // delivered; forgets what was retained
	retainSet                     // delivered and retained
	retainClear                   // a cleared status: delivered only if one was retained
	retainForget                  // a forgotten status: not delivered
)

// event is a published message on its way to the hub goroutine.
type event struct {
	topic string
	item  []byte // {"topic":...,"data":...}
	op    retention
}

// request is what a read pump asks of the hub goroutine: a subscription
// (with the backend's statuses it matches, as items by topic) or a direct
// reply frame.
type request struct {
	c        *client
	pattern  string
	statuses map[string][]byte
	reply    []byte
}

// outbound is one entry of a client's queue: an item to batch, or a frame
// to send as it is.
type outbound struct {
	item  []byte
	frame []byte
}

// client is one /comms connection.
type client struct {
	hub    *Hub
	conn   *websocket.Conn
	send   chan outbound
	remote string
	// closeCode is the close frame's code; set by the hub goroutine
	// before it closes send.
	closeCode int
	// subs is owned by the hub goroutine.
	subs []string
}

func newHub(log *slog.Logger, statuses func() map[string]engine.Status) *Hub {
	h := &Hub{
		log:        log,
		statuses:   statuses,
		sendBuffer: sendBuffer,
		events:     make(chan event, eventBuffer),
		register:   make(chan *client),
		unregister: make(chan *client),
		requests:   make(chan request),
		quit:       make(chan struct{}),
		stopped:    make(chan struct{}),
		conns:      map[*client]struct{}{},
		retained:   map[string][]byte{},
	}
	h.upgrader = websocket.Upgrader{ReadBufferSize: 4096, WriteBufferSize: 4096, CheckOrigin: newOriginPolicy(nil).allows}
	go h.run()
	return h
}

// Stats returns the hub's counters.
func (h *Hub) Stats() HubStats {
	return HubStats{Clients: h.clients.Load(), Dropped: h.dropped.Load(), Discarded: h.discarded.Load()}
}

// Close disconnects every client and stops the hub; it returns when all
// its goroutines have ended. Later upgrades get 503 and later Publish
// calls do nothing.
func (h *Hub) Close() {
	h.closeOnce.Do(func() {
		h.mu.Lock()
		h.closed = true
		h.mu.Unlock()
		close(h.quit)
		<-h.stopped
		h.pumps.Wait()
	})
}

// Publish sends data to the clients subscribed to topic; it never blocks.
// For "status/<id>", data is an engine.Status (or a map with text, fill
// and shape): an empty one clears the node's status, nil forgets it.
func (h *Hub) Publish(topic string, data any) {
	select {
	case <-h.quit:
		return
	default:
	}
	op := retentionOf(topic)
	if strings.HasPrefix(topic, "status/") {
		switch empty, forget := statusEmpty(data); {
		case forget:
			op, data = retainForget, struct{}{}
		case empty:
			op, data = retainClear, struct{}{}
		}
	} else if data == nil && op == retainSet {
		data = struct{}{} // Node-RED publishes payload||{}
	}
	if op == retainNone && h.clients.Load() == 0 {
		return // nobody to tell, nothing to remember
	}
	item, err := encodeItem(topic, data)
	if err != nil {
		h.discard(topic, "data is not JSON: "+err.Error())
		return
	}
	select {
	case h.events <- event{topic: topic, item: item, op: op}:
	default:
		h.discard(topic, "hub queue full")
	}
}

// Wants reports whether a connected client is subscribed to topic, so
// that a publisher with costly data (stored readings) can skip it.
func (h *Hub) Wants(topic string) bool {
	p := h.patterns.Load()
	return p != nil && slices.ContainsFunc(*p, func(pat string) bool { return matchTopic(pat, topic) })
}

// notePatterns publishes the clients' subscriptions for Wants. Run
// goroutine only.
func (h *Hub) notePatterns() {
	seen := map[string]bool{}
	var all []string
	for c := range h.conns {
		for _, p := range c.subs {
			if !seen[p] {
				seen[p] = true
				all = append(all, p)
			}
		}
	}
	h.patterns.Store(&all)
}

// maxSubscriptions bounds one client's subscriptions (the editor takes a
// handful, its data tab one per charted topic).
const maxSubscriptions = 256

// discard counts a lost event and logs the first and every thousandth.
func (h *Hub) discard(topic, reason string) {
	if n := h.discarded.Add(1); n == 1 || n%1000 == 0 {
		h.log.Warn("comms event discarded", "topic", topic, "reason", reason, "discarded_total", n)
	}
}

// retentionOf gives Node-RED's retention of a topic: statuses and runtime
// notifications are retained; node and plugin notifications, debug and
// everything else are not.
func retentionOf(topic string) retention {
	switch {
	case strings.HasPrefix(topic, "status/"):
		return retainSet
	case strings.HasPrefix(topic, "notification/node/"), strings.HasPrefix(topic, "notification/plugin/"):
		return retainNone
	case strings.HasPrefix(topic, "notification/"):
		return retainSet
	}
	return retainNone
}

// statusEmpty reports whether status data clears a status (no text, fill
// or shape) or forgets it (nil).
func statusEmpty(data any) (empty, forget bool) {
	switch v := data.(type) {
	case nil:
		return false, true
	case engine.Status:
		return v == engine.Status{}, false
	case *engine.Status:
		if v == nil {
			return false, true
		}
		return *v == engine.Status{}, false
	case map[string]any:
		return statusEmpty(engine.ObjectFromMap(v))
	case *engine.Object:
		for _, k := range []string{"text", "fill", "shape"} {
			if x, ok := v.Get(k); ok && x != nil && x != "" && x != false {
				return false, false
			}
		}
		return true, false
	}
	return false, false
}

// encodeItem encodes {"topic":topic,"data":data} without HTML escaping,
// as JSON.stringify does; an *engine.Object in data keeps its key order.
func encodeItem(topic string, data any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	err := enc.Encode(struct {
		Topic string `json:"topic"`
		Data  any    `json:"data"`
	}{topic, data})
	if err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// matchTopic reports whether topic matches an MQTT-style pattern: "+"
// stands for one non-empty level, a final "#" for the parent level and
// everything below it ("status/#" matches "status" and "status/a/b"),
// and "#" alone for every topic.
func matchTopic(pattern, topic string) bool {
	if pattern == "#" {
		return true
	}
	for {
		pl, prest, pmore := strings.Cut(pattern, "/")
		if pl == "#" && !pmore {
			return true
		}
		tl, trest, tmore := strings.Cut(topic, "/")
		if pl == "+" {
			if tl == "" {
				return false
			}
		} else if pl != tl {
			return false
		}
		if !pmore || !tmore {
			return !pmore && !tmore || !tmore && prest == "#"
		}
		pattern, topic = prest, trest
	}
}

// mayMatchStatus reports whether a pattern can match some "status/<id>".
func mayMatchStatus(pattern string) bool {
	first, _, _ := strings.Cut(pattern, "/")
	return first == "status" || first == "+" || first == "#"
}

// run is the hub goroutine: the only one touching conns, retained and the
// clients' subscriptions.
func (h *Hub) run() {
	defer close(h.stopped)
	for {
		select {
		case c := <-h.register:
			h.conns[c] = struct{}{}
			h.clients.Store(int64(len(h.conns)))
		case c := <-h.unregister:
			h.remove(c, websocket.CloseNormalClosure)
		case r := <-h.requests:
			h.handle(r)
		case ev := <-h.events:
			h.deliver(ev)
		case <-h.quit:
			for c := range h.conns {
				h.remove(c, websocket.CloseGoingAway)
			}
			return
		}
	}
}

// remove forgets c and closes its queue, which ends its write pump.
func (h *Hub) remove(c *client, code int) {
	if _, ok := h.conns[c]; !ok {
		return
	}
	delete(h.conns, c)
	h.clients.Store(int64(len(h.conns)))
	h.notePatterns()
	c.closeCode = code
	close(c.send)
}

// enqueue queues o for c without waiting; a full queue drops the client.
func (h *Hub) enqueue(c *client, o outbound) bool {
	select {
	case c.send <- o:
		return true
	default:
		n := h.dropped.Add(1)
		h.log.Warn("comms client too slow, disconnected", "remote", c.remote, "queue", cap(c.send), "dropped_total", n)
		h.remove(c, websocket.CloseTryAgainLater)
		return false
	}
}

func (h *Hub) deliver(ev event) {
	switch ev.op {
	case retainSet:
		h.retained[ev.topic] = ev.item
	case retainClear:
		prev := h.retained[ev.topic]
		h.retained[ev.topic] = nil // a tombstone: newer than any backend snapshot
		if prev == nil {
			return // nobody was shown a status
		}
	case retainForget:
		h.retained[ev.topic] = nil
		return
	case retainNone:
		delete(h.retained, ev.topic)
	}
	for c := range h.conns {
		if slices.ContainsFunc(c.subs, func(p string) bool { return matchTopic(p, ev.topic) }) {
			h.enqueue(c, outbound{item: ev.item})
		}
	}
}

// handle serves a read pump's request: a reply frame, or a subscription
// followed by the retained messages it matches, in topic order. Events
// already queued are delivered first, so that the answer reflects
// everything published before the request was made (a subscriber gets
// those events too, then the replay). The replay takes the hub's word on
// every status topic it has seen (set or cleared) and the backend's
// statuses for the others, and adopts the latter as retained, so that
// clearing them later reaches the clients that were shown them.
func (h *Hub) handle(r request) {
	if _, ok := h.conns[r.c]; !ok {
		return
	}
	if r.reply == nil && !slices.Contains(r.c.subs, r.pattern) {
		if len(r.c.subs) >= maxSubscriptions {
			// a client's subscriptions are matched on every event
			// and gathered for Wants: beyond the bound, refuse
			h.log.Warn("comms subscription refused: too many", "remote", r.c.remote, "pattern", r.pattern, "max", maxSubscriptions)
			return
		}
		r.c.subs = append(r.c.subs, r.pattern)
		h.notePatterns()
	}
	for range len(h.events) {
		h.deliver(<-h.events)
	}
	if _, ok := h.conns[r.c]; !ok {
		return // dropped meanwhile
	}
	if r.reply != nil {
		h.enqueue(r.c, outbound{frame: r.reply})
		return
	}
	replay := map[string][]byte{}
	for t, item := range r.statuses {
		if _, known := h.retained[t]; !known {
			h.retained[t] = item
			replay[t] = item
		}
	}
	for t, item := range h.retained {
		if item != nil && matchTopic(r.pattern, t) {
			replay[t] = item
		}
	}
	topics := make([]string, 0, len(replay))
	for t := range replay {
		topics = append(topics, t)
	}
	slices.Sort(topics)
	for _, t := range topics {
		if !h.enqueue(r.c, outbound{item: replay[t]}) {
			return
		}
	}
}

// ServeHTTP upgrades a GET /comms request to a websocket client. A
// browser page from another origin (not this host, not in the server's
// AdminOrigins) gets 403.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		http.Error(w, "comms is shut down", http.StatusServiceUnavailable)
		return
	}
	h.pumps.Add(2)
	h.mu.Unlock()
	conn, err := h.upgrader.Upgrade(w, r, nil)
	if err != nil {
		// Upgrade has answered (403 for a foreign origin, 400 otherwise).
		h.log.Debug("comms upgrade refused", "remote", r.RemoteAddr, "origin", r.Header.Get("Origin"), "err", err)
		h.pumps.Add(-2)
		return
	}
	c := &client{hub: h, conn: conn, send: make(chan outbound, h.sendBuffer), remote: r.RemoteAddr}
	select {
	case h.register <- c:
	case <-h.quit:
		_ = conn.Close()
		h.pumps.Add(-2)
		return
	}
	go c.writePump()
	go c.readPump()
}

// authOK and authFail answer an auth packet.
var (
	authOK   = []byte(`{"auth":"ok"}`)
	authFail = []byte(`{"auth":"fail"}`)
)

// readPump reads the client's packets until the connection fails or the
// client goes silent, then unregisters it.
func (c *client) readPump() {
	h := c.hub
	// leaveOpen lets the write pump close the connection, after the
	// frames queued for it (an auth failure's answer)
	leaveOpen := false
	defer func() {
		select {
		case h.unregister <- c:
		case <-h.quit:
		}
		if !leaveOpen {
			_ = c.conn.Close()
		}
		h.pumps.Done()
	}()
	c.conn.SetReadLimit(maxReadBytes)
	alive := func() { _ = c.conn.SetReadDeadline(time.Now().Add(pongWait)) }
	alive()
	c.conn.SetPongHandler(func(string) error { alive(); return nil })
	token := "" // the client's auth token, with adminAuth
	for {
		_, data, err := c.conn.ReadMessage()
		if err != nil {
			return
		}
		alive()
		var m struct {
			Auth      any `json:"auth"`
			Subscribe any `json:"subscribe"`
		}
		if json.Unmarshal(data, &m) != nil {
			continue // Node-RED ignores malformed packets too
		}
		var r request
		a, _ := m.Auth.(string)
		if h.auth != nil {
			// every packet is checked: a revoked or expired token ends
			// the connection at the client's next packet
			if a != "" {
				token = a
			}
			if _, ok := h.auth(token); !ok {
				h.log.Warn("comms auth failed", "remote", c.remote)
				select {
				case h.requests <- request{c: c, reply: authFail}:
					leaveOpen = true
				case <-h.quit:
				}
				return
			}
		}
		if a != "" {
			r = request{c: c, reply: authOK}
		} else if p, _ := m.Subscribe.(string); p != "" {
			r = request{c: c, pattern: p, statuses: c.statusItems(p)}
		} else {
			continue // {topic, data} packets have no receiver in Flowgate
		}
		select {
		case h.requests <- r:
		case <-h.quit:
			return
		}
	}
}

// statusItems encodes the backend's current statuses that pattern
// matches, by topic. It runs on the read pump, so that the backend is
// never called from the hub goroutine.
func (c *client) statusItems(pattern string) map[string][]byte {
	if c.hub.statuses == nil || !mayMatchStatus(pattern) {
		return nil
	}
	out := map[string][]byte{}
	for id, st := range c.hub.statuses() {
		t := "status/" + id
		if st == (engine.Status{}) || !matchTopic(pattern, t) {
			continue
		}
		if item, err := encodeItem(t, st); err == nil {
			out[t] = item
		}
	}
	return out
}

// writePump writes the client's queue as batched frames, pings the
// client, and sends Node-RED's "hb" message when nothing else was sent
// for a ping period. It ends, closing the connection, when the hub
// closes the queue or a write fails.
func (c *client) writePump() {
	ping := time.NewTicker(pingPeriod)
	flush := time.NewTimer(batchDelay)
	flush.Stop()
	defer func() {
		ping.Stop()
		flush.Stop()
		_ = c.conn.Close()
		c.hub.pumps.Done()
	}()
	lastSent := time.Now()
	write := func(kind int, payload []byte) bool {
		_ = c.conn.SetWriteDeadline(time.Now().Add(writeWait))
		if err := c.conn.WriteMessage(kind, payload); err != nil {
			return false
		}
		lastSent = time.Now()
		return true
	}
	var batch [][]byte
	writeBatch := func() bool {
		n := min(len(batch), batchMax)
		if n == 0 {
			return true
		}
		frame := append([]byte{'['}, bytes.Join(batch[:n], []byte{','})...)
		frame = append(frame, ']')
		batch = append(batch[:0], batch[n:]...)
		return write(websocket.TextMessage, frame)
	}
	for {
		select {
		case o, ok := <-c.send:
			if !ok {
				_ = c.conn.SetWriteDeadline(time.Now().Add(closeWait))
				_ = c.conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(c.closeCode, ""))
				return
			}
			if o.frame != nil {
				for len(batch) > 0 { // keep the order of the queue
					if !writeBatch() {
						return
					}
				}
				flush.Stop()
				if !write(websocket.TextMessage, o.frame) {
					return
				}
				continue
			}
			batch = append(batch, o.item)
			switch {
			case len(batch) >= batchMax:
				flush.Stop()
				if !writeBatch() {
					return
				}
			case len(batch) == 1:
				flush.Reset(batchDelay)
			}
		case <-flush.C:
			if !writeBatch() {
				return
			}
			if len(batch) > 0 {
				flush.Reset(batchDelay)
			}
		case <-ping.C:
			if time.Since(lastSent) >= pingPeriod {
				hb := []byte(`[{"topic":"hb","data":` + strconv.FormatInt(lastSent.UnixMilli(), 10) + `}]`)
				if !write(websocket.TextMessage, hb) {
					return
				}
			}
			_ = c.conn.SetWriteDeadline(time.Now().Add(writeWait))
			if err := c.conn.WriteMessage(websocket.PingMessage, nil); err != nil {
				return
			}
		}
	}
}
