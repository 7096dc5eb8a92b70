package jsonschema

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/flowgate/flowgate/engine"
)

// Schema is a compiled schema; safe for concurrent use once compiled.
type Schema struct {
	root  any
	nodes map[string]*node // compiled subschemas by their schema path
}

// node is one compiled subschema.
type node struct {
	path   string // schema path, "#/properties/a"
	always *bool  // a boolean schema
	obj    *engine.Object
	ref    *node
	re     *regexp.Regexp            // pattern
	props  map[string]*regexp.Regexp // patternProperties
	sub    map[string]*node          // applicator subschemas by keyword path below path
}

// known are the keywords ajv 8's default (draft-07) vocabularies define.
var known = map[string]bool{
	"$schema": true, "$id": true, "$ref": true, "$comment": true, "definitions": true, "$defs": true,
	"title": true, "description": true, "default": true, "examples": true, "readOnly": true, "writeOnly": true, "deprecated": true,
	"contentMediaType": true, "contentEncoding": true, "contentSchema": true, "nullable": true,
	"type": true, "enum": true, "const": true, "multipleOf": true, "maximum": true, "exclusiveMaximum": true,
	"minimum": true, "exclusiveMinimum": true, "maxLength": true, "minLength": true, "pattern": true, "format": true,
	"items": true, "additionalItems": true, "maxItems": true, "minItems": true, "uniqueItems": true, "contains": true,
	"maxProperties": true, "minProperties": true, "required": true, "properties": true, "patternProperties": true,
	"additionalProperties": true, "dependencies": true, "propertyNames": true,
	"if": true, "then": true, "else": true, "allOf": true, "anyOf": true, "oneOf": true, "not": true,
}

// metaSchemas are the $schema values ajv knows (draft-07, and draft-06 that
// Node-RED adds).
var metaSchemas = map[string]bool{
	"http://json-schema.org/draft-07/schema": true, "http://json-schema.org/draft-07/schema#": true,
	"http://json-schema.org/draft-06/schema": true, "http://json-schema.org/draft-06/schema#": true,
}

// Compile compiles a schema (an object or a boolean), refusing what ajv
// refuses.
func Compile(schema any) (*Schema, error) {
	s := &Schema{root: schema, nodes: map[string]*node{}}
	if o, ok := engine.AsObject(schema); ok {
		if v, has := o.Get("$schema"); has {
			if str, _ := v.(string); !metaSchemas[str] {
				return nil, fmt.Errorf("no schema with key or ref %q", engine.ToString(v))
			}
		}
	}
	if _, err := s.compile(schema, "#"); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Schema) compile(v any, path string) (*node, error) {
	if n, ok := s.nodes[path]; ok {
		return n, nil
	}
	n := &node{path: path, sub: map[string]*node{}}
	s.nodes[path] = n
	if b, ok := v.(bool); ok {
		n.always = &b
		return n, nil
	}
	o, ok := engine.AsObject(v)
	if !ok {
		return nil, fmt.Errorf("schema at %s must be object or boolean", path)
	}
	n.obj = o
	for k, kv := range o.All() {
		if !known[k] {
			return nil, fmt.Errorf("strict mode: unknown keyword: %q", k)
		}
		var err error
		switch k {
		case "$ref":
			ref, _ := kv.(string)
			target, tpath, found := s.resolve(ref)
			if !found {
				return nil, fmt.Errorf("can't resolve reference %s from id #", ref)
			}
			n.ref, err = s.compile(target, tpath)
		case "format":
			return nil, fmt.Errorf("unknown format %q ignored in schema at path %q", engine.ToString(kv), path)
		case "pattern":
			n.re, err = engine.CompileJSRegexp(engine.ToString(kv), false)
		case "not", "if", "then", "else", "contains", "propertyNames", "additionalItems", "additionalProperties":
			if _, isBool := kv.(bool); k == "additionalItems" || k == "additionalProperties" {
				if isBool {
					break
				}
			}
			n.sub[k], err = s.compile(kv, path+"/"+k)
		case "items":
			if list, isList := kv.([]any); isList {
				for i, e := range list {
					key := k + "/" + strconv.Itoa(i)
					if n.sub[key], err = s.compile(e, path+"/"+key); err != nil {
						break
					}
				}
			} else {
				n.sub[k], err = s.compile(kv, path+"/"+k)
			}
		case "allOf", "anyOf", "oneOf":
			list, _ := kv.([]any)
			for i, e := range list {
				key := k + "/" + strconv.Itoa(i)
				if n.sub[key], err = s.compile(e, path+"/"+key); err != nil {
					break
				}
			}
		case "properties", "patternProperties", "dependencies", "definitions", "$defs":
			po, _ := engine.AsObject(kv)
			if po == nil {
				break
			}
			for pk, pv := range po.All() {
				if k == "dependencies" {
					if _, isList := pv.([]any); isList {
						continue
					}
				}
				if k == "patternProperties" {
					re, rerr := engine.CompileJSRegexp(pk, false)
					if rerr != nil {
						return nil, rerr
					}
					if n.props == nil {
						n.props = map[string]*regexp.Regexp{}
					}
					n.props[pk] = re
				}
				key := k + "/" + escapePointer(pk)
				if n.sub[key], err = s.compile(pv, path+"/"+k+"/"+fragment(pk)); err != nil {
					break
				}
			}
		}
		if err != nil {
			return nil, err
		}
	}
	return n, nil
}

