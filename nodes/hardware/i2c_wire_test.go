package hardware

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/i2c/i2ctest"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
	"github.com/flowgate/flowgate/hw"
)

// recordBoard is the simulator with its bus 1 seen through periph's
// i2ctest.Record, which logs every transaction.
type recordBoard struct {
	*hw.Sim
	rec *i2ctest.Record
}

func (b recordBoard) I2C(n int) (i2c.Bus, error) {
	if n == 1 {
		return b.rec, nil
	}
	return b.Sim.I2C(n)
}

// TestI2CWire checks the bytes on the wire, as periph's recorder sees them.
func TestI2CWire(t *testing.T) {
	tests := []struct {
		name string
		node string
		in   engine.Msg
		want []i2ctest.IO
	}{
		{"out: number as 2 little-endian bytes", `{"id":"n","type":"i2c out","address":"0x20","command":"5","count":"2","wires":[["got"]]}`,
			engine.Msg{"payload": float64(0x1234)}, []i2ctest.IO{{Addr: 0x20, W: []byte{5, 0x34, 0x12}}}},
		{"out: string", `{"id":"n","type":"i2c out","address":"32","command":"1","wires":[["got"]]}`,
			engine.Msg{"payload": "hi"}, []i2ctest.IO{{Addr: 0x20, W: []byte{1, 'h', 'i'}}}},
		{"in: register read", `{"id":"n","type":"i2c in","address":"118","command":"0xd0","count":"1","wires":[["got"]]}`,
			engine.Msg{}, []i2ctest.IO{{Addr: 0x76, W: []byte{0xd0}, R: []byte{0x60}}}},
		{"in: plain read", `{"id":"n","type":"i2c in","address":"32","count":"1","wires":[["got"]]}`,
			engine.Msg{}, []i2ctest.IO{{Addr: 0x20, R: []byte{0xff}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := hw.NewSim()
			bus, _ := sim.I2C(1)
			rec := &i2ctest.Record{Bus: bus}
			h := enginetest.New(t, TypesWith(Options{Board: recordBoard{sim, rec}})...)
			h.Deploy(flow(t, "["+tt.node+"]", "got"))
			h.Send("n", tt.in)
			h.Wait("got", 1, 5*time.Second)
			rec.Lock()
			defer rec.Unlock()
			if diff := cmp.Diff(tt.want, rec.Ops, cmp.Comparer(func(a, b []byte) bool { return string(a) == string(b) })); diff != "" {
				t.Errorf("transactions (-want +got):\n%s", diff)
			}
		})
	}
}
