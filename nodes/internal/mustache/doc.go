// Package mustache renders Mustache templates as the mustache npm package
// (4.x) that Node-RED's template node uses: the same parsing (standalone-line
// whitespace stripping, set-delimiter tags, error texts), the same HTML
// escaping and JavaScript String() conversion of values. Partials parse but
// render nothing; there are no lambdas.
//
// Names are resolved against the section values pushed while rendering and
// then through a lookup function the caller provides, so a node can resolve
// msg properties, flow/global context and env variables as it needs.
//
// It imports only the standard library and engine (for JavaScript value
// semantics).
package mustache
