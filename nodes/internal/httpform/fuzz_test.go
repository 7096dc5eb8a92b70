package httpform

import (
	"testing"

	"github.com/flowgate/flowgate/engine"
)

// FuzzQuery checks that the qs parser never panics with either option set
// and that what it returns is JSON-encodable (and can be stringified back).
func FuzzQuery(f *testing.F) {
	for _, s := range []string{
		"", "a=1", "a=1&a=2", "a[]=1&a[]=2", "x[y][z]=3", "s=a+b", "e", "=1",
		"a=%20%41", "z=%ZZ", "a%5Bb%5D=c", "u[1]=x&u[0]=y", "n[1001]=x",
		"m[]=1&m=2", "p=1&p[q]=2", "__proto__=1", "d[a][b][c][d][e][f][g]=1",
		"a[1]=b&a=c", "a[=1", "a]=1", "a[b=1", "[]=1", "a[][]=1", "a[0][b]=1&a[0]=c",
		"a=%E0%A4%A", "a=%C0%80", "&&&", "a[999999999999999999999]=1", "a[-1]=x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for name, parse := range map[string]func(string) (*engine.Object, error){
			"query": func(s string) (*engine.Object, error) { return Parse(s, Query) },
			"body":  ParseBody,
		} {
			out, err := parse(s)
			if err != nil {
				continue
			}
			if out == nil {
				t.Fatalf("%s %q: nil map without error", name, s)
			}
			if _, err := engine.JSONString(out, ""); err != nil {
				t.Fatalf("%s %q: output not JSON-encodable: %v (%#v)", name, s, err, out)
			}
			_ = Stringify(out)
		}
		DecodeURIComponent(s)
	})
}
