package runtime

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
	"github.com/flowgate/flowgate/flows"
	"github.com/flowgate/flowgate/nodes/storage"
)

func TestParseContextStorage(t *testing.T) {
	tests := []struct {
		name        string
		yaml        string
		want        ContextStorage
		wantDefault string
		wantNames   []string
		wantErr     string
	}{
		{
			name: "default memory and a disk store",
			yaml: `{default: {module: memory}, disk: {module: localfilesystem}}`,
			want: ContextStorage{Stores: []ContextStoreConfig{
				{Name: "default", Module: "memory", FlushInterval: DefaultFlushInterval},
				{Name: "disk", Module: "localfilesystem", File: "context.db", FlushInterval: DefaultFlushInterval},
			}},
			wantDefault: "default", wantNames: []string{"default", "disk"},
		},
		{
			name: "default names another store",
			yaml: `{default: file, mem: {module: memory}, file: {module: sqlite, config: {flushInterval: 5, dir: /var/lib/fg, base: ctx}}}`,
			want: ContextStorage{Default: "file", Stores: []ContextStoreConfig{
				{Name: "mem", Module: "memory", FlushInterval: DefaultFlushInterval},
				{Name: "file", Module: "sqlite", File: "/var/lib/fg/ctx.db", FlushInterval: 5 * time.Second},
			}},
			wantDefault: "file", wantNames: []string{"mem", "file"},
		},
		{
			name: "no default: the first store",
			yaml: `{disk: {module: localfilesystem, config: {file: my.db, flushInterval: 0, cache: true}}, mem: {module: memory}}`,
			want: ContextStorage{Stores: []ContextStoreConfig{
				{Name: "disk", Module: "localfilesystem", File: "my.db"},
				{Name: "mem", Module: "memory", FlushInterval: DefaultFlushInterval},
			}},
			wantDefault: "disk", wantNames: []string{"disk", "mem"},
		},
		{name: "unknown module", yaml: `{disk: {module: redis}}`, wantErr: `contextStorage.disk: module must be memory, localfilesystem or sqlite, got "redis"`},
		{name: "alias to nothing", yaml: `{default: disk, mem: {module: memory}}`, wantErr: `contextStorage.default: no store named "disk"`},
		{name: "unknown config key", yaml: `{disk: {module: sqlite, config: {flush: 1}}}`, wantErr: "contextStorage.disk"},
		{name: "not a mapping", yaml: `[memory]`, wantErr: "contextStorage: must be a mapping"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var doc yaml.Node
			if err := yaml.Unmarshal([]byte(tt.yaml), &doc); err != nil {
				t.Fatal(err)
			}
			got, err := parseContextStorage(doc.Content[0])
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("parse (-want +got):\n%s", diff)
			}
			cs := newContextStores(Settings{ContextStorage: got, Log: slog.New(slog.DiscardHandler)})
			if diff := cmp.Diff(map[string]any{"default": tt.wantDefault, "stores": tt.wantNames}, cs.settings()); diff != "" {
				t.Errorf("GET /settings context (-want +got):\n%s", diff)
			}
		})
	}
}

