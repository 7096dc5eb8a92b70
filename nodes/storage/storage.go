package storage

import (
	"embed"
	"strings"

	"github.com/flowgate/flowgate/engine"
)

//go:embed help/*.md
var helpFS embed.FS

// Options are what the storage nodes need from the runtime.
type Options struct {
	// DataDir is where relative database file names point (the runtime's
	// --data directory); "" means the working directory.
	DataDir string
	// DBs shares open database files; nil makes one for DataDir. The
	// runtime passes the pool it also gives the /api/data handler, so one
	// file has one writer.
	DBs *DBs
	// FileWorkingDirectory anchors relative file names of the file, file
	// in and watch nodes (Node-RED's fileWorkingDirectory); "" means the
	// process's working directory.
	FileWorkingDirectory string
	// FileAllowDirs, when not empty, are the only directories the file,
	// file in and watch nodes may touch.
	FileAllowDirs []string
}

// Types returns the storage node types with default options.
func Types() []engine.Type { return TypesWith(Options{}) }

// TypesWith returns the storage node types using o.
func TypesWith(o Options) []engine.Type {
	if o.DBs == nil {
		o.DBs = NewDBs(o.DataDir)
	}
	dbs := o.DBs
	fp := newFilePaths(o)
	withPaths := func(c func(*engine.Config, *engine.Resources, filePaths) (engine.Node, error)) engine.Constructor {
		return func(cfg *engine.Config, res *engine.Resources) (engine.Node, error) { return c(cfg, res, fp) }
	}
	with := func(c func(*engine.Config, *engine.Resources, *DBs) (engine.Node, error)) engine.Constructor {
		return func(cfg *engine.Config, res *engine.Resources) (engine.Node, error) { return c(cfg, res, dbs) }
	}
	return []engine.Type{
		{Spec: sqlitedbSpec(), New: with(newSqliteDB)},
		{Spec: sqliteSpec(), New: with(newSqlite)},
		{Spec: storeInSpec(), New: with(newStoreIn)},
		{Spec: storeQuerySpec(), New: with(newStoreQuery)},
		{Spec: storeDeleteSpec(), New: with(newStoreDelete)},
		{Spec: fileSpec(), New: withPaths(newFile)},
		{Spec: fileInSpec(), New: withPaths(newFileIn)},
		{Spec: watchSpec(), New: withPaths(newWatch)},
	}
}

// help returns the embedded help text of a node type ("" when missing).
func help(typ string) string {
	b, err := helpFS.ReadFile("help/" + strings.ReplaceAll(typ, " ", "_") + ".md")
	if err != nil {
		return ""
	}
	return string(b)
}
