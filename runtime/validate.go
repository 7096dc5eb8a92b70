package runtime

import (
	"fmt"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/flows"
	"github.com/flowgate/flowgate/nodes"
	"github.com/flowgate/flowgate/nodes/jsonata"
)

// Validate checks a flows file as a deploy would, without running anything:
// it returns one line per problem and whether the flows would deploy. Errors
// are what a deploy refuses (not JSON, not a flows array, nodes without id
// or type, ...); a node's property problems are warnings, as a deploy
// accepts the node and it reports them when it starts or runs, as in
// Node-RED.
func Validate(data []byte) ([]string, bool) {
	cfg, err := flows.Parse(data)
	if err != nil {
		return []string{"error: " + err.Error()}, false
	}
	var lines []string
	problems := flows.Validate(cfg)
	for _, p := range problems {
		lines = append(lines, fmt.Sprintf("%s: %s", p.Severity, p.String()))
	}
	if problems.Err() != nil {
		return lines, false
	}
	reg, err := engine.NewRegistry(nodes.All()...)
	if err != nil {
		return append(lines, "error: "+err.Error()), false
	}
	g, err := graphOf(cfg)
	if err != nil {
		return append(lines, "error: "+err.Error()), false
	}
	// node construction problems are warnings: err is what would refuse it
	warnings, err := engine.New(reg, engine.Options{JSONata: jsonata.New(0)}).Validate(g)
	for _, w := range warnings {
		lines = append(lines, "warning: "+w.Error())
	}
	for _, fe := range engine.FieldErrors(err) {
		lines = append(lines, "error: "+fe.Error())
	}
	return lines, err == nil
}
