package storage

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"

	sqlite3 "github.com/mattn/go-sqlite3"
)

// Mode is how a database file is opened (node-red-node-sqlite's names).
type Mode string

// Open modes.
const (
	ModeReadWriteCreate Mode = "RWC" // create the file when missing
	ModeReadWrite       Mode = "RW"  // the file must exist
	ModeReadOnly        Mode = "RO"
)

// BusyTimeout is how long a statement waits for another connection's lock
// (milliseconds) before failing with "database is locked".
const BusyTimeout = 5000

// DBs shares open SQLite databases by file: every user of one file gets the
// same handles, opened on first Acquire and closed when the last user
// releases them. Each file has one writer connection (SQLite allows one
// writer at a time; queuing writers in Go avoids lock errors) and a small
// pool of readers, which WAL mode lets run beside the writer.
type DBs struct {
	dir string

	mu      sync.Mutex // guards files, rollups, notify
	files   map[dbKey]*DB
	rollups RollupConfig
	notify  Notifier
}

type dbKey struct {
	path string
	mode Mode
}

// DB is one shared database file.
type DB struct {
	// Path is the file (absolute, or ":memory:").
	Path string
	// Mode is how it was opened.
	Mode Mode
	// W is the writer: one connection, for every statement that may write.
	W *sql.DB
	// R is for reads only; it is W itself for in-memory databases.
	R *sql.DB

	refs    int
	rollups RollupConfig // the retention rules of its time-series store
	notify  Notifier
	ts      *Store // the time-series store, once asked for
	tsMu    sync.Mutex
}

// NewDBs returns a pool resolving relative file names against dir (the
// runtime's data directory; "" means the working directory).
func NewDBs(dir string) *DBs {
	return &DBs{dir: dir, files: map[dbKey]*DB{}}
}

// Resolve returns the file a database name refers to: ":memory:" as is,
// absolute paths as is, others under the data directory.
func (p *DBs) Resolve(name string) string {
	if name == ":memory:" || filepath.IsAbs(name) || name == "" {
		return name
	}
	return filepath.Join(p.dir, name)
}

// Acquire opens (or shares) the database name in mode. A missing file is
// an error unless mode is RWC; a file that is not a database is an error
// (never recreated over the user's data). Every successful Acquire needs
// one Release.
func (p *DBs) Acquire(ctx context.Context, name string, mode Mode) (*DB, error) {
	path := p.Resolve(name)
	if path == "" {
		return nil, errors.New("no database file configured")
	}
	key := dbKey{path, mode}
	p.mu.Lock()
	defer p.mu.Unlock()
	if db, ok := p.files[key]; ok {
		db.refs++
		return db, nil
	}
	db, err := open(ctx, path, mode)
	if err != nil {
		return nil, err
	}
	db.refs = 1
	db.rollups, db.notify = p.rollups, p.notify
	p.files[key] = db
	return db, nil
}

// Notifier is told of the readings a time-series store commits (Feed).
// Both methods are called with the store locked: they must not block or
// call the store.
type Notifier interface {
	// Wants reports whether readings of topic are wanted now; Add is
	// called only for those.
	Wants(topic string) bool
	// Add takes the readings of topic one insert committed (ids set, in
	// id order).
	Add(topic string, rs []Reading)
}

// SetNotify sets the Notifier of the time-series stores opened from now
// on (nil: none).
func (p *DBs) SetNotify(n Notifier) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.notify = n
}

// Release drops one reference to db, closing it with the last one.
func (p *DBs) Release(db *DB) error {
	if db == nil {
		return nil
	}
	p.mu.Lock()
	db.refs--
	last := db.refs == 0
	if last {
		delete(p.files, dbKey{db.Path, db.Mode})
	}
	p.mu.Unlock()
	if !last {
		return nil
	}
	return db.close()
}

func (db *DB) close() error {
	var errs []error
	if db.R != db.W {
		errs = append(errs, db.R.Close())
	}
	errs = append(errs, db.W.Close())
	return errors.Join(errs...)
}

func open(ctx context.Context, path string, mode Mode) (*DB, error) {
	if path != ":memory:" {
		switch _, err := os.Stat(path); {
		case errors.Is(err, os.ErrNotExist) && mode != ModeReadWriteCreate:
			return nil, fmt.Errorf("failed to open %s: the file does not exist (mode %s)", path, mode)
		case errors.Is(err, os.ErrNotExist):
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return nil, fmt.Errorf("failed to open %s: %w", path, err)
			}
		case err != nil:
			return nil, fmt.Errorf("failed to open %s: %w", path, err)
		}
	}
	w := sql.OpenDB(connector{dsn(path, mode)})
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	db := &DB{Path: path, Mode: mode, W: w, R: w}
	// a first statement opens the file: a corrupt or foreign file fails here
	if _, err := w.ExecContext(ctx, "SELECT count(*) FROM sqlite_master"); err != nil {
		_ = w.Close()
		return nil, fmt.Errorf("failed to open %s: %w", path, err)
	}
	if path != ":memory:" {
		r := sql.OpenDB(connector{dsn(path, mode) + "&_query_only=1"})
		r.SetMaxOpenConns(4)
		r.SetMaxIdleConns(4)
		db.R = r
	}
	return db, nil
}

// dsn is go-sqlite3's data source name: WAL journal (readers never block the
// writer; a crash loses no committed transaction), synchronous NORMAL (an
// fsync per checkpoint, not per commit: a power cut may lose the last
// commits but never corrupts), a busy timeout, and BEGIN IMMEDIATE so a
// transaction takes the write lock up front.
func dsn(path string, mode Mode) string {
	q := url.Values{}
	q.Set("_busy_timeout", fmt.Sprint(BusyTimeout))
	q.Set("_txlock", "immediate")
	switch mode {
	case ModeReadOnly:
		q.Set("mode", "ro")
	case ModeReadWrite:
		q.Set("mode", "rw")
		q.Set("_journal_mode", "WAL")
		q.Set("_synchronous", "NORMAL")
	default:
		q.Set("mode", "rwc")
		q.Set("_journal_mode", "WAL")
		q.Set("_synchronous", "NORMAL")
	}
	if path == ":memory:" {
		return "file::memory:?" + q.Encode()
	}
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

// connector opens go-sqlite3 connections without registering a driver
// name globally, and adds the functions the store's queries use.
type connector struct{ dsn string }

func (c connector) Connect(context.Context) (driver.Conn, error) {
	return c.Driver().Open(c.dsn)
}

func (c connector) Driver() driver.Driver {
	return &sqlite3.SQLiteDriver{ConnectHook: func(conn *sqlite3.SQLiteConn) error {
		return conn.RegisterFunc("mqtt_match", topicMatch, true)
	}}
}

// topicMatch reports whether an MQTT topic matches a filter with + and #.
func topicMatch(filter, topic string) bool {
	for {
		if filter == "#" {
			return true
		}
		fseg, frest, fmore := strings.Cut(filter, "/")
		tseg, trest, tmore := strings.Cut(topic, "/")
		if fseg != "+" && fseg != tseg {
			return false
		}
		if !fmore || !tmore {
			if !fmore && !tmore {
				return true
			}
			// "a/#" matches "a" too
			return fmore && !tmore && frest == "#"
		}
		filter, topic = frest, trest
	}
}
