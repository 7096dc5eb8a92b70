// Package nodes lists every node type Flowgate ships. Each category lives in
// its own sub-package (common, function, sequence, parser, network, ...) and
// exports Types(); All is the one place that lists them all. Code shared by
// several node types lives in nodes/internal/<topic>. A node type never
// imports another category's package; nodes import engine (and hw).
package nodes
