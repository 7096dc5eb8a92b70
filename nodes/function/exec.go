package function

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/nodes/internal/shutdown"
)

func execSpec() engine.Spec {
	return engine.Spec{
		Type: "exec", Category: "function", Color: "darksalmon", Icon: "cog.svg",
		LabelProp: "name", Inputs: 1, Outputs: 3,
		Props: []engine.Prop{
			{Name: "command", Label: "Command", Kind: engine.KindString, Default: ""},
			{Name: "addpay", Label: "Append msg property", Kind: engine.KindString, Default: ""},
			{Name: "append", Label: "Extra input parameters", Kind: engine.KindString, Default: ""},
			{Name: "useSpawn", Label: "Output", Kind: engine.KindSelect, Default: "false", Options: []engine.Option{
				{Value: "false", Label: "when the command is complete - exec mode"},
				{Value: "true", Label: "while the command is running - spawn mode"}}},
			{Name: "timer", Label: "Timeout (s)", Kind: engine.KindString, Default: ""},
			{Name: "winHide", Label: "Hide console (Windows)", Kind: engine.KindBool, Default: false},
			{Name: "oldrc", Label: "Return code as a number", Kind: engine.KindBool, Default: false},
			{Name: "name", Label: "Name", Kind: engine.KindString, Default: ""},
		},
		Help: help("exec"),
	}
}

// Options are the runtime settings of the function category.
type Options struct {
	// ExecDisabled refuses to deploy exec nodes (for gateways that must not
	// run shell commands from flows).
	ExecDisabled bool
}

// execMaxBuffer is Node-RED's default execMaxBufferSize: exec mode kills a
// command whose stdout or stderr grows beyond it.
const execMaxBuffer = 10_000_000

// spawnArgs splits a spawn-mode command line as Node-RED does: on spaces,
// keeping double-quoted runs together.
var spawnArgs = regexp.MustCompile(`(?:[^\s"]+|"[^"]*")+`)

type execNode struct {
	res    *engine.Resources
	cmd    string
	addpay engine.Path // zero: append nothing
	append string
	spawn  bool
	timer  time.Duration
	oldrc  bool
	shell  string // exec mode's shell, chosen in Start

	mu     sync.Mutex // guards procs and closed
	procs  map[int]*os.Process
	closed bool
	wg     sync.WaitGroup // the waiter goroutine of each process
}

func newExec(cfg *engine.Config, res *engine.Resources, o Options) (engine.Node, error) {
	p := cfg.Reader()
	n := &execNode{res: res, procs: map[int]*os.Process{}, shell: "/bin/sh"}
	if o.ExecDisabled {
		p.Fail("command", "the exec node is disabled by the runtime settings")
	}
	n.cmd = strings.TrimSpace(p.String("command", ""))
	// addpay: absent means "payload" (old flows), true too; false or "" nothing
	switch v := p.Any("addpay").(type) {
	case nil:
		if !p.Has("addpay") {
			n.addpay = engine.MustPath("payload")
		}
	case bool:
		if v {
			n.addpay = engine.MustPath("payload")
		}
	case string:
		if v != "" {
			n.addpay = p.Path("addpay", "payload")
		}
	}
	n.append = strings.TrimSpace(p.String("append", ""))
	// Node-RED compares with == "true": only the string enables spawn mode
	n.spawn = p.Any("useSpawn") == "true"
	if t := p.Number("timer", 0); t > 0 {
		n.timer = time.Duration(t * float64(time.Second))
	}
	n.oldrc = p.Bool("oldrc", false)
	p.Bool("winHide", false)
	return n, p.Err()
}

// Start picks the exec-mode shell as Node-RED does: bash when there is one.
func (n *execNode) Start(context.Context) error {
	if _, err := os.Stat("/bin/bash"); err == nil {
		n.shell = "/bin/bash"
	}
	return nil
}

// Close kills every running command (its process group) with SIGTERM and
// waits for them, with SIGKILL when ctx ends first.
func (n *execNode) Close(ctx context.Context) error {
	n.mu.Lock()
	n.closed = true
	for _, proc := range n.procs {
		signalGroup(proc, syscall.SIGTERM)
	}
	n.mu.Unlock()
	if err := shutdown.Wait(ctx, &n.wg); err != nil {
		n.mu.Lock()
		for _, proc := range n.procs {
			signalGroup(proc, syscall.SIGKILL)
		}
		n.mu.Unlock()
		return err
	}
	n.res.Status(engine.Status{})
	return nil
}