// openStore opens a store on dir/context.db; the caller closes it.
func openStore(t *testing.T, dir string, interval time.Duration) *SQLiteStore {
	t.Helper()
	s := NewSQLiteStore("context.db", interval, slog.New(slog.DiscardHandler))
	if err := s.Open(t.Context(), storage.NewDBs(dir)); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSQLiteStoreRoundTrip(t *testing.T) {
	values := map[string]any{
		"str":    "héllo",
		"num":    42.5,
		"bool":   true,
		"buf":    []byte{0, 1, 2, 255},
		"empty":  []byte{},
		"nested": engine.ObjectOf("b", engine.NewObject(0), "a", []any{1.0, "x", engine.ObjectOf("n", nil, "buf", []byte("hi"))}, "2", true),
		"msg":    engine.Msg{"topic": "t", "payload": "p"},
		"dollar": engine.ObjectOf("$b", "not a buffer", "$$x", 1.0, "$", "d"),
		"arr":    []any{[]byte("a"), []any{}},
	}
	want := map[string]any{}
	for k, v := range values {
		want[k] = v
	}
	want["msg"] = engine.ObjectOf("payload", "p", "topic", "t") // read back as an object (a Msg has no key order)
	dir := t.TempDir()
	s := openStore(t, dir, time.Hour)
	for k, v := range values {
		if err := s.Set("flow1", k, v); err != nil {
			t.Fatalf("Set %s: %v", k, err)
		}
	}
	if err := s.Set("flow1", "nan", math.NaN()); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	s = openStore(t, dir, time.Hour)
	defer s.Close()
	for k, w := range want {
		got, ok, err := s.Get("flow1", k)
		if err != nil || !ok {
			t.Fatalf("Get %s: %v %v", k, ok, err)
		}
		if diff := cmp.Diff(w, got, enginetest.OrderedObjects()); diff != "" {
			t.Errorf("%s after reopen (-want +got):\n%s", k, diff)
		}
	}
	if got, ok, _ := s.Get("flow1", "nan"); !ok || got != nil {
		t.Errorf("NaN read back as %v %v, want null as JSON.stringify", got, ok)
	}
}

func TestSQLiteStoreKeysDeleteClear(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, time.Hour)
	for _, k := range []string{"b", "a", "c"} {
		if err := s.Set("global", k, k); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Set("n1:f1", "x", 1.0); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete("global", "b"); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete("global", "missing"); err != nil {
		t.Fatal(err)
	}
	if err := s.Clear("n1:f1"); err != nil {
		t.Fatal(err)
	}
	if err := s.Set("n1:f1", "y", 2.0); err != nil {
		t.Fatal(err)
	}
	check := func(when string, s *SQLiteStore) {
		t.Helper()
		for scope, want := range map[string][]string{"global": {"a", "c"}, "n1:f1": {"y"}, "none": {}} {
			got, err := s.Keys(scope)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s: Keys(%s) (-want +got):\n%s", when, scope, diff)
			}
		}
	}
	check("before close", s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Get("global", "a"); err == nil {
		t.Error("Get after Close: no error")
	}
	s = openStore(t, dir, time.Hour)
	defer s.Close()
	check("after reopen", s)
}

// Without a flush interval every write is written at once.
func TestSQLiteStoreWriteThrough(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, 0)
	defer s.Close()
	if err := s.Set("global", "k", "v"); err != nil {
		t.Fatal(err)
	}
	if got := storedCount(t, s); got != 1 {
		t.Errorf("rows in the file: %d, want 1", got)
	}
}

