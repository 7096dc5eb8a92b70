package storage

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
)

func sqliteFlow(s *site, file, mode, query, sql string) {
	s.deploy(
		jsonObj(obj{"id": "db", "type": "sqlitedb", "db": file, "mode": mode}),
		jsonObj(obj{"id": "q", "type": "sqlite", "z": "t", "mydb": "db", "sqlquery": query, "sql": sql, "wires": [][]string{{"out"}}}),
		`{"id":"out","type":"helper","z":"t"}`,
	)
}

func TestSqliteQueries(t *testing.T) {
	s := newSite(t)
	sqliteFlow(s, "test.db", "RWC", "msg.topic", "")
	setup := "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, v REAL, b BLOB, n INTEGER, flag BOOLEAN);" +
		"INSERT INTO t VALUES (1, 'one', 1.5, x'0102', NULL, 1);" +
		"INSERT INTO t VALUES (2, 'two', 2, NULL, 7, 0)"
	for _, stmt := range strings.Split(setup, ";") {
		s.call("q", "out", engine.Msg{"topic": stmt})
	}
	if _, err := os.Stat(filepath.Join(s.dir, "test.db")); err != nil {
		t.Fatalf("the database is not in the data directory: %v", err)
	}
	tests := []struct {
		name string
		in   engine.Msg
		want any
	}{
		{"rows as objects with JavaScript types", engine.Msg{"topic": "SELECT * FROM t ORDER BY id"}, []any{
			engine.ObjectOf("id", 1.0, "name", "one", "v", 1.5, "b", []byte{1, 2}, "n", nil, "flag", 1.0),
			engine.ObjectOf("id", 2.0, "name", "two", "v", 2.0, "b", nil, "n", 7.0, "flag", 0.0),
		}},
		{"payload array binds $ parameters in order", engine.Msg{"topic": "SELECT name FROM t WHERE id = $id AND v > $v", "payload": []any{2.0, 1.0}}, []any{engine.ObjectOf("name", "two")}},
		{"a write returns no rows", engine.Msg{"topic": "UPDATE t SET name = 'uno' WHERE id = 1"}, []any{}},
		{"the write is seen", engine.Msg{"topic": "SELECT name FROM t WHERE id = 1"}, []any{engine.ObjectOf("name", "uno")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := s.call("q", "out", tt.in)
			if diff := cmp.Diff(tt.want, got["payload"], enginetest.OrderedObjects()); diff != "" {
				t.Errorf("payload (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSqliteModes(t *testing.T) {
	t.Run("fixed", func(t *testing.T) {
		s := newSite(t)
		sqliteFlow(s, "f.db", "RWC", "fixed", "SELECT 1 + 1 AS two, 'x' AS s")
		got := s.call("q", "out", engine.Msg{"topic": "ignored"})
		if diff := cmp.Diff([]any{engine.ObjectOf("two", 2.0, "s", "x")}, got["payload"], enginetest.OrderedObjects()); diff != "" {
			t.Error(diff)
		}
	})
	t.Run("prepared with msg.params", func(t *testing.T) {
		s := newSite(t)
		sqliteFlow(s, "p.db", "RWC", "prepared", "SELECT $a * 2 AS a2, $name AS name, $flag AS flag")
		got := s.call("q", "out", engine.Msg{"params": engine.ObjectOf("$a", 21.0, "$name", "n", "$flag", true)})
		if diff := cmp.Diff([]any{engine.ObjectOf("a2", 42.0, "name", "n", "flag", 1.0)}, got["payload"], enginetest.OrderedObjects()); diff != "" {
			t.Error(diff)
		}
	})
	t.Run("batch runs every statement and sends an empty payload", func(t *testing.T) {
		s := newSite(t)
		sqliteFlow(s, "b.db", "RWC", "batch", "")
		got := s.call("q", "out", engine.Msg{"topic": "CREATE TABLE a (x); INSERT INTO a VALUES (1); INSERT INTO a VALUES (2);", "payload": "keep?"})
		if diff := cmp.Diff([]any{}, got["payload"], enginetest.OrderedObjects()); diff != "" {
			t.Error(diff)
		}
		db, err := s.dbs.Acquire(t.Context(), "b.db", ModeReadWriteCreate)
		if err != nil {
			t.Fatal(err)
		}
		defer s.dbs.Release(db)
		var n int
		if err := db.R.QueryRow("SELECT count(*) FROM a").Scan(&n); err != nil || n != 2 {
			t.Errorf("rows = %d, %v; want 2", n, err)
		}
	})
	t.Run("read-only refuses writes", func(t *testing.T) {
		s := newSite(t)
		sqliteFlow(s, "ro.db", "RWC", "batch", "")
		s.call("q", "out", engine.Msg{"topic": "CREATE TABLE a (x)"})
		sqliteFlow(s, "ro.db", "RO", "msg.topic", "")
		s.h.Send("q", engine.Msg{"topic": "INSERT INTO a VALUES (1)"})
		s.waitError("SQLITE_READONLY")
	})
}

func TestSqliteErrors(t *testing.T) {
	tests := []struct {
		name, query, sql string
		in               engine.Msg
		want             string
	}{
		{"topic not a string", "msg.topic", "", engine.Msg{"topic": 5.0}, "msg.topic : the query is not defined as a string"},
		{"batch topic not a string", "batch", "", engine.Msg{}, "msg.topic : the query is not defined as string"},
		{"SQL error names code and statement", "msg.topic", "", engine.Msg{"topic": "SELECT * FROM nope"}, "SQLITE_ERROR: no such table: nope (statement: SELECT * FROM nope)"},
		{"fixed without SQL", "fixed", "", engine.Msg{}, "SQL statement config not set up"},
		{"prepared without SQL", "prepared", "", engine.Msg{"params": engine.NewObject(0)}, "Prepared statement config not set up"},
		{"prepared without params", "prepared", "SELECT $a", engine.Msg{}, "msg.params not passed"},
		{"prepared with params not an object", "prepared", "SELECT $a", engine.Msg{"params": "x"}, "msg.params not an object"},
		{"extensions refused", "msg.topic", "", engine.Msg{"topic": "SELECT 1", "extension": "x"}, "msg.extension: loading SQLite extensions is not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSite(t)
			sqliteFlow(s, "e.db", "RWC", tt.query, tt.sql)
			s.h.Send("q", tt.in)
			if got := s.waitError(tt.want); got != tt.want {
				t.Errorf("error = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSqliteBadFiles(t *testing.T) {
	t.Run("a missing file in RW mode is reported, not created", func(t *testing.T) {
		s := newSite(t)
		sqliteFlow(s, "missing.db", "RW", "msg.topic", "")
		s.waitError("missing.db: the file does not exist (mode RW)")
		if _, err := os.Stat(filepath.Join(s.dir, "missing.db")); !os.IsNotExist(err) {
			t.Errorf("the file was created: %v", err)
		}
	})
	t.Run("a file that is not a database is reported and left alone", func(t *testing.T) {
		s := newSite(t)
		path := filepath.Join(s.dir, "junk.db")
		junk := []byte(strings.Repeat("not a database, the user's data ", 200))
		if err := os.WriteFile(path, junk, 0o644); err != nil {
			t.Fatal(err)
		}
		sqliteFlow(s, "junk.db", "RWC", "msg.topic", "")
		s.waitError("file is not a database")
		s.h.E.Stop(t.Context())
		got, err := os.ReadFile(path)
		if err != nil || string(got) != string(junk) {
			t.Errorf("the file changed (%v)", err)
		}
	})
	t.Run("a sqlite node without its config node", func(t *testing.T) {
		s := newSite(t)
		s.deploy(`{"id":"q","type":"sqlite","z":"t","mydb":"nothere","sqlquery":"msg.topic","wires":[["out"]]}`, `{"id":"out","type":"helper","z":"t"}`)
		s.waitError("Sqlite database not configured")
	})
}

func TestSqliteSharesOneFile(t *testing.T) {
	s := newSite(t)
	s.deploy(
		`{"id":"db1","type":"sqlitedb","db":"shared.db","mode":"RWC"}`,
		`{"id":"db2","type":"sqlitedb","db":"shared.db","mode":"RWC"}`,
		`{"id":"a","type":"sqlite","z":"t","mydb":"db1","sqlquery":"msg.topic","wires":[["out"]]}`,
		`{"id":"b","type":"sqlite","z":"t","mydb":"db2","sqlquery":"msg.topic","wires":[["out"]]}`,
		`{"id":"out","type":"helper","z":"t"}`,
	)
	s.call("a", "out", engine.Msg{"topic": "CREATE TABLE c (x)"})
	s.call("b", "out", engine.Msg{"topic": "INSERT INTO c VALUES (1)"})
	got := s.call("a", "out", engine.Msg{"topic": "SELECT x FROM c"})
	if diff := cmp.Diff([]any{engine.ObjectOf("x", 1.0)}, got["payload"], enginetest.OrderedObjects()); diff != "" {
		t.Error(diff)
	}
	s.dbs.mu.Lock()
	files, refs := len(s.dbs.files), 0
	for _, db := range s.dbs.files {
		refs = db.refs
	}
	s.dbs.mu.Unlock()
	if files != 1 || refs != 4 {
		t.Errorf("pool holds %d files with %d refs, want 1 file with 4", files, refs)
	}
	s.h.E.Stop(t.Context())
	s.dbs.mu.Lock()
	defer s.dbs.mu.Unlock()
	if len(s.dbs.files) != 0 {
		t.Errorf("files still open after stop: %d", len(s.dbs.files))
	}
}
