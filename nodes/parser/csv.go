package parser

import (
	"context"
	"errors"
	"math"
	"regexp"
	"strings"

	"github.com/flowgate/flowgate/engine"
)

func csvSpec() engine.Spec {
	return engine.Spec{
		Type: "csv", Category: "parser", Color: "#DEBD5C", Icon: "parser-csv.svg", LabelProp: "name",
		Inputs: 1, Outputs: 1,
		Props: []engine.Prop{
			{Name: "name", Kind: engine.KindString, Default: ""},
			{Name: "spec", Label: "Parser", Kind: engine.KindSelect, Default: "rfc", Options: []engine.Option{
				{Value: "rfc", Label: "RFC4180"}, {Value: "", Label: "Legacy"},
			}},
			{Name: "sep", Label: "Separator", Kind: engine.KindString, Default: ",", Required: true},
			{Name: "hdrin", Label: "First row contains column names", Kind: engine.KindBool, Default: ""},
			{Name: "hdrout", Label: "Column names in output", Kind: engine.KindSelect, Default: "none", Options: []engine.Option{
				{Value: "none", Label: "never send column headers"},
				{Value: "all", Label: "always send column headers"},
				{Value: "once", Label: "send headers once, until msg.reset"},
			}},
			{Name: "multi", Label: "Output", Kind: engine.KindSelect, Default: "one", Required: true, Options: []engine.Option{
				{Value: "one", Label: "a message per row"}, {Value: "mult", Label: "a single message [array]"},
			}},
			{Name: "ret", Label: "Newline", Kind: engine.KindSelect, Default: `\r\n`, Options: []engine.Option{
				{Value: `\r\n`, Label: "Windows (\\r\\n)"}, {Value: `\n`, Label: "Linux (\\n)"}, {Value: `\r`, Label: "Mac (\\r)"},
			}},
			{Name: "temp", Label: "Columns", Kind: engine.KindString, Default: ""},
			{Name: "skip", Label: "Skip first lines", Kind: engine.KindNumber, Default: "0"},
			{Name: "strings", Label: "Parse numerical values", Kind: engine.KindBool, Default: true},
			{Name: "include_empty_strings", Label: "Include empty strings", Kind: engine.KindBool, Default: ""},
			{Name: "include_null_values", Label: "Include null values", Kind: engine.KindBool, Default: ""},
		},
		Help: help("csv"),
	}
}

// csvNode converts between CSV text and objects or arrays. Both of
// Node-RED's parsers ("rfc" and the legacy "") are served by its RFC 4180
// parser; the legacy mode keeps its own line-ending default.
type csvNode struct {
	res          *engine.Resources
	configured   []string // the column template as configured ([""] when none)
	template     []string // the current template (a header row replaces it)
	noTemplate   bool
	sep          string
	ret          string
	multi        string
	hdrin        bool
	sendHeaders  bool
	headersOnce  bool
	skip         int
	parseNumbers bool
	includeEmpty bool
	includeNull  bool
	hdrSent      bool
	warnedNoTmpl bool
	store        []any
	redStatus    bool
}

const csvQuote = '"'

func newCSV(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	n := &csvNode{res: res}
	rfc := p.String("spec", "") == "rfc"
	n.sep = unescapeSep(p.String("sep", ""))
	if n.sep == "" {
		n.sep = ","
	}
	defRet := `\n`
	if rfc {
		defRet = `\r\n`
	}
	ret := p.String("ret", "")
	if ret == "" {
		ret = defRet
	}
	n.ret = strings.NewReplacer(`\n`, "\n", `\r`, "\r").Replace(ret)
	n.multi = p.String("multi", "one")
	if n.multi == "" {
		n.multi = "one"
	}
	n.hdrin = p.Bool("hdrin", false)
	switch raw := string(p.Raw("hdrout")); raw {
	case "true":
		n.sendHeaders = true
	case "false":
	default:
		switch h := p.String("hdrout", "none"); h {
		case "all":
			n.sendHeaders = true
		case "once":
			n.sendHeaders, n.headersOnce = true, true
		case "none", "":
		default:
			p.Fail("hdrout", "unknown value %q", h)
		}
	}
	n.skip = p.Int("skip", 0)
	n.parseNumbers = !p.Has("strings") || p.Bool("strings", true)
	n.includeEmpty = p.Bool("include_empty_strings", false)
	n.includeNull = p.Bool("include_null_values", false)
	tmpl, ok := columnsToTemplate(p.String("temp", ""))
	if !ok {
		p.Fail("temp", "Malformed columns template.")
	}
	n.configured = tmpl
	n.template = tmpl
	n.noTemplate = !hasTemplate(tmpl)
	return n, p.Err()
}

