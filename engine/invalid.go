package engine

import "errors"

// invalidNode stands in for a node whose constructor found its properties
// unusable. Node-RED deploys such a node and it reports the problem when it
// starts (node.error without a message: the log and the debug sidebar), then
// ignores its messages (a change node with a bad rule has no input handler);
// so does this: it has no input, and the engine reports its problems at
// start (see runner.start).
type invalidNode struct {
	problems []*FieldError
}

// reportProblems shows a node's construction problems when it starts: a red
// status under the node with the first of them, and, for a node that could
// not be constructed, each problem as an error (its reason alone, as
// Node-RED's node.error text).
func (r *runner) reportProblems() {
	if len(r.problems) == 0 {
		return
	}
	r.e.reportStatus(r, Status{Fill: "red", Shape: "ring", Text: statusText(errors.New(r.problems[0].Reason))})
	inv, ok := r.node.(invalidNode)
	if !ok {
		return
	}
	for _, p := range inv.problems {
		r.e.reportError(r, errors.New(p.Reason), nil)
	}
}
