package jsonata

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/flowgate/flowgate/engine"
)

// suiteDir holds the JSONata project's own test suite (jsonata-js/jsonata
// test/test-suite, MIT), copied as data.
const suiteDir = "../../testdata/jsonata"

// suiteCase is one case of the suite (see its TESTSUITE.md).
type suiteCase struct {
	Expr      string          `json:"expr"`
	ExprFile  string          `json:"expr-file"`
	Data      json.RawMessage `json:"data"`
	Dataset   *string         `json:"dataset"`
	Bindings  map[string]any  `json:"bindings"`
	Result    json.RawMessage `json:"result"`
	Undefined bool            `json:"undefinedResult"`
	Code      string          `json:"code"`
	Error     *struct {
		Code string `json:"code"`
	} `json:"error"`
}

// loadSuite returns the cases by group.
func loadSuite(t testing.TB) (map[string][]suiteCase, map[string]any) {
	t.Helper()
	datasets := map[string]any{}
	files, _ := filepath.Glob(filepath.Join(suiteDir, "datasets", "*.json"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		v, err := engine.DecodeJSON(b)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		datasets[strings.TrimSuffix(filepath.Base(f), ".json")] = v
	}
	groups := map[string][]suiteCase{}
	files, _ = filepath.Glob(filepath.Join(suiteDir, "groups", "*", "*.json"))
	if len(files) == 0 {
		t.Fatalf("no test suite in %s", suiteDir)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var cs []suiteCase
		if err := json.Unmarshal(b, &cs); err != nil {
			var c suiteCase
			if err := json.Unmarshal(b, &c); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			cs = []suiteCase{c}
		}
		g := filepath.Base(filepath.Dir(f))
		for i := range cs {
			if cs[i].ExprFile != "" {
				src, err := os.ReadFile(filepath.Join(filepath.Dir(f), cs[i].ExprFile))
				if err != nil {
					t.Fatal(err)
				}
				cs[i].Expr = string(src)
			}
		}
		groups[g] = append(groups[g], cs...)
	}
	return groups, datasets
}

// runCase reports whether the implementation passes c.
func runCase(j engine.JSONata, c suiteCase, datasets map[string]any) (ok bool, why string) {
	defer func() {
		if p := recover(); p != nil {
			ok, why = false, fmt.Sprint("panic: ", p)
		}
	}()
	wantCode := c.Code
	if c.Error != nil {
		wantCode = c.Error.Code
	}
	x, err := j.Compile(c.Expr)
	if err != nil {
		return codeIs(err, wantCode)
	}
	var input any
	switch {
	case len(c.Data) > 0:
		input, _ = engine.DecodeJSON(c.Data)
	case c.Dataset != nil:
		input = datasets[*c.Dataset]
	}
	out, err := x.Eval(nil, input, c.Bindings)
	if err != nil {
		return codeIs(err, wantCode)
	}
	switch {
	case wantCode != "":
		return false, fmt.Sprintf("got %v, want error %s", out, wantCode)
	case c.Undefined:
		return out == nil, fmt.Sprintf("got %v, want undefined", out)
	}
	want, _ := engine.DecodeJSON(c.Result)
	got, err := json.Marshal(out)
	if err != nil {
		return false, err.Error()
	}
	gotv, _ := engine.DecodeJSON(got)
	// the suite compares objects regardless of key order (it expects
	// {"hello","bye"} where jsonata-js gives {"bye","hello"}); TestKeyOrder
	// pins the order
	same := reflect.DeepEqual(engine.PlainValue(gotv), engine.PlainValue(want))
	return same, fmt.Sprintf("got %s, want %s", got, c.Result)
}

func codeIs(err error, want string) (bool, string) {
	var je *engine.JSONataError
	if errors.As(err, &je) && want != "" && je.Code == want {
		return true, ""
	}
	return false, fmt.Sprintf("error %v, want code %q", err, want)
}

// TestConformance runs the JSONata test suite. The full run takes a while
// under -race: it runs with JSONATA_CONFORMANCE=1 (then it prints the table
// per group for the README); otherwise a few groups run and must all pass.
func TestConformance(t *testing.T) {
	groups, datasets := loadSuite(t)
	e := New(0)
	defer e.Close()
	full := os.Getenv("JSONATA_CONFORMANCE") != ""
	names := make([]string, 0, len(groups))
	for g := range groups {
		names = append(names, g)
	}
	sort.Strings(names)
	quick := map[string]bool{"fields": true, "function-substring": true, "hof-reduce": true, "string-concat": true, "transforms": true}
	var table strings.Builder
	total, passed := 0, 0
	for _, g := range names {
		if !full && !quick[g] {
			continue
		}
		n := 0
		for i, c := range groups[g] {
			ok, why := runCase(e, c, datasets)
			if ok {
				n++
			} else if !full {
				t.Errorf("%s case %d %q: %s", g, i, c.Expr, why)
			} else if testing.Verbose() {
				t.Logf("FAIL %s case %d %q: %s", g, i, c.Expr, why)
			}
		}
		total += len(groups[g])
		passed += n
		fmt.Fprintf(&table, "| %s | %d/%d |\n", g, n, len(groups[g]))
	}
	fmt.Fprintf(&table, "| **total** | **%d/%d** |\n", passed, total)
	if full {
		t.Logf("conformance:\n%s", table.String())
	}
}
