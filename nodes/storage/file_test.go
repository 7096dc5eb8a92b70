package storage

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
	"github.com/flowgate/flowgate/nodes/common"
)

// fileFlow is node n1 (props) wired to collector out, with a catch node
// feeding collector caught.
func fileFlow(props map[string]any) []any {
	n := map[string]any{"id": "n1", "z": "f1", "wires": []any{[]any{"out"}}}
	for k, v := range props {
		n[k] = v
	}
	return []any{
		map[string]any{"id": "f1", "type": "tab"},
		map[string]any{"id": "out", "type": enginetest.HelperType, "z": "f1"},
		map[string]any{"id": "caught", "type": enginetest.HelperType, "z": "f1"},
		map[string]any{"id": "c1", "type": "catch", "z": "f1", "wires": []any{[]any{"caught"}}},
		n,
	}
}

// fileHarness deploys props as n1 with the file types and a catch node.
func fileHarness(t *testing.T, props map[string]any) *enginetest.Harness {
	t.Helper()
	h := enginetest.New(t, append(Types(), common.Types()...)...)
	h.Deploy(fileFlow(props))
	return h
}

// settle sends each message and waits until out and caught together have
// received one message per input.
func settle(t *testing.T, h *enginetest.Harness, msgs ...engine.Msg) (out, caught []engine.Msg) {
	t.Helper()
	for _, m := range msgs {
		before := len(h.Collected()["out"]) + len(h.Collected()["caught"])
		h.Send("n1", m)
		deadline := time.Now().Add(5 * time.Second)
		for len(h.Collected()["out"])+len(h.Collected()["caught"]) == before {
			if time.Now().After(deadline) {
				t.Fatalf("no output for %v", m)
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	got := h.Collected()
	return got["out"], got["caught"]
}

func errorText(m engine.Msg) string {
	e, _ := engine.AsObject(m["error"])
	s, _ := e.Value("message").(string)
	return s
}

func TestFile(t *testing.T) {
	tests := []struct {
		name    string
		props   map[string]any
		prefill string // content before
		in      []engine.Msg
		want    string // content after; "<gone>" for deleted
		wantErr string
	}{
		{"append with newline", map[string]any{"appendNewline": true, "overwriteFile": "false"}, "a\n",
			[]engine.Msg{{"payload": "b"}, {"payload": 1.5}, {"payload": true}}, "a\nb\n1.5\ntrue\n", ""},
		{"objects as JSON, buffers raw", map[string]any{"appendNewline": true, "overwriteFile": "false"}, "",
			[]engine.Msg{{"payload": engine.ObjectOf("x", 1.0)}, {"payload": []byte("raw")}, {"payload": nil}}, "{\"x\":1}\nrawnull\n", ""},
		{"overwrite", map[string]any{"appendNewline": false, "overwriteFile": "true"}, "old content",
			[]engine.Msg{{"payload": "one"}, {"payload": "two"}}, "two", ""},
		{"no newline after last string part", map[string]any{"appendNewline": true, "overwriteFile": "false"}, "",
			[]engine.Msg{{"payload": "a", "parts": engine.ObjectOf("type", "string", "index", 0.0, "count", 2.0)},
				{"payload": "b", "parts": engine.ObjectOf("type", "string", "index", 1.0, "count", 2.0)}}, "a\nb", ""},
		{"delete", map[string]any{"overwriteFile": "delete"}, "x", []engine.Msg{{"payload": "any"}}, "<gone>", ""},
		{"delete missing file", map[string]any{"overwriteFile": "delete"}, "<none>", []engine.Msg{{"payload": "any"}}, "<gone>",
			"failed to delete file: Error: ENOENT: no such file or directory, unlink '"},
		{"encoding latin1", map[string]any{"appendNewline": false, "overwriteFile": "true", "encoding": "latin1"}, "",
			[]engine.Msg{{"payload": "é"}}, "\xe9", ""},
		{"encoding by msg", map[string]any{"appendNewline": false, "overwriteFile": "true", "encoding": "setbymsg"}, "",
			[]engine.Msg{{"payload": "6869", "encoding": "hex"}}, "hi", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := filepath.Join(t.TempDir(), "f.txt")
			if tt.prefill != "<none>" {
				if err := os.WriteFile(name, []byte(tt.prefill), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			props := map[string]any{"type": "file", "filename": name, "filenameType": "str"}
			for k, v := range tt.props {
				props[k] = v
			}
			h := fileHarness(t, props)
			out, caught := settle(t, h, tt.in...)
			if tt.wantErr != "" {
				if len(caught) != 1 || !strings.HasPrefix(errorText(caught[0]), tt.wantErr) {
					t.Fatalf("caught %v, want error %q", caught, tt.wantErr)
				}
			} else if len(out) != len(tt.in) || out[0]["filename"] != name {
				t.Fatalf("out = %v, want every message with msg.filename", out)
			}
			b, err := os.ReadFile(name)
			got := string(b)
			if os.IsNotExist(err) {
				got = "<gone>"
			}
			if got != tt.want {
				t.Errorf("content = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestFileMsgFilenameCreateDir(t *testing.T) {
	dir := t.TempDir()
	h := fileHarness(t, map[string]any{"type": "file", "filename": "", "appendNewline": false, "createDir": true, "overwriteFile": "false"})
	a, b := filepath.Join(dir, "x", "y", "a.txt"), filepath.Join(dir, "b.txt")
	out, _ := settle(t, h, engine.Msg{"payload": "1", "filename": a}, engine.Msg{"payload": "2", "filename": b}, engine.Msg{"payload": "3", "filename": a})
	if len(out) != 3 {
		t.Fatalf("got %d messages", len(out))
	}
	for file, want := range map[string]string{a: "13", b: "2"} {
		if got, _ := os.ReadFile(file); string(got) != want {
			t.Errorf("%s = %q, want %q", file, got, want)
		}
	}
}

func TestFileAppendFollowsRotation(t *testing.T) {
	name := filepath.Join(t.TempDir(), "log")
	h := fileHarness(t, map[string]any{"type": "file", "filename": name, "filenameType": "str", "appendNewline": true, "overwriteFile": "false"})
	settle(t, h, engine.Msg{"payload": "before"})
	if err := os.Rename(name, name+".1"); err != nil {
		t.Fatal(err)
	}
	settle(t, h, engine.Msg{"payload": "after"})
	for file, want := range map[string]string{name + ".1": "before\n", name: "after\n"} {
		if got, _ := os.ReadFile(file); string(got) != want {
			t.Errorf("%s = %q, want %q", file, got, want)
		}
	}
}

func TestFileDeployWarnings(t *testing.T) {
	for _, tt := range []struct{ name, field string }{{"encoding", "encoding"}, {"overwriteFile", "overwriteFile"}} {
		t.Run(tt.name, func(t *testing.T) {
			props := map[string]any{"type": "file", "filename": "x", "encoding": "none", "overwriteFile": "false"}
			props[tt.name] = "bogus"
			h := enginetest.New(t, append(Types(), common.Types()...)...)
			w := h.Deploy(fileFlow(props))
			if len(w) != 1 || w[0].Node != "n1" || w[0].Field != tt.field {
				t.Fatalf("deploy warnings %v, want one on n1 %s", w, tt.field)
			}
			if !h.Inert("n1") {
				t.Errorf("node n1 runs, status %+v: want it stopped, its problem shown", h.E.Statuses()["n1"])
			}
		})
	}
}

func TestFileIn(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "t.txt")
	if err := os.WriteFile(text, []byte("one\ntwo\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		props map[string]any
		in    engine.Msg
		want  []engine.Msg
	}{
		{"utf8", map[string]any{"format": "utf8"}, engine.Msg{"topic": "t", "x": 1.0},
			[]engine.Msg{{"topic": "t", "x": 1.0, "filename": text, "payload": "one\ntwo\n"}}},
		{"buffer", map[string]any{"format": ""}, engine.Msg{},
			[]engine.Msg{{"filename": text, "payload": []byte("one\ntwo\n")}}},
		{"lines", map[string]any{"format": "lines"}, engine.Msg{"topic": "t", "x": 1.0, "_msgid": "m1"},
			[]engine.Msg{
				{"topic": "t", "filename": text, "payload": "one", "parts": engine.ObjectOf("index", 0.0, "ch", "\n", "type", "string", "id", "m1")},
				{"topic": "t", "filename": text, "payload": "two", "parts": engine.ObjectOf("index", 1.0, "ch", "\n", "type", "string", "id", "m1")},
				{"topic": "t", "filename": text, "payload": "", "parts": engine.ObjectOf("index", 2.0, "count", 3.0, "ch", "\n", "type", "string", "id", "m1")},
			}},
		{"lines with all properties", map[string]any{"format": "lines", "allProps": true}, engine.Msg{"x": 1.0, "_msgid": "m1", "filename": "ignored"},
			[]engine.Msg{
				{"x": 1.0, "filename": text, "payload": "one", "parts": engine.ObjectOf("index", 0.0, "ch", "\n", "type", "string", "id", "m1")},
				{"x": 1.0, "filename": text, "payload": "two", "parts": engine.ObjectOf("index", 1.0, "ch", "\n", "type", "string", "id", "m1")},
				{"x": 1.0, "filename": text, "payload": "", "parts": engine.ObjectOf("index", 2.0, "count", 3.0, "ch", "\n", "type", "string", "id", "m1")},
			}},
		{"stream", map[string]any{"format": "stream"}, engine.Msg{"_msgid": "m1"},
			[]engine.Msg{{"filename": text, "payload": []byte("one\ntwo\n"), "parts": engine.ObjectOf("index", 0.0, "ch", "", "type", "buffer", "id", "m1", "count", 1.0)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			props := map[string]any{"type": "file in", "filename": text, "filenameType": "str"}
			for k, v := range tt.props {
				props[k] = v
			}
			h := fileHarness(t, props)
			h.Send("n1", tt.in)
			got := h.Wait("out", len(tt.want), 5*time.Second)
			for _, m := range got {
				delete(m, "_msgid")
			}
			if diff := cmp.Diff(tt.want, got, enginetest.OrderedObjects()); diff != "" {
				t.Errorf("messages mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFileInStreamExactChunks(t *testing.T) {
	name := filepath.Join(t.TempDir(), "big")
	data := make([]byte, 2*fileChunk)
	for i := range data {
		data[i] = byte(i)
	}
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
	h := fileHarness(t, map[string]any{"type": "file in", "filename": name, "filenameType": "str", "format": "stream"})
	h.Send("n1", engine.Msg{"_msgid": "m1"})
	got := h.Wait("out", 3, 5*time.Second)
	// as Node-RED: two full chunks, then an empty part closing the sequence
	if len(got[0]["payload"].([]byte)) != fileChunk || len(got[1]["payload"].([]byte)) != fileChunk {
		t.Errorf("chunk sizes wrong")
	}
	delete(got[2], "_msgid")
	want := engine.Msg{"parts": engine.ObjectOf("index", 2.0, "count", 2.0, "ch", "", "type", "buffer", "id", "m1")}
	if diff := cmp.Diff(want, got[2], enginetest.OrderedObjects()); diff != "" {
		t.Errorf("closing part mismatch (-want +got):\n%s", diff)
	}
}

func TestFileInMissing(t *testing.T) {
	name := filepath.Join(t.TempDir(), "nope")
	wantText := "Error: ENOENT: no such file or directory, open '" + name + "'"
	for _, sendError := range []bool{false, true} {
		t.Run(map[bool]string{false: "catch only", true: "sendError"}[sendError], func(t *testing.T) {
			h := fileHarness(t, map[string]any{"type": "file in", "filename": name, "filenameType": "str", "format": "utf8", "sendError": sendError})
			h.Send("n1", engine.Msg{"payload": "p", "topic": "t"})
			caught := h.Wait("caught", 1, 5*time.Second)
			if got := errorText(caught[0]); got != wantText {
				t.Errorf("caught error %q, want %q", got, wantText)
			}
			out := h.Collected()["out"]
			if !sendError {
				if len(out) != 0 {
					t.Errorf("sent %v without sendError", out)
				}
				return
			}
			out = h.Wait("out", 1, 5*time.Second)
			delete(out[0], "_msgid")
			want := engine.Msg{"topic": "t", "filename": name, "error": engine.ObjectOf(
				// Node's error keys: errno, code, syscall, path
				"message", "ENOENT: no such file or directory, open '"+name+"'", "errno", -2.0, "code", "ENOENT", "syscall", "open", "path", name,
			)}
			if diff := cmp.Diff(want, out[0], enginetest.OrderedObjects()); diff != "" {
				t.Errorf("error message mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWatch(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		recursive bool
		act       func(t *testing.T)
		want      engine.Msg
	}{
		{"file created in directory", false, func(t *testing.T) { write(t, filepath.Join(dir, "a.txt"), "abc") },
			engine.Msg{"payload": filepath.Join(dir, "a.txt"), "filename": filepath.Join(dir, "a.txt"), "file": "a.txt", "topic": dir, "event": "update", "type": "file", "size": 3.0}},
		{"file removed", false, func(t *testing.T) { os.Remove(filepath.Join(dir, "a.txt")) },
			engine.Msg{"payload": filepath.Join(dir, "a.txt"), "filename": filepath.Join(dir, "a.txt"), "file": "a.txt", "topic": dir, "event": "remove", "type": "none"}},
		{"recursive sees sub-directories", true, func(t *testing.T) { write(t, filepath.Join(sub, "b"), "") },
			engine.Msg{"payload": filepath.Join(sub, "b"), "filename": filepath.Join(sub, "b"), "file": "b", "topic": dir, "event": "update", "type": "file", "size": 0.0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := fileHarness(t, map[string]any{"type": "watch", "files": " " + dir + " ", "recursive": tt.recursive})
			tt.act(t)
			got := h.Wait("out", 1, 5*time.Second)
			time.Sleep(3 * watchDelay) // bunched: no second message for the same change
			got = h.Collected()["out"]
			for _, m := range got {
				delete(m, "_msgid")
			}
			if diff := cmp.Diff([]engine.Msg{tt.want}, got, enginetest.OrderedObjects()); diff != "" {
				t.Errorf("messages mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWatchMissingPathFailsStart(t *testing.T) {
	h := fileHarness(t, map[string]any{"type": "watch", "files": filepath.Join(t.TempDir(), "nope")})
	for _, e := range h.Events() {
		if s, ok := e.Data.(engine.Status); ok && e.Topic == "status/n1" && s.Fill == "red" && strings.Contains(s.Text, "does not") {
			return
		}
	}
	t.Errorf("no error status after a failed start: %v", h.Events())
}

func write(t *testing.T, name, s string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}
