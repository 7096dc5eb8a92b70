package storage

import (
	"context"
	"database/sql"
	"errors"

	"github.com/flowgate/flowgate/engine"
)

// migrate moves the readings of a row-per-reading store (table readings,
// payload as JSON text) into chunks, keeping their ids, and drops the
// table, in one transaction: an interrupted migration leaves the old table
// as it was and runs again at the next open.
func (s *Store) migrate(ctx context.Context) error {
	var name string
	err := s.db.W.QueryRowContext(ctx, "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'readings'").Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	tx, err := s.db.W.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	var topics []string
	rows, err := tx.QueryContext(ctx, "SELECT DISTINCT topic FROM readings ORDER BY topic")
	if err != nil {
		return err
	}
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return err
		}
		topics = append(topics, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, t := range topics {
		var recs []rec
		rows, err := tx.QueryContext(ctx, "SELECT id, payload, ts FROM readings WHERE topic = ? ORDER BY ts, id", t)
		if err != nil {
			return err
		}
		for rows.Next() {
			var r rec
			var text string
			if err := rows.Scan(&r.id, &text, &r.ts); err != nil {
				rows.Close()
				return err
			}
			if r.p, err = engine.DecodeJSON([]byte(text)); err != nil {
				r.p = text
			}
			recs = append(recs, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if err := s.mergeWindows(ctx, tx, t, recs); err != nil {
			return err
		}
	}
	// AUTOINCREMENT never reuses an id, even of deleted readings
	var next int64
	err = tx.QueryRowContext(ctx, `SELECT max(coalesce((SELECT max(id) FROM readings), 0),
		coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'readings'), 0)) + 1`).Scan(&next)
	if err != nil {
		return err
	}
	var cur int64
	_ = tx.QueryRowContext(ctx, "SELECT v FROM ts_meta WHERE k = 'next_id'").Scan(&cur)
	if err := setMeta(ctx, tx, "next_id", max(next, cur)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "DROP TABLE readings"); err != nil {
		return err
	}
	return tx.Commit()
}
