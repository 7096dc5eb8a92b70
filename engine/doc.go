// Package engine owns the graph and its execution: the message type, compiled
// property paths and typed values, the declarative node spec and the registry,
// the node lifecycle, delivery between nodes, context, error/status/complete
// routing and the pure deploy diff.
//
// Lifecycle of a node instance: a Type's New constructs it from its JSON
// properties without I/O (every bad property is a *FieldError); Start (optional,
// Starter) opens sockets and starts goroutines bound to its context; the engine
// calls Handle (optional, Handler) with one message at a time; Close (optional,
// Closer) releases everything within its context's deadline. A node a deploy
// deletes or disables is told first (optional, Remover), while every node
// still runs, so that it can undo what it left outside the process; a
// redeploy or a stop never calls Remove.
//
// Delivery is Node-RED 4's: the running graph is cut at deploy into
// connected parts (wires, links, link calls, catch, status and complete
// nodes), and every send to a node of a part joins the part's one unbounded
// FIFO, handled to completion one at a time by the part's goroutine — the
// breadth-first order of Node-RED's setImmediate delivery, with no goroutine
// hand-off per hop. A send never blocks, so cycles never deadlock; a message
// sent later (a timer, a socket) takes its place when sent; one sent from a
// Start waits until every node of the deploy has started, as Node-RED
// delivers it after every constructor. Independent
// parts run in parallel. Catch, status and complete nodes are handled when
// the error, status or completion is reported, as Node-RED's receive().
// Blocking nodes (file, database, bus I/O) handle their messages on their
// own goroutine so their part goes on. One output wired to several inputs:
// the first wire gets the message itself, the others deep copies taken at
// send time.
//
// Import rules: the standard library and small pure libraries (expr-lang) only.
// The engine never imports nodes, flows, editor, runtime or web.
package engine
