package jsvm

import (
	_ "embed"
	"net"
	"net/url"
	"strings"
	"sync"

	"github.com/dop251/goja"
	"golang.org/x/net/idna"
)

//go:embed url.js
var urlSource string

var (
	urlOnce    sync.Once
	urlProgram *goja.Program // compiled once; immutable after
)

// installURL puts URL and URLSearchParams (WHATWG, as Node's) on the
// global object, built on first use: url.js on a Go parser.
func (vm *VM) installURL() {
	var built *goja.Object
	build := func() *goja.Object {
		if built != nil {
			return built
		}
		urlOnce.Do(func() { urlProgram = goja.MustCompile("url.js", urlSource, true) })
		v, err := vm.rt.RunProgram(urlProgram)
		if err != nil {
			panic(err)
		}
		fn, _ := goja.AssertFunction(v)
		r, err := fn(goja.Undefined(), vm.rt.ToValue(vm.parseURL))
		if err != nil {
			panic(err)
		}
		built = r.ToObject(vm.rt)
		return built
	}
	vm.lazyGlobal("URL", func() goja.Value { return build().Get("URL") })
	vm.lazyGlobal("URLSearchParams", func() goja.Value { return build().Get("URLSearchParams") })
}

var specialPorts = map[string]string{"http:": "80", "https:": "443", "ws:": "80", "wss:": "443", "ftp:": "21", "file:": ""}

// parseURL parses input against an optional base into the parts of a
// WHATWG URL; it throws TypeError "Invalid URL" as Node does.
func (vm *VM) parseURL(call goja.FunctionCall) goja.Value {
	invalid := func() goja.Value {
		e := vm.rt.NewTypeError("Invalid URL")
		_ = e.Set("code", "ERR_INVALID_URL")
		_ = e.Set("input", call.Argument(0).String())
		panic(e)
	}
	clean := func(s string) string {
		s = strings.Trim(s, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\t\n\x0b\x0c\r\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ")
		return strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(s)
	}
	in := clean(call.Argument(0).String())
	var u *url.URL
	var err error
	if b := call.Argument(1); !goja.IsUndefined(b) {
		base, berr := url.Parse(clean(b.String()))
		if berr != nil || base.Scheme == "" {
			return invalid()
		}
		var ref *url.URL
		ref, err = url.Parse(strings.ReplaceAll(in, "\\", "/"))
		if err == nil {
			u = base.ResolveReference(ref)
		}
	} else {
		u, err = url.Parse(in)
	}
	if err != nil || u.Scheme == "" {
		return invalid()
	}
	proto := strings.ToLower(u.Scheme) + ":"
	defPort, special := specialPorts[proto]
	host := strings.ToLower(u.Hostname())
	if special && proto != "file:" && host == "" {
		return invalid()
	}
	if host != "" && !strings.HasPrefix(u.Host, "[") {
		if h, herr := idna.Lookup.ToASCII(host); herr == nil {
			host = h
		} else if special {
			return invalid()
		}
	} else if strings.HasPrefix(u.Host, "[") {
		if net.ParseIP(host) == nil {
			return invalid()
		}
		host = "[" + host + "]"
	}
	port := u.Port()
	if port == defPort && special {
		port = ""
	}
	path := u.EscapedPath()
	if u.Opaque != "" {
		path = u.Opaque
	} else if special {
		path = removeDots(path)
		if path == "" {
			path = "/"
		}
	}
	user, pass := "", ""
	if u.User != nil {
		user = u.User.Username()
		pass, _ = u.User.Password()
	}
	search := ""
	if u.RawQuery != "" {
		search = "?" + strings.ReplaceAll(u.RawQuery, " ", "%20")
	}
	hash := ""
	if u.Fragment != "" {
		hash = "#" + u.EscapedFragment()
	}
	o := vm.rt.NewObject()
	for _, kv := range [][2]string{{"protocol", proto}, {"username", user}, {"password", pass}, {"hostname", host}, {"port", port},
		{"pathname", path}, {"search", search}, {"hash", hash}} {
		_ = o.Set(kv[0], kv[1])
	}
	_ = o.Set("special", special)
	_ = o.Set("opaque", u.Opaque != "")
	return o
}

// removeDots removes . and .. segments from a path (RFC 3986 5.2.4).
func removeDots(p string) string {
	if !strings.Contains(p, ".") {
		return p
	}
	segs := strings.Split(p, "/")
	var out []string
	for i, s := range segs {
		last := i == len(segs)-1
		switch strings.ToLower(s) {
		case ".", "%2e":
			if last {
				out = append(out, "")
			}
		case "..", ".%2e", "%2e.", "%2e%2e":
			if len(out) > 1 {
				out = out[:len(out)-1]
			}
			if last {
				out = append(out, "")
			}
		default:
			out = append(out, s)
		}
	}
	return strings.Join(out, "/")
}