var unescapeSep = strings.NewReplacer(`\t`, "\t", `\n`, "\n", `\r`, "\r").Replace

func (n *csvNode) Handle(_ context.Context, msg engine.Msg, out *engine.Output) error {
	if n.redStatus {
		n.res.Status(engine.Status{})
		n.redStatus = false
	}
	if _, reset := msg["reset"]; reset {
		n.hdrSent = false
	}
	payload, has := msg["payload"]
	if !has {
		if _, reset := msg["reset"]; !reset {
			out.Send(0, msg)
		}
		return nil
	}
	switch v := payload.(type) {
	case string:
		return n.fromCSV(msg, v, out)
	case *engine.Object, map[string]any, []any, nil, engine.Msg:
		return n.toCSV(msg, v, out)
	}
	// Node-RED's done(new Error(...)): the status shows the message, the
	// error its toString()
	n.setRed("This node only handles CSV strings or js objects.")
	return userError("Error: This node only handles CSV strings or js objects.")
}

func (n *csvNode) setRed(text string) {
	n.res.Status(engine.Status{Fill: "red", Shape: "dot", Text: text})
	n.redStatus = true
}

// toCSV converts an object, an array of objects or an array of arrays.
func (n *csvNode) toCSV(msg engine.Msg, input any, out *engine.Output) error {
	var rows []any
	arrays := false
	switch t := input.(type) {
	case []any:
		rows = t
		if len(t) > 0 {
			switch t[0].(type) {
			case []any:
				arrays = true
			case *engine.Object, map[string]any, engine.Msg, nil:
			default:
				rows, arrays = []any{t}, true
			}
		}
	case nil:
		return errors.New("Cannot convert undefined or null to object")
	default:
		rows = []any{t}
	}
	parts, hasParts := engine.AsObject(msg["parts"])
	inSequence := false
	if hasParts {
		idx, ok := parts.Value("index").(float64)
		inSequence = ok && idx > 0
	}
	if !(n.noTemplate && inSequence) {
		n.template = n.configured
	}
	var lines []string
	if n.sendHeaders && !n.hdrSent {
		if !hasTemplate(n.template) {
			if cols, ok := msg["columns"]; ok {
				t, good := columnsToTemplate(stringOr(cols))
				if !good {
					t = []string{""}
				}
				n.template = t
			} else {
				if len(rows) == 0 {
					return errors.New("Cannot convert undefined or null to object")
				}
				n.template = keysOf(rows[0])
			}
		}
		cells := make([]string, len(n.template))
		for i, h := range n.template {
			cells[i] = quoteCell(h, n.sep)
		}
		lines = append(lines, strings.Join(cells, n.sep))
		if n.headersOnce {
			n.hdrSent = true
		}
	}
	for _, row := range rows {
		if arrays {
			lines = append(lines, n.arrayRow(row))
			continue
		}
		if !hasTemplate(n.template) {
			if cols, ok := msg["columns"]; ok {
				n.template, _ = columnsToTemplate(stringOr(cols))
			}
		}
		if !hasTemplate(n.template) {
			if !n.warnedNoTmpl {
				n.res.Log.Warn("No columns template specified for object -> CSV.")
				n.warnedNoTmpl = true
			}
			n.template = keysOf(row)
			obj, _ := engine.AsObject(row)
			var cells []string
			for _, k := range keysOf(rows[0]) {
				cell, ok := obj.Get(k)
				if !ok {
					continue
				}
				switch cell.(type) {
				case *engine.Object, map[string]any, []any, nil, engine.Msg:
					continue
				}
				cells = append(cells, quoteCell(engine.ToString(cell), n.sep))
			}
			lines = append(lines, strings.Join(cells, n.sep))
			continue
		}
		obj, _ := engine.AsObject(row)
		cells := make([]string, len(n.template))
		for i, h := range n.template {
			if h == "" {
				continue
			}
			cell, ok := obj.Get(h)
			if !ok {
				cell = ""
			}
			cells[i] = quoteCell(ensureString(cell), n.sep)
		}
		lines = append(lines, strings.Join(cells, n.sep))
	}
	msg["payload"] = strings.Join(lines, n.ret) + n.ret
	msg["columns"] = templateToColumns(n.template)
	if msg["payload"] != "" {
		out.Send(0, msg)
	}
	return nil
}

