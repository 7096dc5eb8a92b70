package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/nodes/internal/shutdown"
)

func watchSpec() engine.Spec {
	return engine.Spec{
		Type: "watch", Category: "storage", Color: "BurlyWood", Icon: "watch.svg",
		LabelProp: "name", Inputs: 0, Outputs: 1,
		Props: []engine.Prop{
			{Name: "name", Label: "Name", Kind: engine.KindString, Default: ""},
			{Name: "files", Label: "File(s)", Kind: engine.KindString, Default: "", Required: true},
			{Name: "recursive", Label: "Watch sub-directories recursively", Kind: engine.KindBool, Default: ""},
		},
		Help: help("watch"),
	}
}

// watchDelay bunches the events of one file as node-watch's default delay.
const watchDelay = 200 * time.Millisecond

type watchNode struct {
	res       *engine.Resources
	files     []string
	recursive bool
	paths     filePaths // stats through the allowed directory
	topic     string

	w      *fsnotify.Watcher
	loop   sync.WaitGroup // the event loop
	timers sync.WaitGroup // delay timers not yet fired or stopped

	mu      sync.Mutex // guards pending and closed
	pending map[string]*watchPending
	closed  bool
}

// watchPending is a file's bunched event waiting for its delay.
type watchPending struct {
	event string
	timer *time.Timer
}

func newWatch(cfg *engine.Config, res *engine.Resources, fp filePaths) (engine.Node, error) {
	p := cfg.Reader()
	n := &watchNode{res: res, pending: map[string]*watchPending{}, paths: fp}
	var names []string
	for f := range strings.SplitSeq(p.String("files", ""), ",") {
		names = append(names, strings.TrimSpace(f))
	}
	n.recursive = p.Bool("recursive", false)
	if len(names) == 1 {
		n.topic = names[0]
	} else {
		b, _ := json.Marshal(names)
		n.topic = string(b)
	}
	if len(names) == 1 && names[0] == "" {
		p.Fail("files", "no file or directory to watch")
	}
	for _, name := range names {
		full, err := fp.resolve(name)
		if err != nil {
			p.Fail("files", "%v", err)
		}
		n.files = append(n.files, full)
	}
	return n, p.Err()
}

// Start watches the files and directories (directories' entries; with
// recursive, their whole trees).
func (n *watchNode) Start(context.Context) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch: %w", err)
	}
	n.w = w
	exact := map[string]bool{} // files watched through their directory
	for _, f := range n.files {
		f = filepath.Clean(f)
		fi, err := n.paths.stat(f)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("%s does not exist", f)
			}
			return err
		}
		if !fi.IsDir() {
			exact[f] = true
			err = w.Add(filepath.Dir(f))
		} else if n.recursive {
			err = n.addTree(f)
		} else {
			err = w.Add(f)
		}
		if err != nil {
			return fmt.Errorf("watch %s: %w", f, err)
		}
	}
	dirs := map[string]bool{} // watched as directories: every entry counts
	for _, f := range n.files {
		if f = filepath.Clean(f); !exact[f] {
			dirs[f] = true
		}
	}
	n.loop.Add(1)
	go n.run(exact, dirs)
	return nil
}

func (n *watchNode) addTree(root string) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // gone or unreadable: skip, as node-watch
		}
		if d.IsDir() {
			return n.w.Add(p)
		}
		return nil
	})
}

// run turns the watcher's events into bunched messages until Close.
func (n *watchNode) run(exact, dirs map[string]bool) {
	defer n.loop.Done()
	for {
		select {
		case ev, ok := <-n.w.Events:
			if !ok {
				return
			}
			name := filepath.Clean(ev.Name)
			if !exact[name] && !dirs[filepath.Dir(name)] && !dirs[name] && !n.recursive {
				continue
			}
			event := "update"
			if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
				event = "remove"
			}
			if n.recursive && ev.Has(fsnotify.Create) {
				if fi, err := os.Stat(name); err == nil && fi.IsDir() {
					_ = n.addTree(name)
				}
			}
			n.bunch(name, event)
		case err, ok := <-n.w.Errors:
			if !ok {
				return
			}
			n.res.Error(err, engine.Msg{"payload": ""})
		}
	}
}

// bunch delays a file's event, keeping only the last within the delay.
func (n *watchNode) bunch(name, event string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return
	}
	if p, ok := n.pending[name]; ok {
		p.event = event
		return
	}
	p := &watchPending{event: event}
	n.pending[name] = p
	n.timers.Add(1)
	p.timer = time.AfterFunc(watchDelay, func() {
		defer n.timers.Done()
		n.mu.Lock()
		delete(n.pending, name)
		event, closed := p.event, n.closed
		n.mu.Unlock()
		if !closed {
			n.res.Send(0, n.message(name, event))
		}
	})
}

// message is Node-RED's watch message for a changed path.
func (n *watchNode) message(name, event string) engine.Msg {
	m := engine.Msg{"_msgid": engine.NewMsgID(), "payload": name, "topic": n.topic,
		"file": filepath.Base(name), "filename": name, "event": event, "type": "none"}
	fi, err := n.paths.stat(name)
	if err != nil {
		return m
	}
	switch mode := fi.Mode(); {
	case mode.IsRegular():
		m["type"], m["size"] = "file", float64(fi.Size())
	case mode&fs.ModeDevice != 0 && mode&fs.ModeCharDevice == 0:
		m["type"] = "blockdevice"
	case mode&fs.ModeCharDevice != 0:
		m["type"] = "characterdevice"
	case mode&fs.ModeSocket != 0:
		m["type"] = "socket"
	case mode&fs.ModeNamedPipe != 0:
		m["type"] = "fifo"
	case mode.IsDir():
		m["type"] = "directory"
	default:
		m["type"] = "n/a"
	}
	return m
}

// Close stops watching and drops the events still waiting for their delay.
func (n *watchNode) Close(ctx context.Context) error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil
	}
	n.closed = true
	for _, p := range n.pending {
		if p.timer.Stop() {
			n.timers.Done()
		}
	}
	n.mu.Unlock()
	if n.w != nil {
		n.w.Close()
	}
	return errors.Join(shutdown.Wait(ctx, &n.loop), shutdown.Wait(ctx, &n.timers))
}
