// Package web holds the browser editor: its TypeScript sources and the
// go:embed of its build (dist/). It imports nothing of Flowgate.
package web

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// FS returns the built editor, or nil when dist/ holds no build (index.html).
func FS() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		return nil
	}
	if _, err := fs.Stat(sub, "index.html"); err != nil {
		return nil
	}
	return sub
}