func storedCount(t *testing.T, s *SQLiteStore) int {
	t.Helper()
	var n int
	if err := s.db.W.QueryRow(`SELECT count(*) FROM context`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Writes wait for the flush interval, then reach the file in one go.
func TestSQLiteStoreFlushInterval(t *testing.T) {
	dir := t.TempDir()
	synctest.Test(t, func(t *testing.T) {
		s := NewSQLiteStore("context.db", DefaultFlushInterval, slog.New(slog.DiscardHandler))
		if err := s.Open(context.Background(), storage.NewDBs(dir)); err != nil {
			t.Fatal(err)
		}
		for i := range 100 {
			if err := s.Set("global", "k", float64(i)); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Set("global", "other", "x"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(DefaultFlushInterval - time.Second)
		if got := storedCount(t, s); got != 0 {
			t.Errorf("rows before the flush interval: %d, want 0", got)
		}
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if got := storedCount(t, s); got != 2 {
			t.Errorf("rows after the flush interval: %d, want 2", got)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	})
}

func TestSQLiteStoreConcurrent(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, time.Millisecond)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			scope := fmt.Sprintf("flow%d", g%2)
			for i := range 200 {
				key := fmt.Sprintf("k%d", i%10)
				v := engine.ObjectOf("g", float64(g), "i", float64(i), "b", []byte{byte(i)})
				if err := s.Set(scope, key, v); err != nil {
					t.Error(err)
					return
				}
				got, _, err := s.Get(scope, key)
				if err != nil {
					t.Error(err)
					return
				}
				if m, ok := got.(*engine.Object); ok { // nil when another goroutine cleared the scope
					m.Set("g", "mutated") // a copy: the store must not see this
				}
				if _, err := s.Keys(scope); err != nil {
					t.Error(err)
				}
				if i%50 == 0 {
					_ = s.Clear(scope)
				}
			}
		})
	}
	wg.Wait()
	want := map[string]map[string]any{}
	for _, scope := range []string{"flow0", "flow1"} {
		keys, _ := s.Keys(scope)
		want[scope] = map[string]any{}
		for _, k := range keys {
			v, _, _ := s.Get(scope, k)
			if v.(*engine.Object).Value("g") == "mutated" {
				t.Errorf("%s %s: a caller's change reached the store", scope, k)
			}
			want[scope][k] = v
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openStore(t, dir, time.Hour)
	defer s.Close()
	if diff := cmp.Diff(want, s.data); diff != "" {
		t.Errorf("after reopen (-want +got):\n%s", diff)
	}
}

func TestSQLiteStoreBadInput(t *testing.T) {
	t.Run("corrupt file", func(t *testing.T) {
		dir := t.TempDir()
		file := filepath.Join(dir, "context.db")
		garbage := []byte(strings.Repeat("not a database ", 100))
		if err := os.WriteFile(file, garbage, 0o644); err != nil {
			t.Fatal(err)
		}
		s := NewSQLiteStore("context.db", time.Second, slog.New(slog.DiscardHandler))
		err := s.Open(t.Context(), storage.NewDBs(dir))
		if err == nil || !strings.Contains(err.Error(), file) {
			t.Fatalf("Open: %v, want an error naming %s", err, file)
		}
		if b, _ := os.ReadFile(file); string(b) != string(garbage) {
			t.Error("the file was changed")
		}
		if err := s.Close(); err != nil {
			t.Errorf("Close of an unopened store: %v", err)
		}
	})
	t.Run("value that is not JSON", func(t *testing.T) {
		dir := t.TempDir()
		s := openStore(t, dir, time.Hour)
		if err := s.Set("global", "k", "ok"); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		s = openStore(t, dir, time.Hour)
		if _, err := s.db.W.Exec(`UPDATE context SET value = '{broken'`); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		s = NewSQLiteStore("context.db", time.Hour, slog.New(slog.DiscardHandler))
		err := s.Open(t.Context(), storage.NewDBs(dir))
		if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "context.db")) || !strings.Contains(err.Error(), `key "k"`) {
			t.Fatalf("Open: %v, want an error naming the file and the key", err)
		}
	})
	t.Run("value that cannot be stored", func(t *testing.T) {
		s := openStore(t, t.TempDir(), time.Hour)
		defer s.Close()
		err := s.Set("global", "f", engine.ObjectOf("c", make(chan int)))
		if err == nil {
			t.Fatal("Set of a channel: no error")
		}
		if _, ok, _ := s.Get("global", "f"); ok {
			t.Error("a value that cannot be stored was kept")
		}
	})
}

// The runtime with a settings file: a change node writes flow and global
// context into the disk store with `#:(disk)::`, the runtime restarts, and
// the values are read back (by a change node and by a function node).
func TestContextPersistsAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "settings.yaml")
	settings := "contextStorage:\n  default: {module: memory}\n  disk: {module: localfilesystem, config: {flushInterval: 3600}}\n"
	if err := os.WriteFile(file, []byte(settings), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := flows.Parse([]byte(`[{"id":"t","type":"tab","label":"t"},
		{"id":"in1","type":"http in","z":"t","url":"/set","method":"get","wires":[["set"]]},
		{"id":"set","type":"change","z":"t","rules":[
			{"t":"set","p":"#:(disk)::counter.n","pt":"flow","to":"7","tot":"num"},
			{"t":"set","p":"#:(disk)::blob","pt":"global","to":"[1,2,3]","tot":"bin"},
			{"t":"set","p":"mem","pt":"flow","to":"lost","tot":"str"}],"wires":[["out1"]]},
		{"id":"out1","type":"http response","z":"t","wires":[]},
		{"id":"in2","type":"http in","z":"t","url":"/get","method":"get","wires":[["get"]]},
		{"id":"get","type":"change","z":"t","rules":[
			{"t":"set","p":"payload","pt":"msg","to":"{}","tot":"json"},
			{"t":"set","p":"payload.n","pt":"msg","to":"#:(disk)::counter.n","tot":"flow"},
			{"t":"set","p":"payload.mem","pt":"msg","to":"mem","tot":"flow"}],"wires":[["fn"]]},
		{"id":"fn","type":"function","z":"t","func":"msg.payload.blob = Array.from(global.get('blob', 'disk')); msg.payload.keys = flow.keys('disk'); return msg;","outputs":1,"wires":[["out2"]]},
		{"id":"out2","type":"http response","z":"t","wires":[]}]`))
	if err != nil {
		t.Fatal(err)
	}
	start := func() *Runtime {
		s := Settings{File: file, DataDir: dir, Listen: "127.0.0.1:0", Broker: "off", HW: "off"}
		if err := s.LoadFile(); err != nil {
			t.Fatal(err)
		}
		rt, err := New(s)
		if err != nil {
			t.Fatal(err)
		}
		if err := rt.store.Save(cfg); err != nil {
			t.Fatal(err)
		}
		if err := rt.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
		return rt
	}
	rt := start()
	base := "http://" + rt.Addr()
	if code, body := get(t, base+"/set"); code != 200 {
		t.Fatalf("GET /set: %d %s", code, body)
	}
	if code, body := get(t, base+"/settings"); code != 200 || !strings.Contains(body, `"context":{"default":"default","stores":["default","disk"]}`) {
		t.Errorf("GET /settings: %d %s", code, body)
	}
	if err := rt.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}

	rt = start()
	defer rt.Shutdown(context.Background())
	code, body := get(t, "http://"+rt.Addr()+"/get")
	if want := `{"n":7,"blob":[1,2,3],"keys":["counter"]}`; code != 200 || strings.TrimSpace(body) != want {
		t.Errorf("GET /get after restart: %d %s, want %s (flow.mem, in the memory store, is gone)", code, body, want)
	}
}
