package storage

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
	"github.com/flowgate/flowgate/nodes/common"
)

// pathsHarness deploys props as n1 with the file types using o.
func pathsHarness(t *testing.T, o Options, props map[string]any) *enginetest.Harness {
	t.Helper()
	h := enginetest.New(t, append(TypesWith(o), common.Types()...)...)
	h.Deploy(fileFlow(props))
	return h
}

func TestFileWorkingDirectory(t *testing.T) {
	wd := t.TempDir()
	o := Options{FileWorkingDirectory: wd}
	t.Run("file writes under it", func(t *testing.T) {
		h := pathsHarness(t, o, map[string]any{"type": "file", "filename": "sub/out.txt", "filenameType": "str", "overwriteFile": "true", "createDir": true})
		out, caught := settle(t, h, engine.Msg{"payload": "hi"})
		if len(caught) != 0 || len(out) != 1 {
			t.Fatalf("out %v caught %v", out, caught)
		}
		if got := out[0]["filename"]; got != "sub/out.txt" {
			t.Errorf("msg.filename = %v, want the name as given", got)
		}
		b, err := os.ReadFile(filepath.Join(wd, "sub", "out.txt"))
		if err != nil || string(b) != "hi" {
			t.Fatalf("file under working directory: %q, %v", b, err)
		}
	})
	t.Run("file in reads msg.filename under it", func(t *testing.T) {
		if err := os.WriteFile(filepath.Join(wd, "in.txt"), []byte("data"), 0o644); err != nil {
			t.Fatal(err)
		}
		h := pathsHarness(t, o, map[string]any{"type": "file in", "filename": "filename", "filenameType": "msg", "format": "utf8"})
		out, caught := settle(t, h, engine.Msg{"filename": "in.txt"})
		if len(caught) != 0 || len(out) != 1 || out[0]["payload"] != "data" {
			t.Fatalf("out %v caught %v", out, caught)
		}
	})
}

func TestFileAllowDirs(t *testing.T) {
	allowed, outside := t.TempDir(), t.TempDir()
	o := Options{FileWorkingDirectory: allowed, FileAllowDirs: []string{allowed}}
	t.Run("static filename outside warns at deploy and stops the node", func(t *testing.T) {
		for _, typ := range []string{"file", "file in"} {
			bad := filepath.Join(outside, "x.txt")
			h := enginetest.New(t, append(TypesWith(o), common.Types()...)...)
			w := h.Deploy(fileFlow(map[string]any{"type": typ, "filename": bad, "filenameType": "str", "overwriteFile": "true"}))
			if len(w) != 1 || w[0].Field != "filename" || w[0].Node != "n1" || !strings.Contains(w[0].Reason, bad) {
				t.Fatalf("%s: deploy warnings %v, want one on n1 filename naming %s", typ, w, bad)
			}
			if !h.Inert("n1") {
				t.Errorf("%s: node n1 runs, status %+v: want it stopped, its problem shown", typ, h.E.Statuses()["n1"])
			}
		}
	})
	t.Run("watch outside warns at deploy and stops the node", func(t *testing.T) {
		h := enginetest.New(t, append(TypesWith(o), common.Types()...)...)
		w := h.Deploy(fileFlow(map[string]any{"type": "watch", "files": outside}))
		if len(w) != 1 || w[0].Node != "n1" || w[0].Field != "files" {
			t.Fatalf("deploy warnings %v, want one on n1 files", w)
		}
		if !h.Inert("n1") {
			t.Errorf("node n1 runs, status %+v: want it stopped, its problem shown", h.E.Statuses()["n1"])
		}
	})
	t.Run("msg.filename escaping is caught", func(t *testing.T) {
		h := pathsHarness(t, o, map[string]any{"type": "file", "filename": "filename", "filenameType": "msg", "overwriteFile": "true"})
		out, caught := settle(t, h, engine.Msg{"payload": "x", "filename": "../" + filepath.Base(outside) + "/evil.txt"})
		if len(out) != 0 || len(caught) != 1 || !strings.Contains(errorText(caught[0]), "outside the allowed directories") {
			t.Fatalf("out %v caught %v", out, caught)
		}
		if _, err := os.Stat(filepath.Join(outside, "evil.txt")); !os.IsNotExist(err) {
			t.Fatalf("file written outside the allow list: %v", err)
		}
	})
	t.Run("symbolic link out is caught", func(t *testing.T) {
		if err := os.Symlink(outside, filepath.Join(allowed, "link")); err != nil {
			t.Fatal(err)
		}
		h := pathsHarness(t, o, map[string]any{"type": "file", "filename": "filename", "filenameType": "msg", "overwriteFile": "true"})
		out, caught := settle(t, h, engine.Msg{"payload": "x", "filename": "link/evil.txt"})
		if len(out) != 0 || len(caught) != 1 || !strings.Contains(errorText(caught[0]), "symbolic link") {
			t.Fatalf("out %v caught %v", out, caught)
		}
		if _, err := os.Stat(filepath.Join(outside, "evil.txt")); !os.IsNotExist(err) {
			t.Fatalf("file written outside the allow list: %v", err)
		}
	})
	t.Run("inside is allowed", func(t *testing.T) {
		h := pathsHarness(t, o, map[string]any{"type": "file", "filename": filepath.Join(allowed, "ok.txt"), "filenameType": "str", "overwriteFile": "true"})
		out, caught := settle(t, h, engine.Msg{"payload": "x"})
		if len(out) != 1 || len(caught) != 0 {
			t.Fatalf("out %v caught %v", out, caught)
		}
	})
}

