package function

import (
	"testing"

	"github.com/flowgate/flowgate/engine"
)

func TestSpecsDefaultsConstruct(t *testing.T) {
	for _, ty := range Types() {
		t.Run(ty.Spec.Type, func(t *testing.T) {
			props := map[string]any{}
			for _, p := range ty.Spec.Props {
				props[p.Name] = p.Default
			}
			if _, err := ty.New(config(ty.Spec.Type, props), &engine.Resources{}); err != nil {
				t.Errorf("defaults do not construct: %v", err)
			}
			if _, err := ty.New(config(ty.Spec.Type, map[string]any{}), &engine.Resources{}); err != nil {
				t.Errorf("absent properties do not construct: %v", err)
			}
			if len(ty.Spec.Help) < 50 {
				t.Errorf("help text missing or too short: %q", ty.Spec.Help)
			}
			if ty.Spec.Category != "function" || ty.Spec.Inputs != 1 {
				t.Errorf("category %q inputs %d, want function and 1", ty.Spec.Category, ty.Spec.Inputs)
			}
		})
	}
}
