package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	sqlite3 "github.com/mattn/go-sqlite3"

	"github.com/flowgate/flowgate/engine"
)

func sqliteSpec() engine.Spec {
	return engine.Spec{
		Type: "sqlite", Category: "storage", Color: "#e97b00", Icon: "sqlite.png", LabelProp: "name",
		PaletteLabel: "sqlite", Inputs: 1, Outputs: 1,
		Props: []engine.Prop{
			{Name: "mydb", Label: "Database", Kind: engine.KindConfig, ConfigType: "sqlitedb", Default: "", Required: true},
			{Name: "sqlquery", Label: "SQL Query", Kind: engine.KindSelect, Default: "msg.topic", Required: true, Options: []engine.Option{
				{Value: "msg.topic", Label: "Via msg.topic"},
				{Value: "fixed", Label: "Fixed Statement"},
				{Value: "prepared", Label: "Prepared Statement"},
				{Value: "batch", Label: "Batch without response"},
			}},
			{Name: "sql", Label: "SQL", Kind: engine.KindCode, Lang: "sql", Default: ""},
			{Name: "name", Label: "Name", Kind: engine.KindString, Default: ""},
		},
		Help: help("sqlite"),
	}
}

// sqliteNode runs SQL against the database of its sqlitedb config node, as
// node-red-node-sqlite: the statement from msg.topic or the node, $name
// parameters from msg.params, the rows as an array of objects.
type sqliteNode struct {
	res   *engine.Resources
	dbs   *DBs
	mydb  string
	query string // msg.topic, fixed, prepared, batch
	sql   string

	mu sync.Mutex // guards db (set in Start, read by Handle, cleared in Close)
	db *DB
}

func newSqlite(cfg *engine.Config, res *engine.Resources, dbs *DBs) (engine.Node, error) {
	p := cfg.Reader()
	n := &sqliteNode{res: res, dbs: dbs}
	n.mydb = p.String("mydb", "")
	n.query = p.String("sqlquery", "msg.topic")
	switch n.query {
	case "msg.topic", "fixed", "prepared", "batch":
	case "":
		n.query = "msg.topic"
	default:
		p.Fail("sqlquery", "must be msg.topic, fixed, prepared or batch, got %q", n.query)
	}
	n.sql = p.String("sql", "")
	return n, p.Err()
}

// Start shares the config node's database file.
func (n *sqliteNode) Start(ctx context.Context) error {
	cfgNode, _ := n.res.Lookup(n.mydb)
	c, ok := cfgNode.(*sqliteDB)
	if !ok {
		n.res.Error(errors.New("Sqlite database not configured"), nil)
		return nil
	}
	db, err := n.dbs.Acquire(ctx, c.name, c.mode)
	if err != nil {
		n.res.Status(engine.Status{Fill: "red", Shape: "ring", Text: "failed to open"})
		return nil // the config node reports it
	}
	n.mu.Lock()
	n.db = db
	n.mu.Unlock()
	n.res.Status(engine.Status{Fill: "green", Shape: "dot", Text: string(c.mode)})
	return nil
}

// Close releases the database file.
func (n *sqliteNode) Close(context.Context) error {
	n.mu.Lock()
	db := n.db
	n.db = nil
	n.mu.Unlock()
	return n.dbs.Release(db)
}

// Blocking: Handle waits on the database, so it runs off its part's goroutine.
func (n *sqliteNode) Blocking() {}

func (n *sqliteNode) Handle(ctx context.Context, msg engine.Msg, out *engine.Output) error {
	n.mu.Lock()
	db := n.db
	n.mu.Unlock()
	if db == nil {
		return errors.New("Sqlite database not configured")
	}
	if _, ok := msg["extension"]; ok {
		return errors.New("msg.extension: loading SQLite extensions is not supported")
	}
	switch n.query {
	case "msg.topic":
		topic, ok := msg["topic"].(string)
		if !ok {
			n.res.Status(engine.Status{Fill: "red", Shape: "dot", Text: "msg.topic error"})
			return errors.New("msg.topic : the query is not defined as a string")
		}
		if topic == "" {
			return nil
		}
		var args []any
		if list, ok := msg["payload"].([]any); ok && len(list) == strings.Count(topic, "$") {
			args = make([]any, len(list))
			for i, v := range list {
				args[i] = bindValue(v)
			}
		}
		return n.all(ctx, db, topic, args, msg, out)
	case "batch":
		topic, ok := msg["topic"].(string)
		if !ok {
			n.res.Status(engine.Status{Fill: "red", Shape: "dot", Text: "msg.topic error"})
			return errors.New("msg.topic : the query is not defined as string")
		}
		if topic == "" {
			return nil
		}
		if _, err := db.W.ExecContext(ctx, topic); err != nil {
			return sqlError(err, topic)
		}
		msg["payload"] = []any{}
		out.Send(0, msg)
		return nil
	case "fixed":
		if n.sql == "" {
			n.res.Status(engine.Status{Fill: "red", Shape: "dot", Text: "SQL config not set up"})
			return errors.New("SQL statement config not set up")
		}
		return n.all(ctx, db, n.sql, nil, msg, out)
	default: // prepared
		if n.sql == "" {
			n.res.Status(engine.Status{Fill: "red", Shape: "dot", Text: "Prepared statement not set up"})
			return errors.New("Prepared statement config not set up")
		}
		raw, ok := msg["params"]
		if !ok {
			n.res.Status(engine.Status{Fill: "red", Shape: "dot", Text: "msg.params not defined"})
			return errors.New("msg.params not passed")
		}
		var args []any
		switch params := raw.(type) {
		case *engine.Object, map[string]any:
			o, _ := engine.AsObject(params)
			for k, v := range o.All() {
				args = append(args, sql.Named(strings.TrimLeft(k, "$:@"), bindValue(v)))
			}
		case []any:
			for _, v := range params {
				args = append(args, bindValue(v))
			}
		case nil:
		default:
			n.res.Status(engine.Status{Fill: "red", Shape: "dot", Text: "msg.params not an object"})
			return errors.New("msg.params not an object")
		}
		return n.all(ctx, db, n.sql, args, msg, out)
	}
}