// Handle kills running commands (msg.kill) or runs the command.
func (n *execNode) Handle(_ context.Context, m engine.Msg, out *engine.Output) error {
	if kill, ok := m["kill"]; ok {
		return n.kill(m, kill)
	}
	arg := n.cmd
	if !n.addpay.IsZero() {
		if v, ok := n.addpay.Get(m); ok {
			arg += " " + engine.ToString(v)
		}
	}
	if n.append != "" {
		arg += " " + n.append
	}
	var cmd *exec.Cmd
	if n.spawn {
		parts := spawnArgs.FindAllString(arg, -1)
		if len(parts) == 0 {
			return errors.New("no command to run")
		}
		for i, a := range parts {
			if len(a) >= 2 && a[0] == '"' && a[len(a)-1] == '"' {
				parts[i] = a[1 : len(a)-1]
			}
		}
		cmd = exec.Command(parts[0], parts[1:]...)
	} else {
		cmd = exec.Command(n.shell, "-c", arg)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	done := out.Defer()
	if n.spawn {
		n.runSpawn(cmd, m, done)
	} else {
		n.runExec(cmd, arg, m, done)
	}
	return nil
}

// kill signals the process msg.pid names, or the only running one.
func (n *execNode) kill(m engine.Msg, kill any) error {
	name, _ := kill.(string)
	if name == "" || !strings.HasPrefix(strings.ToUpper(name), "SIG") {
		name = "SIGTERM"
	}
	name = strings.ToUpper(name)
	sig, ok := signalByName[name]
	if !ok {
		return fmt.Errorf("Unknown signal: %s", name) //nolint:staticcheck // Node's wording
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	var target *os.Process
	if pid, ok := m["pid"]; ok {
		for id, proc := range n.procs {
			if engine.ToString(float64(id)) == engine.ToString(pid) {
				target = proc
			}
		}
	} else if len(n.procs) == 1 {
		for _, proc := range n.procs {
			target = proc
		}
	}
	if target != nil {
		signalGroup(target, sig)
		n.res.Status(engine.Status{Fill: "red", Shape: "dot", Text: "killed"})
	}
	return nil
}

// start starts cmd and registers it; false when the node is closing or the
// command could not start (then err says why).
func (n *execNode) start(cmd *exec.Cmd) (bool, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return false, nil
	}
	if err := cmd.Start(); err != nil {
		return false, err
	}
	n.procs[cmd.Process.Pid] = cmd.Process
	n.wg.Add(1)
	n.res.Status(engine.Status{Fill: "blue", Shape: "dot", Text: fmt.Sprintf("pid:%d", cmd.Process.Pid)})
	return true, nil
}

// isClosed reports whether Close has begun.
func (n *execNode) isClosed() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.closed
}

// finish forgets a process that ended.
func (n *execNode) finish(pid int) {
	n.mu.Lock()
	delete(n.procs, pid)
	n.mu.Unlock()
}

// timeout kills the process group after the node's timer, if it has one.
func (n *execNode) timeout(proc *os.Process) *time.Timer {
	if n.timer <= 0 {
		return nil
	}
	return time.AfterFunc(n.timer, func() { signalGroup(proc, syscall.SIGTERM) })
}

// runSpawn sends each chunk of stdout and stderr as it comes, then the
// return code.
func (n *execNode) runSpawn(cmd *exec.Cmd, m engine.Msg, done func(error)) {
	chunk := func(port int) *chunkWriter { return &chunkWriter{n: n, port: port, base: m} }
	cmd.Stdout, cmd.Stderr = chunk(0), chunk(1)
	ok, err := n.start(cmd)
	if err != nil {
		// Node-RED reports an unknown command as its negative errno
		code := -2.0
		var errno syscall.Errno
		if errors.As(err, &errno) {
			code = -float64(errno)
		}
		n.res.Status(engine.Status{Fill: "red", Shape: "dot", Text: "rc:" + engine.FormatNumber(code)})
		n.sendRC(m, code, "")
		done(nil)
		return
	}
	if !ok {
		done(nil)
		return
	}
	t := n.timeout(cmd.Process)
	go func() {
		defer n.wg.Done()
		cmd.Wait()
		if t != nil {
			t.Stop()
		}
		n.finish(cmd.Process.Pid)
		code, signal := exitOf(cmd.ProcessState)
		switch {
		case code == nil:
			n.res.Status(engine.Status{Fill: "red", Shape: "dot", Text: "killed"})
		case *code < 0:
			n.res.Status(engine.Status{Fill: "red", Shape: "dot", Text: fmt.Sprintf("rc:%d", *code)})
		default:
			n.res.Status(engine.Status{Fill: "yellow", Shape: "dot", Text: fmt.Sprintf("rc:%d", *code)})
		}
		var c any
		if code != nil {
			c = float64(*code)
		}
		if !n.isClosed() {
			n.sendRC(m, c, signal)
		}
		done(nil)
	}()
}

// sendRC sends the return code on the third output, as an object unless
// the node keeps Node-RED's old number form.
func (n *execNode) sendRC(m engine.Msg, code any, signal string) {
	if n.oldrc {
		m["payload"] = code
	} else {
		rc := engine.ObjectOf("code", code)
		if signal != "" {
			rc.Set("signal", signal)
		}
		m["payload"] = rc
	}
	n.res.Send(2, m)
}

// chunkWriter sends each write of a spawned command's output as a message.
type chunkWriter struct {
	n    *execNode
	port int
	base engine.Msg // read-only: each chunk is sent on a clone
}

