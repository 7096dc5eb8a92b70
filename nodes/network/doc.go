// Package network holds Node-RED's HTTP nodes: http in, http response and
// http request, plus Router, the route table that serves http in endpoints
// on the editor's listener.
//
// Import rules: engine, nodes/internal (httpform, mustache) and the
// standard library; never another node category.
package network
