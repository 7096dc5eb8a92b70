package nodes_test

import (
	"testing"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
	"github.com/flowgate/flowgate/nodes"
)

func TestRegistryBuilds(t *testing.T) {
	reg, err := engine.NewRegistry(nodes.All()...)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range reg.Specs() {
		if s.Help == "" {
			t.Errorf("%s has no help", s.Type)
		}
		if s.Category == "" {
			t.Errorf("%s has no category", s.Type)
		}
	}
}

// The catch/status/complete fixtures use nodes of several categories, so
// they are replayed here with every type.
func TestNodeREDParityCatchStatusComplete(t *testing.T) {
	enginetest.ReplayFixturesExcept(t, "../testdata/nodered/catch/*.json", map[string]string{
		"error-thrown-as-error-object-has-stack": "an invalid regular expression is a deploy error in Flowgate, a runtime error in Node-RED",
	}, nodes.All()...)
}
