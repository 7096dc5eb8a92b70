// Package parser holds Node-RED's "parser" palette: json, csv, yaml and xml,
// which convert a message property between text and JavaScript-like values
// the way Node-RED 4 does.
//
// Import rules: engine and gopkg.in/yaml.v3; never another node category.
package parser
