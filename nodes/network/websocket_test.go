package network

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gorilla/websocket"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
)

// wsServer serves a Router on loopback and returns the harness using it and
// the ws:// base URL.
func wsServer(t *testing.T, s Settings) (*enginetest.Harness, string) {
	t.Helper()
	rt := &Router{}
	srv := httptest.NewServer(rt)
	t.Cleanup(srv.Close)
	h := enginetest.NewWith(t, enginetest.Options{HTTP: rt}, TypesWith(s)...)
	return h, "ws" + strings.TrimPrefix(srv.URL, "http")
}

// wsListenerFlow is listener "l1" at /ws/test, websocket in "in1" wired to
// collector "got" and websocket out "out1".
func wsListenerFlow(wholemsg string) []any {
	return []any{
		engine.ObjectOf("id", "f1", "type", "tab"),
		engine.ObjectOf("id", "l1", "type", "websocket-listener", "path", "/ws/test", "wholemsg", wholemsg),
		engine.ObjectOf("id", "in1", "type", "websocket in", "z", "f1", "server", "l1", "client", "", "wires", []any{[]any{"got"}}),
		engine.ObjectOf("id", "out1", "type", "websocket out", "z", "f1", "server", "l1", "client", ""),
		engine.ObjectOf("id", "got", "type", enginetest.HelperType, "z", "f1"),
	}
}

func wsDial(t *testing.T, url string) *websocket.Conn {
	t.Helper()
	c, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// wsRead reads one frame (failing after 5 s).
func wsRead(t *testing.T, c *websocket.Conn) (int, string) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	kind, data, err := c.ReadMessage()
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return kind, string(data)
}

