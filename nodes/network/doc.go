// Package network holds Node-RED's HTTP nodes: http in, http response and
// http request, plus Router, the route table that serves http in endpoints
// on the editor's listener; the websocket nodes (whose listeners are routes
// of that Router) and the tcp nodes live here too.
//
// Import rules: engine, nodes/internal (httpform, mustache) and the
// standard library; never another node category.
package network
