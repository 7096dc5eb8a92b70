package mustache

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/engine"
)

// The expected outputs were produced by mustache.js 4.2.0 (the version
// Node-RED 4 ships) rendering the same template and view.
func TestRender(t *testing.T) {
	tests := []struct {
		name, template, view, want string
	}{
		{"variable", "Hello {{name}}!", "{\"name\": \"World\"}", "Hello World!"},
		{"escaped", "{{v}}", "{\"v\": \"&<>\\\"'/`=x\"}", "&amp;&lt;&gt;&quot;&#39;&#x2F;&#x60;&#x3D;x"},
		{"triple unescaped", "{{{v}}}", "{\"v\": \"<b>&</b>\"}", "<b>&</b>"},
		{"ampersand unescaped", "{{& v}}", "{\"v\": \"<b>\"}", "<b>"},
		{"dotted", "{{a.b.c}}", "{\"a\": {\"b\": {\"c\": 5}}}", "5"},
		{"dotted missing", "[{{a.x.c}}]", "{\"a\": {\"b\": 1}}", "[]"},
		{"number", "{{n}} {{f}} {{big}} {{small}}", "{\"n\": 3, \"f\": 1.5, \"big\": 1e+21, \"small\": 1e-07}", "3 1.5 1e+21 1e-7"},
		{"bool and null", "{{t}}|{{f}}|{{z}}|{{u}}", "{\"t\": true, \"f\": false, \"z\": null}", "true|false||"},
		{"object and array", "{{o}}|{{a}}|{{{a}}}", "{\"o\": {\"x\": 1}, \"a\": [1, \"b\", null, [2, 3], {\"y\": 1}]}", "[object Object]|1,b,,2,3,[object Object]|1,b,,2,3,[object Object]"},
		{"array length", "{{a.length}} {{s.length}} {{a.1}} {{s.0}}", "{\"a\": [1, 2, 3], \"s\": \"héllo\"}", "3 5 2 h"},
		{"section list", "{{#items}}<{{name}}>{{/items}}", "{\"items\": [{\"name\": \"a\"}, {\"name\": \"b\"}]}", "<a><b>"},
		{"section dot", "{{#items}}{{.}},{{/items}}", "{\"items\": [1, 2, 3]}", "1,2,3,"},
		{"section object", "{{#o}}{{x}}-{{y}}{{/o}}", "{\"o\": {\"x\": 1}, \"y\": 2}", "1-2"},
		{"section bool", "{{#t}}yes{{/t}}{{#f}}no{{/f}}", "{\"t\": true, \"f\": false}", "yes"},
		{"section zero and empty", "{{#z}}z{{/z}}{{#e}}e{{/e}}{{#ea}}ea{{/ea}}{{#eo}}eo{{/eo}}", "{\"z\": 0, \"e\": \"\", \"ea\": [], \"eo\": {}}", "eo"},
		{"section string pushes", "{{#s}}{{.}}/{{length}}{{/s}}", "{\"s\": \"abc\"}", "abc/"},
		{"section number pushes", "{{#n}}[{{.}}]{{/n}}", "{\"n\": 42}", "[42]"},
		{"inverted", "{{^a}}none{{/a}}{{^b}}x{{/b}}{{^c}}empty{{/c}}{{^m}}missing{{/m}}", "{\"a\": false, \"b\": true, \"c\": []}", "noneemptymissing"},
		{"comment", "a{{! this is ignored }}b", "{}", "ab"},
		{"standalone lines", "start\n  {{#list}}\n  - {{.}}\n  {{/list}}\nend\n", "{\"list\": [1, 2]}", "start\n  - 1\n  - 2\nend\n"},
		{"standalone comment", "a\n{{! c }}\nb", "{}", "a\nb"},
		{"not standalone", "  {{#t}} x {{/t}}  \n", "{\"t\": true}", "   x   \n"},
		{"crlf standalone", "a\r\n{{#t}}\r\nb\r\n{{/t}}\r\n", "{\"t\": true}", "a\r\nb\r\n"},
		{"set delimiters", "{{=<% %>=}}<% a %> {{a}} <%={{ }}=%>{{a}}", "{\"a\": 1}", "1 {{a}} 1"},
		{"whitespace in tags", "{{  a  }}|{{{ a }}}|{{& a}}", "{\"a\": \"<\"}", "&lt;|<|<"},
		{"nested sections parent lookup", "{{#outer}}{{#inner}}{{a}}{{b}}{{c}}{{/inner}}{{/outer}}", "{\"outer\": {\"a\": 1, \"inner\": [{\"b\": 2}, {\"b\": 3}]}, \"c\": 4}", "124134"},
		{"dotted through parent", "{{#list}}{{top.x}}{{/list}}", "{\"list\": [1], \"top\": {\"x\": \"T\"}}", "T"},
		{"dotted on primitive hit", "{{#list}}{{s.length}}{{/list}}", "{\"list\": [{\"s\": \"ab\"}]}", "2"},
		{"unicode", "{{a}}é🎉{{b}}", "{\"a\": \"ü\", \"b\": \"🎉\"}", "üé🎉🎉"},
		{"buffer-like array index", "{{a.0.b}}", "{\"a\": [{\"b\": \"x\"}]}", "x"},
		{"empty template", "", "{}", ""},
		{"no tags", "plain text", "{}", "plain text"},
		{"lone braces", "{ a } }} x", "{}", "{ a } }} x"},
		{"nested lists", "{{#a}}[{{#.}}{{.}}{{/.}}]{{/a}}", "{\"a\": [[1, 2], [3]]}", "[12][3]"},
		{"partial ignored", "a{{> p}}b", "{}", "ab"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			view, err := engine.DecodeJSON([]byte(tt.view))
			if err != nil {
				t.Fatal(err)
			}
			tmpl, err := Parse(tt.template)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			got := tmpl.Render(func(name string) (any, bool) {
				if name == "." {
					return view, true
				}
				return Property(view, name)
			})
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Render mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ name, template, want string }{
		{"unclosed tag", "{{a", "Unclosed tag at 3"},
		{"trailing open", "x {{", "Unclosed tag at 4"},
		{"unclosed section", "{{#a}}x", "Unclosed section \"a\" at 7"},
		{"unopened section", "x{{/a}}", "Unopened section \"a\" at 1"},
		{"mismatched section", "{{#a}}{{/b}}", "Unclosed section \"a\" at 6"},
		{"invalid tags", "{{=<%=}}", "Invalid tags: <%"},
		{"unclosed tag unicode pos", "éé{{a", "Unclosed tag at 5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.template)
			if err == nil {
				t.Fatalf("Parse(%q) succeeded, want error %q", tt.template, tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("Parse(%q) error = %q, want %q", tt.template, err, tt.want)
			}
		})
	}
}

func TestRenderNested(t *testing.T) {
	tests := []struct {
		name, template, want string
	}{
		{"top level", "{{a}}", "a:false"},
		{"inside bool section", "{{#t}}{{a}}{{/t}}", "a:false"},
		{"inside pushed section", "{{#o}}{{a}}{{/o}}", "a:true"},
		{"found in pushed value", "{{#o}}{{x}}{{/o}}", "1"},
	}
	view := engine.ObjectOf("t", true, "o", engine.ObjectOf("x", 1.0))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl, err := Parse(tt.template)
			if err != nil {
				t.Fatal(err)
			}
			got := tmpl.RenderNested(func(name string, nested bool) (any, bool) {
				if v, ok := Property(view, name); ok {
					return v, true
				}
				return name + ":" + map[bool]string{true: "true", false: "false"}[nested], true
			})
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestEscapeHTML(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"all specials", "&<>\"'/`=", "&amp;&lt;&gt;&quot;&#39;&#x2F;&#x60;&#x3D;"},
		{"plain", "abc é", "abc é"},
		{"already escaped", "&amp;", "&amp;amp;"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := EscapeHTML(tt.in); got != tt.want {
				t.Errorf("EscapeHTML(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
