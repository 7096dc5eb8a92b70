package editor

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gorilla/websocket"

	"github.com/flowgate/flowgate/engine"
)

func TestMatchTopic(t *testing.T) {
	tests := []struct {
		pattern, topic string
		want           bool
	}{
		{"debug", "debug", true},
		{"debug", "debug/x", false},
		{"debug", "debugger", false},
		{"status/#", "status/n1", true},
		{"status/#", "status/a/b", true},
		{"status/#", "status", true}, // Node-RED's "(/.*)?"
		{"status/#", "statusx/n1", false},
		{"status/+", "status/n1", true},
		{"status/+", "status/", false}, // Node-RED's "[^/]+": not empty
		{"status/+", "status/a/b", false},
		{"+/n1", "status/n1", true},
		{"notification/#", "notification/runtime-state", true},
		{"notification/#", "status/n1", false},
		{"#", "anything/at/all", true},
		{"a/#/c", "a/b/c", false}, // "#" only last
		{"a/b", "a", false},
		{"", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.pattern+" "+tt.topic, func(t *testing.T) {
			if got := matchTopic(tt.pattern, tt.topic); got != tt.want {
				t.Errorf("matchTopic(%q, %q) = %v", tt.pattern, tt.topic, got)
			}
		})
	}
}

// wsClient is a /comms client for tests.
type wsClient struct {
	t    *testing.T
	conn *websocket.Conn
}

func dial(t *testing.T, ts *httptest.Server, header http.Header) *wsClient {
	t.Helper()
	conn, res, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(ts.URL, "http")+"/comms", header)
	if err != nil {
		status := 0
		if res != nil {
			status = res.StatusCode
		}
		t.Fatalf("dial: %v (status %d)", err, status)
	}
	t.Cleanup(func() { conn.Close() })
	return &wsClient{t, conn}
}

func (c *wsClient) send(v string) {
	c.t.Helper()
	if err := c.conn.WriteMessage(websocket.TextMessage, []byte(v)); err != nil {
		c.t.Fatal(err)
	}
}

// frame reads the next frame, failing after 5 s.
func (c *wsClient) frame() string {
	c.t.Helper()
	_ = c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, b, err := c.conn.ReadMessage()
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	return string(b)
}

// items reads frames until n items arrived.
func (c *wsClient) items(n int) []any {
	c.t.Helper()
	var out []any
	for len(out) < n {
		var batch []any
		if err := json.Unmarshal([]byte(c.frame()), &batch); err != nil {
			c.t.Fatal(err)
		}
		out = append(out, batch...)
	}
	return out
}

func item(topic string, data any) any {
	return map[string]any{"topic": topic, "data": data}
}

