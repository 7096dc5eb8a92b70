package storage

import (
	"context"
	"errors"
	"sync"

	"github.com/flowgate/flowgate/engine"
)

// storeConn is a node's hold on the shared time-series store: opened in
// Start (a failure shows on the node and is reported, the flow runs on),
// released in Close.
type storeConn struct {
	dbs *DBs
	res *engine.Resources

	mu sync.Mutex // guards db, st
	db *DB
	st *Store
}

// open acquires the store; it returns nil when it could not be opened.
func (c *storeConn) open(ctx context.Context) *Store {
	db, st, err := c.dbs.AcquireStore(ctx)
	if err != nil {
		c.res.Status(engine.Status{Fill: "red", Shape: "ring", Text: "failed to open"})
		c.res.Error(err, nil)
		return nil
	}
	c.mu.Lock()
	c.db, c.st = db, st
	c.mu.Unlock()
	return st
}

// store returns the open store.
func (c *storeConn) store() (*Store, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.st == nil {
		return nil, errors.New("the time-series store is not open")
	}
	return c.st, nil
}

// close releases the store; it is idempotent.
func (c *storeConn) close() error {
	c.mu.Lock()
	db := c.db
	c.db, c.st = nil, nil
	c.mu.Unlock()
	return c.dbs.Release(db)
}
