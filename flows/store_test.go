package flows

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestStoreSaveLoad checks the file against the one Node-RED 4.1.15 wrote
// for input.json with the settings.js it generates (flowFilePretty: true:
// JSON.stringify(flows, null, 4), no trailing newline), and the backup
// against Node-RED's name for it, ".flows.json.backup".
func TestStoreSaveLoad(t *testing.T) {
	dir := t.TempDir()
	s := Store{Path: filepath.Join(dir, "data", "flows.json")}
	if got := s.BackupPath(); got != filepath.Join(dir, "data", ".flows.json.backup") {
		t.Errorf("BackupPath = %s", got)
	}
	empty, err := s.Load()
	if err != nil {
		t.Fatalf("Load of a missing file: %v", err)
	}
	if len(empty.Nodes) != 0 || empty.Rev != ComputeRev([]byte("[]")) {
		t.Errorf("Load of a missing file = %+v", empty)
	}

	first := mustParse(t, readFile(t, "testdata/nodered/input.json"))
	if err := s.Save(first); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(nodeREDFile(t, "flows_file_pretty.json"), string(readFile(t, s.Path))); diff != "" {
		t.Errorf("flows file (-nodered +got):\n%s", diff)
	}
	if _, err := os.Stat(s.BackupPath()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("first Save made a backup: %v", err)
	}
	loaded, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(first, loaded); diff != "" {
		t.Errorf("Load after Save (-saved +loaded):\n%s", diff)
	}

	second, err := first.DeleteFlow("t1")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Save(second); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(nodeREDFile(t, "flows_file_pretty.json"), string(readFile(t, s.BackupPath()))); diff != "" {
		t.Errorf("backup is not the previous version (-want +got):\n%s", diff)
	}
	loaded, err = s.Load()
	if err != nil {
		t.Fatal(err)
	}
	if loaded.Rev != second.Rev {
		t.Errorf("Load rev = %s, want %s", loaded.Rev, second.Rev)
	}
	assertNoTemp(t, filepath.Dir(s.Path))

	compact := Store{Path: filepath.Join(dir, "compact.json"), Compact: true}
	if err := compact.Save(first); err != nil {
		t.Fatal(err)
	}
	if got := string(readFile(t, compact.Path)); got != nodeREDFile(t, "get_flows_v1.json") {
		t.Errorf("compact file = %s", got)
	}
}

func nodeREDFile(t *testing.T, name string) string {
	t.Helper()
	return string(readFile(t, filepath.Join("testdata", "nodered", name)))
}

func assertNoTemp(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

func TestStoreFailedSave(t *testing.T) {
	good := New([]Node{{ID: "t", Type: "tab"}})
	tests := []struct {
		name   string
		store  func(path string) Store
		config *Config
	}{
		{"rename fails", func(p string) Store {
			return Store{Path: p, rename: func(oldpath, newpath string) error {
				if newpath == p {
					return errors.New("disk on fire")
				}
				return os.Rename(oldpath, newpath)
			}}
		}, good},
		{"unencodable node", func(p string) Store { return Store{Path: p} }, &Config{Nodes: []Node{{ID: "x", Raw: []byte(`{"id":`)}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "flows.json")
			old := `[{"id":"old","type":"tab"}]`
			if err := os.WriteFile(path, []byte(old), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := tc.store(path).Save(tc.config); err == nil {
				t.Fatal("Save succeeded")
			}
			if got := string(readFile(t, path)); got != old {
				t.Errorf("flows file after a failed Save = %s, want %s", got, old)
			}
			assertNoTemp(t, filepath.Dir(path))
		})
	}
}

func TestStoreLoad(t *testing.T) {
	tests := []struct {
		name, file, backup string
		wantIDs            []string
		wantErr            string
	}{
		{"empty file, no backup", "", "-", nil, ""},
		{"empty file restores backup", "", `[{"id":"b","type":"tab"}]`, []string{"b"}, ""},
		{"empty file, empty backup", "", "", nil, ""},
		{"invalid JSON", "[{", "-", nil, "line 1, column 3"},
		{"byte order mark", "\xEF\xBB\xBF[{\"id\":\"a\",\"type\":\"tab\"}]", "-", []string{"a"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := Store{Path: filepath.Join(t.TempDir(), "flows.json")}
			if err := os.WriteFile(s.Path, []byte(tc.file), 0o644); err != nil {
				t.Fatal(err)
			}
			if tc.backup != "-" {
				if err := os.WriteFile(s.BackupPath(), []byte(tc.backup), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			c, err := s.Load()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Load error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, n := range c.Nodes {
				ids = append(ids, n.ID)
			}
			if diff := cmp.Diff(tc.wantIDs, ids); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
		})
	}
}