func (n *csvNode) arrayRow(row any) string {
	arr, _ := row.([]any)
	count := len(arr)
	withTemplate := hasTemplate(n.template)
	if withTemplate {
		count = len(n.template)
	}
	cells := make([]string, 0, count)
	last := -1
	for i := range count {
		var cell any = ""
		if i < len(arr) {
			cell = arr[i]
		}
		cells = append(cells, "")
		if withTemplate && n.template[i] == "" {
			continue
		}
		cells[i] = quoteCell(ensureString(cell), n.sep)
		last = i
	}
	if withTemplate {
		cells = cells[:last+1] // a JavaScript array only reaches its last assigned index
	}
	return strings.Join(cells, n.sep)
}

// fromCSV parses CSV text into objects.
func (n *csvNode) fromCSV(msg engine.Msg, text string, out *engine.Output) error {
	input := []rune(text)
	firstLine := true
	last := false
	linecount := 0
	parts, hasParts := engine.AsObject(msg["parts"])
	_, hasPartsKey := msg["parts"]
	var index, count float64
	hasCount := false
	if hasParts {
		index, _ = parts.Value("index").(float64)
		linecount = int(index)
		if index > float64(n.skip) {
			firstLine = false
		}
		if c, ok := parts.Value("count").(float64); ok {
			count, hasCount = c, true
			last = index+1 >= c
		}
	}
	cursor := 0
	if n.skip > 0 && linecount < n.skip {
		for ; cursor < len(input); cursor++ {
			if firstLine && linecount < n.skip {
				if input[cursor] == '\r' || input[cursor] == '\n' {
					linecount++
				}
				continue
			}
			break
		}
		if cursor >= len(input) {
			return nil
		}
	}
	breaks := 0
	for _, c := range input[cursor:] {
		if c == '\r' || c == '\n' {
			breaks++
		}
	}
	if hasPartsKey && n.multi == "mult" && breaks > 1 {
		firstLine = true
	}
	if firstLine && n.hdrin {
		res, err := csvParse(input, csvOptions{cursor: cursor, sep: n.sep, headerRow: true, headersOnly: true, arrays: true, strict: true})
		if err != nil {
			n.setRed("Malformed columns template.")
			return err
		}
		n.template = res.headers
		cursor = res.cursor
	}
	opts := csvOptions{cursor: cursor, sep: n.sep, includeNull: n.includeNull, includeEmpty: n.includeEmpty, parseNumbers: n.parseNumbers}
	if hasTemplate(n.template) {
		opts.headers = n.template
	}
	res, err := csvParse(input, opts)
	if err != nil {
		return err
	}
	columns := templateToColumns(res.headers)
	if n.multi != "one" {
		if hasPartsKey && breaks <= 1 {
			n.store = append(n.store, res.objects...)
			if hasParts && hasCount && index+1 == count {
				msg["payload"] = n.store
				msg["columns"] = columns
				delete(msg, "parts")
				out.Send(0, msg)
				n.store = nil
			}
			return nil
		}
		msg["columns"] = columns
		msg["payload"] = orEmpty(res.objects)
		out.Send(0, msg)
		return nil
	}
	for i, row := range res.objects {
		m := msg.Clone()
		m["columns"] = columns
		m["payload"] = row
		if !hasPartsKey {
			m["parts"] = engine.ObjectOf("id", msg["_msgid"], "index", float64(i), "count", float64(len(res.objects)))
		} else if p, ok := engine.AsObject(m["parts"]); ok {
			shift := float64(n.skip)
			if n.hdrin {
				shift++
			}
			p.Set("index", engine.ToNumber(p.Value("index"))-shift)
			p.Set("count", engine.ToNumber(p.Value("count"))-shift)
			m["parts"] = p
		}
		if last {
			m["complete"] = true
		}
		out.Send(0, m)
	}
	if hasPartsKey && last && len(res.objects) == 0 {
		out.Send(0, engine.Msg{"complete": true})
	}
	return nil
}