func (w *chunkWriter) Write(p []byte) (int, error) {
	if w.n.isClosed() {
		return len(p), nil // Node-RED sends nothing once the node is closed
	}
	c := w.base.Clone()
	c["payload"] = textOrBuffer(p)
	w.n.res.Send(w.port, c)
	return len(p), nil
}

// runExec runs the command in a shell and sends stdout, stderr and the
// return code when it ends.
func (n *execNode) runExec(cmd *exec.Cmd, arg string, m engine.Msg, done func(error)) {
	var stdout, stderr cappedBuffer
	stdout.onFull = func() { signalGroup(cmd.Process, syscall.SIGTERM) }
	stderr.onFull = stdout.onFull
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	ok, err := n.start(cmd)
	if err != nil {
		done(nil)
		n.res.Error(err, m)
		return
	}
	if !ok {
		done(nil)
		return
	}
	t := n.timeout(cmd.Process)
	go func() {
		defer n.wg.Done()
		cmd.Wait()
		if t != nil {
			t.Stop()
		}
		n.finish(cmd.Process.Pid)
		delete(m, "payload")
		var msg2, msg3 engine.Msg
		if stderr.Len() > 0 {
			msg2 = m.Clone()
			msg2["payload"] = textOrBuffer(stderr.Bytes())
		}
		m["payload"] = textOrBuffer(stdout.Bytes())
		n.res.Status(engine.Status{})
		code, signal := exitOf(cmd.ProcessState)
		var rc *engine.Object // Node-RED's key order: code, message, signal
		switch {
		case stdout.full || stderr.full:
			which := "stdout"
			if stderr.full {
				which = "stderr"
			}
			rc = engine.ObjectOf("code", "ERR_CHILD_PROCESS_STDIO_MAXBUFFER", "message", which+" maxBuffer length exceeded")
			n.res.Status(engine.Status{Fill: "red", Shape: "dot", Text: "error:ERR_CHILD_PROCESS_STDIO_MAXBUFFER"})
		case code == nil || *code != 0:
			rc = engine.ObjectOf("code", nil, "message", "Command failed: "+arg+"\n"+stderr.String())
			if code == nil {
				rc.Set("signal", signal)
				n.res.Status(engine.Status{Fill: "red", Shape: "dot", Text: "killed"})
			} else {
				rc.Set("code", float64(*code))
				n.res.Status(engine.Status{Fill: "red", Shape: "dot", Text: fmt.Sprintf("error:%d", *code)})
			}
		case !n.oldrc:
			rc = engine.ObjectOf("code", 0.0)
		}
		if rc != nil {
			msg3 = m.Clone()
			msg3["payload"] = rc
			m["rc"] = rc.Clone()
			if msg2 != nil {
				msg2["rc"] = rc.Clone()
			}
		}
		n.res.Send(0, m)
		if msg2 != nil {
			n.res.Send(1, msg2)
		}
		if msg3 != nil {
			n.res.Send(2, msg3)
		}
		done(nil)
	}()
}

// cappedBuffer collects a command's output up to execMaxBuffer bytes and
// calls onFull once when it would grow beyond.
type cappedBuffer struct {
	bytes.Buffer
	full   bool
	onFull func()
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	if b.full {
		return len(p), nil
	}
	if b.Len()+len(p) > execMaxBuffer {
		b.full = true
		b.Buffer.Write(p[:execMaxBuffer-b.Len()])
		b.onFull()
		return len(p), nil
	}
	return b.Buffer.Write(p)
}

// textOrBuffer is Node-RED's isUtf8 choice: a string for UTF-8 text, else
// the bytes.
func textOrBuffer(p []byte) any {
	if utf8.Valid(p) {
		return string(p)
	}
	return bytes.Clone(p)
}

// exitOf returns the exit code (nil when a signal ended the process) and
// the signal's name.
func exitOf(ps *os.ProcessState) (*int, string) {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		for name, sig := range signalByName {
			if sig == ws.Signal() {
				return nil, name
			}
		}
		return nil, ws.Signal().String()
	}
	code := ps.ExitCode()
	return &code, ""
}

// signalGroup signals the process group the command leads, so that what a
// shell started goes too.
func signalGroup(proc *os.Process, sig syscall.Signal) {
	if err := syscall.Kill(-proc.Pid, sig); err != nil {
		_ = proc.Signal(sig)
	}
}

// signalByName are the signals msg.kill may name.
var signalByName = map[string]syscall.Signal{
	"SIGHUP": syscall.SIGHUP, "SIGINT": syscall.SIGINT, "SIGQUIT": syscall.SIGQUIT,
	"SIGABRT": syscall.SIGABRT, "SIGKILL": syscall.SIGKILL, "SIGUSR1": syscall.SIGUSR1,
	"SIGSEGV": syscall.SIGSEGV, "SIGUSR2": syscall.SIGUSR2, "SIGPIPE": syscall.SIGPIPE,
	"SIGALRM": syscall.SIGALRM, "SIGTERM": syscall.SIGTERM, "SIGCONT": syscall.SIGCONT,
	"SIGSTOP": syscall.SIGSTOP, "SIGTSTP": syscall.SIGTSTP, "SIGWINCH": syscall.SIGWINCH,
}
