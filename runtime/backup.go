package runtime

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/mattn/go-sqlite3" // SQLite's online copy (VACUUM INTO)
	"go.etcd.io/bbolt"
)

// A backup is a gzip tar: manifest.json, then data/<path> for every file
// of the data directory (the flows and their credentials, the credential
// key .config.runtime.json, SQLite databases of context and storage, the
// broker's store mqtt.db), flows/<name> for the flows and credentials
// files when they live outside it, context/<store>.db for a context
// store's file outside it, and settings/<name> for the settings file (it
// may hold credentialSecret).
const backupFormat = 1

// BackupManifest describes a backup.
type BackupManifest struct {
	Format   int       `json:"format"`
	Version  string    `json:"version"`
	Created  time.Time `json:"created"`
	DataDir  string    `json:"dataDir"`
	Files    []string  `json:"files"`
	Warnings []string  `json:"warnings,omitempty"`
}

var sqliteMagic = []byte("SQLite format 3\x00")

// Backup writes a backup of what s names to w. SQLite databases are copied
// with VACUUM INTO, consistent while Flowgate runs; the broker's store is
// copied through bbolt when Flowgate is stopped and as raw bytes (with a
// warning in the manifest) when the running broker holds it.
func Backup(s Settings, w io.Writer) (BackupManifest, error) {
	s.defaults()
	m := BackupManifest{Format: backupFormat, Version: s.Version, Created: time.Now().UTC(), DataDir: s.DataDir}
	type entry struct{ name, file string }
	var entries []entry
	err := filepath.WalkDir(s.DataDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() || isSQLiteSidecar(p) {
			return nil
		}
		rel, _ := filepath.Rel(s.DataDir, p)
		entries = append(entries, entry{"data/" + filepath.ToSlash(rel), p})
		return nil
	})
	if err != nil {
		return m, fmt.Errorf("backup: data directory: %w", err)
	}
	for _, f := range []string{s.FlowsFile, credPath(s)} {
		if !within(s.DataDir, f) {
			if _, err := os.Stat(f); err == nil {
				entries = append(entries, entry{"flows/" + filepath.Base(f), f})
			}
		}
	}
	for _, c := range s.ContextStorage.Stores {
		if f := contextFile(s, c.File); f != "" && !within(s.DataDir, f) {
			entries = append(entries, entry{"context/" + c.Name + ".db", f})
		}
	}
	if s.File != "" {
		entries = append(entries, entry{"settings/" + filepath.Base(s.File), s.File})
	}
	tmp, err := os.MkdirTemp("", "flowgate-backup-")
	if err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	defer os.RemoveAll(tmp)
	var files []entry
	for i, e := range entries {
		snap, warn, err := snapshot(e.file, filepath.Join(tmp, fmt.Sprint(i)))
		if err != nil {
			return m, fmt.Errorf("backup: %s: %w", e.file, err)
		}
		if warn != "" {
			m.Warnings = append(m.Warnings, e.file+": "+warn)
		}
		files = append(files, entry{e.name, snap})
		m.Files = append(m.Files, e.name)
	}
	zw := gzip.NewWriter(w)
	tw := tar.NewWriter(zw)
	manifest, _ := json.MarshalIndent(m, "", "  ")
	if err := writeTarFile(tw, "manifest.json", bytes.NewReader(manifest), int64(len(manifest)), 0o600); err != nil {
		return m, err
	}
	for _, f := range files {
		if err := addTarFile(tw, f.name, f.file); err != nil {
			return m, fmt.Errorf("backup: %s: %w", f.name, err)
		}
	}
	if err := tw.Close(); err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	return m, zw.Close()
}

// snapshot returns a file holding a consistent copy of file: a SQLite
// database through VACUUM INTO, the broker's bbolt store through a read
// transaction (raw, with a warning, while the broker holds it), and any
// other file as it is.
func snapshot(file, tmp string) (string, string, error) {
	head := make([]byte, len(sqliteMagic))
	if f, err := os.Open(file); err == nil {
		_, _ = io.ReadFull(f, head)
		f.Close()
	}
	switch {
	case bytes.Equal(head, sqliteMagic):
		db, err := sql.Open("sqlite3", "file:"+(&url.URL{Path: file}).EscapedPath()+"?mode=ro&_busy_timeout=5000")
		if err != nil {
			return "", "", err
		}
		defer db.Close()
		if _, err := db.Exec("VACUUM INTO ?", tmp); err != nil {
			return "", "", fmt.Errorf("sqlite copy: %w", err)
		}
		return tmp, "", nil
	case filepath.Base(file) == brokerStoreFile:
		db, err := bbolt.Open(file, 0o600, &bbolt.Options{ReadOnly: true, Timeout: 500 * time.Millisecond})
		if errors.Is(err, bbolt.ErrTimeout) {
			return file, "copied while the running broker held it; stop flowgate for an exact copy", nil
		}
		if err != nil {
			return "", "", err
		}
		defer db.Close()
		return tmp, "", db.View(func(tx *bbolt.Tx) error { return tx.CopyFile(tmp, 0o600) })
	}
	return file, "", nil
}