func TestCommsSubscribeAndRetained(t *testing.T) {
	b := newFakeBackend()
	b.statuses = map[string]engine.Status{
		"n1": {Fill: "red", Text: "old"}, // the hub has newer
		"n2": {Fill: "green", Shape: "dot", Text: "ok"},
		"n3": {}, // cleared: not replayed
	}
	s, ts := newTestServer(t, b, nil)
	h := s.Hub()
	h.Publish("status/n1", engine.Status{Fill: "blue", Shape: "ring", Text: "new"})
	h.Publish("notification/runtime-state", map[string]any{"state": "start"})
	h.Publish("debug", map[string]any{"msg": "lost"}) // no one listens, nothing retained

	c := dial(t, ts, nil)
	c.send(`{"subscribe":"debug"}`)
	c.send(`not json`)
	c.send(`{"subscribe":"status/#"}`)
	// The replay of status/# also shows that "debug" is subscribed: one
	// read pump, requests in order.
	got := c.items(2)
	want := []any{
		item("status/n1", map[string]any{"fill": "blue", "shape": "ring", "text": "new"}),
		item("status/n2", map[string]any{"fill": "green", "shape": "dot", "text": "ok"}),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("replay (-want +got):\n%s", diff)
	}

	t.Run("only subscribed topics", func(t *testing.T) {
		h.Publish("notification/runtime-deploy", map[string]any{"revision": "r"})
		h.Publish("event-log/x", "nope")
		h.Publish("debug", map[string]any{"id": "d1", "msg": "<b>hi</b> & bye", "format": "string"})
		got := c.items(1)
		want := []any{item("debug", map[string]any{"id": "d1", "msg": "<b>hi</b> & bye", "format": "string"})}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("status clear", func(t *testing.T) {
		h.Publish("status/n2", engine.Status{})
		h.Publish("status/n9", engine.Status{}) // never set: nothing sent
		h.Publish("status/n1", nil)             // forgotten silently
		h.Publish("status/n4", map[string]any{"text": "x"})
		got := c.items(2)
		want := []any{item("status/n2", map[string]any{}), item("status/n4", map[string]any{"text": "x"})}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("second client replay", func(t *testing.T) {
		b.mu.Lock()
		b.statuses = map[string]engine.Status{"n2": {}}
		b.mu.Unlock()
		c2 := dial(t, ts, nil)
		c2.send(`{"subscribe":"#"}`)
		got := c2.items(3)
		want := []any{
			item("notification/runtime-deploy", map[string]any{"revision": "r"}),
			item("notification/runtime-state", map[string]any{"state": "start"}),
			item("status/n4", map[string]any{"text": "x"}),
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("auth", func(t *testing.T) {
		c.send(`{"auth":"some-token"}`)
		if got := c.frame(); got != `{"auth":"ok"}` {
			t.Errorf("auth reply = %s", got)
		}
	})
}

// TestCommsNodeREDFrames publishes what Node-RED published in the captured
// session and compares the frames a client gets with Node-RED's.
func TestCommsNodeREDFrames(t *testing.T) {
	var g struct {
		Frames []string `json:"frames"`
		Replay []string `json:"replay"`
	}
	readJSONFile(t, "testdata/nodered/comms.json", &g)
	var last, replay []map[string]any
	_ = json.Unmarshal([]byte(g.Frames[len(g.Frames)-1]), &last)
	_ = json.Unmarshal([]byte(g.Replay[0]), &replay)
	s, ts := newTestServer(t, newFakeBackend(), nil)
	c := dial(t, ts, nil)
	for _, p := range []string{"status/#", "notification/#", "debug"} {
		c.send(`{"subscribe":"` + p + `"}`)
	}
	c.send(`{"auth":"sync"}`) // answered after the subscriptions
	if c.frame() != `{"auth":"ok"}` {
		t.Fatal("no auth reply")
	}
	for _, it := range last {
		data := it["data"]
		if it["topic"] == "status/d1" {
			st := data.(map[string]any)
			data = engine.Status{Fill: st["fill"].(string), Shape: st["shape"].(string), Text: st["text"].(string)}
		}
		s.Hub().Publish(it["topic"].(string), data)
	}
	var got []map[string]any
	for _, it := range c.items(len(last)) {
		got = append(got, it.(map[string]any))
	}
	if diff := cmp.Diff(last, got); diff != "" {
		t.Errorf("frame (-Node-RED +Flowgate):\n%s", diff)
	}
	c2 := dial(t, ts, nil)
	c2.send(`{"subscribe":"status/#"}`)
	if err := json.Unmarshal([]byte(c2.frame()), &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(replay, got); diff != "" {
		t.Errorf("replay (-Node-RED +Flowgate):\n%s", diff)
	}
}

// TestCommsKeyOrder checks that objects in published data reach the
// client in their key order (Node-RED's debug sidebar shows them so).
func TestCommsKeyOrder(t *testing.T) {
	s, ts := newTestServer(t, newFakeBackend(), nil)
	c := dial(t, ts, nil)
	c.send(`{"subscribe":"debug"}`)
	c.send(`{"auth":"sync"}`)
	if c.frame() != `{"auth":"ok"}` {
		t.Fatal("no auth reply")
	}
	payload := engine.ObjectOf("name", "bob", "age", 42.0, "2", "x", "a", engine.ObjectOf("z", true, "b", nil))
	s.Hub().Publish("debug", engine.ObjectOf("id", "d1", "msg", payload, "format", "Object"))
	want := `[{"topic":"debug","data":{"id":"d1","msg":{"2":"x","name":"bob","age":42,"a":{"z":true,"b":null}},"format":"Object"}}]`
	if got := c.frame(); got != want {
		t.Errorf("frame\n got %s\nwant %s", got, want)
	}
}

func TestCommsBatching(t *testing.T) {
	s, ts := newTestServer(t, newFakeBackend(), nil)
	c := dial(t, ts, nil)
	c.send(`{"subscribe":"debug"}`)
	c.send(`{"auth":"sync"}`)
	c.frame()
	const n = 120
	for i := range n {
		s.Hub().Publish("debug", i)
	}
	var seen int
	for seen < n {
		var batch []map[string]any
		if err := json.Unmarshal([]byte(c.frame()), &batch); err != nil {
			t.Fatal(err)
		}
		if len(batch) == 0 || len(batch) > batchMax {
			t.Fatalf("batch of %d", len(batch))
		}
		for _, it := range batch {
			if it["data"] != float64(seen) {
				t.Fatalf("item %d = %v", seen, it)
			}
			seen++
		}
	}
}

func TestCommsOrigin(t *testing.T) {
	_, ts := newTestServer(t, newFakeBackend(), nil)
	url := "ws" + strings.TrimPrefix(ts.URL, "http") + "/comms"
	_, res, err := websocket.DefaultDialer.Dial(url, http.Header{"Origin": {"https://evil.example"}})
	if err == nil || res == nil || res.StatusCode != http.StatusForbidden {
		t.Errorf("foreign origin: err %v, response %v", err, res)
	}
	dial(t, ts, http.Header{"Origin": {ts.URL}})
	_, res, err = websocket.DefaultDialer.Dial(url, http.Header{"Origin": {"http://localhost:5173"}})
	if err == nil || res == nil || res.StatusCode != http.StatusForbidden {
		t.Errorf("another local origin not in AdminOrigins: err %v, response %v", err, res)
	}
	_, listed := newTestServer(t, newFakeBackend(), func(o *Options) { o.AdminOrigins = []string{"http://localhost:5173/"} })
	dial(t, listed, http.Header{"Origin": {"http://localhost:5173"}})
}

func TestCommsClose(t *testing.T) {
	s, ts := newTestServer(t, newFakeBackend(), nil)
	c := dial(t, ts, nil)
	c.send(`{"auth":"sync"}`)
	c.frame()
	if got := s.Hub().Stats().Clients; got != 1 {
		t.Errorf("clients = %d", got)
	}
	s.Close()
	_ = c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, _, err := c.conn.ReadMessage()
	if !websocket.IsCloseError(err, websocket.CloseGoingAway) {
		t.Errorf("read after Close: %v", err)
	}
	s.Hub().Publish("debug", 1) // no effect, no block
	s.Close()                   // idempotent
	_, res, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(ts.URL, "http")+"/comms", nil)
	if err == nil || res == nil || res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("dial after Close: %v %v", err, res)
	}
}

// TestCommsSlowClientDropped runs the hub in a bubble with a client that
// never drains its queue: the hub drops it rather than wait, and keeps
// serving the others.
func TestCommsSlowClientDropped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHub(slog.New(slog.DiscardHandler), nil)
		defer h.Close()
		slow := &client{hub: h, send: make(chan outbound, 2)}
		fast := &client{hub: h, send: make(chan outbound, 10)}
		for _, c := range []*client{slow, fast} {
			h.register <- c
			h.requests <- request{c: c, pattern: "debug"}
		}
		for i := range 3 {
			h.Publish("debug", i)
		}
		synctest.Wait()
		if got := h.Stats(); got != (HubStats{Clients: 1, Dropped: 1}) {
			t.Errorf("stats = %+v", got)
		}
		var got []string
		for o := range slow.send { // closed by the hub
			got = append(got, string(o.item))
		}
		want := []string{`{"topic":"debug","data":0}`, `{"topic":"debug","data":1}`}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("slow client got (-want +got):\n%s", diff)
		}
		if slow.closeCode != websocket.CloseTryAgainLater {
			t.Errorf("close code = %d", slow.closeCode)
		}
		if len(fast.send) != 3 {
			_, open := <-fast.send
			t.Errorf("fast client has %d items; open %v code %d stats %+v", len(fast.send), open, fast.closeCode, h.Stats())
		}
	})
}

func TestPublishNeverBlocks(t *testing.T) {
	// A hub whose goroutine does not run: its queue fills and Publish
	// discards instead of waiting.
	h := &Hub{log: slog.New(slog.DiscardHandler), events: make(chan event, 1), quit: make(chan struct{})}
	h.clients.Store(1)
	h.Publish("debug", 1)
	h.Publish("debug", 2)
	h.Publish("debug", func() {}) // not JSON
	if got := h.Stats().Discarded; got != 2 {
		t.Errorf("discarded = %d", got)
	}
	ev := <-h.events
	if got := fmt.Sprint(string(ev.item)); got != `{"topic":"debug","data":1}` {
		t.Errorf("queued %s", got)
	}
}

// TestCommsRuntimeDeploy: every successful deploy (POST /flows v1 and v2,
// POST /flow, PUT and DELETE /flow/:id) publishes the retained
// notification/runtime-deploy {"revision": rev}, as Node-RED 4 does; a
// refused deploy publishes nothing.
func TestCommsRuntimeDeploy(t *testing.T) {
	b := newFakeBackend()
	_, ts := newTestServer(t, b, nil)
	c := dial(t, ts, nil)
	c.send(`{"subscribe":"notification/runtime-deploy"}`)
	expect := func(step string) {
		t.Helper()
		got := c.items(1)
		want := []any{item("notification/runtime-deploy", map[string]any{"revision": b.Flows().Rev})}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("%s (-want +got):\n%s", step, diff)
		}
	}
	v2 := map[string]string{"Content-Type": "application/json", "Node-RED-API-Version": "v2"}
	res := do(t, ts, "POST", "/flows", v2, `{"flows":[{"id":"t1","type":"tab","label":"F"}]}`)
	if res.Status != 200 {
		t.Fatalf("POST /flows: %d %s", res.Status, res.Body)
	}
	expect("POST /flows v2")
	if res := do(t, ts, "POST", "/flows", v2, `{"flows":[],"rev":"stale"}`); res.Status != 409 {
		t.Fatalf("stale deploy: %d", res.Status)
	}
	json1 := map[string]string{"Content-Type": "application/json"}
	if res := do(t, ts, "POST", "/flows", json1, `[{"id":"t1","type":"tab","label":"F"},{"id":"t2","type":"tab","label":"G"}]`); res.Status != 204 {
		t.Fatalf("POST /flows v1: %d %s", res.Status, res.Body)
	}
	expect("POST /flows v1 (and nothing for the refused one)")
	if res := do(t, ts, "PUT", "/flow/t2", json1, `{"id":"t2","label":"G2","nodes":[]}`); res.Status != 200 {
		t.Fatalf("PUT /flow: %d %s", res.Status, res.Body)
	}
	expect("PUT /flow/:id")
	if res := do(t, ts, "POST", "/flow", json1, `{"label":"H","nodes":[]}`); res.Status != 200 {
		t.Fatalf("POST /flow: %d %s", res.Status, res.Body)
	}
	expect("POST /flow")
	if res := do(t, ts, "DELETE", "/flow/t2", nil, ""); res.Status != 204 {
		t.Fatalf("DELETE /flow: %d %s", res.Status, res.Body)
	}
	expect("DELETE /flow/:id")

	// A client connecting later gets the latest revision (retained).
	c2 := dial(t, ts, nil)
	c2.send(`{"subscribe":"notification/#"}`)
	got := c2.items(1)
	want := []any{item("notification/runtime-deploy", map[string]any{"revision": b.Flows().Rev})}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("retained (-want +got):\n%s", diff)
	}
}

// TestCommsSubscriptionsBounded: a client's subscriptions stop at
// maxSubscriptions; the ones before the bound work.
func TestCommsSubscriptionsBounded(t *testing.T) {
	s, ts := newTestServer(t, newFakeBackend(), nil)
	h := s.Hub()
	h.Publish("notification/runtime-state", map[string]any{"state": "start"})
	c := dial(t, ts, nil)
	c.send(`{"subscribe":"notification/#"}`)
	c.items(1) // its replay
	for i := 1; i <= maxSubscriptions; i++ {
		c.send(fmt.Sprintf(`{"subscribe":"data/t%d"}`, i))
	}
	// a repeated subscription is replayed again: once it arrives, the
	// requests before it were handled
	c.send(`{"subscribe":"notification/#"}`)
	c.items(1)
	if last := fmt.Sprintf("data/t%d", maxSubscriptions-1); !h.Wants(last) {
		t.Errorf("subscription %s, within the bound, not taken", last)
	}
	if past := fmt.Sprintf("data/t%d", maxSubscriptions); h.Wants(past) {
		t.Errorf("subscription %s, past the bound, taken", past)
	}
}
