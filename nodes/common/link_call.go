package common

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/flowgate/flowgate/engine"
)

func linkCallSpec() engine.Spec {
	return engine.Spec{
		Type: "link call", Category: "common", Color: "#ddd", Icon: "link-call.svg", LabelProp: "name",
		Inputs: 1, Outputs: 1,
		Props: []engine.Prop{
			{Name: "name", Kind: engine.KindString, Default: ""},
			{Name: "links", Kind: engine.KindNodes, Default: []any{}},
			{Name: "linkType", Kind: engine.KindSelect, Default: linkStatic, Options: []engine.Option{
				{Value: linkStatic, Label: "fixed target"},
				{Value: linkDynamic, Label: "dynamic target (msg.target)"},
			}},
			{Name: "timeout", Kind: engine.KindNumber, Default: "30"},
		},
		Help: help("link call"),
	}
}

// Link call target kinds.
const (
	linkStatic  = "static"
	linkDynamic = "dynamic"
)

// linkCall delivers each message to a link in node and waits for a link out
// node in return mode to hand it back, then sends it on. The way back is
// msg._linkSource, a stack of {id: call event id, node: link call node id}.
type linkCall struct {
	id, flow string
	target   string // static target id
	dynamic  bool
	timeout  time.Duration
	res      *engine.Resources
	timers   timerSet

	mu      sync.Mutex // guards pending and closed
	pending map[string]*pendingCall
	closed  bool
}

// pendingCall is one message out on a call: its input message as it left
// (for the timeout error), how to complete it, and its timer.
type pendingCall struct {
	in   engine.Msg
	done func(error)
	stop func() bool
}

var (
	_ engine.Handler = (*linkCall)(nil)
	_ engine.Closer  = (*linkCall)(nil)
	_ engine.Caller  = (*linkCall)(nil)
)

// CallTargets is the static target: the call runs in its part, so messages
// through it keep Node-RED's order. A dynamic target is found per message
// and may sit in another part.
func (n *linkCall) CallTargets() []string {
	if n.dynamic || n.target == "" {
		return nil
	}
	return []string{n.target}
}

func newLinkCall(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	n := &linkCall{id: cfg.ID, flow: cfg.Flow, res: res, pending: map[string]*pendingCall{}}
	switch v := p.Any("links").(type) {
	case string:
		n.target = v
	case []any:
		if len(v) > 0 {
			n.target, _ = v[0].(string)
		}
	case nil:
	default:
		p.Fail("links", "must be a list of link in node ids")
	}
	switch lt := p.String("linkType", linkStatic); lt {
	case linkStatic, "":
	case linkDynamic:
		n.dynamic = true
	default:
		p.Fail("linkType", `must be "static" or "dynamic", got %q`, lt)
	}
	secs := p.Number("timeout", 30)
	if math.IsNaN(secs) || secs < 0 {
		p.Fail("timeout", "must be a number of seconds, not negative")
	}
	if raw := p.Raw("timeout"); secs == 0 && (len(raw) == 0 || raw[0] != '"') {
		secs = 30 // Node-RED: parseFloat(n.timeout || "30"), so a number 0 means 30 but "0" means 0
	}
	n.timeout = time.Duration(secs * float64(time.Second))
	return n, p.Err()
}

// Close forgets the calls in flight (their messages never come back) and
// waits for timeouts already firing.
func (n *linkCall) Close(ctx context.Context) error {
	n.mu.Lock()
	n.closed = true
	for id, pc := range n.pending {
		pc.stop()
		delete(n.pending, id)
	}
	n.mu.Unlock()
	return n.timers.close(ctx)
}

// Handle delivers m to the target link in node; the message completes when
// it returns or times out.
func (n *linkCall) Handle(_ context.Context, m engine.Msg, out *engine.Output) error {
	target, err := n.targetOf(m)
	if err != nil {
		return err
	}
	if !engine.Truthy(m["_linkSource"]) {
		m["_linkSource"] = []any{}
	}
	// m stays here as the call's input; the callee gets a copy
	call := m.Clone()
	eventID := newEventID()
	stack, _ := call["_linkSource"].([]any)
	call["_linkSource"] = append(stack, engine.ObjectOf("id", eventID, "node", n.id))

	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil
	}
	pc := &pendingCall{in: m, done: out.Defer()}
	pc.stop = n.timers.after(n.timeout, func() { n.expire(eventID) })
	n.pending[eventID] = pc
	n.mu.Unlock()

	if !n.res.Deliver(target, call) {
		n.mu.Lock()
		delete(n.pending, eventID)
		n.mu.Unlock()
		pc.stop()
		pc.done(fmt.Errorf("Error: target link-in node '%s' not found", target))
	}
	return nil
}

// returnMessage takes m back from a link out node in return mode; it runs
// on that node's goroutine.
func (n *linkCall) returnMessage(eventID string, m engine.Msg) {
	if stack, ok := m["_linkSource"].([]any); ok && len(stack) == 0 {
		delete(m, "_linkSource")
	}
	n.mu.Lock()
	pc, ok := n.pending[eventID]
	delete(n.pending, eventID)
	n.mu.Unlock()
	n.res.Send(0, m)
	if ok {
		pc.stop()
		pc.done(nil)
	}
}

// expire reports the call's timeout with the message as it left.
func (n *linkCall) expire(eventID string) {
	n.mu.Lock()
	pc, ok := n.pending[eventID]
	delete(n.pending, eventID)
	n.mu.Unlock()
	if ok {
		pc.done(errors.New("timeout"))
	}
}

// targetOf finds the link in node for m as Node-RED does: by id, then (in
// dynamic mode) by name in this flow, then by name in any flow.
func (n *linkCall) targetOf(m engine.Msg) (string, error) {
	target := n.target
	if n.dynamic {
		target = ""
		if t, ok := m["target"]; ok && t != nil {
			target = engine.ToString(t)
		}
	}
	if target != "" {
		if node, ok := n.res.Lookup(target); ok {
			if _, ok := node.(*linkIn); ok {
				return target, nil
			}
		}
	}
	if target != "" && n.dynamic {
		var here, all []string
		for _, id := range n.res.Nodes("link in", target) {
			node, _ := n.res.Lookup(id)
			if li, ok := node.(*linkIn); ok {
				all = append(all, id)
				if li.flow == n.flow {
					here = append(here, id)
				}
			}
		}
		switch {
		case len(here) == 1:
			return here[0], nil
		case len(all) == 1:
			return all[0], nil
		case len(all) > 1:
			return "", fmt.Errorf("Error: Multiple link-in nodes named '%s' found", target)
		}
	}
	return "", fmt.Errorf("Error: target link-in node '%s' not found", target)
}

// newEventID returns 28 random hex digits, as Node-RED's call event ids.
func newEventID() string {
	var b [14]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
