// Package flows reads, writes, checks and edits Node-RED flow
// configurations: the flows array the editor deploys, its revision, the
// single-flow documents of the /flow admin API, and the flows file on disk.
//
// Its one job is fidelity to Node-RED's data. Values are kept as Node-RED
// keeps them (JSON.stringify of JSON.parse), so a flows file exported from
// Node-RED parses and marshals back byte for byte, and revisions match
// the ones Node-RED computes. Node types, credentials and running flows
// are other packages' business.
//
// Import rules: flows imports only the standard library; any Flowgate
// package may import it.
package flows