// resolve finds a local reference ("#", "#/definitions/a").
func (s *Schema) resolve(ref string) (any, string, bool) {
	if ref == "#" {
		return s.root, "#", true
	}
	rest, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil, "", false
	}
	v := s.root
	for _, seg := range strings.Split(rest, "/") {
		seg = strings.ReplaceAll(strings.ReplaceAll(seg, "~1", "/"), "~0", "~")
		switch t := v.(type) {
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(t) {
				return nil, "", false
			}
			v = t[i]
		default:
			o, isObj := engine.AsObject(t)
			if !isObj {
				return nil, "", false
			}
			if v, ok = o.Get(seg); !ok {
				return nil, "", false
			}
		}
	}
	return v, ref, true
}

// fragment is a key as ajv writes it in a schema path: a JSON pointer
// segment, URI-encoded (encodeURIComponent).
func fragment(s string) string {
	var b strings.Builder
	for _, c := range []byte(escapePointer(s)) {
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-_.!~*'()", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// Validate returns ajv's errors for v (nil when v is valid), each an object
// {instancePath, schemaPath, keyword, params, message}.
func (s *Schema) Validate(v any) []any {
	var c checker
	c.validate(s.nodes["#"], v, "")
	return c.errs
}

// Text is ajv.errorsText(errors): "data<path> <message>, ...".
func Text(errs []any) string {
	parts := make([]string, 0, len(errs))
	for _, e := range errs {
		o, _ := engine.AsObject(e)
		parts = append(parts, "data"+engine.ToString(o.Value("instancePath"))+" "+engine.ToString(o.Value("message")))
	}
	return strings.Join(parts, ", ")
}

type checker struct{ errs []any }

func (c *checker) fail(n *node, inst, keyword string, params *engine.Object, message string) {
	if params == nil {
		params = engine.NewObject(0)
	}
	sp := n.path + "/" + keyword
	c.errs = append(c.errs, engine.ObjectOf("instancePath", inst, "schemaPath", sp, "keyword", keyword, "params", params, "message", message))
}

// sub validates v against a subschema, returning whether it passed.
func (c *checker) sub(n *node, key string, v any, inst string) bool {
	before := len(c.errs)
	c.validate(n.sub[key], v, inst)
	return len(c.errs) == before
}

func (c *checker) validate(n *node, v any, inst string) {
	if n == nil {
		return
	}
	if n.always != nil {
		if !*n.always {
			c.fail(n, inst, "false schema", nil, "boolean schema is false")
		}
		return
	}
	o := n.obj
	if n.ref != nil {
		c.validate(n.ref, v, inst)
	}
	if t, ok := o.Get("type"); ok {
		c.checkType(n, t, v, inst)
	}
	c.anyKeywords(n, v, inst)
	switch t := v.(type) {
	case float64:
		c.numberKeywords(n, t, inst)
	case string:
		c.stringKeywords(n, t, inst)
	case []any:
		c.arrayKeywords(n, t, inst)
	default:
		if obj, isObj := engine.AsObject(v); isObj {
			c.objectKeywords(n, obj, inst)
		}
	}
}

func typeOf(v any) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64:
		if t == math.Trunc(t) && !math.IsInf(t, 0) {
			return "integer"
		}
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	}
	if _, ok := engine.AsObject(v); ok {
		return "object"
	}
	return "unknown"
}