// TestFileAllowDirsDanglingLink: a symbolic link inside an allowed
// directory to a file that does not exist yet, outside it, must not let
// write or append create that file; nor a link to an outside directory
// let createDir make directories there.
func TestFileAllowDirsDanglingLink(t *testing.T) {
	allowed, outside := t.TempDir(), t.TempDir()
	o := Options{FileWorkingDirectory: allowed, FileAllowDirs: []string{allowed}}
	target := filepath.Join(outside, "created.txt")
	if err := os.Symlink(target, filepath.Join(allowed, "dangling")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(allowed, "dirlink")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		props map[string]any
		msg   engine.Msg
	}{
		{"overwrite", map[string]any{"filename": "filename", "filenameType": "msg", "overwriteFile": "true"}, engine.Msg{"filename": "dangling"}},
		{"append", map[string]any{"filename": "filename", "filenameType": "msg", "overwriteFile": "false"}, engine.Msg{"filename": "dangling"}},
		{"append kept open", map[string]any{"filename": "dangling", "filenameType": "str", "overwriteFile": "false"}, engine.Msg{}},
		{"createDir", map[string]any{"filename": "filename", "filenameType": "msg", "overwriteFile": "true", "createDir": true}, engine.Msg{"filename": "dirlink/sub/created.txt"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.props["type"] = "file"
			h := pathsHarness(t, o, tt.props)
			tt.msg["payload"] = "escaped"
			out, caught := settle(t, h, tt.msg)
			if len(out) != 0 || len(caught) != 1 || !strings.Contains(errorText(caught[0]), "outside the allowed directories") {
				t.Fatalf("out %v caught %v, want the path refused", out, caught)
			}
			entries, err := os.ReadDir(outside)
			if err != nil || len(entries) != 0 {
				t.Fatalf("created outside the allowed directory: %v %v", entries, err)
			}
		})
	}
	t.Run("a link inside the directory still works", func(t *testing.T) {
		if err := os.Symlink("real.txt", filepath.Join(allowed, "inner")); err != nil {
			t.Fatal(err)
		}
		h := pathsHarness(t, o, map[string]any{"type": "file", "filename": "inner", "filenameType": "str", "overwriteFile": "true"})
		if out, caught := settle(t, h, engine.Msg{"payload": "in"}); len(out) != 1 || len(caught) != 0 {
			t.Fatalf("out %v caught %v", out, caught)
		}
		if b, err := os.ReadFile(filepath.Join(allowed, "real.txt")); err != nil || string(b) != "in" {
			t.Fatalf("real.txt = %q, %v", b, err)
		}
	})
}

// TestFileAllowDirsSwapRace: while file in reads a file, another
// goroutine swaps it for a symbolic link to a file outside the allowed
// directory and back; no read may return the outside file's content
// (a check of the path before opening it lost this race).
func TestFileAllowDirsSwapRace(t *testing.T) {
	allowed, outside := t.TempDir(), t.TempDir()
	secret := filepath.Join(outside, "secret.txt")
	if err := os.WriteFile(secret, []byte("SECRET"), 0o644); err != nil {
		t.Fatal(err)
	}
	o := Options{FileAllowDirs: []string{allowed}}
	name := filepath.Join(allowed, "swap.txt")
	h := pathsHarness(t, o, map[string]any{"type": "file in", "filename": name, "filenameType": "str", "format": "utf8", "sendError": false})
	stop := make(chan struct{})
	swapped := make(chan int)
	go func() {
		n := 0
		for ; n < 1_000_000; n++ {
			select {
			case <-stop:
				swapped <- n
				return
			default:
			}
			_ = os.Remove(name)
			if n%2 == 0 {
				_ = os.Symlink(secret, name)
			} else {
				_ = os.WriteFile(name, []byte("inside"), 0o644)
			}
		}
		<-stop
		swapped <- n
	}()
	const reads, batch = 3000, 100
	for sent := 0; sent < reads; sent += batch {
		for range batch {
			h.Send("n1", engine.Msg{})
		}
		waitCount(t, h, sent+batch)
	}
	close(stop)
	t.Logf("%d swaps during %d reads", <-swapped, reads)
	inside := 0
	for _, m := range h.Collected()["out"] {
		switch m["payload"] {
		case "SECRET":
			t.Fatalf("a read returned the file outside the allowed directory")
		case "inside":
			inside++
		}
	}
	t.Logf("%d reads of the inside file, %d refused or missing", inside, reads-inside)
}

// waitCount waits until out and caught together hold n messages.
func waitCount(t *testing.T, h *enginetest.Harness, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(h.Collected()["out"])+len(h.Collected()["caught"]) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d results, want %d", len(h.Collected()["out"])+len(h.Collected()["caught"]), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestWatchAllowDirsLink: watch refuses a path inside an allowed directory
// that is a symbolic link to an outside one.
func TestWatchAllowDirsLink(t *testing.T) {
	allowed, outside := t.TempDir(), t.TempDir()
	link := filepath.Join(allowed, "out")
	if err := os.Symlink(outside, link); err != nil {
		t.Fatal(err)
	}
	h := enginetest.New(t, TypesWith(Options{FileAllowDirs: []string{allowed}})...)
	h.Deploy(fileFlow(map[string]any{"type": "watch", "files": link})[4:])
	if errs := h.Errors(); len(errs) != 1 || !strings.Contains(errs[0], "symbolic link") {
		t.Fatalf("errors %q, want the link refused at start", errs)
	}
}
