package editor

import (
	"context"
	"errors"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/flows"
)

// Backend is what the editor needs from the runtime.
type Backend interface {
	// Flows returns the deployed configuration (never nil).
	Flows() *flows.Config
	// Deploy validates, persists and applies cfg with the deployment type.
	// rev, when not empty, must equal the current rev or ErrStaleRev is returned.
	// Invalid configurations return flows.Problems (as the error), and nothing changes.
	// It returns the new rev.
	Deploy(ctx context.Context, cfg *flows.Config, mode engine.DeployMode, rev string) (string, error)
	// Specs returns the node specs (GET /api/specs).
	Specs() []engine.Spec
	// Settings returns the runtime part of GET /settings (httpNodeRoot, version, ...).
	Settings() map[string]any
	// Inject fires an inject-capable node (POST /inject/:id); ErrNotFound when no such running node.
	Inject(ctx context.Context, id string, props engine.Msg) error
	// SetActive switches a debug-like node (POST /debug/:id/enable|disable).
	SetActive(id string, on bool) error
	// FlowsRunning and SetFlowsRunning back GET/POST /flows/state.
	FlowsRunning() bool
	SetFlowsRunning(ctx context.Context, run bool) error
	// Statuses returns the last status of every node (replayed to new /comms clients).
	Statuses() map[string]engine.Status
}

// ErrStaleRev is returned by Backend.Deploy when the rev a client based its
// change on is not the deployed one; the API answers 409.
var ErrStaleRev = errors.New("flows revision is stale") // → 409

// ErrNotFound is returned by Backend methods that name a node or flow that
// does not exist (or is not running); the API answers 404.
var ErrNotFound = errors.New("not found") // → 404

// CredentialsBackend is implemented by a Backend that keeps node
// credentials (GET /credentials/:type/:id).
type CredentialsBackend interface {
	// Credentials returns what the editor may see of a node's
	// credentials: plain values of user names and has_<name> flags for
	// secrets, never the secrets; an empty map when there are none.
	Credentials(typ, id string) map[string]any
}

// WarningsBackend is implemented by a Backend that reports the problems a
// deploy accepted: node property problems that the nodes report when they
// start or run (as Node-RED), node types it does not run, and wires to
// missing nodes.
type WarningsBackend interface {
	// DeployWarnings returns the warnings of the deploy that produced rev
	// (nil when rev is not the last deploy's).
	DeployWarnings(rev string) flows.Problems
}

// ReadyBackend is implemented by a Backend that can tell whether it runs
// what it should (GET /readyz); without it the editor is always ready.
type ReadyBackend interface {
	// Ready returns why the backend is not ready (the stored flows did
	// not start), or nil.
	Ready() error
}
