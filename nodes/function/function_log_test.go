package function

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
)

// TestFunctionLogInSidebar: node.warn and uncaught node.error items in the
// debug sidebar, as Node-RED 4.1.15 published them on /comms for this
// function (without a name, in tab f1): node.log shows nothing there.
func TestFunctionLogInSidebar(t *testing.T) {
	props := map[string]any{"type": "function", "func": "node.warn('hello');node.warn({a:1,b:[true]});node.log('logged');node.error('boom',msg);node.error(new Error('errobj'));return null;"}
	bubble(t, props, 1, func(t *testing.T, h *enginetest.Harness) {
		sendAll(h, engine.Msg{"payload": 1.0})
		var got []map[string]any
		for _, e := range h.Events() {
			d, ok := e.Data.(map[string]any)
			if !ok || e.Topic != "debug" {
				continue
			}
			if d["format"] == "error" { // the stack is the JavaScript engine's
				var enc map[string]any
				if err := json.Unmarshal([]byte(d["msg"].(string)), &enc); err != nil {
					t.Fatal(err)
				}
				delete(enc["data"].(map[string]any), "stack")
				d["msg"] = enc
			}
			got = append(got, d)
		}
		item := func(level float64, msg any, format string) map[string]any {
			return map[string]any{"level": int(level), "id": "n1", "type": "function", "z": "f1", "path": "f1", "msg": msg, "format": format}
		}
		want := []map[string]any{
			item(30, "hello", "string[5]"),
			item(30, `{"a":1,"b":[true]}`, "Object"),
			item(20, "boom", "string[4]"),
			item(20, map[string]any{"__enc__": true, "type": "error", "data": map[string]any{"name": "Error", "message": "errobj"}}, "error"),
		}
		if diff := cmp.Diff(want, got, cmpopts.IgnoreMapEntries(func(k string, _ any) bool { return k == "timestamp" })); diff != "" {
			t.Errorf("sidebar items (-want +got):\n%s", diff)
		}
		for _, d := range got {
			if _, ok := d["timestamp"].(float64); !ok {
				t.Errorf("item without a timestamp: %v", d)
			}
		}
	})
}
