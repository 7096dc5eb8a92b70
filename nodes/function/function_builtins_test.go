package function

import (
	"os"
	"testing"
	"time"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
)

// TestFunctionNodeRedBuiltins runs the rows of issue 23 through a function
// node: each answer is the one Node-RED 4 gives with TZ=UTC (more cases,
// recorded from Node, are in nodes/internal/jsvm/testdata/builtins.json).
func TestFunctionNodeRedBuiltins(t *testing.T) {
	if os.Getenv("TZ") != "UTC" {
		old := time.Local
		time.Local = time.UTC
		t.Cleanup(func() { time.Local = old })
		t.Setenv("TZ", "UTC")
	}
	rows := []struct{ code, want string }{
		{"d.toLocaleString('en-US', {timeZone: 'America/New_York'})", "1/15/2026, 8:05:09 AM"},
		{"d.toLocaleDateString('de-DE', {timeZone: 'UTC'})", "15.1.2026"},
		{"d.toLocaleTimeString('en-GB', {hour: '2-digit', minute: '2-digit'})", "13:05"},
		{"(1234567.891).toLocaleString('en-US')", "1,234,567.891"},
		{"(1234.5).toLocaleString('de-DE', {minimumFractionDigits: 2})", "1.234,50"},
		{"new Intl.DateTimeFormat('en-US', {timeZone: 'Asia/Tokyo', hour: 'numeric'}).format(d)", "10 PM"},
		{"['b','a','C'].sort(new Intl.Collator('en').compare).join('')", "abC"},
		{"Intl.DateTimeFormat().resolvedOptions().timeZone", "UTC"},
		{"new URL('http://a.b/c?x=1').searchParams.get('x') + ' ' + typeof URLSearchParams", "1 function"},
		{"util.format('%s=%d', 'x', 5)", "x=5"},
	}
	for _, r := range rows {
		t.Run(r.code, func(t *testing.T) {
			src := "const d = new Date(Date.UTC(2026, 0, 15, 13, 5, 9));\nmsg.payload = String(" + r.code + ");\nreturn msg;"
			bubble(t, fnProps(src, nil), 1, func(t *testing.T, h *enginetest.Harness) {
				sendAll(h, engine.Msg{"payload": 1.0})
				got := h.Collected()["out0"]
				if len(got) != 1 || got[0]["payload"] != r.want {
					t.Errorf("got %v, want %q", got, r.want)
				}
			})
		})
	}
}