func orEmpty(a []any) []any {
	if a == nil {
		return []any{}
	}
	return a
}

func stringOr(v any) string {
	if v == nil {
		return ""
	}
	return engine.ToString(v)
}

// keysOf is Object.keys(v) for a row.
func keysOf(v any) []string {
	switch t := v.(type) {
	case *engine.Object:
		return t.Keys()
	case map[string]any:
		return engine.SortedKeys(t)
	case engine.Msg:
		return engine.SortedKeys(t)
	case []any:
		keys := make([]string, len(t))
		for i := range t {
			keys[i] = engine.FormatNumber(float64(i))
		}
		return keys
	}
	return []string{""}
}

// ensureString is RED.util.ensureString.
func ensureString(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case []byte:
		return string(t)
	case *engine.Object, map[string]any, []any, nil, engine.Msg:
		s, _ := stringifyJSON(t, "")
		return s
	}
	return engine.ToString(v)
}

func hasTemplate(t []string) bool {
	return len(t) > 0 && !(len(t) == 1 && t[0] == "")
}

// columnsToTemplate parses a column list strictly, as one CSV row
// separated by commas; ok is false when it is not exactly one row.
func columnsToTemplate(cols string) ([]string, bool) {
	res, err := csvParse([]rune(cols), csvOptions{sep: ",", headerRow: true, arrays: true, strict: true})
	if err != nil {
		return []string{""}, false
	}
	if len(res.rows) != 1 {
		return []string{""}, true
	}
	return res.headers, true
}

// templateToColumns is the msg.columns text: non-empty names, quoted as
// needed, joined by commas.
func templateToColumns(t []string) string {
	var cols []string
	for _, h := range t {
		if h != "" {
			cols = append(cols, quoteCell(h, ","))
		}
	}
	return strings.Join(cols, ",")
}

// quoteCell quotes a cell holding a quote, the separator or a line break,
// doubling its quotes.
func quoteCell(cell, sep string) string {
	if !strings.ContainsRune(cell, csvQuote) && !strings.Contains(cell, sep) && !strings.ContainsAny(cell, "\r\n") {
		return cell
	}
	return `"` + strings.ReplaceAll(cell, `"`, `""`) + `"`
}

type csvOptions struct {
	cursor       int
	sep          string
	headersOnly  bool
	headers      []string
	headerRow    bool // the first row holds the column names
	arrays       bool // output rows as arrays
	parseNumbers bool
	includeNull  bool
	includeEmpty bool
	strict       bool
}

type csvResult struct {
	headers []string
	rows    [][]any // cells: string or nil (an empty unquoted cell)
	objects []any
	cursor  int
}

// csvError is a parse error with its position.
type csvError struct{ msg string }

func (e csvError) Error() string { return e.msg }

var skipNumberConversion = regexp.MustCompile(`^ *(\+|-0\d|0\d)`)

