package storage

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/flowgate/flowgate/engine"
)

func fileInSpec() engine.Spec {
	return engine.Spec{
		Type: "file in", Category: "storage", Color: "BurlyWood", Icon: "file-in.svg", PaletteLabel: "read file",
		LabelProp: "name", Inputs: 1, Outputs: 1,
		Props: []engine.Prop{
			{Name: "name", Label: "Name", Kind: engine.KindString, Default: ""},
			{Name: "filename", Label: "Filename", Kind: engine.KindTyped, TypeProp: "filenameType", Types: []string{"str", "msg", "env"}, Default: ""},
			{Name: "filenameType", Kind: engine.KindString, Default: "str", Hidden: true},
			{Name: "format", Label: "Output", Kind: engine.KindSelect, Default: "utf8", Options: []engine.Option{
				{Value: "utf8", Label: "a single utf8 string"}, {Value: "lines", Label: "a msg per line"},
				{Value: "", Label: "a single Buffer object"}, {Value: "stream", Label: "a stream of Buffers"}}},
			{Name: "chunk", Kind: engine.KindBool, Default: false, Hidden: true},
			{Name: "sendError", Label: "Send message on error (legacy mode)", Kind: engine.KindBool, Default: false},
			{Name: "encoding", Label: "Encoding", Kind: engine.KindString, Default: "none"},
			{Name: "allProps", Label: "Include all existing properties in each msg", Kind: engine.KindBool, Default: false},
		},
		Help: help("file in"),
	}
}

// fileChunk is the size of a stream-mode chunk: Node.js's file stream
// high-water mark.
const fileChunk = 64 * 1024

type fileInNode struct {
	res       *engine.Resources
	filename  *engine.Typed
	format    string
	enc       fileEncoding
	sendError bool
	allProps  bool
	paths     filePaths
}

func newFileIn(cfg *engine.Config, res *engine.Resources, fp filePaths) (engine.Node, error) {
	p := cfg.Reader()
	n := &fileInNode{res: res, paths: fp}
	n.filename, _ = fileName(p)
	fp.checkStatic(p)
	n.format = p.String("format", "")
	switch n.format {
	case "utf8", "lines", "", "stream":
	default:
		p.Fail("format", "unknown output format %q", n.format)
	}
	var err error
	if n.enc, err = lookupEncoding(p.String("encoding", "none")); err != nil {
		p.Fail("encoding", "%v", err)
	}
	n.sendError = !p.Has("sendError") || p.Bool("sendError", true)
	n.allProps = p.Bool("allProps", false)
	p.Bool("chunk", false)
	return n, p.Err()
}

// Blocking: Handle waits on the file system, so it runs off its part's goroutine.
func (n *fileInNode) Blocking() {}

// Handle reads the file into one message, a message per line or a stream
// of chunks.
func (n *fileInNode) Handle(_ context.Context, m engine.Msg, out *engine.Output) error {
	v, err := n.filename.Eval(n.res, m)
	if err != nil {
		return err
	}
	filename := ""
	if v != nil {
		filename = engine.ToString(v)
	}
	filename = strings.NewReplacer("\t", "", "\r", "", "\n", "").Replace(filename)
	if filename == "" {
		n.res.Warn("No filename specified")
		return nil
	}
	m["filename"] = filename
	full, err := n.paths.resolve(filename)
	if err != nil {
		return err
	}
	f, err := n.paths.openFile(full, os.O_RDONLY, 0)
	if err == nil {
		defer f.Close()
		switch n.format {
		case "lines":
			err = n.lines(f, m, out)
		case "stream":
			err = n.stream(f, m, out)
		default:
			var b []byte
			if b, err = io.ReadAll(f); err == nil {
				if n.format == "utf8" {
					m["payload"] = n.enc.decode(b)
				} else {
					m["payload"] = b
				}
				out.Send(0, m)
				return nil
			}
		}
	}
	if err == nil {
		return nil
	}
	if n.sendError {
		e := m.Clone()
		delete(e, "payload")
		e["error"] = fileErrorValue(err)
		out.Send(0, e)
	}
	return errors.New(nodeErr(err))
}

// part returns a message for one line or chunk: a copy of m with allProps,
// else only its topic and filename.
func (n *fileInNode) part(m engine.Msg, index int, typ, ch string) engine.Msg {
	var p engine.Msg
	if n.allProps {
		p = m.Clone()
	} else {
		p = engine.Msg{"_msgid": engine.NewMsgID(), "topic": m["topic"], "filename": m["filename"]}
		if _, ok := m["topic"]; !ok {
			delete(p, "topic")
		}
	}
	p["parts"] = engine.ObjectOf("index", float64(index), "ch", ch, "type", typ, "id", m["_msgid"])
	return p
}

// lastLine is the part of the last line: Node-RED builds its parts with
// count second.
func (n *fileInNode) lastLine(m engine.Msg, index int) engine.Msg {
	p := n.part(m, index, "string", "\n")
	p["parts"] = engine.ObjectOf("index", float64(index), "count", float64(index+1), "ch", "\n", "type", "string", "id", m["_msgid"])
	return p
}

func (n *fileInNode) lines(f *os.File, m engine.Msg, out *engine.Output) error {
	r := bufio.NewReader(f)
	count := 0
	for {
		line, err := r.ReadBytes('\n')
		if err == io.EOF {
			p := n.lastLine(m, count)
			p["payload"] = n.enc.decode(line)
			out.Send(0, p)
			return nil
		}
		if err != nil {
			return err
		}
		p := n.part(m, count, "string", "\n")
		p["payload"] = n.enc.decode(line[:len(line)-1])
		out.Send(0, p)
		count++
	}
}

func (n *fileInNode) stream(f *os.File, m engine.Msg, out *engine.Output) error {
	count := 0
	for {
		buf := make([]byte, fileChunk)
		k, err := io.ReadFull(f, buf)
		if err == io.EOF {
			if count > 0 { // the last chunk was full: an empty closing part
				out.Send(0, engine.Msg{"_msgid": engine.NewMsgID(), "parts": engine.ObjectOf(
					"index", float64(count), "count", float64(count), "ch", "", "type", "buffer", "id", m["_msgid"])})
			}
			return nil
		}
		if err != nil && err != io.ErrUnexpectedEOF {
			return fmt.Errorf("read %s: %w", f.Name(), err)
		}
		p := n.part(m, count, "buffer", "")
		p["payload"] = buf[:k]
		count++
		if k < fileChunk {
			p["parts"].(*engine.Object).Set("count", float64(count))
			out.Send(0, p)
			return nil
		}
		out.Send(0, p)
	}
}