func (c *checker) checkType(n *node, want any, v any, inst string) {
	got := typeOf(v)
	matches := func(t string) bool { return t == got || t == "number" && got == "integer" }
	ok := false
	var names []string
	switch w := want.(type) {
	case string:
		ok, names = matches(w), []string{w}
	case []any:
		for _, e := range w {
			s := engine.ToString(e)
			names = append(names, s)
			ok = ok || matches(s)
		}
	}
	if !ok && got == "null" && n.obj.Value("nullable") == true {
		ok = true
	}
	if !ok {
		c.fail(n, inst, "type", engine.ObjectOf("type", engine.CloneValue(want)), "must be "+strings.Join(names, ","))
	}
}

func (c *checker) anyKeywords(n *node, v any, inst string) {
	o := n.obj
	if k, ok := o.Get("const"); ok && !equal(k, v) {
		c.fail(n, inst, "const", engine.ObjectOf("allowedValue", engine.CloneValue(k)), "must be equal to constant")
	}
	if e, ok := o.Get("enum"); ok {
		list, _ := e.([]any)
		found := false
		for _, x := range list {
			found = found || equal(x, v)
		}
		if !found {
			c.fail(n, inst, "enum", engine.ObjectOf("allowedValues", engine.CloneValue(e)), "must be equal to one of the allowed values")
		}
	}
	if _, ok := o.Get("not"); ok {
		before := len(c.errs)
		passed := c.sub(n, "not", v, inst)
		c.errs = c.errs[:before]
		if passed {
			c.fail(n, inst, "not", nil, "must NOT be valid")
		}
	}
	if list, ok := o.Value("anyOf").([]any); ok {
		before := len(c.errs)
		passed := false
		for i := range list {
			if c.sub(n, "anyOf/"+strconv.Itoa(i), v, inst) {
				passed = true
			}
		}
		if passed {
			c.errs = c.errs[:before]
		} else {
			c.fail(n, inst, "anyOf", nil, "must match a schema in anyOf")
		}
	}
	if list, ok := o.Value("oneOf").([]any); ok {
		// as ajv: the second passing schema fails the keyword and ends it
		before := len(c.errs)
		valid, passing := false, any(nil)
		for i := range list {
			sv := c.sub(n, "oneOf/"+strconv.Itoa(i), v, inst)
			if sv && valid {
				valid, passing = false, []any{passing, float64(i)}
				break
			}
			if sv {
				valid, passing = true, float64(i)
			}
		}
		if valid {
			c.errs = c.errs[:before]
		} else {
			c.fail(n, inst, "oneOf", engine.ObjectOf("passingSchemas", passing), "must match exactly one schema in oneOf")
		}
	}
	if list, ok := o.Value("allOf").([]any); ok {
		for i := range list {
			c.sub(n, "allOf/"+strconv.Itoa(i), v, inst)
		}
	}
	if _, ok := o.Get("if"); ok {
		_, hasThen := o.Get("then")
		_, hasElse := o.Get("else")
		if hasThen || hasElse {
			before := len(c.errs)
			cond := c.sub(n, "if", v, inst)
			c.errs = c.errs[:before]
			clause := "else"
			if cond {
				clause = "then"
			}
			if (clause == "then" && hasThen || clause == "else" && hasElse) && !c.sub(n, clause, v, inst) {
				c.fail(n, inst, "if", engine.ObjectOf("failingKeyword", clause), `must match "`+clause+`" schema`)
			}
		}
	}
}

func num(o *engine.Object, k string) (float64, bool) {
	f, ok := o.Value(k).(float64)
	return f, ok
}

func (c *checker) numberKeywords(n *node, v float64, inst string) {
	for _, k := range []struct {
		kw, cmp string
		ok      func(v, l float64) bool
	}{
		{"maximum", "<=", func(v, l float64) bool { return v <= l }},
		{"minimum", ">=", func(v, l float64) bool { return v >= l }},
		{"exclusiveMaximum", "<", func(v, l float64) bool { return v < l }},
		{"exclusiveMinimum", ">", func(v, l float64) bool { return v > l }},
	} {
		if l, has := num(n.obj, k.kw); has && !k.ok(v, l) {
			c.fail(n, inst, k.kw, engine.ObjectOf("comparison", k.cmp, "limit", l), "must be "+k.cmp+" "+engine.FormatNumber(l))
		}
	}
	if m, has := num(n.obj, "multipleOf"); has {
		if r := v / m; r != math.Trunc(r) {
			c.fail(n, inst, "multipleOf", engine.ObjectOf("multipleOf", m), "must be multiple of "+engine.FormatNumber(m))
		}
	}
}

