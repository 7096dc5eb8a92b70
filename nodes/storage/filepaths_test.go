package storage

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

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
	t.Run("static filename refused at deploy", func(t *testing.T) {
		for _, typ := range []string{"file", "file in"} {
			h := enginetest.New(t, TypesWith(o)...)
			bad := filepath.Join(outside, "x.txt")
			_, err := h.TryDeploy(fileFlow(map[string]any{"type": typ, "filename": bad, "filenameType": "str"})[4:], engine.DeployFull)
			fes := engine.FieldErrors(err)
			if len(fes) != 1 || fes[0].Field != "filename" || fes[0].Node != "n1" || !strings.Contains(err.Error(), bad) {
				t.Fatalf("%s: deploy error %v, want one on n1 filename naming %s", typ, err, bad)
			}
		}
	})
	t.Run("watch outside refused at deploy", func(t *testing.T) {
		h := enginetest.New(t, TypesWith(o)...)
		_, err := h.TryDeploy(fileFlow(map[string]any{"type": "watch", "files": outside})[4:], engine.DeployFull)
		if fes := engine.FieldErrors(err); len(fes) != 1 || fes[0].Field != "files" {
			t.Fatalf("deploy error %v, want one on files", err)
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
