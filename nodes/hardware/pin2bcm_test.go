package hardware

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/hw"
)

// nodeREDPin2BCM is copied from node-red-node-pi-gpio 2.0.3's
// 36-rpi-gpio.js (var pin2bcm), the physical header pin each flow without
// "bcm": true means. The test pins the behaviour of both GPIO nodes to it.
var nodeREDPin2BCM = map[int]int{
	3: 2, 5: 3, 7: 4, 8: 14, 10: 15, 11: 17, 12: 18, 13: 27,
	15: 22, 16: 23, 18: 24, 19: 10, 21: 9, 22: 25, 23: 11, 24: 8, 26: 7,
	29: 5, 31: 6, 32: 12, 33: 13, 35: 19, 36: 16, 37: 26, 38: 20, 40: 21,
}

func TestPin2BCMTable(t *testing.T) {
	got := map[int]int{}
	for k, v := range pin2bcm {
		p, err1 := strconv.Atoi(k)
		b, err2 := strconv.Atoi(v)
		if err1 != nil || err2 != nil {
			t.Fatalf("entry %q: %q is not numeric", k, v)
		}
		got[p] = b
	}
	if diff := cmp.Diff(nodeREDPin2BCM, got); diff != "" {
		t.Errorf("pin2bcm differs from node-red-node-pi-gpio's (-want +got):\n%s", diff)
	}
	// The board's header geometry agrees, apart from the two pins
	// Node-RED leaves out (27 and 28, the HAT EEPROM's ID_SD and ID_SC).
	for p := 1; p <= 40; p++ {
		bcm, ok := hw.HeaderToBCM(p)
		want, nr := nodeREDPin2BCM[p]
		if p == 27 || p == 28 {
			continue
		}
		if ok != nr || (ok && bcm != want) {
			t.Errorf("header %d: hw says %d %v, node-red-node-pi-gpio %d %v", p, bcm, ok, want, nr)
		}
	}
}

// TestGPIOOutHeaderPins deploys an output node on each physical pin of
// the header with no bcm property (as an old or hand-written flow has),
// and with "bcm": false, and checks that exactly the GPIO of
// node-red-node-pi-gpio's table is driven high, and that every other
// header pin is a warning on pin.
func TestGPIOOutHeaderPins(t *testing.T) {
	for _, bcm := range []string{``, `"bcm":false,`} {
		t.Run("bcm "+strings.TrimSuffix(bcm, ","), func(t *testing.T) {
			got := map[int]int{}
			for p := 1; p <= 40; p++ {
				h, sim := simHarness(t)
				w := h.Deploy(flow(t, fmt.Sprintf(`[{"id":"n","type":"rpi-gpio out",%s"pin":"%d","set":true,"level":"1","out":"out"}]`, bcm, p)))
				outs := outputs(sim)
				_, gpio := nodeREDPin2BCM[p]
				switch {
				case !gpio && (len(w) != 1 || w[0].Field != "pin" || len(outs) != 0):
					t.Errorf("header pin %d: warnings %v, outputs %v; want a warning on pin and no output", p, w, outs)
				case gpio && (len(w) != 0 || len(outs) != 1):
					t.Errorf("header pin %d: warnings %v, outputs %v; want one output", p, w, outs)
				case gpio:
					got[p] = outs[0]
				}
			}
			if diff := cmp.Diff(nodeREDPin2BCM, got); diff != "" {
				t.Errorf("header pin → GPIO driven high (-node-red-node-pi-gpio +flowgate):\n%s", diff)
			}
		})
	}
}

// outputs returns the simulated GPIOs that are outputs at level 1.
func outputs(sim *hw.Sim) []int {
	var out []int
	for b := 0; b <= 27; b++ {
		if st := sim.SimPin(b).State(); st.Mode == hw.ModeOut && st.Level == 1 {
			out = append(out, b)
		}
	}
	return out
}

// pulledUp returns the simulated GPIOs with their pull-up on.
func pulledUp(sim *hw.Sim) []int {
	var out []int
	for b := 0; b <= 27; b++ {
		if sim.SimPin(b).State().Pull == "up" {
			out = append(out, b)
		}
	}
	return out
}

// TestGPIOPinNumbering follows `(n.bcm === true) ? n.pin : pin2bcm[n.pin]`
// for the input and the output node: only the JSON value true makes the
// pin a BCM number; msg.topic names the BCM pin as Node-RED does.
func TestGPIOPinNumbering(t *testing.T) {
	tests := []struct {
		name  string
		props string
		bcm   int // the GPIO used; -1: a warning on pin
	}{
		{"no bcm: header pin", `"pin":"11"`, 17},
		{"bcm false: header pin", `"pin":"11","bcm":false`, 17},
		{"bcm as the string true: header pin", `"pin":"11","bcm":"true"`, 17},
		{"bcm null: header pin", `"pin":"11","bcm":null`, 17},
		{"bcm 1: header pin", `"pin":"11","bcm":1`, 17},
		{"bcm true: BCM", `"pin":"11","bcm":true`, 11},
		{"pin as a number, bcm true", `"pin":17,"bcm":true`, 17},
		{"pin as a number, no bcm", `"pin":11`, 17},
		{"header pin 27 (ID_SD) is not in Node-RED's table", `"pin":"27"`, -1},
		{"header pin 1 is power", `"pin":"1"`, -1},
		{"header pin with a leading zero", `"pin":"011"`, -1},
		{"header pin with spaces", `"pin":" 11"`, -1},
		{"header name needs bcm true", `"pin":"GPIO17"`, -1},
		{"missing pin", `"pin":""`, -1},
	}
	for _, tt := range tests {
		for _, typ := range []string{"rpi-gpio in", "rpi-gpio out"} {
			t.Run(typ+"/"+tt.name, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					h, sim := simHarness(t)
					extra := `"intype":"up","read":true`
					if typ == "rpi-gpio out" {
						extra = `"set":true,"level":"1","out":"out"`
					}
					w := h.Deploy(flow(t, `[{"id":"n","type":"`+typ+`",`+tt.props+`,`+extra+`,"wires":[["got"]]}]`, "got"))
					synctest.Wait()
					if tt.bcm < 0 {
						if len(w) != 1 || w[0].Node != "n" || w[0].Field != "pin" {
							t.Fatalf("deploy warnings %v, want one on n pin", w)
						}
						return
					}
					if len(w) != 0 {
						t.Fatalf("deploy warnings %v", w)
					}
					used := outputs(sim)
					if typ == "rpi-gpio in" {
						used = pulledUp(sim)
					}
					if diff := cmp.Diff([]int{tt.bcm}, used); diff != "" {
						t.Errorf("GPIOs used (-want +got):\n%s", diff)
					}
					if typ == "rpi-gpio in" {
						got := h.Collected()["got"]
						for _, m := range got {
							delete(m, "_msgid")
						}
						want := []engine.Msg{{"topic": "gpio/" + strconv.Itoa(tt.bcm), "payload": 1.0}}
						if diff := cmp.Diff(want, got); diff != "" {
							t.Errorf("messages (-want +got):\n%s", diff)
						}
					}
				})
			})
		}
	}
}
