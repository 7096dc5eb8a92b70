package hardware

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/hw"
)

func TestI2CIn(t *testing.T) {
	tests := []struct {
		name  string
		props string
		in    engine.Msg
		want  engine.Msg
	}{
		{"expander byte without command", `"address":"32","command":"","count":"1"`, engine.Msg{},
			engine.Msg{"address": 32.0, "payload": float64(0xfe), "size": 1.0}},
		{"register block", `"address":"0x76","command":"208","count":"2"`, engine.Msg{},
			engine.Msg{"address": 118.0, "command": 208.0, "payload": []byte{0x60, 0x00}, "size": 2.0}},
		{"address and command from msg", `"address":"","command":"","count":"1"`, engine.Msg{"address": 118.0, "command": "0xd0"},
			engine.Msg{"address": 118.0, "command": 208.0, "payload": 96.0, "size": 1.0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, sim := simHarness(t)
			sim.Bus(1).Device(0x20).(*hw.SimPCF8574).Inputs = 0xfe
			h.Deploy(flow(t, `[{"id":"i","type":"i2c in","busno":"1",`+tt.props+`,"wires":[["got"]]}]`, "got"))
			h.Send("i", tt.in)
			got := h.Wait("got", 1, 5*time.Second)[0]
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreMapEntries(func(k string, _ any) bool { return k == "_msgid" })); diff != "" {
				t.Errorf("msg (-want +got):\n%s", diff)
			}
		})
	}
}

func TestI2CErrors(t *testing.T) {
	tests := []struct {
		name   string
		node   string
		in     engine.Msg
		status string
		err    string
	}{
		{"no address", `{"id":"n","type":"i2c in","address":"","count":"1"}`, engine.Msg{}, "Address (NaN) value is missing or incorrect", ""},
		{"no count", `{"id":"n","type":"i2c in","address":"32","count":""}`, engine.Msg{}, "Read bytes value is missing or incorrect", ""},
		{"nobody answers", `{"id":"n","type":"i2c in","address":"0x50","count":"1"}`, engine.Msg{}, "", "address 0x50: no device answered"},
		{"missing bus", `{"id":"n","type":"i2c in","busno":"7","address":"32","count":"1"}`, engine.Msg{}, "", "I2C bus 7 does not exist"},
		{"out without command", `{"id":"n","type":"i2c out","address":"32","command":""}`, engine.Msg{"payload": 1.0}, "Command  (NaN) value is missing or incorrect", ""},
		{"out too long", `{"id":"n","type":"i2c out","address":"32","command":"0"}`, engine.Msg{"payload": strings.Repeat("x", 33)}, "", "Too many bytes to write to I2C"},
		{"bme280 absent", `{"id":"n","type":"bme280","address":"0x77"}`, engine.Msg{}, "sensor not found", "bme280 on i2c bus 1 address 0x77"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, _ := simHarness(t)
			h.Deploy(flow(t, `[`+tt.node+`]`))
			h.Send("n", tt.in)
			if tt.status != "" {
				waitFor(t, func() bool { return lastStatus(h, "n").Text == tt.status })
			}
			if tt.err != "" {
				waitFor(t, func() bool { return len(h.Errors()) > 0 })
				if errs := h.Errors(); !strings.Contains(errs[0], tt.err) {
					t.Errorf("error %q, want %q", errs[0], tt.err)
				}
			}
		})
	}
}

func TestI2COut(t *testing.T) {
	tests := []struct {
		name  string
		props string
		in    engine.Msg
		latch byte
	}{
		{"number as count bytes", `"address":"32","command":"0","count":"1"`, engine.Msg{"payload": float64(0x5a)}, 0x5a},
		{"array", `"address":"32","command":"0","count":"1"`, engine.Msg{"payload": []any{1.0, 2.0, 3.0}}, 3},
		{"buffer", `"address":"32","command":"0","count":"1"`, engine.Msg{"payload": []byte{9, 0x11}}, 0x11},
		{"numeric string", `"address":"32","command":"0","count":"1"`, engine.Msg{"payload": "66"}, 66},
		{"fixed payload", `"address":"32","command":"0","payload":"15","payloadType":"num"`, engine.Msg{"payload": 1.0}, 15},
		{"command alone", `"address":"32","command":"7","payloadType":"none"`, engine.Msg{"payload": 1.0}, 7},
		{"address from msg", `"address":"","command":"0"`, engine.Msg{"address": 32.0, "payload": float64(0x33)}, 0x33},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, sim := simHarness(t)
			h.Deploy(flow(t, `[{"id":"o","type":"i2c out",`+tt.props+`,"wires":[["got"]]}]`, "got"))
			h.Send("o", tt.in)
			got := h.Wait("got", 1, 5*time.Second)[0]
			if got["payload"] == nil {
				t.Error("message not passed on")
			}
			if l := sim.Bus(1).Device(0x20).(*hw.SimPCF8574).Latch; l != tt.latch {
				t.Errorf("expander latch %#x, want %#x", l, tt.latch)
			}
		})
	}
}

func TestI2CScan(t *testing.T) {
	h, _ := simHarness(t)
	h.Deploy(flow(t, `[{"id":"s","type":"i2c scan","busno":"1","wires":[["all"],["each"]]}]`, "all", "each"))
	h.Send("s", engine.Msg{})
	all := h.Wait("all", 1, 5*time.Second)
	each := h.Wait("each", 2, 5*time.Second)
	if diff := cmp.Diff([]any{32.0, 118.0}, all[0]["payload"]); diff != "" {
		t.Errorf("addresses (-want +got):\n%s", diff)
	}
	if each[0]["address"] != 32.0 || each[1]["payload"] != 118.0 {
		t.Errorf("per-address messages %v", each)
	}
	if st := lastStatus(h, "s"); st.Text != "2 found" {
		t.Errorf("status %+v", st)
	}
}

func TestBME280Node(t *testing.T) {
	h, _ := simHarness(t)
	h.Deploy(flow(t, `[{"id":"b","type":"bme280","busno":"1","address":"0x76","topic":"shed","wires":[["got"]]}]`, "got"))
	h.Send("b", engine.Msg{"payload": "tick"})
	got := h.Wait("got", 1, 5*time.Second)[0]
	p, _ := got["payload"].(*engine.Object)
	if got["topic"] != "shed" || p.Value("temperature_C") != 25.08 || p.Value("pressure_hPa") != 1006.53 || p.Value("model") != "BME280" {
		t.Errorf("msg %v, want the simulator's fixed reading", got)
	}
	if h, ok := p.Value("humidity").(float64); !ok || h < 0 || h > 100 {
		t.Errorf("humidity %v", p.Value("humidity"))
	}
	if diff := cmp.Diff([]string{"temperature_C", "humidity", "pressure_hPa", "model"}, p.Keys()); diff != "" {
		t.Errorf("payload keys not in node-red-contrib-bme280's order (-want +got):\n%s", diff)
	}
	if st := lastStatus(h, "b"); st.Fill != "green" || !strings.Contains(st.Text, "25.08°C") {
		t.Errorf("status %+v", st)
	}
}
