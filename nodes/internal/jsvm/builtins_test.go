package jsvm

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/dop251/goja"
)

// TestMain runs the package's tests in UTC, as the recorded Node answers were.
func TestMain(m *testing.M) {
	os.Setenv("TZ", "UTC")
	time.Local = time.UTC
	os.Exit(m.Run())
}

// TestBuiltinsAsNode replays testdata/builtins.json: each expression of
// builtins.txt with the answer Node.js 20 (full ICU, TZ=UTC) gave, recorded
// by testdata/record.js. Intl, the locale methods of Date, Number and
// String, URL, URLSearchParams and util.format must answer the same.
func TestBuiltinsAsNode(t *testing.T) {
	raw, err := os.ReadFile("testdata/builtins.json")
	if err != nil {
		t.Fatal(err)
	}
	var rec struct {
		Cases []struct{ Code, Node string }
	}
	if err := json.Unmarshal(raw, &rec); err != nil {
		t.Fatal(err)
	}
	vm := New(Options{})
	defer vm.Close()
	for _, c := range rec.Cases {
		t.Run(c.Code, func(t *testing.T) {
			var got string
			_ = vm.Do(func() error {
				got = evalString(vm.Runtime(), c.Code)
				return nil
			})
			if got != c.Node {
				t.Errorf("%s\n got %q\nnode %q", c.Code, got, c.Node)
			}
		})
	}
}

// evalString evaluates code as record.js does: as a String, or the error it throws.
func evalString(rt *goja.Runtime, code string) string {
	v, err := rt.RunString(`(function(d) { try { return String(` + code + `); } catch (e) { return 'throws ' + e.name + ': ' + e.message; } })(new Date(Date.UTC(2026, 0, 15, 13, 5, 9)))`)
	if err != nil {
		return "error: " + err.Error()
	}
	return v.String()
}
