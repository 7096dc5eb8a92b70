// Package parser holds Node-RED's "parser" palette: json, csv, yaml and xml,
// which convert a message property between text and JavaScript-like values
// the way Node-RED 4 does, and html, which extracts elements by CSS selector.
//
// Import rules: engine, gopkg.in/yaml.v3 and golang.org/x/net/html; never
// another node category.
package parser
