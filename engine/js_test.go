package engine_test

import (
	"math"
	"regexp"
	"testing"
	"time"

	"github.com/flowgate/flowgate/engine"
)

// The JavaScript expectations below were generated with node -e (Node.js 20:
// String(n), Number(s) and ==).

func TestFormatNumberMatchesJavaScript(t *testing.T) {
	tests := []struct {
		name string
		in   float64
		want string
	}{
		{"0", 0, "0"},
		{"-0", math.Copysign(0, -1), "0"},
		{"1", 1, "1"},
		{"-1", -1, "-1"},
		{"0.1", 0.1, "0.1"},
		{"0.2+0.1", 0.30000000000000004, "0.30000000000000004"},
		{"1/3", 0.3333333333333333, "0.3333333333333333"},
		{"-1/3", -0.3333333333333333, "-0.3333333333333333"},
		{"123456789", 123456789, "123456789"},
		{"1e21", 1e+21, "1e+21"},
		{"1e20", 100000000000000000000, "100000000000000000000"},
		{"123456789012345678901", 123456789012345680000, "123456789012345680000"},
		{"1.5e-7", 1.5e-7, "1.5e-7"},
		{"1e-6", 0.000001, "0.000001"},
		{"0.0000001", 1e-7, "1e-7"},
		{"2**53", 9007199254740992, "9007199254740992"},
		{"-(2**31)", -2147483648, "-2147483648"},
		{"1e300", 1e+300, "1e+300"},
		{"1.7976931348623157e308", 1.7976931348623157e+308, "1.7976931348623157e+308"},
		{"5e-324", 5e-324, "5e-324"},
		{"NaN", math.NaN(), "NaN"},
		{"Infinity", math.Inf(1), "Infinity"},
		{"-Infinity", math.Inf(-1), "-Infinity"},
		{"100", 100, "100"},
		{"1e6", 1000000, "1000000"},
		{"1.5", 1.5, "1.5"},
		{"-1.5e-10", -1.5e-10, "-1.5e-10"},
		{"12345.6789", 12345.6789, "12345.6789"},
		{"3.14159", 3.14159, "3.14159"},
		{"1e100", 1e+100, "1e+100"},
		{"2.5e25", 2.5e+25, "2.5e+25"},
		{"-2.5e-25", -2.5e-25, "-2.5e-25"},
		{"4.35", 4.35, "4.35"},
		{"0.1*3", 0.30000000000000004, "0.30000000000000004"},
		{"1e16", 10000000000000000, "10000000000000000"},
		{"99999999999999999999", 100000000000000000000, "100000000000000000000"},
		{"-1e21", -1e+21, "-1e+21"},
		{"-0.000001", -0.000001, "-0.000001"},
		{"1.0000000000000002", 1.0000000000000002, "1.0000000000000002"},
		{"123e-20", 1.23e-18, "1.23e-18"},
		{"0.000123", 0.000123, "0.000123"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := engine.FormatNumber(tt.in); got != tt.want {
				t.Errorf("FormatNumber(%v) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestToNumberMatchesJavaScript(t *testing.T) {
	tests := []struct {
		in   string
		want float64
	}{
		{" 7 ", 7},
		{"0x10", 16},
		{"0X1f", 31},
		{"1e3", 1000},
		{"", 0},
		{"abc", math.NaN()},
		{"Infinity", math.Inf(1)},
		{"-Infinity", math.Inf(-1)},
		{"+Infinity", math.Inf(1)},
		{"infinity", math.NaN()},
		{"-0", math.Copysign(0, -1)},
		{"1_000", math.NaN()},
		{"1,000", math.NaN()},
		{"  ", 0},
		{"\n12\t", 12},
		{"0b101", 5},
		{"0o17", 15},
		{"+5", 5},
		{"-5.5", -5.5},
		{".5", 0.5},
		{"5.", 5},
		{"1e", math.NaN()},
		{"0x", math.NaN()},
		{"NaN", math.NaN()},
		{"nan", math.NaN()},
		{"12px", math.NaN()},
		{"007", 7},
		{"1e400", math.Inf(1)},
		{"-1e400", math.Inf(-1)},
		{"0.1e1", 1},
		{"+-1", math.NaN()},
		{"--1", math.NaN()},
		{"0x-1", math.NaN()},
		{"1 2", math.NaN()},
		{"\u00a09", 9},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := engine.ToNumber(tt.in); !sameFloat(got, tt.want) {
				t.Errorf("ToNumber(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

// sameFloat is Object.is for numbers: NaN equals NaN, 0 differs from -0.
func sameFloat(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return a == b && math.Signbit(a) == math.Signbit(b)
}

func TestToNumberOtherValues(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want float64
	}{
		{"nil", nil, 0},
		{"true", true, 1},
		{"false", false, 0},
		{"int", 3, 3},
		{"empty array", []any{}, 0},
		{"one element array", []any{"4"}, 4},
		{"two element array", []any{1.0, 2.0}, math.NaN()},
		{"object", map[string]any{}, math.NaN()},
		{"date", time.UnixMilli(1500), 1500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := engine.ToNumber(tt.in); !sameFloat(got, tt.want) {
				t.Errorf("ToNumber(%v) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestToString(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"nil", nil, "null"},
		{"number", 1.5, "1.5"},
		{"bool", true, "true"},
		{"array", []any{1.0, nil, "a", []any{2.0, 3.0}}, "1,,a,2,3"},
		{"object", map[string]any{"a": 1.0}, "[object Object]"},
		{"msg", engine.Msg{}, "[object Object]"},
		{"bytes", []byte("hi"), "hi"},
		{"regexp", regexp.MustCompile("a+"), "/a+/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := engine.ToString(tt.in); got != tt.want {
				t.Errorf("ToString = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLooseEqualMatchesJavaScript(t *testing.T) {
	var (
		obj      = map[string]any{}
		arr12    = []any{1.0, 2.0}
		strEmpty = ""
		strSp    = " "
		str0     = "0"
		str1     = "1"
		str1e0   = "1e0"
		strHex   = "0x1"
		strAbc   = "abc"
		strObj   = "[object Object]"
		strA12   = "1,2"
		arrEmpty = []any{}
		arr1     = []any{1.0}
		arrStr   = []any{"a"}
		nan      = math.NaN()
		negZero  = math.Copysign(0, -1)
	)
	tests := []struct {
		name string
		a, b any
		want bool
	}{
		{"null == 0", nil, 0.0, false},
		{"null == false", nil, false, false},
		{"null == strEmpty", nil, strEmpty, false},
		{"null == null", nil, nil, true},
		{"0 == false", 0.0, false, true},
		{"1 == true", 1.0, true, true},
		{"0 == strEmpty", 0.0, strEmpty, true},
		{"0 == strSp", 0.0, strSp, true},
		{"1 == str1", 1.0, str1, true},
		{"1 == str1e0", 1.0, str1e0, true},
		{"1 == strHex", 1.0, strHex, true},
		{"NaN == NaN", nan, nan, false},
		{"0 == -0", 0.0, negZero, true},
		{"str0 == false", str0, false, true},
		{"str1 == true", str1, true, true},
		{"strEmpty == false", strEmpty, false, true},
		{"strAbc == true", strAbc, true, false},
		{"arrEmpty == false", arrEmpty, false, true},
		{"arrEmpty == 0", arrEmpty, 0.0, true},
		{"arrEmpty == strEmpty", arrEmpty, strEmpty, true},
		{"arr1 == 1", arr1, 1.0, true},
		{"arr1 == true", arr1, true, true},
		{"arr1 == str1", arr1, str1, true},
		{"arr12 == strA12", arr12, strA12, true},
		{"arrStr == strAbc", arrStr, strAbc, false},
		{"obj == strObj", obj, strObj, true},
		{"obj == obj", obj, obj, true},
		{"true == true", true, true, true},
		{"false == strSp", false, strSp, true},
		{"str0 == strEmpty", str0, strEmpty, false},
		{"str1 == str1e0", str1, str1e0, false},
		{"strAbc == strAbc", strAbc, strAbc, true},
		{"arr12 == arr12", arr12, arr12, true},
		{"NaN == strAbc", nan, strAbc, false},
		{"obj == 0", obj, 0.0, false},
		{"true == str1e0", true, str1e0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := engine.LooseEqual(tt.a, tt.b); got != tt.want {
				t.Errorf("%v == %v: got %v, want %v", tt.a, tt.b, got, tt.want)
			}
			if got := engine.LooseEqual(tt.b, tt.a); got != tt.want {
				t.Errorf("%v == %v (swapped): got %v, want %v", tt.b, tt.a, got, tt.want)
			}
		})
	}
	t.Run("different arrays with equal contents", func(t *testing.T) {
		if engine.LooseEqual([]any{1.0}, []any{1.0}) {
			t.Error("[1] == [1] is false in JavaScript")
		}
	})
	t.Run("different objects", func(t *testing.T) {
		if engine.LooseEqual(map[string]any{}, map[string]any{}) {
			t.Error("{} == {} is false in JavaScript")
		}
	})
}

func TestTruthy(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want bool
	}{
		{"nil", nil, false},
		{"false", false, false},
		{"true", true, true},
		{"zero", 0.0, false},
		{"negative zero", math.Copysign(0, -1), false},
		{"NaN", math.NaN(), false},
		{"one", 1.0, true},
		{"int zero", 0, false},
		{"empty string", "", false},
		{"string 0", "0", true},
		{"string false", "false", true},
		{"empty array", []any{}, true},
		{"empty object", map[string]any{}, true},
		{"empty buffer", []byte{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := engine.Truthy(tt.in); got != tt.want {
				t.Errorf("Truthy(%v) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestTypeOf(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"nil", nil, "null"},
		{"bool", true, "boolean"},
		{"number", 1.0, "number"},
		{"string", "s", "string"},
		{"array", []any{}, "array"},
		{"buffer", []byte{}, "buffer"},
		{"object", map[string]any{}, "object"},
		{"msg", engine.Msg{}, "object"},
		{"date", time.Time{}, "object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := engine.TypeOf(tt.in); got != tt.want {
				t.Errorf("TypeOf(%#v) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestJSONString(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"html not escaped", map[string]any{"a": "<b>&"}, `{"a":"<b>&"}`},
		{"buffer", []byte{1, 2}, `{"type":"Buffer","data":[1,2]}`},
		{"NaN and Infinity are null", []any{math.NaN(), math.Inf(1)}, `[null,null]`},
		{"date", time.Date(2024, 1, 2, 3, 4, 5, 6e6, time.UTC), `"2024-01-02T03:04:05.006Z"`},
		{"msg", engine.Msg{"payload": 1.0}, `{"payload":1}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := engine.JSONString(tt.in, "")
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("JSONString = %s, want %s", got, tt.want)
			}
		})
	}
}
