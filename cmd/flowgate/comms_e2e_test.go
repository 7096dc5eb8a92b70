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
	// A reader hands debug messages over; gorilla connections cannot be read
	// again after a read deadline expires, so the reader never times out.
	debug := make(chan map[string]any, 16)
	go func() {
		for {
			var batch []struct {
				Topic string          `json:"topic"`
				Data  json.RawMessage `json:"data"`
			}
			if err := ws.ReadJSON(&batch); err != nil {
				close(debug)
				return
			}
			for _, m := range batch {
				var d map[string]any
				if m.Topic == "debug" && json.Unmarshal(m.Data, &d) == nil {
					debug <- d
				}
			}
		}
	}()
	// The hub registers a subscription asynchronously (Node-RED's protocol
	// has no acknowledgement), so press the button until a message arrives.
	timeout := time.After(10 * time.Second)
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		if code, body := in.do("POST", "/inject/welcome.inject", nil); code != 200 {
			t.Fatalf("POST /inject = %d %s", code, body)
		}
		select {
		case d, ok := <-debug:
			if !ok {
				t.Fatal("/comms closed")
			}
			if d["id"] != "welcome.debug" || d["msg"] != "Hello from Flowgate" || d["topic"] != "welcome" {
				t.Fatalf("debug message = %v", d)
			}
			return
		case <-tick.C:
		case <-timeout:
			t.Fatal("no debug message on /comms")
		}
	}
}