func (c *checker) stringKeywords(n *node, v string, inst string) {
	length := float64(utf8.RuneCountInString(v))
	if l, has := num(n.obj, "maxLength"); has && length > l {
		c.fail(n, inst, "maxLength", engine.ObjectOf("limit", l), "must NOT have more than "+engine.FormatNumber(l)+" characters")
	}
	if l, has := num(n.obj, "minLength"); has && length < l {
		c.fail(n, inst, "minLength", engine.ObjectOf("limit", l), "must NOT have fewer than "+engine.FormatNumber(l)+" characters")
	}
	if n.re != nil && !n.re.MatchString(v) {
		p := engine.ToString(n.obj.Value("pattern"))
		c.fail(n, inst, "pattern", engine.ObjectOf("pattern", p), `must match pattern "`+p+`"`)
	}
}

func (c *checker) arrayKeywords(n *node, v []any, inst string) {
	o := n.obj
	count := float64(len(v))
	if l, has := num(o, "maxItems"); has && count > l {
		c.fail(n, inst, "maxItems", engine.ObjectOf("limit", l), "must NOT have more than "+engine.FormatNumber(l)+" items")
	}
	if l, has := num(o, "minItems"); has && count < l {
		c.fail(n, inst, "minItems", engine.ObjectOf("limit", l), "must NOT have fewer than "+engine.FormatNumber(l)+" items")
	}
	if o.Value("uniqueItems") == true {
		if i, j, dup := duplicate(o, v); dup {
			c.fail(n, inst, "uniqueItems", engine.ObjectOf("i", float64(i), "j", float64(j)),
				fmt.Sprintf("must NOT have duplicate items (items ## %d and %d are identical)", j, i))
		}
	}
	items, hasItems := o.Get("items")
	if tuple, isTuple := items.([]any); hasItems && isTuple {
		if add, has := o.Get("additionalItems"); has && len(v) > len(tuple) {
			if add == false {
				l := float64(len(tuple))
				c.fail(n, inst, "additionalItems", engine.ObjectOf("limit", l), "must NOT have more than "+engine.FormatNumber(l)+" items")
			} else if _, isBool := add.(bool); !isBool {
				for i := len(tuple); i < len(v); i++ {
					c.sub(n, "additionalItems", v[i], inst+"/"+strconv.Itoa(i))
				}
			}
		}
		for i := range min(len(tuple), len(v)) {
			c.sub(n, "items/"+strconv.Itoa(i), v[i], inst+"/"+strconv.Itoa(i))
		}
	} else if hasItems {
		for i, e := range v {
			c.sub(n, "items", e, inst+"/"+strconv.Itoa(i))
		}
	}
	if _, has := o.Get("contains"); has {
		before := len(c.errs)
		found := false
		for i, e := range v {
			if c.sub(n, "contains", e, inst+"/"+strconv.Itoa(i)) {
				found = true
			}
		}
		if found {
			c.errs = c.errs[:before]
		} else {
			c.fail(n, inst, "contains", engine.ObjectOf("minContains", 1.0), "must contain at least 1 valid item(s)")
		}
	}
}

// duplicate finds two equal items as ajv's uniqueItems does: from the end,
// with an index of scalars when items declares scalar types.
func duplicate(o *engine.Object, v []any) (i, j int, found bool) {
	if scalarItems(o) {
		seen := map[string]int{}
		for i := len(v) - 1; i >= 0; i-- {
			key := typeOf(v[i]) + ":" + engine.ToString(v[i])
			if j, ok := seen[key]; ok {
				return i, j, true
			}
			seen[key] = i
		}
		return 0, 0, false
	}
	for i := len(v) - 1; i > 0; i-- {
		for j := i - 1; j >= 0; j-- {
			if equal(v[i], v[j]) {
				return i, j, true
			}
		}
	}
	return 0, 0, false
}

func scalarItems(o *engine.Object) bool {
	items, ok := engine.AsObject(o.Value("items"))
	if !ok {
		return false
	}
	var types []string
	switch t := items.Value("type").(type) {
	case string:
		types = []string{t}
	case []any:
		for _, e := range t {
			types = append(types, engine.ToString(e))
		}
	}
	for _, t := range types {
		if t == "object" || t == "array" {
			return false
		}
	}
	return len(types) > 0
}