func addTarFile(tw *tar.Writer, name, file string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	return writeTarFile(tw, name, f, st.Size(), st.Mode().Perm())
}

func writeTarFile(tw *tar.Writer, name string, r io.Reader, size int64, mode fs.FileMode) error {
	if err := tw.WriteHeader(&tar.Header{Name: name, Size: size, Mode: int64(mode), ModTime: time.Now(), Typeflag: tar.TypeReg}); err != nil {
		return err
	}
	_, err := io.CopyN(tw, r, size)
	return err
}

// Restore puts a backup back where s names: the data directory, the flows
// and credentials files, the context stores' files and the settings file
// (when s has one). Flowgate must not run meanwhile: Restore refuses when
// something answers on s's listen address. Each file is written to a
// temporary file, synced and renamed; a restored SQLite database's stale
// -wal and -shm files are removed.
func Restore(s Settings, r io.Reader) (BackupManifest, error) {
	s.defaults()
	var m BackupManifest
	if c, err := net.DialTimeout("tcp", dialable(s.Listen), 300*time.Millisecond); err == nil {
		c.Close()
		return m, fmt.Errorf("restore: something answers on %s, is Flowgate running? Stop it first (sudo systemctl stop flowgate)", s.Listen)
	}
	zr, err := gzip.NewReader(r)
	if err != nil {
		return m, fmt.Errorf("restore: not a flowgate backup: %w", err)
	}
	tr := tar.NewReader(zr)
	for first := true; ; first = false {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return m, fmt.Errorf("restore: %w", err)
		}
		if first {
			if h.Name != "manifest.json" || json.NewDecoder(io.LimitReader(tr, 1<<20)).Decode(&m) != nil || m.Format != backupFormat {
				return m, errors.New("restore: not a flowgate backup (no manifest.json of format 1)")
			}
			continue
		}
		dest, err := restorePath(s, h.Name)
		if err != nil {
			return m, err
		}
		if dest == "" {
			continue
		}
		if err := writeAtomic(dest, tr, fs.FileMode(h.Mode).Perm()); err != nil {
			return m, fmt.Errorf("restore: %s: %w", dest, err)
		}
		for _, side := range []string{"-wal", "-shm", "-journal"} {
			_ = os.Remove(dest + side)
		}
	}
	return m, nil
}

// restorePath maps an archive name to where it goes under s ("" : skip).
func restorePath(s Settings, name string) (string, error) {
	clean := path.Clean(name)
	if strings.HasPrefix(clean, "../") || path.IsAbs(clean) {
		return "", fmt.Errorf("restore: bad name %q in the backup", name)
	}
	dir, rest, _ := strings.Cut(clean, "/")
	switch dir {
	case "data":
		return filepath.Join(s.DataDir, filepath.FromSlash(rest)), nil
	case "flows":
		if strings.HasSuffix(strings.TrimSuffix(rest, filepath.Ext(rest)), "_cred") {
			return credPath(s), nil
		}
		return s.FlowsFile, nil
	case "context":
		for _, c := range s.ContextStorage.Stores {
			if c.Name+".db" == rest {
				return contextFile(s, c.File), nil
			}
		}
		return "", nil
	case "settings":
		return s.File, nil
	}
	return "", nil
}

func writeAtomic(dest string, r io.Reader, mode fs.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(dest), ".restore-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(mode | 0o600); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	chownLikeParent(f.Name())
	return os.Rename(f.Name(), dest)
}

// chownLikeParent gives file its directory's owner when run as root (sudo
// flowgate restore into the service's /var/lib/flowgate), so that the
// service can still write it.
func chownLikeParent(file string) {
	if os.Geteuid() != 0 {
		return
	}
	if st, ok := statOwner(filepath.Dir(file)); ok {
		_ = os.Chown(file, st.uid, st.gid)
	}
}

// credPath is the credentials file beside the flows file.
func credPath(s Settings) string {
	ext := filepath.Ext(s.FlowsFile)
	return strings.TrimSuffix(s.FlowsFile, ext) + "_cred" + ext
}

// contextFile resolves a context store's file as the stores do (relative
// to the data directory); "" for a memory store.
func contextFile(s Settings, f string) string {
	if f == "" || filepath.IsAbs(f) {
		return f
	}
	return filepath.Join(s.DataDir, f)
}

func within(dir, f string) bool {
	rel, err := filepath.Rel(dir, f)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

func isSQLiteSidecar(p string) bool {
	return strings.HasSuffix(p, "-wal") || strings.HasSuffix(p, "-shm") || strings.HasSuffix(p, "-journal")
}

// dialable turns a listen address (":1880") into one to dial.
func dialable(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return listen
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}