// all runs a statement and sends its rows as msg.payload.
func (n *sqliteNode) all(ctx context.Context, db *DB, stmt string, args []any, msg engine.Msg, out *engine.Output) error {
	rows, err := queryRows(ctx, db.W, stmt, args...)
	if err != nil {
		return sqlError(err, stmt)
	}
	msg["payload"] = rows
	out.Send(0, msg)
	return nil
}

// queryRows runs a statement and returns its rows as objects keyed by
// column name in column order (as Node's sqlite3 builds them), values as a
// message holds them.
func queryRows(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, stmt string, args ...any) ([]any, error) {
	rows, err := q.QueryContext(ctx, stmt, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	list := []any{}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		row := engine.NewObject(len(cols))
		for i, c := range cols {
			row.Set(c, msgValue(vals[i]))
		}
		list = append(list, row)
	}
	return list, rows.Err()
}

// msgValue converts a column value to a message value: numbers as float64
// (JavaScript numbers), blobs as buffers; go-sqlite3's conversions of
// boolean and date columns are undone, since Node's sqlite3 returns the
// stored integer or text.
func msgValue(v any) any {
	switch t := v.(type) {
	case int64:
		return float64(t)
	case bool:
		if t {
			return float64(1)
		}
		return float64(0)
	case time.Time:
		return t.Format("2006-01-02 15:04:05.999999999-07:00")
	case []byte:
		return append([]byte(nil), t...)
	}
	return v
}

// bindValue converts a message value to a statement parameter as Node's
// sqlite3 binds it: integral numbers as INTEGER, booleans as 1/0, buffers
// as BLOB, anything else as its JavaScript string.
func bindValue(v any) any {
	switch t := v.(type) {
	case nil, string, []byte:
		return t
	case float64:
		if t == math.Trunc(t) && math.Abs(t) < 1<<63 {
			return int64(t)
		}
		return t
	case bool:
		if t {
			return int64(1)
		}
		return int64(0)
	case time.Time:
		return float64(t.UnixMilli())
	}
	return engine.ToString(v)
}

// sqlError words a database error as Node's sqlite3 does ("SQLITE_ERROR:
// no such table: x") and names the statement.
func sqlError(err error, stmt string) error {
	var se sqlite3.Error
	text := err.Error()
	if errors.As(err, &se) {
		text = codeName(se.Code) + ": " + se.Error()
	}
	if len(stmt) > 200 {
		stmt = stmt[:200] + "…"
	}
	return fmt.Errorf("%s (statement: %s)", text, stmt)
}

func codeName(c sqlite3.ErrNo) string {
	names := map[sqlite3.ErrNo]string{
		sqlite3.ErrError: "SQLITE_ERROR", sqlite3.ErrInternal: "SQLITE_INTERNAL", sqlite3.ErrPerm: "SQLITE_PERM",
		sqlite3.ErrAbort: "SQLITE_ABORT", sqlite3.ErrBusy: "SQLITE_BUSY", sqlite3.ErrLocked: "SQLITE_LOCKED",
		sqlite3.ErrNomem: "SQLITE_NOMEM", sqlite3.ErrReadonly: "SQLITE_READONLY", sqlite3.ErrInterrupt: "SQLITE_INTERRUPT",
		sqlite3.ErrIoErr: "SQLITE_IOERR", sqlite3.ErrCorrupt: "SQLITE_CORRUPT", sqlite3.ErrFull: "SQLITE_FULL",
		sqlite3.ErrCantOpen: "SQLITE_CANTOPEN", sqlite3.ErrConstraint: "SQLITE_CONSTRAINT", sqlite3.ErrMismatch: "SQLITE_MISMATCH",
		sqlite3.ErrMisuse: "SQLITE_MISUSE", sqlite3.ErrRange: "SQLITE_RANGE", sqlite3.ErrNotADB: "SQLITE_NOTADB",
	}
	if s, ok := names[c]; ok {
		return s
	}
	return fmt.Sprintf("SQLITE_%d", int(c))
}