func (c *checker) objectKeywords(n *node, v *engine.Object, inst string) {
	o := n.obj
	count := float64(v.Len())
	if l, has := num(o, "maxProperties"); has && count > l {
		c.fail(n, inst, "maxProperties", engine.ObjectOf("limit", l), "must NOT have more than "+engine.FormatNumber(l)+" properties")
	}
	if l, has := num(o, "minProperties"); has && count < l {
		c.fail(n, inst, "minProperties", engine.ObjectOf("limit", l), "must NOT have fewer than "+engine.FormatNumber(l)+" properties")
	}
	if req, ok := o.Value("required").([]any); ok {
		for _, r := range req {
			name := engine.ToString(r)
			if !v.Has(name) {
				c.fail(n, inst, "required", engine.ObjectOf("missingProperty", name), "must have required property '"+name+"'")
			}
		}
	}
	if _, has := o.Get("propertyNames"); has {
		for _, k := range v.Keys() {
			before := len(c.errs)
			if !c.sub(n, "propertyNames", k, inst) {
				for _, e := range c.errs[before:] {
					e.(*engine.Object).Set("propertyName", k)
				}
				c.fail(n, inst, "propertyNames", engine.ObjectOf("propertyName", k), "property name must be valid")
			}
		}
	}
	props, _ := engine.AsObject(o.Value("properties"))
	if add, has := o.Get("additionalProperties"); has {
		for _, k := range v.Keys() {
			if props != nil && props.Has(k) || n.matchesPattern(k) {
				continue
			}
			if add == false {
				c.fail(n, inst, "additionalProperties", engine.ObjectOf("additionalProperty", k), "must NOT have additional properties")
			} else if _, isBool := add.(bool); !isBool {
				c.sub(n, "additionalProperties", v.Value(k), inst+"/"+escapePointer(k))
			}
		}
	}
	if deps, ok := engine.AsObject(o.Value("dependencies")); ok {
		// as ajv: the property lists first, then the schemas
		for dk, dv := range deps.All() {
			list, isList := dv.([]any)
			if !isList || !v.Has(dk) {
				continue
			}
			names := make([]string, len(list))
			for i, e := range list {
				names[i] = engine.ToString(e)
			}
			word := "properties"
			if len(names) == 1 {
				word = "property"
			}
			for _, name := range names {
				if !v.Has(name) {
					c.fail(n, inst, "dependencies", engine.ObjectOf("property", dk, "missingProperty", name, "depsCount", float64(len(names)), "deps", strings.Join(names, ", ")),
						"must have "+word+" "+strings.Join(names, ", ")+" when property "+dk+" is present")
				}
			}
		}
		for dk, dv := range deps.All() {
			if _, isList := dv.([]any); !isList && v.Has(dk) {
				c.sub(n, "dependencies/"+escapePointer(dk), v, inst)
			}
		}
	}
	if props != nil {
		for pk := range props.All() {
			if pv, has := v.Get(pk); has {
				c.sub(n, "properties/"+escapePointer(pk), pv, inst+"/"+escapePointer(pk))
			}
		}
	}
	if pp, ok := engine.AsObject(o.Value("patternProperties")); ok {
		for pk := range pp.All() {
			for _, k := range v.Keys() {
				if n.props[pk].MatchString(k) {
					c.sub(n, "patternProperties/"+escapePointer(pk), v.Value(k), inst+"/"+escapePointer(k))
				}
			}
		}
	}
}

func (n *node) matchesPattern(k string) bool {
	for _, re := range n.props {
		if re.MatchString(k) {
			return true
		}
	}
	return false
}

// equal is ajv's deep equality (fast-deep-equal): objects by their keys in
// any order.
func equal(a, b any) bool {
	if ao, ok := engine.AsObject(a); ok {
		bo, ok := engine.AsObject(b)
		if !ok || ao.Len() != bo.Len() {
			return false
		}
		for k, av := range ao.All() {
			bv, has := bo.Get(k)
			if !has || !equal(av, bv) {
				return false
			}
		}
		return true
	}
	if al, ok := a.([]any); ok {
		bl, ok := b.([]any)
		if !ok || len(al) != len(bl) {
			return false
		}
		for i := range al {
			if !equal(al[i], bl[i]) {
				return false
			}
		}
		return true
	}
	switch b.(type) {
	case []any, *engine.Object, map[string]any, engine.Msg:
		return false
	}
	return a == b
}
