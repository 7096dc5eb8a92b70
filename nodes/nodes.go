package nodes

import (
	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/nodes/common"
	"github.com/flowgate/flowgate/nodes/function"
	"github.com/flowgate/flowgate/nodes/network"
	"github.com/flowgate/flowgate/nodes/parser"
	"github.com/flowgate/flowgate/nodes/sequence"
)

// All returns every node type, category by category.
func All() []engine.Type {
	var all []engine.Type
	for _, types := range [][]engine.Type{
		common.Types(),
		function.Types(),
		sequence.Types(),
		parser.Types(),
		network.Types(),
	} {
		all = append(all, types...)
	}
	return all
}
