package hardware

import (
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
	"github.com/flowgate/flowgate/hw"
)

// TestGPIOOutKeepsLevelAcrossRedeploy: a relay driven by a flow stays as
// it is while its node stays, whatever the deploy mode and its initial
// level; the line goes back to the system when the node goes.
func TestGPIOOutKeepsLevelAcrossRedeploy(t *testing.T) {
	const relay = `{"id":"o","type":"rpi-gpio out","bcm":true,"pin":"22","out":"out","set":true,"level":"0"%s}`
	for _, mode := range []engine.DeployMode{engine.DeployFull, engine.DeployNodes, engine.DeployFlows} {
		t.Run(string(mode), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h, sim := simHarness(t)
				pin := sim.SimPin(22)
				h.Deploy(flow(t, "["+strings.Replace(relay, "%s", "", 1)+"]"))
				h.Send("o", engine.Msg{"payload": 1.0})
				synctest.Wait()
				// the same node, then the node edited (its name): both restart it
				for _, extra := range []string{"", `,"name":"pump"`} {
					if _, err := h.TryDeploy(flow(t, "["+strings.Replace(relay, "%s", extra, 1)+"]"), mode); err != nil {
						t.Fatal(err)
					}
					synctest.Wait()
					if st := pin.State(); st.Mode != hw.ModeOut || st.Level != 1 {
						t.Fatalf("after a %s deploy (%q): pin %+v, want still driven high", mode, extra, st)
					}
					if st := lastStatus(h, "o"); st.Text != "1" {
						t.Errorf("status %+v, want the kept level 1", st)
					}
				}
				h.Send("o", engine.Msg{"payload": 0.0})
				synctest.Wait()
				if st := pin.State(); st.Level != 0 {
					t.Fatalf("the restarted node does not drive the pin: %+v", st)
				}
				// removed: the pin goes back to an input and to the system
				if _, err := h.TryDeploy(flow(t, `[]`), mode); err != nil {
					t.Fatal(err)
				}
				synctest.Wait()
				if st := pin.State(); st.Mode != hw.ModeIn || pin.Requested() {
					t.Fatalf("after removing the node: pin %+v requested=%v, want a released input", st, pin.Requested())
				}
				if err := pin.Hold("gpioset"); err != nil {
					t.Fatalf("another program cannot take the line: %v", err)
				}
			})
		})
	}
}

// TestGPIOOutMovedPin: a node moved to another pin gives the old one back.
func TestGPIOOutMovedPin(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, sim := simHarness(t)
		h.Deploy(flow(t, `[{"id":"o","type":"rpi-gpio out","bcm":true,"pin":"22","set":true,"level":"1"}]`))
		synctest.Wait()
		h.Deploy(flow(t, `[{"id":"o","type":"rpi-gpio out","bcm":true,"pin":"23","set":true,"level":"1"}]`))
		synctest.Wait()
		if p := sim.SimPin(22); p.Requested() || p.State().Mode != hw.ModeIn {
			t.Errorf("old pin %+v, want released", p.State())
		}
		if st := sim.SimPin(23).State(); st.Mode != hw.ModeOut || st.Level != 1 {
			t.Errorf("new pin %+v, want out high", st)
		}
	})
}

// TestGPIOOutKeepsPWM: a PWM output keeps its duty across a redeploy.
func TestGPIOOutKeepsPWM(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, sim := simHarness(t)
		f := flow(t, `[{"id":"o","type":"rpi-gpio out","bcm":true,"pin":"18","out":"pwm","freq":"200"}]`)
		h.Deploy(f)
		h.Send("o", engine.Msg{"payload": 40.0})
		synctest.Wait()
		h.Deploy(f)
		synctest.Wait()
		if st := sim.SimPin(18).State(); st.Mode != hw.ModePWM || st.Duty < 39.99 || st.Duty > 40.01 {
			t.Errorf("pin after redeploy %+v, want PWM at 40 %%", st)
		}
	})
}

// TestGPIOInChattering: an input that keeps bouncing still reports, as
// node-red-node-pi-gpio does (RPi.GPIO bouncetime: the first edge opens
// the window, the level at its end is read).
func TestGPIOInChattering(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, sim := simHarness(t)
		h.Deploy(flow(t, `[{"id":"in","type":"rpi-gpio in","bcm":true,"pin":"17","intype":"down","debounce":"25","wires":[["got"]]}]`, "got"))
		synctest.Wait()
		pin := sim.SimPin(17)
		level := hw.Low
		for range 100 { // 10 ms apart for 1 s: never still for 25 ms
			level = !level
			_ = pin.SetInput(level)
			time.Sleep(10 * time.Millisecond)
		}
		synctest.Wait()
		if n := len(h.Collected()["got"]); n < 5 {
			t.Fatalf("%d messages from an input chattering for 1 s, want it to keep reporting", n)
		}
	})
}

// TestGPIOBusy: a pin another program holds is shown with the fix.
func TestGPIOBusy(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, sim := simHarness(t)
		_ = sim.SimPin(4).Hold("gpiomon")
		_ = sim.SimPin(5).Hold("w1-gpio")
		h.Deploy(flow(t, `[{"id":"in","type":"rpi-gpio in","bcm":true,"pin":"4"},
			{"id":"out","type":"rpi-gpio out","bcm":true,"pin":"5","set":true,"level":"1"}]`))
		synctest.Wait()
		for _, id := range []string{"in", "out"} {
			if st := lastStatus(h, id); st.Fill != "red" || !strings.Contains(st.Text, "used by another program") {
				t.Errorf("%s status %+v, want red naming the other program", id, st)
			}
		}
		if errs := h.Errors(); len(errs) != 2 || !strings.Contains(strings.Join(errs, " "), "dtoverlay") {
			t.Errorf("errors %q, want two naming the fix", errs)
		}
	})
}

// TestSimulatedShown: on a Pi whose GPIO could not be opened the nodes
// never look healthy: every status says SIMULATED and the debug sidebar
// gets the reason with its fix.
func TestSimulatedShown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := hw.NewSim()
		pins := hw.NewPins(sim)
		pins.SetNotice("Raspberry Pi 4 Model B: GPIO not accessible: add the user to the gpio group")
		h := enginetest.New(t, TypesWith(Options{Board: sim, Pins: pins})...)
		h.Deploy(flow(t, `[{"id":"in","type":"rpi-gpio in","bcm":true,"pin":"17","read":true},
			{"id":"out","type":"rpi-gpio out","bcm":true,"pin":"22"},
			{"id":"bme","type":"bme280"}]`))
		synctest.Wait()
		h.Send("out", engine.Msg{"payload": 1.0})
		synctest.Wait()
		for _, id := range []string{"in", "out", "bme"} {
			if st := lastStatus(h, id); st.Fill != "red" || !strings.Contains(st.Text, "SIMULATED") {
				t.Errorf("%s status %+v, want red SIMULATED", id, st)
			}
		}
		if !hasWarning(h.Events(), "add the user to the gpio group") {
			t.Error("no warning with the fix in the debug sidebar")
		}
	})
}
