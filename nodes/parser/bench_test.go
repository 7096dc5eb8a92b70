package parser

import (
	"strings"
	"testing"

	"github.com/flowgate/flowgate/engine"
)

// BenchmarkCSVToObjects parses 1000 rows of 5 columns into objects.
func BenchmarkCSVToObjects(b *testing.B) {
	text := []rune("name,age,city,zip,score\n" + strings.Repeat("bob,42,Paris,75001,3.5\n", 1000))
	for b.Loop() {
		if _, err := csvParse(text, csvOptions{sep: ",", headerRow: true, parseNumbers: true}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkJSONStringify writes a parsed 100-element array of objects.
func BenchmarkJSONStringify(b *testing.B) {
	v, err := engine.DecodeJSON([]byte("[" + strings.TrimSuffix(strings.Repeat(`{"id":1,"name":"bob","tags":["a","b"],"pos":{"x":1.5,"y":-2}},`, 100), ",") + "]"))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := stringifyJSON(v, ""); err != nil {
			b.Fatal(err)
		}
	}
}
