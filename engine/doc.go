// Package engine owns the graph and its execution: the message type, compiled
// property paths and typed values, the declarative node spec and the registry,
// the node lifecycle, delivery between nodes, context, error/status/complete
// routing and the pure deploy diff.
//
// Lifecycle of a node instance: a Type's New constructs it from its JSON
// properties without I/O (every bad property is a *FieldError); Start (optional,
// Starter) opens sockets and starts goroutines bound to its context; the engine
// calls Handle (optional, Handler) with one message at a time; Close (optional,
// Closer) releases everything within its context's deadline.
//
// Delivery: every running node owns an unbounded FIFO inbox drained by one
// goroutine, so a send never blocks and cycles never deadlock. Messages on one
// wire arrive in the order sent. One output wired to several inputs: the first
// wire gets the message itself, the others deep clones.
//
// Import rules: the standard library and small pure libraries (expr-lang) only.
// The engine never imports nodes, flows, editor, runtime or web.
package engine