// csvParse is Node-RED's RFC 4180 parser (nodes/core/parsers/lib/csv).
func csvParse(in []rune, o csvOptions) (csvResult, error) {
	var (
		cell     strings.Builder
		cellLen  int
		row      []any
		rows     [][]any
		newCell  = true
		inQuote  bool
		closed   bool
		cursor   = o.cursor
		sepRunes = []rune(o.sep)
	)
	isSep := func(c rune) bool { return len(sepRunes) == 1 && c == sepRunes[0] }
	finishCell := func() {
		s := cell.String()
		cell.Reset()
		cellLen = 0
		switch {
		case s != "":
			row = append(row, s)
		case newCell:
			row = append(row, nil)
		default:
			row = append(row, "")
		}
	}
	push := func(c rune) { cell.WriteRune(c); cellLen++ }
	finishRow := func() {
		if cellLen > 0 {
			finishCell()
		}
		if len(row) > 0 {
			rows = append(rows, row)
			row = nil
		}
	}
	at := func(i int) rune {
		if i < len(in) {
			return in[i]
		}
		return -1
	}
	for cursor < len(in) {
		c := in[cursor]
		if inQuote {
			switch {
			case c == csvQuote && at(cursor+1) == csvQuote:
				push(csvQuote)
				cursor += 2
				newCell, closed = false, false
			case c == csvQuote:
				inQuote = false
				cursor++
				newCell, closed = false, true
			default:
				push(c)
				newCell, closed = false, false
				cursor++
			}
			continue
		}
		switch {
		case isSep(c):
			finishCell()
			cursor++
			newCell, closed = true, false
		case c == csvQuote:
			if newCell {
				inQuote = true
				cursor++
				newCell, closed = false, false
			} else if o.strict {
				return csvResult{}, csvError{"Quote found in the middle of an unquoted field"}
			} else {
				cursor++
				if next := at(cursor); next != -1 && next != '\n' && next != '\r' && !isSep(next) {
					push(c)
					if next == csvQuote {
						cursor++
					}
				}
			}
		case c == '\n' || c == '\r':
			finishRow()
			if at(cursor+1) == '\n' {
				cursor += 2
			} else {
				cursor++
			}
			newCell, closed = true, false
			if o.headersOnly {
				goto done
			}
		default:
			if closed {
				if o.strict {
					return csvResult{}, csvError{"Data found after closing quote"}
				}
				cursor--
				closed = false
			} else {
				push(c)
				newCell = false
				cursor++
			}
		}
	}
	if o.strict && inQuote {
		return csvResult{}, csvError{"Missing quote, unclosed cell"}
	}
	finishRow()
done:
	res := csvResult{cursor: cursor}
	headers := append([]string(nil), o.headers...)
	firstIsHeader := false
	if len(rows) >= 1 && len(o.headers) == 0 {
		if o.headerRow {
			for _, c := range rows[0] {
				s, _ := c.(string)
				headers = append(headers, s)
			}
			firstIsHeader = true
		} else {
			for i := range rows[0] {
				headers = append(headers, "col"+engine.FormatNumber(float64(i+1)))
			}
		}
	}
	res.headers = headers
	if o.arrays || o.headersOnly {
		res.rows = rows
		return res, nil
	}
	start := 0
	if firstIsHeader {
		start = 1
	}
	for _, r := range rows[start:] {
		obj := engine.NewObject(len(headers))
		for j, h := range headers {
			if h == "" {
				continue
			}
			var v any
			if j < len(r) {
				v = r[j]
			}
			s, isStr := v.(string)
			switch {
			case v == nil && !o.includeNull:
				continue
			case isStr && s == "" && !o.includeEmpty:
				continue
			case isStr && s != "" && o.parseNumbers && !skipNumberConversion.MatchString(s):
				if f := jsNumber(s); !math.IsNaN(f) {
					v = f
				}
			}
			obj.Set(h, v)
		}
		if obj.Len() > 0 {
			res.objects = append(res.objects, obj)
		}
	}
	return res, nil
}

// jsNumber is JavaScript's unary + on a string: decimal, hex, octal and
// binary literals, Infinity, and blank text as 0.
func jsNumber(s string) float64 {
	t := strings.TrimSpace(s)
	if len(t) > 2 && t[0] == '0' {
		base := 0
		switch t[1] {
		case 'b', 'B':
			base = 2
		case 'o', 'O':
			base = 8
		}
		if base != 0 {
			var n float64
			for _, c := range t[2:] {
				d := int(c - '0')
				if d < 0 || d >= base {
					return math.NaN()
				}
				n = n*float64(base) + float64(d)
			}
			return n
		}
	}
	return engine.ToNumber(t)
}
