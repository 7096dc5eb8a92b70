package storage

import (
	"context"
	"sync"

	"github.com/flowgate/flowgate/engine"
)

func sqlitedbSpec() engine.Spec {
	return engine.Spec{
		Type: "sqlitedb", Category: "config", Color: "#DDD", LabelProp: "db", Config: true,
		Props: []engine.Prop{
			{Name: "db", Label: "Database", Kind: engine.KindString, Default: "", Required: true},
			{Name: "mode", Label: "Mode", Kind: engine.KindSelect, Default: "RWC", Options: []engine.Option{
				{Value: "RWC", Label: "Read-Write-Create"},
				{Value: "RW", Label: "Read-Write"},
				{Value: "RO", Label: "Read-Only"},
			}},
		},
		Help: help("sqlitedb"),
	}
}

// sqliteDB is the sqlitedb configuration node: a database file and how to
// open it. It holds the file open while it runs, so a bad file is reported
// at start.
type sqliteDB struct {
	res  *engine.Resources
	dbs  *DBs
	name string
	mode Mode

	mu sync.Mutex // guards db
	db *DB
}

func newSqliteDB(cfg *engine.Config, res *engine.Resources, dbs *DBs) (engine.Node, error) {
	p := cfg.Reader()
	n := &sqliteDB{res: res, dbs: dbs}
	n.name = p.String("db", "")
	if n.name == "" {
		p.Fail("db", "no database file given")
	}
	n.mode = Mode(p.String("mode", "RWC"))
	switch n.mode {
	case ModeReadWriteCreate, ModeReadWrite, ModeReadOnly:
	case "":
		n.mode = ModeReadWriteCreate
	default:
		p.Fail("mode", "must be RWC, RW or RO, got %q", n.mode)
	}
	return n, p.Err()
}

// Start opens the file; failing to is reported, and the nodes using it
// report it again on each message.
func (n *sqliteDB) Start(ctx context.Context) error {
	db, err := n.dbs.Acquire(ctx, n.name, n.mode)
	if err != nil {
		n.res.Error(err, nil)
		return nil
	}
	n.mu.Lock()
	n.db = db
	n.mu.Unlock()
	return nil
}

// Close releases the file.
func (n *sqliteDB) Close(context.Context) error {
	n.mu.Lock()
	db := n.db
	n.db = nil
	n.mu.Unlock()
	return n.dbs.Release(db)
}
