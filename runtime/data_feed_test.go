package runtime

import (
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/flows"
)

// Readings a store in node commits reach an editor subscribed to
// data/<topic> on /comms, over a real websocket; a topic nobody
// subscribed to is not sent.
func TestStoredReadingsPushedOnComms(t *testing.T) {
	rt := startRuntime(t)
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+rt.Addr()+"/comms", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	for _, m := range []map[string]string{{"subscribe": "data/room/1"}, {"auth": "x"}} {
		if err := ws.WriteJSON(m); err != nil {
			t.Fatal(err)
		}
	}
	// the hub answers in order: after the auth answer, the subscription holds
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, data, err := ws.ReadMessage(); err != nil || !strings.Contains(string(data), `"auth":"ok"`) {
		t.Fatalf("auth answer: %s %v", data, err)
	}
	if !rt.editor.Hub().Wants("data/room/1") || rt.editor.Hub().Wants("data/room/2") {
		t.Fatal("the hub does not know what the editor subscribed to")
	}
	cfg, err := flows.Parse([]byte(`[{"id":"t","type":"tab","label":"t"},
		{"id":"i2","type":"inject","z":"t","once":true,"onceDelay":0.01,"topic":"room/2","payload":"{\"t\":1}","payloadType":"json","wires":[["s"]]},
		{"id":"i1","type":"inject","z":"t","once":true,"onceDelay":0.05,"topic":"room/1","payload":"{\"t\":21.5}","payloadType":"json","wires":[["s"]]},
		{"id":"s","type":"store in","z":"t","batch":1,"flush":10}]`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rt.Deploy(t.Context(), cfg, engine.DeployFull, ""); err != nil {
		t.Fatal(err)
	}
	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			t.Fatalf("no data/room/1 within 5 s: %v", err)
		}
		s := string(data)
		if strings.Contains(s, `"data/room/2"`) {
			t.Fatalf("a topic nobody subscribed to was sent: %s", s)
		}
		if i := strings.Index(s, `{"topic":"data/room/1"`); i >= 0 {
			v, err := engine.DecodeJSON(data)
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range v.([]any) {
				o := it.(*engine.Object)
				if o.Value("topic") != "data/room/1" {
					continue
				}
				got, _ := engine.JSONString(o.Value("data"), "")
				if !strings.HasPrefix(got, `{"topic":"room/1","readings":[{"id":`) || !strings.Contains(got, `"payload":{"t":21.5}`) {
					t.Fatalf("data/room/1: %s", got)
				}
				return
			}
		}
	}
}
