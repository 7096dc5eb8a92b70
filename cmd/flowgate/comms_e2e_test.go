package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// The editor's loop: subscribe to /comms, press the welcome inject node's
// button (POST /inject/:id), and see the message in the debug stream.
func TestInjectButtonReachesDebugOverComms(t *testing.T) {
	in := start(t, t.TempDir())
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(in.base, "http")+"/comms", http.Header{"Origin": {in.base}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	for _, topic := range []string{"debug", "status/#"} {
		if err := ws.WriteJSON(map[string]string{"subscribe": topic}); err != nil {
			t.Fatal(err)
		}
	}
	if code, body := in.do("POST", "/inject/welcome.inject", nil); code != 200 {
		t.Fatalf("POST /inject = %d %s", code, body)
	}
	_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		var batch []struct {
			Topic string          `json:"topic"`
			Data  json.RawMessage `json:"data"`
		}
		if err := ws.ReadJSON(&batch); err != nil {
			t.Fatalf("no debug message: %v", err)
		}
		for _, m := range batch {
			if m.Topic != "debug" {
				continue
			}
			var d map[string]any
			if err := json.Unmarshal(m.Data, &d); err != nil {
				t.Fatal(err)
			}
			if d["id"] != "welcome.debug" || d["msg"] != "Hello from Flowgate" || d["topic"] != "welcome" {
				t.Fatalf("debug message = %v", d)
			}
			return
		}
	}
}
