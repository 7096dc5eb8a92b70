package runtime

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/flows"
)

// TestBackupRestore backs up a running Flowgate (flows and credentials
// kept outside the data directory, the generated credential key, a SQLite
// context store, a storage database with writes still in its WAL, the
// broker's store) and restores it to other directories, where a new
// Flowgate decrypts the credentials and reads the context.
func TestBackupRestore(t *testing.T) {
	settings := func(root string) Settings {
		return Settings{
			Listen: "127.0.0.1:0", DataDir: filepath.Join(root, "data"), FlowsFile: filepath.Join(root, "flows", "my-flows.json"),
			Broker: "127.0.0.1:0", HW: "sim",
			ContextStorage: ContextStorage{Stores: []ContextStoreConfig{{Name: "file", Module: "sqlite", File: "context.db"}}},
		}
	}
	src := settings(t.TempDir())
	rt := startBackupTest(t, src)
	cfg, err := flows.Parse([]byte(`[{"id":"t","type":"tab","label":"t"},
		{"id":"b","type":"mqtt-broker","broker":"localhost","port":"1883","credentials":{"user":"u","password":"s3cret"}}]`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rt.Deploy(t.Context(), cfg, engine.DeployFull, ""); err != nil {
		t.Fatal(err)
	}
	if err := rt.ctxs.stores.ByName["file"].Set("global", "count", 42.0); err != nil {
		t.Fatal(err)
	}
	// a storage database in WAL mode with a connection still open: its
	// last rows are only in the -wal file
	ts, err := sql.Open("sqlite3", filepath.Join(src.DataDir, "series.db")+"?_journal_mode=WAL")
	if err != nil {
		t.Fatal(err)
	}
	defer ts.Close()
	for _, q := range []string{"PRAGMA wal_autocheckpoint=0", "CREATE TABLE s(t INTEGER, v REAL)", "INSERT INTO s VALUES (1, 20.5), (2, 21)"} {
		if _, err := ts.Exec(q); err != nil {
			t.Fatal(err)
		}
	}

	var buf bytes.Buffer
	m, err := Backup(src, &buf)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"data/context.db", "data/series.db", "data/mqtt.db", "data/.config.runtime.json", "flows/my-flows.json", "flows/my-flows_cred.json"} {
		if !strings.Contains(strings.Join(m.Files, " "), want) {
			t.Errorf("backup files %v lack %s", m.Files, want)
		}
	}
	if err := rt.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}

	dst := settings(t.TempDir())
	if _, err := Restore(dst, bytes.NewReader(buf.Bytes())); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"my-flows.json", "my-flows_cred.json"} {
		a, _ := os.ReadFile(filepath.Join(filepath.Dir(src.FlowsFile), f))
		b, err := os.ReadFile(filepath.Join(filepath.Dir(dst.FlowsFile), f))
		if err != nil || !bytes.Equal(a, b) {
			t.Errorf("%s not restored as it was (%v)", f, err)
		}
	}
	db, err := sql.Open("sqlite3", filepath.Join(dst.DataDir, "series.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM s").Scan(&n); err != nil || n != 2 {
		t.Errorf("restored series rows %d, %v; want 2 (the WAL's writes included)", n, err)
	}

	restored := startBackupTest(t, dst)
	if got := restored.creds.current()["b"]["password"]; got != "s3cret" {
		t.Errorf("restored credential %v, want it decrypted with the restored key", got)
	}
	if v, ok, err := restored.ctxs.stores.ByName["file"].Get("global", "count"); err != nil || !ok || v != 42.0 {
		t.Errorf("restored context count = %v %v %v, want 42", v, ok, err)
	}

	t.Run("refused while Flowgate runs", func(t *testing.T) {
		live := dst
		live.Listen = restored.Addr()
		if _, err := Restore(live, bytes.NewReader(buf.Bytes())); err == nil || !strings.Contains(err.Error(), "systemctl stop flowgate") {
			t.Fatalf("restore over a running Flowgate: %v", err)
		}
	})
	t.Run("not a backup", func(t *testing.T) {
		if _, err := Restore(settings(t.TempDir()), strings.NewReader("hello")); err == nil {
			t.Fatal("restored from garbage")
		}
	})
}

func startBackupTest(t *testing.T, s Settings) *Runtime {
	t.Helper()
	rt, err := New(s)
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.Shutdown(context.Background()) })
	return rt
}
