package flows

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Store keeps a deployment in a flows file the way Node-RED's
// localfilesystem storage does, so a Node-RED user directory and a
// Flowgate data directory are interchangeable.
type Store struct {
	// Path is the flows file, e.g. data/flows.json.
	Path string
	// Compact writes the array on one line, like Node-RED with
	// flowFilePretty: false. The default is 4-space indentation, which is
	// what the settings.js Node-RED 4 generates (flowFilePretty: true)
	// gives.
	Compact bool

	// rename replaces os.Rename in tests that need a failing save.
	rename func(oldpath, newpath string) error
}

// BackupPath returns where Save keeps the previous version of the file:
// ".<name>.backup" beside it, Node-RED's name (".flows.json.backup").
func (s Store) BackupPath() string {
	return filepath.Join(filepath.Dir(s.Path), "."+filepath.Base(s.Path)+".backup")
}

// Load reads the flows file. A missing file, or an empty one with no
// non-empty backup, is an empty Config and no error. An empty file with a
// non-empty backup loads the backup, as Node-RED does. Unlike Node-RED,
// which starts with no flows when the file is not valid JSON, Load
// reports that as an error so that a later Save cannot overwrite the
// user's flows.
func (s Store) Load() (*Config, error) {
	data, err := os.ReadFile(s.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return New(nil), nil
	}
	if err != nil {
		return nil, fmt.Errorf("load flows: %w", err)
	}
	if len(data) == 0 {
		backup, err := os.ReadFile(s.BackupPath())
		if err != nil || len(backup) == 0 {
			return New(nil), nil
		}
		data = backup
	}
	c, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", s.Path, err)
	}
	c.BaseRev = ""
	return c, nil
}

// Save writes c atomically: it copies the current file to BackupPath,
// writes the flows array to a temporary file in the same directory,
// fsyncs it, renames it over Path and fsyncs the directory. When Save
// fails the file at Path is the previous version.
func (s Store) Save(c *Config) error {
	data, err := s.encode(c)
	if err != nil {
		return fmt.Errorf("save flows: %w", err)
	}
	dir := filepath.Dir(s.Path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("save flows: %w", err)
	}
	if old, err := os.ReadFile(s.Path); err == nil {
		if err := s.writeAtomic(s.BackupPath(), old); err != nil {
			return fmt.Errorf("save flows: backup: %w", err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("save flows: %w", err)
	}
	if err := s.writeAtomic(s.Path, data); err != nil {
		return fmt.Errorf("save flows: %w", err)
	}
	return nil
}

// encode renders the file contents: JSON.stringify(flows, null, 4) or the
// compact array, without a trailing newline, as Node-RED writes it.
func (s Store) encode(c *Config) ([]byte, error) {
	v1 := c.MarshalV1()
	if s.Compact {
		return v1, nil
	}
	v, err := parseJS(v1)
	if err != nil {
		return nil, err
	}
	e := jsEncoder{indent: "    "}
	e.value(v, "")
	return e.buf, nil
}

// writeAtomic writes data to a temporary file beside path, fsyncs it,
// renames it to path and fsyncs the directory.
func (s Store) writeAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = os.Remove(tmp) // best effort: the error that matters is err
		}
	}()
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		return err
	}
	rename := s.rename
	if rename == nil {
		rename = os.Rename
	}
	if err := rename(tmp, path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
