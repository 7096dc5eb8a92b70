// Package sequence holds Node-RED's "sequence" palette: split, join, sort and
// batch, which cut messages into sequences described by msg.parts and put
// them back together.
//
// Import rules: engine only; never another node category.
package sequence
