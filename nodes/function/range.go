package function

import (
	"context"
	"fmt"
	"math"

	"github.com/flowgate/flowgate/engine"
)

func rangeSpec() engine.Spec {
	return engine.Spec{
		Type: "range", Category: "function", Color: color, Icon: "range.svg",
		Inputs: 1, Outputs: 1, LabelProp: "name",
		Props: []engine.Prop{
			{Name: "minin", Kind: engine.KindNumber, Default: "", Required: true},
			{Name: "maxin", Kind: engine.KindNumber, Default: "", Required: true},
			{Name: "minout", Kind: engine.KindNumber, Default: "", Required: true},
			{Name: "maxout", Kind: engine.KindNumber, Default: "", Required: true},
			{Name: "action", Kind: engine.KindSelect, Default: "scale", Options: []engine.Option{
				{Value: "scale", Label: "Scale the message property"},
				{Value: "clamp", Label: "Scale and limit to the target range"},
				{Value: "roll", Label: "Scale and wrap within the target range"},
				{Value: "drop", Label: "Scale, but drop if outside input range"}}},
			{Name: "round", Kind: engine.KindBool, Default: false},
			{Name: "property", Kind: engine.KindString, Default: "payload", Required: true},
			{Name: "name", Kind: engine.KindString, Default: ""},
		},
		Help: help("range"),
	}
}

type rangeNode struct {
	res                          *engine.Resources
	action                       string
	round                        bool
	minin, maxin, minout, maxout float64
	prop                         msgProp
}

func newRange(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	n := &rangeNode{res: res}
	n.action = p.String("action", "scale")
	n.round = p.Bool("round", false)
	n.minin, n.maxin = p.Number("minin", 0), p.Number("maxin", 0)
	n.minout, n.maxout = p.Number("minout", 0), p.Number("maxout", 0)
	if n.minin > n.maxin {
		n.minin, n.maxin = n.maxin, n.minin
		n.minout, n.maxout = n.maxout, n.minout
	}
	if n.round {
		n.maxout, n.minout = math.Floor(n.maxout), math.Ceil(n.minout)
	}
	prop := p.String("property", "payload")
	if prop == "" {
		prop = "payload"
	}
	mp, err := compileMsgProp(prop)
	if err != nil {
		p.Fail("property", "%v", err)
	}
	n.prop = mp
	return n, p.Err()
}

// Handle scales the property; a message without it passes unchanged, one
// whose value is not a number is logged and dropped, as in Node-RED.
func (n *rangeNode) Handle(_ context.Context, m engine.Msg, out *engine.Output) error {
	value, ok, throws := n.prop.get(m)
	if throws {
		return fmt.Errorf("Cannot read properties of undefined (reading '%s')", n.prop.path)
	}
	if !ok {
		out.Send(0, m)
		return nil
	}
	x := engine.ToNumber(value)
	if math.IsNaN(x) {
		n.res.Log.Info("Not a number: " + engine.ToString(value))
		return nil
	}
	switch n.action {
	case "drop":
		if x < n.minin || x > n.maxin {
			return nil
		}
	case "clamp":
		x = math.Max(n.minin, math.Min(x, n.maxin))
	case "roll":
		d := n.maxin - n.minin
		x = math.Mod(math.Mod(x-n.minin, d)+d, d) + n.minin
	}
	v := (x-n.minin)/(n.maxin-n.minin)*(n.maxout-n.minout) + n.minout
	if n.round {
		v = jsRound(v)
	}
	n.prop.path.Set(m, v, true)
	out.Send(0, m)
	return nil
}

// jsRound is JavaScript's Math.round: halves round towards +Infinity.
func jsRound(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return x
	}
	r := math.Floor(x)
	if x-r >= 0.5 {
		r++
	}
	return r
}
