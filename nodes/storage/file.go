package storage

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/flowgate/flowgate/engine"
)

func fileSpec() engine.Spec {
	return engine.Spec{
		Type: "file", Category: "storage", Color: "BurlyWood", Icon: "file-out.svg", PaletteLabel: "write file",
		LabelProp: "name", Inputs: 1, Outputs: 1, Align: "right",
		Props: []engine.Prop{
			{Name: "name", Label: "Name", Kind: engine.KindString, Default: ""},
			{Name: "filename", Label: "Filename", Kind: engine.KindTyped, TypeProp: "filenameType", Types: []string{"str", "msg", "env"}, Default: ""},
			{Name: "filenameType", Kind: engine.KindString, Default: "str", Hidden: true},
			{Name: "appendNewline", Label: "Add newline (\\n) to each payload", Kind: engine.KindBool, Default: true},
			{Name: "createDir", Label: "Create directory if it doesn't exist", Kind: engine.KindBool, Default: false},
			{Name: "overwriteFile", Label: "Action", Kind: engine.KindSelect, Default: "false", Options: []engine.Option{
				{Value: "false", Label: "append to file"}, {Value: "true", Label: "overwrite file"}, {Value: "delete", Label: "delete file"}}},
			{Name: "encoding", Label: "Encoding", Kind: engine.KindString, Default: "none"},
		},
		Help: help("file"),
	}
}

type fileNode struct {
	res        *engine.Resources
	filename   *engine.Typed
	static     bool // str or env filename: the append handle is kept open
	newline    bool
	createDir  bool
	action     string // "false" (append), "true" (overwrite), "delete"
	enc        fileEncoding
	setByMsg   bool // encoding from msg.encoding
	appendFile *os.File
	appendIno  uint64
	appendName string // the name appendFile was opened as
	paths      filePaths
}

func newFile(cfg *engine.Config, res *engine.Resources, fp filePaths) (engine.Node, error) {
	p := cfg.Reader()
	n := &fileNode{res: res, paths: fp}
	n.filename, n.static = fileName(p)
	fp.checkStatic(p)
	n.newline = p.Bool("appendNewline", false)
	n.createDir = p.Bool("createDir", false)
	n.action = p.String("overwriteFile", "false")
	switch n.action {
	case "false", "true", "delete":
	default:
		p.Fail("overwriteFile", "must be true, false or delete, got %q", n.action)
	}
	name := p.String("encoding", "none")
	if name == "setbymsg" {
		n.setByMsg = true
	} else {
		var err error
		if n.enc, err = lookupEncoding(name); err != nil {
			p.Fail("encoding", "%v", err)
		}
	}
	return n, p.Err()
}

// Close closes the file kept open for appending.
func (n *fileNode) Close(context.Context) error {
	n.closeAppend()
	n.res.Status(engine.Status{})
	return nil
}

// Blocking: Handle waits on the file system, so it runs off its part's goroutine.
func (n *fileNode) Blocking() {}

// Handle writes, appends or deletes the file and passes the message on.
func (n *fileNode) Handle(_ context.Context, m engine.Msg, out *engine.Output) error {
	v, err := n.filename.Eval(n.res, m)
	if err != nil {
		return err
	}
	filename := ""
	if v != nil {
		filename = engine.ToString(v)
	}
	m["filename"] = filename
	if filename == "" {
		n.res.Warn("No filename specified")
		return nil
	}
	if filename, err = n.paths.resolve(filename); err != nil {
		return err
	}
	if n.action == "delete" {
		if err := n.paths.remove(filename); err != nil {
			return fmt.Errorf("failed to delete file: %s", nodeErr(err))
		}
		out.Send(0, m)
		return nil
	}
	payload, ok := m["payload"]
	if !ok {
		return nil
	}
	if n.createDir {
		if err := n.paths.mkdirAll(filepath.Dir(filename), 0o755); err != nil {
			return fmt.Errorf("failed to create file: %s", nodeErr(err))
		}
	}
	data := payload
	switch payload.(type) {
	case []byte:
	case string:
	case bool, float64:
		data = engine.ToString(payload)
	default:
		s, err := engine.JSONString(payload, "")
		if err != nil {
			return err
		}
		data = s
	}
	if s, isText := data.(string); isText && n.newline && !lastStringPart(m) {
		data = s + "\n"
	}
	enc := n.enc
	if n.setByMsg {
		name, _ := m["encoding"].(string)
		if enc, err = lookupEncoding(name); err != nil {
			return err
		}
	}
	buf, err := enc.encode(data)
	if err != nil {
		return err
	}
	if n.action == "true" {
		if err := n.overwrite(filename, buf); err != nil {
			return fmt.Errorf("failed to write to file: %s", nodeErr(err))
		}
		out.Send(0, m)
		return nil
	}
	if err := n.appendTo(filename, buf); err != nil {
		return fmt.Errorf("failed to append to file: %s", nodeErr(err))
	}
	out.Send(0, m)
	return nil
}

