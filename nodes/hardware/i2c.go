package hardware

import (
	"math"
	"strconv"
	"strings"

	"github.com/flowgate/flowgate/engine"
)

// busProp is the bus number property of the I2C nodes (busno, "1": the
// Pi's header bus, /dev/i2c-1).
var busProp = engine.Prop{Name: "busno", Label: "Bus", Kind: engine.KindNumber, Default: "1"}

// readBus reads busno.
func readBus(p *engine.Props) int {
	n := 1
	if p.String("busno", "") != "" {
		n = p.Int("busno", 1)
	}
	if n < 0 {
		p.Fail("busno", "must be a bus number")
	}
	return n
}

// parseInt is JavaScript's parseInt(v): the integer at the start of v's
// string form (decimal, or hex after 0x), NaN when there is none.
func parseInt(v any) float64 {
	if f, ok := v.(float64); ok {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return math.NaN()
		}
		return math.Trunc(f)
	}
	s := strings.TrimSpace(engine.ToString(v))
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg, s = s[0] == '-', s[1:]
	}
	base := 10
	if len(s) > 1 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		base, s = 16, s[2:]
	}
	end := 0
	for end < len(s) {
		if _, err := strconv.ParseUint(s[end:end+1], base, 8); err != nil {
			break
		}
		end++
	}
	if end == 0 {
		return math.NaN()
	}
	n, err := strconv.ParseUint(s[:end], base, 64)
	if err != nil {
		return math.NaN()
	}
	if neg {
		return -float64(n)
	}
	return float64(n)
}

// orMsg is Node-RED's `node.x || msg.x`: the node's property when set,
// else the message's.
func orMsg(prop string, m engine.Msg, key string) any {
	if prop != "" {
		return prop
	}
	return m[key]
}

// validAddr reports whether a parsed address is a 7-bit I2C address.
func validAddr(a float64) bool { return !math.IsNaN(a) && a >= 0 && a <= 0x7f }
