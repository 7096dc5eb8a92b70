// Package shutdown holds what node types share to end their work within
// the deadline of Close: waiting for their goroutines without waiting
// past it.
//
// It imports only the standard library; every node category may use it.
package shutdown
