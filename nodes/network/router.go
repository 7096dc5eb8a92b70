package network

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/nodes/internal/httpform"
)

// Default limits of http in requests, Node-RED's.
const (
	// DefaultMaxBodyBytes is Node-RED's default apiMaxLength ("5mb").
	DefaultMaxBodyBytes = 5 << 20
	// DefaultResponseTimeout is how long a request waits for its http
	// response node (Node's classic 120 s socket timeout).
	DefaultResponseTimeout = 120 * time.Second
)

// Router is the route table of http in nodes. It implements
// engine.HTTPRouter (nodes register and remove routes) and http.Handler (the
// runtime mounts it on the editor's listener for every request the admin API
// does not serve). Routes follow Express 4: `:param` and `:param?` segments,
// `*` wildcards, case-insensitive, an optional trailing slash, HEAD served by
// GET routes, the first registered matching route wins, and "Cannot GET /x"
// with 404 when none matches.
//
// Lookups are lock-free: the table is copy-on-write and swapped atomically,
// so a deploy that replaces routes never blocks requests in flight.
//
// Set the exported fields before serving; they are read, never written, by
// the router and its http in nodes.
type Router struct {
	// MaxBodyBytes limits request bodies (Node-RED's apiMaxLength); 0
	// means DefaultMaxBodyBytes. Larger bodies get 413.
	MaxBodyBytes int64
	// ResponseTimeout is how long an http in request waits for an http
	// response node before it is answered 503; 0 means
	// DefaultResponseTimeout.
	ResponseTimeout time.Duration

	mu     sync.Mutex // serialises writers of table and nextID
	nextID uint64
	table  atomic.Pointer[[]*route]
}

// route is one registered handler.
type route struct {
	id      uint64
	method  string // upper case; "ALL" matches every method
	pattern string
	re      *regexp.Regexp
	keys    []routeKey // the named groups of re, in order
	h       http.Handler
}

type routeKey struct {
	group string // regexp group name
	name  string // the Express param name (a number for unnamed groups)
}

// routeInfo is what the router hands to a matched handler in the request
// context.
type routeInfo struct {
	params *engine.Object
	router *Router
}

type routeInfoKey struct{}

// Route implements engine.HTTPRouter. method is an HTTP method in any case
// ("get", "post", ...; "all" for every method) and path an Express 4 route
// path. The returned function removes the route; it is idempotent.
func (rt *Router) Route(method, path string, h http.Handler) (func(), error) {
	if h == nil {
		return nil, fmt.Errorf("route %s %s: no handler", method, path)
	}
	method = strings.ToUpper(strings.TrimSpace(method))
	if method == "" || strings.ContainsFunc(method, func(r rune) bool { return r < 'A' || r > 'Z' }) {
		return nil, fmt.Errorf("route %s: invalid method %q", path, method)
	}
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	re, keys, err := compileRoute(path)
	if err != nil {
		return nil, fmt.Errorf("route %s %s: %w", method, path, err)
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.nextID++
	r := &route{id: rt.nextID, method: method, pattern: path, re: re, keys: keys, h: h}
	old := rt.routes()
	next := make([]*route, len(old), len(old)+1)
	copy(next, old)
	next = append(next, r)
	rt.table.Store(&next)
	return func() { rt.remove(r.id) }, nil
}

func (rt *Router) remove(id uint64) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	old := rt.routes()
	next := make([]*route, 0, len(old))
	for _, r := range old {
		if r.id != id {
			next = append(next, r)
		}
	}
	if len(next) != len(old) {
		rt.table.Store(&next)
	}
}

func (rt *Router) routes() []*route {
	if t := rt.table.Load(); t != nil {
		return *t
	}
	return nil
}

// ServeHTTP dispatches to the first route matching the method and path.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := requestPath(r)
	var allow []string
	for _, rte := range rt.routes() {
		m := rte.re.FindStringSubmatch(path)
		if m == nil {
			continue
		}
		if !rte.handles(r.Method) {
			allow = appendMethods(allow, rte.method)
			continue
		}
		params := engine.NewObject(len(rte.keys))
		for _, k := range rte.keys {
			v := m[rte.re.SubexpIndex(k.group)]
			if v == "" {
				continue
			}
			dec, ok := httpform.DecodeURIComponent(v)
			if !ok {
				sendError(w, http.StatusBadRequest, "Failed to decode param &#39;"+html.EscapeString(v)+"&#39;")
				return
			}
			params.Set(k.name, dec)
		}
		ctx := context.WithValue(r.Context(), routeInfoKey{}, &routeInfo{params: params, router: rt})
		rte.h.ServeHTTP(w, r.WithContext(ctx))
		return
	}
	if r.Method == http.MethodOptions && len(allow) > 0 {
		body := strings.Join(allow, ",")
		w.Header().Set("Allow", body)
		writeBody(w, r, http.StatusOK, "text/html; charset=utf-8", []byte(body))
		return
	}
	sendError(w, http.StatusNotFound, "Cannot "+html.EscapeString(r.Method)+" "+html.EscapeString(path))
}

