package hardware

import (
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/hw"
)

func TestGPIOOut(t *testing.T) {
	tests := []struct {
		name      string
		props     string
		payloads  []any
		wantMode  hw.PinMode
		wantLevel int
		wantDuty  float64
		wantFreq  float64
		status    string
		warn      string
	}{
		{"initial level", `"bcm":true,"pin":"22","set":true,"level":"1","out":"out"`, nil, hw.ModeOut, 1, 0, 0, "1", ""},
		{"digital on and off", `"bcm":true,"pin":"22","out":"out"`, []any{1.0, 0.0}, hw.ModeOut, 0, 0, 0, "0", ""},
		{"true as a string", `"bcm":true,"pin":"22","out":"out"`, []any{"true"}, hw.ModeOut, 1, 0, 0, "true", ""},
		{"boolean", `"bcm":true,"pin":"22","out":"out"`, []any{true}, hw.ModeOut, 1, 0, 0, "true", ""},
		{"out of range ignored", `"bcm":true,"pin":"22","out":"out","set":true,"level":"0"`, []any{2.0}, hw.ModeOut, 0, 0, 0, "0", "Invalid input: 2"},
		{"not a number", `"bcm":true,"pin":"22","out":"out"`, []any{"on"}, hw.ModeIn, 0, 0, 0, "OK", "Invalid input: NaN"},
		{"pwm duty", `"bcm":true,"pin":"18","out":"pwm","freq":"200"`, []any{40.0}, hw.ModePWM, 0, 40, 200, "40", ""},
		{"pwm default frequency", `"bcm":true,"pin":"18","out":"pwm","freq":""`, []any{75.0}, hw.ModePWM, 0, 75, 100, "75", ""},
		{"pwm over 100", `"bcm":true,"pin":"18","out":"pwm"`, []any{101.0}, hw.ModeIn, 0, 0, 0, "OK", "Invalid input: 101"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, sim := simHarness(t)
			h.Deploy(flow(t, `[{"id":"o","type":"rpi-gpio out",`+tt.props+`}]`))
			for _, p := range tt.payloads {
				h.Send("o", engine.Msg{"payload": p})
			}
			pin := 22
			if tt.wantMode == hw.ModePWM || strings.Contains(tt.props, `"18"`) {
				pin = 18
			}
			waitFor(t, func() bool { return lastStatus(h, "o").Text == tt.status })
			st := sim.SimPin(pin).State()
			if st.Mode != tt.wantMode || (tt.wantMode == hw.ModeOut && st.Level != tt.wantLevel) ||
				st.Duty < tt.wantDuty-0.01 || st.Duty > tt.wantDuty+0.01 || st.Freq != tt.wantFreq {
				t.Errorf("pin state %+v, want %s level %d duty %g freq %g", st, tt.wantMode, tt.wantLevel, tt.wantDuty, tt.wantFreq)
			}
			if tt.warn != "" {
				waitFor(t, func() bool { return hasWarning(h.Events(), tt.warn) })
			}
		})
	}
}

// TestGPIOOutSoftPWM drives a pin without hardware PWM (GPIO 5) in
// software, and leaves it low when the flow stops.
func TestGPIOOutSoftPWM(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, sim := simHarness(t)
		h.Deploy(flow(t, `[{"id":"o","type":"rpi-gpio out","bcm":true,"pin":"5","out":"pwm","freq":"50"}]`))
		h.Send("o", engine.Msg{"payload": 50.0})
		synctest.Wait()
		pin := sim.SimPin(5)
		// State, not Read: reading an output makes it an input, as periph's
		// gpioioctl does
		var rises int
		last := pin.State().Level
		for range 200 { // 1 s sampled every 5 ms: the 20 ms period shows both levels
			time.Sleep(5 * time.Millisecond)
			if l := pin.State().Level; l != last {
				if l == 1 {
					rises++
				}
				last = l
			}
		}
		if rises < 45 || rises > 55 {
			t.Errorf("%d rising edges in 1 s at 50 Hz, want about 50", rises)
		}
		h.Deploy(flow(t, `[]`))
		synctest.Wait()
		if pin.State().Level == 1 {
			t.Error("pin left high after stop")
		}
	})
}

func hasWarning(events []enginetestEvent, text string) bool {
	for _, e := range events {
		if d, ok := engine.AsObject(e.Data); ok && e.Topic == "debug" && strings.Contains(engine.ToString(d.Value("msg")), text) {
			return true
		}
	}
	return false
}
