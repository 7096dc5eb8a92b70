// Package httpform parses and writes query strings and form bodies the way
// the Node.js libraries behind Node-RED's HTTP nodes do: Parse is the `qs`
// package's parser as Express (query strings) and body-parser (urlencoded
// bodies) configure it, Stringify is Node's querystring.stringify.
//
// Import rules: standard library and engine (JavaScript number formatting).
package httpform