func (rte *route) handles(method string) bool {
	switch {
	case rte.method == "ALL" || rte.method == method:
		return true
	case method == http.MethodHead:
		return rte.method == http.MethodGet
	}
	return false
}

// appendMethods adds a route's methods to an Allow list (GET brings HEAD),
// without duplicates.
func appendMethods(list []string, method string) []string {
	add := []string{method}
	if method == http.MethodGet {
		add = append(add, http.MethodHead)
	}
	for _, m := range add {
		found := false
		for _, e := range list {
			found = found || e == m
		}
		if !found {
			list = append(list, m)
		}
	}
	return list
}

// requestPath is the raw path of the request target, as Express matches it.
func requestPath(r *http.Request) string {
	if uri := r.RequestURI; strings.HasPrefix(uri, "/") {
		if i := strings.IndexByte(uri, '?'); i >= 0 {
			uri = uri[:i]
		}
		return uri
	}
	return r.URL.EscapedPath()
}

// sendError answers as Express's finalhandler does (production mode: the
// status text, never a stack trace).
func sendError(w http.ResponseWriter, status int, msg string) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Type", "text/html; charset=utf-8")
	body := "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Error</title>\n</head>\n<body>\n<pre>" + msg + "</pre>\n</body>\n</html>\n"
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// routeToken finds what path-to-regexp 0.1 rewrites in an Express path.
var routeToken = regexp.MustCompile(`\\.|(/)?(\.)?:(\w+)(\(.*?\))?(\*)?(\?)?|[.*]|/\(`)

// compileRoute translates an Express 4 route path (path-to-regexp 0.1) into
// a case-insensitive Go regexp whose named groups are the route's params.
// Literal text before a param in the same segment is not excluded from the
// param as path-to-regexp's lookahead does (Go has no lookahead).
func compileRoute(path string) (*regexp.Regexp, []routeKey, error) {
	var keys []routeKey
	unnamed := 0
	group := func(name string) string {
		g := "p" + strconv.Itoa(len(keys))
		if name == "" {
			name = strconv.Itoa(unnamed)
			unnamed++
		}
		keys = append(keys, routeKey{group: g, name: name})
		return g
	}
	var b strings.Builder
	last := 0
	for _, loc := range routeToken.FindAllStringSubmatchIndex(path, -1) {
		b.WriteString(path[last:loc[0]])
		last = loc[1]
		match := path[loc[0]:loc[1]]
		sub := func(i int) string {
			if loc[2*i] < 0 {
				return ""
			}
			return path[loc[2*i]:loc[2*i+1]]
		}
		switch {
		case match[0] == '\\':
			b.WriteString(match)
		case match == ".":
			b.WriteString(`\.`)
		case match == "*":
			b.WriteString("(?P<" + group("") + ">.*)")
		case match == "/(":
			b.WriteString("/(?:")
		default:
			slash, format, key, capture, star, optional := sub(1), sub(2), sub(3), sub(4), sub(5), sub(6)
			if format != "" {
				format = `\.`
			}
			g := group(key)
			if capture != "" {
				capture = "(?P<" + g + ">" + strings.Replace(capture[1:len(capture)-1], "*", ".*", 1) + ")"
			} else {
				capture = "(?P<" + g + ">[^/" + format + "]+?)"
			}
			b.WriteString("(?:" + format + slash + capture)
			if star != "" {
				b.WriteString("(?P<" + group("") + ">(?:[/" + format + "].+?)?)")
			}
			b.WriteString(")" + optional)
		}
	}
	b.WriteString(path[last:])
	src := b.String()
	if strings.HasSuffix(src, "/") {
		src += "?"
	} else {
		src += "/?"
	}
	re, err := regexp.Compile("(?i)^" + src + "$")
	if err != nil {
		return nil, nil, err
	}
	return re, keys, nil
}
