package runtime

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/nodes/storage"
)

// DefaultFlushInterval is how long a persistent context store keeps writes
// in memory before writing them, as Node-RED's localfilesystem (30 s).
const DefaultFlushInterval = 30 * time.Second

// ContextStorage is Node-RED's contextStorage setting: named stores, in the
// settings file's order.
type ContextStorage struct {
	// Default names the default store; "" means the store named "default",
	// else the first.
	Default string
	Stores  []ContextStoreConfig
}

// ContextStoreConfig is one contextStorage entry.
type ContextStoreConfig struct {
	Name string
	// Module is "memory", or "localfilesystem" / "sqlite" for the
	// persistent SQLite store.
	Module string
	// File is the database file (relative: under the data directory).
	File string
	// FlushInterval is how often cached writes are written.
	FlushInterval time.Duration
}

// contextStoreYAML is one entry as written in the settings file.
type contextStoreYAML struct {
	Module string `yaml:"module"`
	Config struct {
		// Node-RED's localfilesystem: files under dir/base; here the
		// database dir/base.db
		Dir           string   `yaml:"dir"`
		Base          string   `yaml:"base"`
		Cache         *bool    `yaml:"cache"` // accepted; writes are always cached
		FlushInterval *float64 `yaml:"flushInterval"`
		File          string   `yaml:"file"`
	} `yaml:"config"`
}

// parseContextStorage reads the contextStorage mapping of a settings file.
func parseContextStorage(n *yaml.Node) (ContextStorage, error) {
	var cs ContextStorage
	if n.Kind != yaml.MappingNode {
		return cs, errors.New("contextStorage: must be a mapping of store names")
	}
	alias := ""
	for i := 0; i+1 < len(n.Content); i += 2 {
		name, v := n.Content[i].Value, n.Content[i+1]
		if name == "default" && v.Kind == yaml.ScalarNode {
			alias = v.Value // Node-RED: `default: <store>` names another store
			continue
		}
		var y contextStoreYAML
		if err := decodeStrict(v, &y); err != nil {
			return cs, fmt.Errorf("contextStorage.%s: %w", name, err)
		}
		c := ContextStoreConfig{Name: name, Module: y.Module, FlushInterval: DefaultFlushInterval}
		switch y.Module {
		case "memory":
		case "localfilesystem", "sqlite":
			if y.Config.FlushInterval != nil {
				c.FlushInterval = time.Duration(math.Max(0, *y.Config.FlushInterval) * float64(time.Second))
			}
			c.File = y.Config.File
			if c.File == "" {
				base := y.Config.Base
				if base == "" {
					base = "context"
				}
				c.File = filepath.Join(y.Config.Dir, base+".db")
			}
		default:
			return cs, fmt.Errorf("contextStorage.%s: module must be memory, localfilesystem or sqlite, got %q", name, y.Module)
		}
		cs.Stores = append(cs.Stores, c)
	}
	if alias != "" {
		found := false
		for _, c := range cs.Stores {
			found = found || c.Name == alias
		}
		if !found {
			return cs, fmt.Errorf("contextStorage.default: no store named %q", alias)
		}
		cs.Default = alias
	}
	return cs, nil
}

// decodeStrict decodes n into v, refusing keys v does not have (as the
// settings file's other keys).
func decodeStrict(n *yaml.Node, v any) error {
	b, err := yaml.Marshal(n)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	return dec.Decode(v)
}

// contextStores are the runtime's context stores: built in New, opened in
// Start, flushed and closed in Shutdown.
type contextStores struct {
	stores  *engine.Stores
	names   []string // in the settings' order, for GET /settings
	sqlites []*SQLiteStore
}

func newContextStores(s Settings) *contextStores {
	cs := s.ContextStorage
	if len(cs.Stores) == 0 {
		return &contextStores{stores: engine.NewMemoryStores(), names: []string{"memory"}}
	}
	out := &contextStores{stores: &engine.Stores{ByName: map[string]engine.ContextStore{}}}
	for _, c := range cs.Stores {
		out.names = append(out.names, c.Name)
		if c.Module == "memory" {
			out.stores.ByName[c.Name] = engine.NewMemoryStore()
			continue
		}
		st := NewSQLiteStore(c.File, c.FlushInterval, s.Log.With("component", "context", "store", c.Name))
		out.sqlites = append(out.sqlites, st)
		out.stores.ByName[c.Name] = st
	}
	switch {
	case cs.Default != "":
		out.stores.Default = cs.Default
	case out.stores.ByName["default"] != nil:
		out.stores.Default = "default"
	default:
		out.stores.Default = cs.Stores[0].Name
	}
	return out
}

// settings is GET /settings' context: the default store and the store names
// (without a `default` that only names another store, as Node-RED).
func (c *contextStores) settings() map[string]any {
	return map[string]any{"default": c.stores.Default, "stores": c.names}
}

