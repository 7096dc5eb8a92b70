package engine

import (
	"math"
	"regexp"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestExprHelpers(t *testing.T) {
	res := &Resources{Now: func() time.Time { return time.UnixMilli(1700000000123) }}
	msg := Msg{"payload": map[string]any{"b": 2.0, "a": "x", "n": "42.5"}, "list": []any{1.0, 2.0}}
	tests := []struct {
		expr string
		want any
	}{
		{`now()`, 1700000000123.0},
		{`round(2.5)`, 3.0},
		{`round(-2.5)`, -2.0},
		{`round(3.14159, 2)`, 3.14},
		{`toNumber(msg.payload.n) + 1`, 43.5},
		{`toString(msg.payload.b) + "!"`, "2!"},
		{`toString(msg.list)`, "1,2"},
		{`has(msg.payload, "a")`, true},
		{`has(msg.payload, "z")`, false},
		{`has(msg.list, 1)`, true},
		{`has(msg.list, 2)`, false},
		{`keys(msg.payload)`, []any{"a", "b", "n"}},
		{`padStart(toString(7), 3, "0")`, "007"},
		{`padEnd("ab", 4)`, "ab  "},
		{`substring("héllo", 1, 3)`, "él"},
		{`isoDate(1700000000123)`, "2023-11-14T22:13:20.123Z"},
		{`parseDate("2023-11-14T22:13:20.123Z")`, 1700000000123.0},
		{`formatDate(1700000000123, "2006-01-02 15:04")`, "2023-11-14 22:13"},
		{`formatDate(1700000000123, "15:04", "Europe/Paris")`, "23:13"},
		{`upper(msg.payload.a)`, "X"},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			typed, err := CompileTyped(TypedExpr, tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			got, err := typed.Eval(res, msg)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
	t.Run("uuid", func(t *testing.T) {
		typed, _ := CompileTyped(TypedExpr, `uuid()`)
		got, _ := typed.Eval(res, msg)
		if s, _ := got.(string); !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(s) {
			t.Errorf("uuid() = %v", got)
		}
	})
	t.Run("parseDate invalid is NaN", func(t *testing.T) {
		typed, _ := CompileTyped(TypedExpr, `parseDate("soon")`)
		got, _ := typed.Eval(res, msg)
		if f, ok := got.(float64); !ok || !math.IsNaN(f) {
			t.Errorf("got %v", got)
		}
	})
	t.Run("compile error", func(t *testing.T) {
		if _, err := CompileTyped(TypedExpr, `round(`); err == nil {
			t.Error("no error")
		}
	})
}
