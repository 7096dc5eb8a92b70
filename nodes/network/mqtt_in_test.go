package network

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
)

func TestMQTTPayload(t *testing.T) {
	bin := []byte{0xff, 0xfe, 0x00}
	cases := []struct {
		datatype string
		in       []byte
		want     any
		err      string
	}{
		{"auto-detect", []byte(`{"a":1}`), engine.ObjectOf("a", 1.0), ""},
		{"auto-detect", []byte(`{"b":1,"a":{"z":2,"y":3},"1":0}`), engine.ObjectOf("1", 0.0, "b", 1.0, "a", engine.ObjectOf("z", 2.0, "y", 3.0)), ""},
		{"json", []byte(`{"name":"bob","age":42}`), engine.ObjectOf("name", "bob", "age", 42.0), ""},
		{"auto-detect", []byte(`42`), 42.0, ""},
		{"auto-detect", []byte(`hello`), "hello", ""},
		{"auto-detect", []byte(``), "", ""},
		{"auto-detect", bin, bin, ""},
		{"auto", []byte(`{"a":1}`), `{"a":1}`, ""},
		{"auto", bin, bin, ""},
		{"utf8", []byte(`{"a":1}`), `{"a":1}`, ""},
		{"buffer", []byte(`hi`), []byte(`hi`), ""},
		{"base64", []byte(`hi`), "aGk=", ""},
		{"json", []byte(` [1, "x"] `), []any{1.0, "x"}, ""},
		{"json", []byte(`nope`), nil, "Failed to parse JSON string"},
		{"json", bin, nil, "Invalid JSON string"},
	}
	for _, c := range cases {
		t.Run(c.datatype+"/"+string(c.in), func(t *testing.T) {
			got, err := mqttPayload(c.datatype, c.in)
			if c.err != "" {
				if err == nil || err.Error() != c.err {
					t.Fatalf("err = %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(c.want, got, enginetest.OrderedObjects()); d != "" {
				t.Errorf("payload (-want +got):\n%s", d)
			}
		})
	}
}

// TestMQTTIn: subscribe with wildcards, retained messages, QoS and
// datatypes, against both brokers.
func TestMQTTIn(t *testing.T) {
	forBrokers(t, func(t *testing.T, b *testBroker) {
		c := testClient(t, b.addr)
		publish(t, c, "home/kept", 1, true, `{"on":true}`)
		h := enginetest.New(t, Types()...)
		h.Deploy(`[{"id":"t","type":"tab"},` + brokerNode("b", b.addr, "") + `,
		{"id":"plus","z":"t","type":"mqtt in","topic":"home/+/temp","qos":"1","datatype":"auto-detect","broker":"b","wires":[["c1"]]},
		{"id":"hash","z":"t","type":"mqtt in","topic":"home/#","qos":"2","datatype":"buffer","broker":"b","wires":[["c2"]]},
		{"id":"json","z":"t","type":"mqtt in","topic":"home/kept","qos":"0","datatype":"json","broker":"b","wires":[["c3"]]},
		{"id":"c1","z":"t","type":"helper"},{"id":"c2","z":"t","type":"helper"},{"id":"c3","z":"t","type":"helper"}]`)
		for _, id := range []string{"plus", "hash", "json"} {
			waitStatus(t, h, id, "connected")
		}
		// the retained message reached the subscribers of home/# and home/kept
		got, ok := h.WaitAll(map[string]int{"c2": 1, "c3": 1}, 5*time.Second)
		if !ok {
			t.Fatalf("retained message not delivered: %v", got)
		}
		// one connection, overlapping filters: which copy (qos 0 or 1)
		// arrives first depends on the broker
		want := engine.Msg{"topic": "home/kept", "payload": engine.ObjectOf("on", true), "retain": true, "_topic": "home/kept"}
		gotMsg := stripID(got["c3"][0])
		delete(gotMsg, "qos")
		if d := cmp.Diff(want, gotMsg, enginetest.OrderedObjects()); d != "" {
			t.Errorf("retained json message (-want +got):\n%s", d)
		}
		if p := got["c2"][0]["payload"]; !cmp.Equal(p, []byte(`{"on":true}`), enginetest.OrderedObjects()) {
			t.Errorf("buffer payload %v", p)
		}
		h.Reset()
		publish(t, c, "home/kitchen/temp", 1, false, "21.5")
		got, ok = h.WaitAll(map[string]int{"c1": 1, "c2": 1}, 5*time.Second)
		if !ok {
			t.Fatalf("got %v", got)
		}
		want = engine.Msg{"topic": "home/kitchen/temp", "payload": 21.5, "qos": 1.0, "retain": false, "_topic": "home/kitchen/temp"}
		if d := cmp.Diff(want, stripID(got["c1"][0]), enginetest.OrderedObjects()); d != "" {
			t.Errorf("qos 1 message (-want +got):\n%s", d)
		}
		// mosquitto sends a copy per matching subscription (home/# and
		// home/kept for the retained one): look for the new message
		found := false
		for _, m := range h.Wait("c2", 1, time.Second) {
			if m["topic"] == "home/kitchen/temp" {
				found = true
				if m["qos"] != 1.0 {
					t.Errorf("home/# got qos %v, want 1 (published at 1)", m["qos"])
				}
			}
		}
		if !found {
			t.Error("home/# did not get home/kitchen/temp")
		}
		// not JSON for a json datatype: an error, no message
		h.Reset()
		publish(t, c, "home/kept", 0, false, "not json")
		deadline := time.Now().Add(5 * time.Second)
		for len(h.Errors()) == 0 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if errs := h.Errors(); len(errs) != 1 || errs[0] != "Failed to parse JSON string" {
			t.Errorf("errors %v", errs)
		}
		if n := len(h.Collected()["c3"]); n != 0 {
			t.Errorf("json node sent %d messages for a bad payload", n)
		}
	})
}

// TestMQTTInDynamic: msg.action subscribe, getSubscriptions, unsubscribe.
func TestMQTTInDynamic(t *testing.T) {
	b := startMochi(t, "127.0.0.1:0")
	c := testClient(t, b.addr)
	h := enginetest.New(t, Types()...)
	h.Deploy(`[{"id":"t","type":"tab"},` + brokerNode("b", b.addr, "") + `,
	{"id":"d","z":"t","type":"mqtt in","topic":"","qos":"2","datatype":"utf8","broker":"b","inputs":1,"wires":[["c"]]},
	{"id":"c","z":"t","type":"helper"}]`)
	waitStatus(t, h, "d", "connected")
	h.Send("d", engine.Msg{"action": "subscribe", "topic": []any{"dyn/a", engine.ObjectOf("topic", "dyn/b", "qos", 1.0, "datatype", "json")}})
	h.Send("d", engine.Msg{"action": "getSubscriptions"})
	subs := h.Wait("c", 1, 5*time.Second)[0]
	want := []any{engine.ObjectOf("topic", "dyn/a", "qos", 2.0), engine.ObjectOf("topic", "dyn/b", "qos", 1.0, "datatype", "json")}
	if d := cmp.Diff(want, subs["payload"], enginetest.OrderedObjects()); d != "" || subs["topic"] != "subscriptions" {
		t.Errorf("subscriptions (-want +got):\n%s (topic %v)", d, subs["topic"])
	}
	h.Reset()
	publish(t, c, "dyn/a", 0, false, "A")
	publish(t, c, "dyn/b", 0, false, `{"x":1}`)
	got := h.Wait("c", 2, 5*time.Second)
	if got[0]["payload"] != "A" || !cmp.Equal(got[1]["payload"], engine.ObjectOf("x", 1.0), enginetest.OrderedObjects()) {
		t.Errorf("got %v", got)
	}
	h.Reset()
	h.Send("d", engine.Msg{"action": "unsubscribe", "topic": true})
	h.Send("d", engine.Msg{"action": "getSubscriptions"})
	if m := h.Wait("c", 1, 5*time.Second)[0]; !cmp.Equal(m["payload"], []any{}, enginetest.OrderedObjects()) {
		t.Errorf("after unsubscribe: %v", m["payload"])
	}
	h.Reset()
	publish(t, c, "dyn/a", 1, false, "gone")
	publish(t, c, "other", 1, false, "x")
	time.Sleep(100 * time.Millisecond) // nothing may arrive; a short grace
	if n := len(h.Collected()["c"]); n != 0 {
		t.Errorf("%d messages after unsubscribe", n)
	}
	// bad actions and topics are errors
	h.Send("d", engine.Msg{"action": "dance"})
	h.Send("d", engine.Msg{"action": "subscribe", "topic": "a/#/b"})
	deadline := time.Now().Add(5 * time.Second)
	for len(h.Errors()) < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if d := cmp.Diff([]string{"Invalid action specified", "Invalid topic specified"}, h.Errors(), enginetest.OrderedObjects()); d != "" {
		t.Errorf("errors (-want +got):\n%s", d)
	}
}

func stripID(m engine.Msg) engine.Msg {
	m = m.Clone()
	delete(m, "_msgid")
	return m
}
