package jsvm

import (
	"testing"

	"github.com/flowgate/flowgate/engine"
)

// BenchmarkRoundTrip converts a typical object payload to JavaScript and back.
func BenchmarkRoundTrip(b *testing.B) {
	v := engine.ObjectOf("name", "bob", "age", 42.0, "tags", []any{"a", "b"},
		"addr", engine.ObjectOf("city", "x", "zip", "1"), "on", true, "t", 21.5)
	vm := New(Options{})
	defer vm.Close()
	b.ReportAllocs()
	_ = vm.Do(func() error {
		for b.Loop() {
			if _, err := vm.FromJS(vm.ToJS(v)); err != nil {
				b.Fatal(err)
			}
		}
		return nil
	})
}
