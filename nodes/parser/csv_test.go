package parser

import (
	"errors"
	"testing"

	"github.com/flowgate/flowgate/engine"
)

func rfc(props obj) obj {
	p := obj{"spec": "rfc", "sep": ",", "hdrin": "", "hdrout": "none", "multi": "one", "ret": `\r\n`, "temp": "", "skip": "0",
		"strings": true, "include_empty_strings": "", "include_null_values": ""}
	for k, v := range props {
		p[k] = v
	}
	return p
}

func TestCSVParse(t *testing.T) {
	tests := []struct {
		name string
		opts csvOptions
		in   string
		want []any
	}{
		// checked against Node-RED's lib/csv
		{"lenient quotes and number forms", csvOptions{sep: ",", parseNumbers: true}, `a"b,"c"d, ,0b11,+1,0o7`,
			[]any{obj{"col1": `a"b`, "col2": `c"d`, "col3": 0, "col4": 3, "col5": "+1", "col6": 7}}},
		{"blank lines skipped", csvOptions{sep: ",", parseNumbers: true, headerRow: true}, "x,y\r\n\r\n1,2", []any{obj{"x": 1, "y": 2}}},
		{"quoted line breaks", csvOptions{sep: ";"}, "\"a\r\nb\";\"\"\"\"", []any{obj{"col1": "a\r\nb", "col2": `"`}}},
		{"columns in header order", csvOptions{sep: ",", headerRow: true}, "b,a,10,2\nx,y,z,w", []any{engine.ObjectOf("2", "w", "10", "z", "b", "x", "a", "y")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := csvParse([]rune(tc.in), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			diff(t, tc.want, res.objects)
		})
	}
	if _, err := csvParse([]rune(`a,"b"c`), csvOptions{sep: ",", strict: true}); err == nil || err.Error() != "Data found after closing quote" {
		t.Errorf("strict error %v", err)
	}
}

func TestCSV(t *testing.T) {
	part := func(s string, i, n float64) engine.Msg {
		return engine.Msg{"payload": s, "parts": engine.ObjectOf("id", "p", "index", i, "count", n)}
	}
	tests := []struct {
		name   string
		props  obj
		inputs []engine.Msg
		want   [][]any // per input
		errs   int
	}{
		{
			name:   "lines of a split file with a header row",
			props:  rfc(obj{"hdrin": true}),
			inputs: []engine.Msg{part("a,b", 0, 3), part("1,x", 1, 3), part("2,y", 2, 3)},
			want: [][]any{
				nil,
				{obj{"payload": obj{"a": 1, "b": "x"}, "columns": "a,b", "parts": engine.ObjectOf("id", "p", "index", 0, "count", 2)}},
				{obj{"payload": obj{"a": 2, "b": "y"}, "columns": "a,b", "parts": engine.ObjectOf("id", "p", "index", 1, "count", 2), "complete": true}},
			},
		},
		{
			name:   "lines of a split file into one array",
			props:  rfc(obj{"temp": "a", "multi": "mult"}),
			inputs: []engine.Msg{part("1", 0, 2), part("2", 1, 2)},
			want:   [][]any{nil, {obj{"payload": []any{obj{"a": 1}, obj{"a": 2}}, "columns": "a"}}},
		},
		{
			name:   "skip lines then template",
			props:  rfc(obj{"skip": "2", "temp": "v"}),
			inputs: []engine.Msg{{"payload": "junk\njunk\n7\n"}},
			want:   [][]any{{obj{"payload": obj{"v": 7}, "columns": "v", "parts": engine.ObjectOf("index", 0, "count", 1)}}},
		},
		{
			name:   "object without a column list keeps its key order",
			props:  rfc(obj{"ret": `\n`, "hdrout": "all"}),
			inputs: []engine.Msg{{"payload": engine.ObjectOf("name", "bob", "age", 42.0)}},
			want:   [][]any{{obj{"payload": "name,age\nbob,42\n", "columns": "name,age"}}},
		},
		{
			name:   "header row gives the object's key order",
			props:  rfc(obj{"hdrin": true}),
			inputs: []engine.Msg{{"payload": "z,a,m\n1,2,3\n"}},
			want:   [][]any{{obj{"payload": engine.ObjectOf("z", 1, "a", 2, "m", 3), "columns": "z,a,m", "parts": engine.ObjectOf("index", 0, "count", 1)}}},
		},
		{
			name:   "array rows with a template leave out unnamed columns",
			props:  rfc(obj{"temp": "a,,c", "ret": `\n`}),
			inputs: []engine.Msg{{"payload": []any{[]any{1.0, 2.0, 3.0}, []any{"x,y"}}}},
			want:   [][]any{{obj{"payload": "1,,3\n\"x,y\",,\n", "columns": "a,c"}}},
		},
		{
			name:   "header line quotes names with the separator",
			props:  rfc(obj{"temp": `"a;b",c`, "sep": ";", "hdrout": "all", "ret": `\n`}),
			inputs: []engine.Msg{{"payload": obj{"a;b": 1.0, "c": obj{"d": true}}}},
			want:   [][]any{{obj{"payload": "\"a;b\";c\n1;\"{\"\"d\"\":true}\"\n", "columns": "a;b,c"}}},
		},
		{
			name:   "boolean payload is an error",
			props:  rfc(nil),
			inputs: []engine.Msg{{"payload": true}},
			want:   [][]any{nil},
			errs:   1,
		},
		{
			name:   "unbalanced quote in the header row is an error",
			props:  rfc(obj{"hdrin": true}),
			inputs: []engine.Msg{{"payload": "\"a,b\n1,2"}},
			want:   [][]any{nil},
			errs:   1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			results := run(t, "csv", tc.props, tc.inputs...)
			errs := 0
			for i, r := range results {
				for _, m := range r.msgs {
					if p, ok := m.(*engine.Object).Value("parts").(*engine.Object); ok && p.Value("id") != "p" {
						p.Delete("id") // the input's _msgid
					}
				}
				diff(t, orEmptyList(tc.want[i]), orEmptyList(r.msgs))
				errs += len(r.errs)
			}
			if errs != tc.errs {
				t.Errorf("%d errors, want %d", errs, tc.errs)
			}
		})
	}
}

func TestCSVFieldErrors(t *testing.T) {
	var fe *engine.FieldError
	if err := construct(t, "csv", rfc(obj{"temp": `a,"b`})); !errors.As(err, &fe) || fe.Field != "temp" {
		t.Errorf("error %v, want a field error on temp", err)
	}
	if err := construct(t, "csv", rfc(obj{"hdrout": "sometimes"})); !errors.As(err, &fe) || fe.Field != "hdrout" {
		t.Errorf("error %v, want a field error on hdrout", err)
	}
}
