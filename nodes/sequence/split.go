package sequence

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/flowgate/flowgate/engine"
)

func splitSpec() engine.Spec {
	return engine.Spec{
		Type: "split", Category: "sequence", Color: "#E2D96E", Icon: "split.svg", LabelProp: "name",
		Inputs: 1, Outputs: 1,
		Props: []engine.Prop{
			{Name: "name", Kind: engine.KindString, Default: ""},
			{Name: "splt", Label: "Split using", Kind: engine.KindTyped, TypeProp: "spltType", Types: []string{"str", "bin", "len"}, Default: `\n`},
			{Name: "spltType", Kind: engine.KindString, Default: "str", Hidden: true},
			{Name: "arraySplt", Label: "Array split length", Kind: engine.KindTyped, TypeProp: "arraySpltType", Types: []string{"len"}, Default: 1},
			{Name: "arraySpltType", Kind: engine.KindString, Default: "len", Hidden: true},
			{Name: "stream", Label: "Handle as a stream of messages", Kind: engine.KindBool, Default: false},
			{Name: "addname", Label: "Copy key to", Kind: engine.KindTyped, Types: []string{"msg"}, Default: ""},
			{Name: "property", Label: "Split", Kind: engine.KindTyped, Types: []string{"msg"}, Default: "payload", Required: true},
		},
		Help: help("split"),
	}
}

// splitMode is how strings and buffers are cut.
type splitMode string

const (
	splitStr splitMode = "str" // on a text separator
	splitBin splitMode = "bin" // on a byte sequence
	splitLen splitMode = "len" // in fixed-length chunks
)

// split turns a string, buffer, array or object into a sequence of messages
// with msg.parts, as Node-RED's split node does.
type split struct {
	res       *engine.Resources
	mode      splitMode
	sep       string // str: the decoded separator; bin: the separator's bytes as text
	sepBytes  []byte // the separator as bytes (str and bin)
	sepArray  []any  // bin: the separator as written, passed on in parts.ch
	length    int    // len: the chunk length
	arrayLen  int
	stream    bool
	addname   engine.Path
	hasName   bool
	property  engine.Path
	propName  string
	c         int           // the next parts.index in stream mode
	remainder string        // stream mode: the unfinished end of the strings so far
	buffer    []byte        // stream mode: the unfinished end of the buffers so far
	pending   []func(error) // stream mode: inputs whose data is still in remainder/buffer
}

func newSplit(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	n := &split{res: res}
	n.mode = splitMode(p.String("spltType", "str"))
	if n.mode == "" {
		n.mode = splitStr
	}
	splt := p.String("splt", "")
	switch n.mode {
	case splitStr:
		if splt == "" {
			splt = `\n`
		}
		n.sep = unescapeSeparator.Replace(splt)
		n.sepBytes = []byte(n.sep)
	case splitBin:
		b, arr, ok := byteArray(splt)
		if !ok {
			p.Fail("splt", "invalid split property: not an array")
		}
		n.sepBytes, n.sepArray, n.sep = b, arr, string(b)
	case splitLen:
		l, ok := parseInt(splt)
		if !ok || l < 1 {
			p.Fail("splt", "invalid split length: %s", splt)
		}
		n.length = l
	default:
		p.Fail("spltType", "unknown split type %q", n.mode)
	}
	n.arrayLen = 1
	if p.Has("arraySplt") {
		l, ok := parseInt(p.Any("arraySplt"))
		if !ok || l < 1 {
			p.Fail("arraySplt", "invalid array split length: %s", p.String("arraySplt", ""))
		}
		n.arrayLen = l
	}
	n.stream = p.Bool("stream", false)
	if name := strings.TrimPrefix(p.String("addname", ""), "msg."); name != "" {
		n.addname = p.Path("addname", "")
		n.hasName = true
	}
	n.property = p.Path("property", "payload")
	n.propName = n.property.String()
	return n, p.Err()
}

// Close completes the inputs whose data was still held as a remainder.
func (n *split) Close(context.Context) error {
	n.finishPending()
	return nil
}

func (n *split) Handle(_ context.Context, msg engine.Msg, out *engine.Output) error {
	value, ok := n.property.Get(msg)
	if !ok {
		return nil
	}
	parts := engine.NewObject(8)
	if old, has := msg["parts"]; has {
		parts.Set("parts", old)
	}
	parts.Set("id", engine.NewMsgID())
	if n.propName != "payload" {
		parts.Set("property", n.propName)
	}
	msg["parts"] = parts
	delete(msg, "_msgid")
	switch v := value.(type) {
	case string:
		n.splitString(msg, parts, v, out)
	case []any:
		n.splitArray(msg, parts, v, out)
	case *engine.Object:
		n.splitObject(msg, parts, v, out)
	case map[string]any:
		n.splitObject(msg, parts, engine.ObjectFromMap(v), out)
	case engine.Msg:
		n.splitObject(msg, parts, engine.ObjectFromMap(v), out)
	case []byte:
		n.splitBuffer(msg, parts, v, out)
	case nil:
		return fmt.Errorf("Cannot convert undefined or null to object")
	}
	return nil
}

// emit sends a copy of msg with the property set to v and parts.index set.
func (n *split) emit(out *engine.Output, msg engine.Msg, parts *engine.Object, v any) {
	parts.Set("index", float64(n.c))
	n.c++
	n.property.Set(msg, v, true)
	out.Send(0, msg.Clone())
}

