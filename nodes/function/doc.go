// Package function holds Node-RED's "function" palette category: change,
// switch, template, range, delay, trigger and filter (rbe), each behaving as
// in Node-RED 4 with the same property names.
//
// It imports engine and nodes/internal packages only.
package function
