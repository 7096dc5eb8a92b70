// Package nodes lists every node type Flowgate ships. Each category lives in
// its own sub-package (common, function, sequence, parser, network, storage,
// ...) and exports Types() (or TypesWith(options) when it needs runtime
// services); All and AllWith are the one place that lists them all. Code
// shared by several node types lives in nodes/internal/<topic>; nodes/jsonata
// is the JSONata evaluator the runtime hands to the engine (engine.JSONata),
// outside internal because the engine's test harness uses it too. A node type
// never imports another category's package; nodes import engine (and hw).
package nodes
