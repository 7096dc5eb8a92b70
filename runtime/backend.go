package runtime

import (
	"context"
	"fmt"

	"github.com/flowgate/flowgate/editor"
	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/flows"
)

var _ editor.Backend = (*Runtime)(nil)

// Flows implements editor.Backend.
func (r *Runtime) Flows() *flows.Config {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cfg
}

// Deploy implements editor.Backend: a stale rev is refused, an invalid
// configuration is reported with every problem and changes nothing.
func (r *Runtime) Deploy(ctx context.Context, cfg *flows.Config, mode engine.DeployMode, rev string) (string, error) {
	// the rev check and the deploy are one step: two editors deploying at
	// once cannot both pass the check
	r.deployMu.Lock()
	defer r.deployMu.Unlock()
	if rev != "" && rev != r.Flows().Rev {
		return "", editor.ErrStaleRev
	}
	if mode == engine.DeployReload {
		stored, err := r.store.Load()
		if err != nil {
			return "", fmt.Errorf("reloading flows: %w", err)
		}
		return r.apply(ctx, stored, engine.DeployFull, false)
	}
	return r.apply(ctx, cfg, mode, true)
}

// Specs implements editor.Backend.
func (r *Runtime) Specs() []engine.Spec { return r.reg.Specs() }

// Settings implements editor.Backend.
func (r *Runtime) Settings() map[string]any {
	return map[string]any{
		"httpNodeRoot":   "/",
		"version":        r.s.Version,
		"flowFilePretty": true,
		"context":        r.ctxs.settings(),
		"flowgate": map[string]any{
			"broker": r.s.Broker,
			"hw":     r.s.HW,
		},
	}
}

// Inject implements editor.Backend.
func (r *Runtime) Inject(ctx context.Context, id string, props engine.Msg) error {
	n, ok := r.eng.Node(id)
	if !ok {
		return editor.ErrNotFound
	}
	in, ok := n.(engine.Injector)
	if !ok {
		return editor.ErrNotFound
	}
	return in.Inject(ctx, props)
}

// SetActive implements editor.Backend.
func (r *Runtime) SetActive(id string, on bool) error {
	n, ok := r.eng.Node(id)
	if !ok {
		return editor.ErrNotFound
	}
	a, ok := n.(engine.Activator)
	if !ok {
		return editor.ErrNotFound
	}
	a.SetActive(on)
	return nil
}

// FlowsRunning implements editor.Backend.
func (r *Runtime) FlowsRunning() bool { return r.eng.Running() }

// SetFlowsRunning implements editor.Backend.
func (r *Runtime) SetFlowsRunning(ctx context.Context, run bool) error {
	if run {
		return r.eng.Start(ctx)
	}
	r.eng.Stop(ctx)
	return nil
}

// Statuses implements editor.Backend.
func (r *Runtime) Statuses() map[string]engine.Status { return r.eng.Statuses() }

// Credentials implements editor.CredentialsBackend.
func (r *Runtime) Credentials(typ, id string) map[string]any { return r.creds.forEditor(typ, id) }