// open loads every persistent store.
func (c *contextStores) open(ctx context.Context, dbs *storage.DBs) error {
	for _, st := range c.sqlites {
		if err := st.Open(ctx, dbs); err != nil {
			return err
		}
	}
	return nil
}

// close flushes and closes every persistent store.
func (c *contextStores) close() error {
	var errs []error
	for _, st := range c.sqlites {
		errs = append(errs, st.Close())
	}
	return errors.Join(errs...)
}

// SQLiteStore is the persistent engine.ContextStore. Open loads every value
// into memory; Get, Keys and Set work on that cache, and writes are written
// to the SQLite file in one transaction every flush interval and on Close, so
// a crash loses at most one interval of writes.
type SQLiteStore struct {
	name     string // the file as configured
	interval time.Duration
	log      *slog.Logger

	mu      sync.RWMutex // guards data, pending, open
	data    map[string]map[string]any
	pending map[scopeKey][]byte // encoded value; nil: delete
	open    bool

	flushMu sync.Mutex // serialises flushes, so writes reach the file in order
	dbs     *storage.DBs
	db      *storage.DB
	stop    context.CancelFunc
	wg      sync.WaitGroup
}

type scopeKey struct{ scope, key string }

// NewSQLiteStore returns a store on file (relative to the data directory),
// flushing every interval (0: every write is written at once).
func NewSQLiteStore(file string, interval time.Duration, log *slog.Logger) *SQLiteStore {
	return &SQLiteStore{name: file, interval: interval, log: log}
}

// Open opens the file (creating it when missing, never over a file that is not
// a database) and loads every value.
func (s *SQLiteStore) Open(ctx context.Context, dbs *storage.DBs) error {
	path := dbs.Resolve(s.name)
	db, err := dbs.Acquire(ctx, s.name, storage.ModeReadWriteCreate)
	if err != nil {
		return fmt.Errorf("context store: %w", err)
	}
	data, err := load(ctx, db.W)
	if err != nil {
		_ = dbs.Release(db)
		return fmt.Errorf("context store %s: %w", path, err)
	}
	s.mu.Lock()
	s.data, s.pending, s.open = data, map[scopeKey][]byte{}, true
	s.mu.Unlock()
	s.dbs, s.db = dbs, db
	if s.interval > 0 {
		bg, cancel := context.WithCancel(context.Background())
		s.stop = cancel
		s.wg.Add(1)
		go s.flushLoop(bg)
	}
	return nil
}