// wsWaitStatus waits until node id shows text.
func wsWaitStatus(t *testing.T, h *enginetest.Harness, id, text string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		evs := h.Events()
		for i := len(evs) - 1; i >= 0; i-- {
			if evs[i].Topic == "status/"+id {
				if s, ok := evs[i].Data.(engine.Status); ok && s.Text == text {
					return
				}
				break
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("node %s never showed status %q", id, text)
}

func TestWebsocketListenerReceive(t *testing.T) {
	tests := []struct {
		name     string
		wholemsg string
		kind     int
		data     string
		want     engine.Msg // without _msgid and _session
	}{
		{"text as a string", "false", websocket.TextMessage, "hello", engine.Msg{"payload": "hello"}},
		{"binary as a buffer", "false", websocket.BinaryMessage, "\x00\x01", engine.Msg{"payload": []byte{0, 1}}},
		{"json kept as text", "false", websocket.TextMessage, `{"a":1}`, engine.Msg{"payload": `{"a":1}`}},
		{"whole message", "true", websocket.TextMessage, `{"payload":"p","topic":"t"}`, engine.Msg{"payload": "p", "topic": "t"}},
		{"whole message number", "true", websocket.TextMessage, `42`, engine.Msg{"payload": 42.0}},
		{"whole message not json", "true", websocket.TextMessage, `nope`, engine.Msg{"payload": "nope"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, base := wsServer(t, Settings{})
			h.Deploy(wsListenerFlow(tt.wholemsg))
			c := wsDial(t, base+"/ws/test")
			wsWaitStatus(t, h, "in1", "connected 1")
			if err := c.WriteMessage(tt.kind, []byte(tt.data)); err != nil {
				t.Fatal(err)
			}
			m := h.Wait("got", 1, 5*time.Second)[0]
			sess, _ := m["_session"].(*engine.Object)
			if sess.Value("type") != "websocket" || len(sess.Value("id").(string)) != 16 {
				t.Errorf("_session = %v", m["_session"])
			}
			delete(m, "_session")
			delete(m, "_msgid")
			if diff := cmp.Diff(tt.want, m, enginetest.OrderedObjects()); diff != "" {
				t.Errorf("msg (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWebsocketOut(t *testing.T) {
	tests := []struct {
		name     string
		wholemsg string
		msg      engine.Msg
		kind     int
		want     string
	}{
		{"string", "false", engine.Msg{"payload": "hi"}, websocket.TextMessage, "hi"},
		{"number", "false", engine.Msg{"payload": 1.5}, websocket.TextMessage, "1.5"},
		{"object as json", "false", engine.Msg{"payload": engine.ObjectOf("a", 1.0)}, websocket.TextMessage, `{"a":1}`},
		{"buffer as binary", "false", engine.Msg{"payload": []byte("xy")}, websocket.BinaryMessage, "xy"},
		{"whole message", "true", engine.Msg{"payload": "p", "topic": "t"}, websocket.TextMessage, `{"payload":"p","topic":"t"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, base := wsServer(t, Settings{})
			h.Deploy(wsListenerFlow(tt.wholemsg))
			c := wsDial(t, base+"/ws/test")
			wsWaitStatus(t, h, "out1", "connected 1")
			m := tt.msg
			h.Send("out1", m)
			kind, data := wsRead(t, c)
			if kind != tt.kind {
				t.Errorf("frame type = %d, want %d", kind, tt.kind)
			}
			if tt.wholemsg == "true" {
				data = strings.Replace(data, `"_msgid":"`+m["_msgid"].(string)+`",`, "", 1)
			}
			if data != tt.want {
				t.Errorf("frame = %q, want %q", data, tt.want)
			}
		})
	}
}

func TestWebsocketReplyAndBroadcast(t *testing.T) {
	h, base := wsServer(t, Settings{})
	h.Deploy(wsListenerFlow("false"))
	a := wsDial(t, base+"/ws/test")
	wsWaitStatus(t, h, "in1", "connected 1")
	b := wsDial(t, base+"/ws/test")
	wsWaitStatus(t, h, "in1", "connected 2")

	if err := b.WriteMessage(websocket.TextMessage, []byte("from b")); err != nil {
		t.Fatal(err)
	}
	m := h.Wait("got", 1, 5*time.Second)[0]
	h.Send("out1", engine.Msg{"payload": "to b", "_session": m["_session"]})
	if _, got := wsRead(t, b); got != "to b" {
		t.Errorf("b got %q, want the reply", got)
	}
	h.Send("out1", engine.Msg{"payload": "to all"})
	for name, c := range map[string]*websocket.Conn{"a": a, "b": b} {
		if _, got := wsRead(t, c); got != "to all" {
			t.Errorf("%s got %q, want the broadcast (a never got the reply)", name, got)
		}
	}

	b.Close()
	wsWaitStatus(t, h, "in1", "connected 1")
	a.Close()
	wsWaitStatus(t, h, "out1", "disconnected")
}

func TestWebsocketListenerRedeployClosesSessions(t *testing.T) {
	h, base := wsServer(t, Settings{})
	h.Deploy(wsListenerFlow("false"))
	c := wsDial(t, base+"/ws/test")
	wsWaitStatus(t, h, "in1", "connected 1")
	h.Deploy([]any{engine.ObjectOf("id", "f1", "type", "tab")})
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, _, err := c.ReadMessage(); !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
		t.Errorf("read after redeploy: %v, want a normal close", err)
	}
	if _, resp, err := websocket.DefaultDialer.Dial(base+"/ws/test", nil); err == nil || resp == nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("dial after redeploy: %v, want 404", err)
	}
}

func TestWebsocketListenerErrors(t *testing.T) {
	tests := []struct {
		name string
		flow []any
		want string
	}{
		{"duplicate path", []any{
			engine.ObjectOf("id", "f1", "type", "tab"),
			engine.ObjectOf("id", "l1", "type", "websocket-listener", "path", "/dup", "wholemsg", "false"),
			engine.ObjectOf("id", "l2", "type", "websocket-listener", "path", "dup", "wholemsg", "false"),
		}, "Cannot have two WebSocket listeners on the same path: /dup"},
		{"missing config", []any{
			engine.ObjectOf("id", "f1", "type", "tab"),
			engine.ObjectOf("id", "in1", "type", "websocket in", "z", "f1", "server", "nope", "client", ""),
		}, "Missing server configuration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, _ := wsServer(t, Settings{})
			_, _ = h.TryDeploy(tt.flow, engine.DeployFull)
			found := false
			for _, e := range h.Errors() {
				found = found || strings.Contains(e, tt.want)
			}
			if !found {
				t.Errorf("no error %q in %v", tt.want, h.Events())
			}
		})
	}
}

func TestWebsocketClient(t *testing.T) {
	// a plain gorilla server: echoes, and closes the first session after
	// its first message to make the client reconnect
	up := websocket.Upgrader{}
	sessions := make(chan *websocket.Conn, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Test") != "yes" {
			http.Error(w, "no header", http.StatusForbidden)
			return
		}
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		sessions <- c
	}))
	t.Cleanup(srv.Close)
	url := "ws" + strings.TrimPrefix(srv.URL, "http")

	h := enginetest.New(t, TypesWith(Settings{WebSocketReconnect: 20 * time.Millisecond})...)
	h.Deploy([]any{
		engine.ObjectOf("id", "f1", "type", "tab"),
		engine.ObjectOf("id", "c1", "type", "websocket-client", "path", url, "tls", "", "wholemsg", "false", "hb", "", "subprotocol", "",
			"headers", []any{engine.ObjectOf("keyType", "other", "keyValue", "X-Test", "valueType", "other", "valueValue", "yes")},
		),
		engine.ObjectOf("id", "in1", "type", "websocket in", "z", "f1", "server", "", "client", "c1", "wires", []any{[]any{"got"}}),
		engine.ObjectOf("id", "out1", "type", "websocket out", "z", "f1", "server", "", "client", "c1"),
		engine.ObjectOf("id", "got", "type", enginetest.HelperType, "z", "f1"),
	})
	var first *websocket.Conn
	select {
	case first = <-sessions:
	case <-time.After(5 * time.Second):
		t.Fatal("the client never connected")
	}
	wsWaitStatus(t, h, "out1", "connected ")
	h.Send("out1", engine.Msg{"payload": "up"})
	if _, got := wsRead(t, first); got != "up" {
		t.Errorf("server got %q", got)
	}
	if err := first.WriteMessage(websocket.TextMessage, []byte("down")); err != nil {
		t.Fatal(err)
	}
	if m := h.Wait("got", 1, 5*time.Second)[0]; m["payload"] != "down" {
		t.Errorf("websocket in got %v", m)
	}
	first.Close()
	select {
	case second := <-sessions:
		defer second.Close()
	case <-time.After(5 * time.Second):
		t.Fatal("the client never reconnected")
	}
}

func TestWebsocketClientBadURL(t *testing.T) {
	h := enginetest.New(t, Types()...)
	w := h.Deploy([]any{
		engine.ObjectOf("id", "f1", "type", "tab"),
		engine.ObjectOf("id", "c1", "type", "websocket-client", "path", "http://x", "wholemsg", "false"),
	})
	if len(w) != 1 || w[0].Node != "c1" || w[0].Field != "path" || !strings.Contains(w[0].Reason, "ws://") {
		t.Fatalf("deploy warnings %v, want one on c1 path", w)
	}
	if !h.Inert("c1") {
		t.Errorf("node c1 runs, status %+v: want it stopped, its problem shown", h.E.Statuses()["c1"])
	}
}

func TestWebsocketListenerLiteralPath(t *testing.T) {
	h, base := wsServer(t, Settings{})
	h.Deploy([]any{
		engine.ObjectOf("id", "f1", "type", "tab"),
		engine.ObjectOf("id", "l1", "type", "websocket-listener", "path", "ws/:odd*", "wholemsg", "false"),
	})
	tests := []struct {
		path string
		ok   bool
	}{
		{"/ws/:odd*", true},
		{"/ws/anything", false},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			c, _, err := websocket.DefaultDialer.Dial(base+tt.path, nil)
			if c != nil {
				c.Close()
			}
			if (err == nil) != tt.ok {
				t.Errorf("dial %s: %v, want ok=%v", tt.path, err, tt.ok)
			}
		})
	}
}
