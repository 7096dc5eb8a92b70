package main

import (
	"strings"
	"testing"
	"time"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
	"github.com/flowgate/flowgate/nodes/function"
	"github.com/flowgate/flowgate/nodes/sequence"
)

// BenchmarkChainInProcess runs the bench's chains (split → 10 × change →
// join, and the same with function nodes) inside one engine, without HTTP, so that
// `go test -bench ChainInProcess -cpuprofile` shows where the engine and
// the nodes spend the time the whole-binary chain figure measures.
func BenchmarkChainInProcess(b *testing.B) {
	for _, c := range []struct {
		kind string
		n    int
		add  float64
	}{{"change", 10_000, 0}, {"change", 100_000, 0}, {"function", 1000, 10}, {"function", 10_000, 10}} {
		n, k := c.n, c.kind[:1]
		b.Run(c.kind+"/"+thousands(n), func(b *testing.B) {
			h := enginetest.New(b, append(function.Types(), sequence.Types()...)...)
			flow := chainFlow(c.kind)
			// The http nodes become the harness: messages enter at the
			// split and the join's output goes to the collector.
			flow = strings.Replace(flow, `"type":"http in"`, `"type":"helper"`, 1)
			flow = strings.Replace(flow, `"type":"http response"`, `"type":"helper"`, 1)
			h.Deploy(flow)
			arr := make([]any, n)
			for i := range arr {
				arr[i] = float64(i)
			}
			sent := 0
			for b.Loop() {
				h.Send(k+"split", engine.Msg{"payload": arr})
				sent++
				got := h.Wait(k+"res", sent, time.Minute)
				joined := got[sent-1]["payload"].([]any)
				if len(joined) != n || engine.ToNumber(joined[n-1]) != float64(n-1)+c.add {
					b.Fatalf("joined %d items, last %v", len(joined), joined[len(joined)-1])
				}
			}
			b.ReportMetric(float64(sent*n)/b.Elapsed().Seconds(), "items/s")
		})
	}
}
