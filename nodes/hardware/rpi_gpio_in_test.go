package hardware

import (
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
	"github.com/flowgate/flowgate/hw"
)

func TestGPIOIn(t *testing.T) {
	tests := []struct {
		name   string
		props  string
		events []int // levels set on the pin, 10 ms apart (-1: a 1 ms glitch back)
		want   []engine.Msg
	}{
		{"pull-up, read initial", `"bcm":true,"pin":"17","intype":"up","debounce":"25","read":true`, nil,
			[]engine.Msg{{"topic": "gpio/17", "payload": 1.0}}},
		{"no initial without read", `"bcm":true,"pin":"17","intype":"up","debounce":"25","read":false`, nil, nil},
		{"press and release", `"bcm":true,"pin":"17","intype":"down","debounce":"25","read":false`, []int{1, 0},
			[]engine.Msg{{"topic": "gpio/17", "payload": 1.0}, {"topic": "gpio/17", "payload": 0.0}}},
		{"bounces filtered", `"bcm":true,"pin":"17","intype":"down","debounce":"25","read":false`, []int{1, -1, 1},
			[]engine.Msg{{"topic": "gpio/17", "payload": 1.0}}},
		{"no debounce", `"bcm":true,"pin":"17","intype":"down","debounce":"0","read":false`, []int{1, 0, 1},
			[]engine.Msg{{"topic": "gpio/17", "payload": 1.0}, {"topic": "gpio/17", "payload": 0.0}, {"topic": "gpio/17", "payload": 1.0}}},
		{"header pin numbering", `"pin":"11","bcm":false,"intype":"up","read":true`, nil,
			[]engine.Msg{{"topic": "gpio/17", "payload": 1.0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h, sim := simHarness(t)
				h.Deploy(flow(t, `[{"id":"in","type":"rpi-gpio in",`+tt.props+`,"wires":[["got"]]}]`, "got"))
				synctest.Wait()
				pin := sim.SimPin(17)
				for _, ev := range tt.events {
					if ev < 0 {
						l := pin.Read()
						_ = pin.SetInput(!l)
						time.Sleep(time.Millisecond)
						_ = pin.SetInput(l)
					} else {
						_ = pin.SetInput(ev == 1)
					}
					time.Sleep(50 * time.Millisecond)
					synctest.Wait()
				}
				got := h.Collected()["got"]
				for _, m := range got {
					delete(m, "_msgid")
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("messages (-want +got):\n%s", diff)
				}
				if st := lastStatus(h, "in"); st.Fill != "green" {
					t.Errorf("status %+v, want green with the level", st)
				}
			})
		})
	}
}

func TestGPIOInClaims(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, sim := simHarness(t)
		h.Deploy(flow(t, `[{"id":"a","type":"rpi-gpio in","bcm":true,"pin":"4"},{"id":"b","type":"rpi-gpio out","bcm":true,"pin":"4"},
			{"id":"c","type":"rpi-gpio in","bcm":true,"pin":"5","intype":"up"}]`))
		synctest.Wait()
		if st := lastStatus(h, "b"); st.Fill != "red" || !strings.Contains(st.Text, "in use") {
			t.Errorf("second claimer's status %+v, want red naming the pin in use", st)
		}
		if errs := h.Errors(); len(errs) != 1 || !strings.Contains(errs[0], "GPIO 4") {
			t.Errorf("errors %q, want one naming GPIO 4", errs)
		}
		if st := lastStatus(h, "c"); st.Fill != "green" || st.Text != "1" {
			t.Errorf("other node's status %+v, want green 1", st)
		}
		// Redeploying without a frees the pin for b.
		h.Deploy(flow(t, `[{"id":"b","type":"rpi-gpio out","bcm":true,"pin":"4","set":true,"level":"1"}]`))
		synctest.Wait()
		if st := sim.SimPin(4).State(); st.Mode != hw.ModeOut || st.Level != 1 {
			t.Errorf("pin 4 after redeploy: %+v, want out high", st)
		}
		if st := sim.SimPin(5).State(); st.Pull != "none" {
			t.Errorf("pin 5 not released: %+v", st)
		}
	})
}

func TestGPIOBadConfig(t *testing.T) {
	tests := []struct{ name, node, field string }{
		{"missing pin", `{"id":"n","type":"rpi-gpio in","bcm":true,"pin":""}`, "pin"},
		{"no such pin", `{"id":"n","type":"rpi-gpio in","bcm":true,"pin":"40"}`, "pin"},
		{"power header pin", `{"id":"n","type":"rpi-gpio out","pin":"1","bcm":false}`, "pin"},
		{"bad pull", `{"id":"n","type":"rpi-gpio in","bcm":true,"pin":"4","intype":"sideways"}`, "intype"},
		{"bad out type", `{"id":"n","type":"rpi-gpio out","bcm":true,"pin":"4","out":"servo"}`, "out"},
		{"bad address", `{"id":"n","type":"bme280","address":"0x99"}`, "address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, _ := simHarness(t)
			w := h.Deploy(flow(t, "["+tt.node+"]"))
			if len(w) != 1 || w[0].Node != "n" || w[0].Field != tt.field {
				t.Fatalf("deploy warnings %v, want one on n %s", w, tt.field)
			}
			if !h.Inert("n") {
				t.Errorf("node n runs, status %+v: want it stopped, its problem shown", h.E.Statuses()["n"])
			}
		})
	}
}

func TestHardwareOff(t *testing.T) {
	h := enginetest.New(t, Types()...)
	h.Deploy(flow(t, `[{"id":"a","type":"rpi-gpio in","bcm":true,"pin":"4"}]`)) // nodes start before Deploy returns
	if st := lastStatus(h, "a"); !strings.Contains(st.Text, "hardware is off") {
		t.Errorf("status %+v, want hardware is off", st)
	}
}