func load(ctx context.Context, db *sql.DB) (map[string]map[string]any, error) {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS context (
		scope TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
		PRIMARY KEY (scope, key)) WITHOUT ROWID`); err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, `SELECT scope, key, value FROM context`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	data := map[string]map[string]any{}
	for rows.Next() {
		var scope, key, value string
		if err := rows.Scan(&scope, &key, &value); err != nil {
			return nil, err
		}
		v, err := decodeContextValue([]byte(value))
		if err != nil {
			return nil, fmt.Errorf("scope %q key %q: %w", scope, key, err)
		}
		if data[scope] == nil {
			data[scope] = map[string]any{}
		}
		data[scope][key] = v
	}
	return data, rows.Err()
}

func (s *SQLiteStore) flushLoop(ctx context.Context) {
	defer s.wg.Done()
	t := time.NewTicker(s.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.Flush(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("context not written; retrying at the next flush", "file", s.db.Path, "err", err)
			}
		}
	}
}

// Flush writes the pending writes in one transaction. On failure they stay
// pending (unless overwritten meanwhile) for the next flush.
func (s *SQLiteStore) Flush(ctx context.Context) error {
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	s.mu.Lock()
	batch := s.pending
	s.pending = map[scopeKey][]byte{}
	s.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	err := write(ctx, s.db.W, batch)
	if err != nil {
		s.mu.Lock()
		for k, v := range batch {
			if _, newer := s.pending[k]; !newer {
				s.pending[k] = v
			}
		}
		s.mu.Unlock()
	}
	return err
}

func write(ctx context.Context, db *sql.DB, batch map[scopeKey][]byte) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	for k, v := range batch {
		if v == nil {
			_, err = tx.ExecContext(ctx, `DELETE FROM context WHERE scope = ? AND key = ?`, k.scope, k.key)
		} else {
			_, err = tx.ExecContext(ctx, `INSERT INTO context (scope, key, value) VALUES (?, ?, ?)
				ON CONFLICT (scope, key) DO UPDATE SET value = excluded.value`, k.scope, k.key, string(v))
		}
		if err != nil {
			return err
		}
	}
	return tx.Commit()
}

// Close stops the background flush, writes what is pending and releases the
// file. It is idempotent.
func (s *SQLiteStore) Close() error {
	s.mu.Lock()
	wasOpen := s.open
	s.open = false
	s.mu.Unlock()
	if !wasOpen {
		return nil
	}
	if s.stop != nil {
		s.stop()
		s.wg.Wait()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := s.Flush(ctx)
	if err != nil {
		err = fmt.Errorf("context store %s: %w", s.db.Path, err)
	}
	return errors.Join(err, s.dbs.Release(s.db))
}

var errStoreClosed = errors.New("context store is not open")

// Get implements engine.ContextStore.
func (s *SQLiteStore) Get(scope, key string) (any, bool, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if !s.open {
		return nil, false, errStoreClosed
	}
	v, ok := s.data[scope][key]
	return engine.CloneValue(v), ok, nil
}

// Set implements engine.ContextStore. A value that cannot be stored (a
// function, a channel) is an error here, not at the flush.
func (s *SQLiteStore) Set(scope, key string, v any) error {
	enc, err := encodeContextValue(v)
	if err != nil {
		return fmt.Errorf("context %q: %w", key, err)
	}
	v = engine.CloneValue(v)
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.open {
		return errStoreClosed
	}
	m := s.data[scope]
	if m == nil {
		m = map[string]any{}
		s.data[scope] = m
	}
	m[key] = v
	s.pending[scopeKey{scope, key}] = enc
	return s.writeThroughLocked()
}

// Delete implements engine.ContextStore.
func (s *SQLiteStore) Delete(scope, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.open {
		return errStoreClosed
	}
	if _, ok := s.data[scope][key]; !ok {
		return nil
	}
	delete(s.data[scope], key)
	s.pending[scopeKey{scope, key}] = nil
	return s.writeThroughLocked()
}

// Keys implements engine.ContextStore.
func (s *SQLiteStore) Keys(scope string) ([]string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if !s.open {
		return nil, errStoreClosed
	}
	keys := make([]string, 0, len(s.data[scope]))
	for k := range s.data[scope] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys, nil
}

// Clear implements engine.ContextStore.
func (s *SQLiteStore) Clear(scope string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.open {
		return errStoreClosed
	}
	for k := range s.data[scope] {
		s.pending[scopeKey{scope, k}] = nil
	}
	delete(s.data, scope)
	return s.writeThroughLocked()
}

// writeThroughLocked writes at once when no flush interval is set
// (flushInterval: 0). s.mu is held; flushMu is not taken, as the writes are
// already ordered by s.mu.
func (s *SQLiteStore) writeThroughLocked() error {
	if s.interval > 0 {
		return nil
	}
	batch := s.pending
	s.pending = map[scopeKey][]byte{}
	return write(context.Background(), s.db.W, batch)
}

// bufferKey marks a byte slice in the stored JSON: {"$b": "<base64>"}. Map
// keys starting with "$" are stored with one more "$", so no user object is
// read back as a buffer.
const bufferKey = "$b"

// encodeContextValue writes v as JSON, objects in their key order; a value
// JSON cannot hold (a channel, a function) is an error.
func encodeContextValue(v any) ([]byte, error) {
	st, err := toStored(v)
	if err != nil {
		return nil, err
	}
	return engine.AppendJSON(nil, st, "")
}

// toStored gives the JSON form of a value; objects keep their key order.
func toStored(v any) (any, error) {
	switch t := v.(type) {
	case []byte:
		return engine.ObjectOf(bufferKey, base64.StdEncoding.EncodeToString(t)), nil
	case engine.Msg:
		return toStored(map[string]any(t))
	case map[string]any:
		return toStored(engine.ObjectFromMap(t))
	case *engine.Object:
		out := engine.NewObject(t.Len())
		for k, e := range t.All() {
			if strings.HasPrefix(k, "$") {
				k = "$" + k
			}
			se, err := toStored(e)
			if err != nil {
				return nil, err
			}
			out.Set(k, se)
		}
		return out, nil
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			se, err := toStored(e)
			if err != nil {
				return nil, err
			}
			out[i] = se
		}
		return out, nil
	case float64:
		if math.IsNaN(t) || math.IsInf(t, 0) {
			return nil, nil // JSON.stringify: null
		}
	case nil, string, bool:
	default:
		// anything else as encoding/json sees it: refused if it cannot be JSON
		if _, err := json.Marshal(v); err != nil {
			return nil, err
		}
	}
	return v, nil
}

func decodeContextValue(b []byte) (any, error) {
	v, err := engine.DecodeJSON(b)
	if err != nil {
		return nil, err
	}
	return fromStored(v)
}

func fromStored(v any) (any, error) {
	switch t := v.(type) {
	case *engine.Object:
		if b, ok := t.Value(bufferKey).(string); ok && t.Len() == 1 {
			return base64.StdEncoding.DecodeString(b)
		}
		out := engine.NewObject(t.Len())
		for k, e := range t.All() {
			d, err := fromStored(e)
			if err != nil {
				return nil, err
			}
			out.Set(strings.TrimPrefix(k, "$"), d)
		}
		return out, nil
	case []any:
		for i, e := range t {
			d, err := fromStored(e)
			if err != nil {
				return nil, err
			}
			t[i] = d
		}
	}
	return v, nil
}