// overwrite writes buf to filename, replacing what it held (os.WriteFile
// through the allowed directory).
func (n *fileNode) overwrite(filename string, buf []byte) error {
	f, err := n.paths.openFile(filename, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(buf)
	return errors.Join(err, f.Close())
}

// appendTo appends buf to filename. A static filename keeps its handle
// open between messages, reopened when the file was deleted or replaced
// (rotated), as Node-RED does.
func (n *fileNode) appendTo(filename string, buf []byte) error {
	if !n.static {
		f, err := n.paths.openFile(filename, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			return err
		}
		_, err = f.Write(buf)
		return errors.Join(err, f.Close())
	}
	if n.appendFile != nil {
		if ino, err := n.inode(filename); err != nil || ino != n.appendIno || n.appendName != filename {
			n.closeAppend()
		}
	}
	if n.appendFile == nil {
		f, err := n.paths.openFile(filename, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			return err
		}
		n.appendFile, n.appendName = f, filename
		n.appendIno, _ = n.inode(filename)
	}
	_, err := n.appendFile.Write(buf)
	return err
}

func (n *fileNode) closeAppend() {
	if n.appendFile != nil {
		n.appendFile.Close()
		n.appendFile = nil
	}
}

// fileName compiles the filename typed property with Node-RED's upgrade of
// old nodes (no filenameType: empty means msg.filename, else a string), and
// says whether the name is fixed for the node's life.
func fileName(p *engine.Props) (*engine.Typed, bool) {
	kind := p.String("filenameType", "")
	if kind == "" {
		if p.String("filename", "") == "" {
			return engine.MustTyped("msg", "filename"), false
		}
		kind = "str"
	}
	switch kind {
	case "str", "env", "msg":
	default:
		p.Fail("filenameType", "unsupported filename type %q", kind)
		return engine.MustTyped("str", ""), true
	}
	return p.Typed("filename", "filenameType", "str"), kind != "msg"
}

// lastStringPart is Node-RED's rule for the newline: not after the last
// part of a split string.
func lastStringPart(m engine.Msg) bool {
	parts, ok := engine.AsObject(m["parts"])
	if !ok || parts.Value("type") != "string" {
		return false
	}
	count, ok1 := parts.Value("count").(float64)
	index, ok2 := parts.Value("index").(float64)
	return ok1 && ok2 && count == index+1
}

// inode returns the inode number of the file name now names.
func (n *fileNode) inode(name string) (uint64, error) {
	fi, err := n.paths.stat(name)
	if err != nil {
		return 0, err
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Ino, nil
	}
	return 0, nil
}

// nodeErr renders a file system error as Node.js's err.toString() does
// ("Error: ENOENT: no such file or directory, open '/x'"), the text Node-RED
// users see in msg.error.message.
func nodeErr(err error) string {
	var pe *fs.PathError
	var errno syscall.Errno
	if !errors.As(err, &pe) || !errors.As(err, &errno) {
		return "Error: " + err.Error()
	}
	code, text := errnoName(errno), errno.Error()
	if desc, ok := nodeErrnoText[code]; ok {
		text = desc
	}
	op := pe.Op
	switch op {
	case "remove":
		op = "unlink"
	case "mkdir", "mkdirall":
		op = "mkdir"
	}
	return fmt.Sprintf("Error: %s: %s, %s '%s'", code, text, op, pe.Path)
}

// fileErrorValue is msg.error of file in's error output: the fields of
// Node.js's error object, in the order libuv's exception sets them.
func fileErrorValue(err error) *engine.Object {
	v := engine.ObjectOf("message", nodeErr(err))
	var pe *fs.PathError
	var errno syscall.Errno
	if errors.As(err, &pe) && errors.As(err, &errno) {
		v.Set("message", nodeErr(err)[len("Error: "):])
		v.Set("errno", -float64(errno))
		v.Set("code", errnoName(errno))
		v.Set("syscall", pe.Op)
		v.Set("path", pe.Path)
	}
	return v
}

func errnoName(e syscall.Errno) string {
	switch e {
	case syscall.ENOENT:
		return "ENOENT"
	case syscall.EACCES:
		return "EACCES"
	case syscall.EISDIR:
		return "EISDIR"
	case syscall.ENOTDIR:
		return "ENOTDIR"
	case syscall.EEXIST:
		return "EEXIST"
	case syscall.EPERM:
		return "EPERM"
	case syscall.ENOSPC:
		return "ENOSPC"
	case syscall.EROFS:
		return "EROFS"
	}
	return fmt.Sprintf("E%d", int(e))
}

// nodeErrnoText are libuv's descriptions where they differ from Go's.
var nodeErrnoText = map[string]string{
	"EISDIR": "illegal operation on a directory",
	"EEXIST": "file already exists",
	"EPERM":  "operation not permitted",
}