func (n *split) splitString(msg engine.Msg, parts *engine.Object, value string, out *engine.Output) {
	value = n.remainder + value
	n.remainder = ""
	parts.Set("type", "string")
	if n.mode == splitLen {
		parts.Set("ch", "")
		parts.Set("len", float64(n.length))
		runes := []rune(value)
		count := (len(runes) + n.length - 1) / n.length
		if !n.stream {
			parts.Set("count", float64(count))
			n.c = 0
		}
		pos := 0
		for i := 0; i < count-1; i++ {
			n.emit(out, msg, parts, string(runes[pos:pos+n.length]))
			pos += n.length
		}
		if count > 1 {
			n.finishPending()
		}
		rest := string(runes[pos:])
		if !n.stream || len(runes)-pos == n.length {
			n.emit(out, msg, parts, rest)
			n.finishPending()
			return
		}
		n.remainder = rest
		n.pending = append(n.pending, out.Defer())
		return
	}
	if n.mode == splitBin {
		parts.Set("ch", engine.CloneValue(n.sepArray))
	} else {
		parts.Set("ch", n.sep)
	}
	n.sendArray(msg, parts, strings.Split(value, n.sep), out)
}

// sendArray sends the pieces of a string; in stream mode the last one is
// kept as the remainder, to be prefixed to the next string.
func (n *split) sendArray(msg engine.Msg, parts *engine.Object, pieces []string, out *engine.Output) {
	last := len(pieces) - 1
	// Node-RED sets parts.index before parts.count here; emit sets the
	// same index again, in place
	for _, s := range pieces[:last] {
		parts.Set("index", float64(n.c))
		if !n.stream {
			parts.Set("count", float64(len(pieces)))
		}
		n.emit(out, msg, parts, s)
	}
	if n.stream {
		n.remainder = pieces[last]
		return
	}
	parts.Set("index", float64(n.c))
	parts.Set("count", float64(len(pieces)))
	n.emit(out, msg, parts, pieces[last])
	n.c = 0
}

func (n *split) splitArray(msg engine.Msg, parts *engine.Object, value []any, out *engine.Output) {
	parts.Set("type", "array")
	count := (len(value) + n.arrayLen - 1) / n.arrayLen
	parts.Set("count", float64(count))
	parts.Set("len", float64(n.arrayLen))
	// the elements go to one message each, so only the rest of msg is
	// copied; parts.index is in place before the copies (the last key, as
	// Node-RED adds it), so that setting it in a copy does not grow it
	n.property.Set(msg, nil, true)
	parts.Set("index", 0.0)
	for i := range count {
		m := msg.Clone()
		m["parts"].(*engine.Object).Set("index", float64(i))
		if n.arrayLen == 1 {
			n.property.Set(m, value[i], true)
		} else {
			end := min(len(value), (i+1)*n.arrayLen)
			n.property.Set(m, value[i*n.arrayLen:end:end], true) // an append copies
		}
		out.Send(0, m)
	}
	parts.Delete("index") // the input itself has none, as in Node-RED
}

func (n *split) splitObject(msg engine.Msg, parts *engine.Object, value *engine.Object, out *engine.Output) {
	parts.Set("type", "object")
	n.property.Set(msg, nil, true)
	for j, k := range value.Keys() {
		m := msg.Clone()
		n.property.Set(m, value.Value(k), true)
		if n.hasName {
			n.addname.Set(m, k, true)
		}
		mp := m["parts"].(*engine.Object)
		mp.Set("key", k)
		mp.Set("index", float64(j))
		mp.Set("count", float64(value.Len()))
		out.Send(0, m)
	}
}

func (n *split) splitBuffer(msg engine.Msg, parts *engine.Object, value []byte, out *engine.Output) {
	buff := append(n.buffer, value...)
	n.buffer = nil
	parts.Set("type", "buffer")
	if n.mode == splitLen {
		count := (len(buff) + n.length - 1) / n.length
		if !n.stream {
			parts.Set("count", float64(count))
			n.c = 0
		}
		parts.Set("len", float64(n.length))
		pos := 0
		for i := 0; i < count-1; i++ {
			n.emit(out, msg, parts, bytes.Clone(buff[pos:pos+n.length]))
			pos += n.length
		}
		if count > 1 {
			n.finishPending()
		}
		rest := bytes.Clone(buff[pos:])
		if !n.stream || len(rest) == n.length {
			n.emit(out, msg, parts, rest)
			n.finishPending()
			return
		}
		n.buffer = rest
		n.pending = append(n.pending, out.Defer())
		return
	}
	if n.mode == splitBin {
		parts.Set("ch", engine.CloneValue(n.sepArray))
	} else {
		parts.Set("ch", n.sep)
	}
	count := bytes.Count(buff, n.sepBytes) + 1
	if len(n.sepBytes) == 0 {
		count = len(buff) + 1
	}
	if !n.stream {
		parts.Set("count", float64(count))
		n.c = 0
	}
	p := 0
	for {
		i := bytes.Index(buff[p:], n.sepBytes)
		if i < 0 || len(n.sepBytes) == 0 {
			break
		}
		n.emit(out, msg, parts, bytes.Clone(buff[p:p+i]))
		p += i + len(n.sepBytes)
	}
	if count > 1 {
		n.finishPending()
	}
	if !n.stream && p < len(buff) {
		// Node-RED counts a trailing separator's empty part but never sends it
		parts.Set("count", float64(n.c+1))
		n.emit(out, msg, parts, bytes.Clone(buff[p:]))
		n.finishPending()
		return
	}
	n.buffer = bytes.Clone(buff[p:])
	if len(n.buffer) > 0 {
		n.pending = append(n.pending, out.Defer())
	}
}

// finishPending completes the inputs held back in stream mode.
func (n *split) finishPending() {
	for _, done := range n.pending {
		done(nil)
	}
	n.pending = nil
}
