// Package storage holds the storage palette: Node-RED's sqlite node and its
// sqlitedb configuration node (node-red-node-sqlite's names and behaviour),
// and Flowgate's time-series store (store in, store query, store delete)
// with its /api/data HTTP API: readings in per-topic chunks of an hour
// (timeseries.go, tschunk.go, gorilla.go), roll-ups per minute and hour
// (rollup.go). Database files are shared per path through
// DBs, a ref-counted pool with one writer connection per file.
//
// Import rules: engine and github.com/mattn/go-sqlite3; never another node
// category.
package storage
