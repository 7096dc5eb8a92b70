package runtime

import (
	"context"
	"fmt"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/flows"
	"github.com/flowgate/flowgate/runtime/fleet"
)

// fleetRuntime is the runtime as the fleet agent drives it.
type fleetRuntime struct{ r *Runtime }

// DeployJSON deploys through the path POST /flows takes (Deploy: full,
// persisted with the credentials, a bad deploy changes nothing).
func (f fleetRuntime) DeployJSON(ctx context.Context, data []byte) (string, flows.Problems, error) {
	cfg, err := flows.Parse(data)
	if err != nil {
		return "", nil, fmt.Errorf("flows: %w", err)
	}
	rev, err := f.r.Deploy(ctx, cfg, engine.DeployFull, "")
	if err != nil {
		return "", nil, err
	}
	return rev, f.r.DeployWarnings(rev), nil
}

// FlowsJSON returns the running flows (without their credentials).
func (f fleetRuntime) FlowsJSON() ([]byte, string) {
	cfg := f.r.Flows()
	return cfg.MarshalV1(), cfg.Rev
}

// FlowsRev returns the running flows' rev.
func (f fleetRuntime) FlowsRev() string { return f.r.Flows().Rev }

// Ready is the runtime's readiness.
func (f fleetRuntime) Ready() error { return f.r.Ready() }

// startFleet joins the fleet the settings name, if any.
func (r *Runtime) startFleet() error {
	if r.s.Fleet.Broker == "" {
		return nil
	}
	a, err := fleet.Start(r.s.Fleet, fleet.Options{DataDir: r.s.DataDir, Version: r.s.Version, Log: r.s.Log.With("component", "fleet")}, fleetRuntime{r})
	if err != nil {
		return err
	}
	r.fleet = a
	return nil
}

// mergeFleet fills the fleet settings the flags left empty from the file.
func (s *Settings) mergeFleet(f fleet.Settings) {
	for _, p := range []struct {
		dst *string
		src string
	}{
		{&s.Fleet.Broker, f.Broker}, {&s.Fleet.ID, f.ID}, {&s.Fleet.Group, f.Group},
		{&s.Fleet.Pub, f.Pub}, {&s.Fleet.Username, f.Username}, {&s.Fleet.Password, f.Password},
	} {
		if *p.dst == "" {
			*p.dst = p.src
		}
	}
}
