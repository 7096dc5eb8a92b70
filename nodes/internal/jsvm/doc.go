// Package jsvm is the JavaScript sandbox shared by nodes that run user
// scripts (the function node first): one goja runtime per node instance,
// guarded by a mutex, with Node-style timers that run on the same runtime,
// a per-invocation time limit, a heap-growth guard, a small Node Buffer, and
// the conversion of messages between Go and JavaScript values. Objects keep
// JavaScript's key order both ways (*engine.Object in Go); the message
// itself is a Go map, so a script sees its own properties sorted.
//
// There is no require, file system, process or network access inside the
// sandbox: only what this package and its caller put on the global object.
//
// It imports engine and goja only.
package jsvm
