package editor

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"
)

// DefaultMaxBodyBytes is the request body limit when Options.MaxBodyBytes
// is zero: Node-RED's default apiMaxLength (5 MiB).
const DefaultMaxBodyBytes = 5 << 20

// Options configures a Server.
type Options struct {
	// Backend is the runtime; required.
	Backend Backend
	// Log receives the server's own log lines; nil discards them.
	Log *slog.Logger
	// Web is the built editor (index.html at its root); nil when the
	// editor is not built, and GET / then explains how to build it.
	Web fs.FS
	// Fallback serves every request the admin API and the editor files do
	// not own: the routes of http in nodes. nil answers 404.
	Fallback http.Handler
	// MaxBodyBytes limits the body of every write request; 0 means
	// DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Auth is the adminAuth; nil leaves the admin API open.
	Auth *Auth
	// Metrics serves GET /metrics (read permission); nil: no route.
	Metrics http.Handler
	// APIs are Flowgate's own admin APIs by path prefix ("/api/data"):
	// each serves its prefix and everything below it, behind the admin
	// login (read permission for GET and HEAD, write for the rest).
	APIs map[string]http.Handler
	// Version is reported by GET /settings unless the backend's settings
	// carry their own "version".
	Version string
	// AdminOrigins are the browser origins ("https://gw.example:8443")
	// besides this server's own that may use the admin API and /comms,
	// e.g. behind a reverse proxy that rewrites Host; "*" admits every
	// origin. See origin.go.
	AdminOrigins []string
}

// Server is the editor's HTTP side: the admin API, the /comms websocket
// and the editor files, with everything else passed to Options.Fallback.
// It implements http.Handler; Close it to stop the websocket hub.
type Server struct {
	o       Options
	e       *echo.Echo
	hub     *Hub
	origins originPolicy
}

// New returns a Server for o and starts its websocket hub.
func New(o Options) *Server {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.Fallback == nil {
		o.Fallback = http.HandlerFunc(cannot)
	}
	s := &Server{o: o, hub: newHub(o.Log, o.Backend.Statuses), origins: newOriginPolicy(o.AdminOrigins)}
	if o.Auth != nil {
		s.hub.auth = o.Auth.Check
	}
	s.hub.upgrader.CheckOrigin = s.origins.allows
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	s.e = e

	// r: read routes; w: routes that may carry a body (JSON only) and
	// change things. Every admin route refuses other sites' pages
	// (sameOrigin); /auth/token and /auth/revoke take Node-RED's form
	// bodies too.
	g := s.sameOrigin
	r := func(h echo.HandlerFunc) echo.HandlerFunc { return g(s.authRead(h)) }
	w := func(h echo.HandlerFunc) echo.HandlerFunc { return g(s.authWrite(jsonBody(s.limit(h)))) }
	e.GET("/auth/login", g(s.getAuthLogin))
	e.POST("/auth/token", g(s.limit(s.postAuthToken)))
	e.POST("/auth/revoke", r(s.limit(s.postAuthRevoke)))
	e.GET("/flows", r(s.getFlows))
	e.POST("/flows", w(s.postFlows))
	e.GET("/flows/state", r(s.getFlowsState))
	e.POST("/flows/state", w(s.postFlowsState))
	e.POST("/flow", w(s.postFlow))
	e.GET("/flow/:id", r(s.getFlow))
	e.PUT("/flow/:id", w(s.putFlow))
	e.DELETE("/flow/:id", w(s.deleteFlow))
	e.GET("/nodes", r(s.getNodes))
	e.POST("/nodes", w(s.postNodes))
	e.GET("/nodes/:module", r(s.getNodeModule))
	e.PUT("/nodes/:module", w(s.putNodeModule))
	e.DELETE("/nodes/:module", w(s.deleteNodeModule))
	e.GET("/nodes/:module/:set", r(s.getNodeSet))
	e.PUT("/nodes/:module/:set", w(s.putNodeSet))
	e.GET("/api/specs", r(s.getSpecs))
	e.GET("/diagnostics", r(s.getDiagnostics))
	e.GET("/settings", r(s.getSettings))
	e.GET("/credentials/:type/:id", r(s.getCredentials))
	e.POST("/inject/:id", w(s.postInject))
	e.POST("/debug/:state", w(s.postDebugBulk))
	e.POST("/debug/:id/:state", w(s.postDebug))
	e.GET("/healthz", s.getHealth)
	e.GET("/readyz", s.getReady)
	if o.Metrics != nil {
		e.GET("/metrics", r(echo.WrapHandler(o.Metrics)))
	}
	for prefix, h := range o.APIs {
		read, write := r(echo.WrapHandler(h)), w(echo.WrapHandler(h))
		for _, p := range []string{prefix, prefix + "/*"} {
			e.GET(p, read)
			e.HEAD(p, read)
			for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
				e.Add(m, p, write)
			}
		}
	}
	e.GET("/comms", echo.WrapHandler(s.hub))
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.e.ServeHTTP(w, r) }

// Hub returns the /comms hub; give it to the engine as its engine.Events.
func (s *Server) Hub() *Hub { return s.hub }

// Close stops the hub and disconnects every /comms client. The HTTP API
// keeps answering; new websocket upgrades are refused.
func (s *Server) Close() { s.hub.Close() }

// apiError is an admin API error response: Node-RED's {code, message},
// plus the problems of an invalid deployment.
type apiError struct {
	status   int
	Code     string `json:"code"`
	Message  string `json:"message"`
	Problems any    `json:"problems,omitempty"`
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func errorf(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// handleError renders handler errors, and sends requests the router does
// not know (no route, or no route for the method) to the editor files or
// the fallback, so that http in nodes may own any path and method the
// admin API leaves free.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	if err == echo.ErrNotFound || err == echo.ErrMethodNotAllowed { //nolint:errorlint // the router's own sentinels, unwrapped
		s.serveOther(c.Response(), c.Request())
		return
	}
	var ae *apiError
	if !errors.As(err, &ae) {
		var he *echo.HTTPError
		if errors.As(err, &he) {
			ae = errorf(he.Code, "unexpected_error", "%v", he.Message)
		} else {
			ae = errorf(http.StatusInternalServerError, "unexpected_error", "%v", err)
		}
	}
	if ae.status >= 500 {
		s.o.Log.Error("admin api", "method", c.Request().Method, "path", c.Request().URL.Path, "err", ae.Message)
	}
	_ = writeJSON(c, ae.status, ae)
}

// limit applies Options.MaxBodyBytes to a write route: a declared length
// over the limit is refused at once, and reading past it fails with a
// *http.MaxBytesError that readBody turns into 413.
func (s *Server) limit(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.ContentLength > s.o.MaxBodyBytes {
			return s.tooLarge()
		}
		r.Body = http.MaxBytesReader(c.Response(), r.Body, s.o.MaxBodyBytes)
		return next(c)
	}
}

func (s *Server) tooLarge() *apiError {
	return errorf(http.StatusRequestEntityTooLarge, "request_too_large", "request body larger than %d bytes", s.o.MaxBodyBytes)
}

// readBody reads the whole request body within the limit.
func (s *Server) readBody(c echo.Context) ([]byte, error) {
	b, err := io.ReadAll(c.Request().Body)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, s.tooLarge()
	}
	if err != nil {
		return nil, errorf(http.StatusBadRequest, "bad_request", "read request body: %v", err)
	}
	return b, nil
}

// decodeJSON decodes a small request body into v. A syntax error is an
// "invalid_json" *apiError naming line and column; a value of the wrong
// shape is "invalid_request". An empty body leaves v unchanged.
func decodeJSON(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	err := json.Unmarshal(body, v)
	if err == nil {
		return nil
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off := int(se.Offset)
		if off >= len(body) {
			off++ // the end of the input: point just past it
		}
		line, col := lineCol(body, off)
		return errorf(http.StatusBadRequest, "invalid_json", "invalid JSON at line %d, column %d: %v", line, col, err)
	}
	return errorf(http.StatusBadRequest, "invalid_request", "%v", err)
}

// lineCol converts a byte offset (as json.SyntaxError reports it, just
// past the offending byte) to a 1-based line and column.
func lineCol(data []byte, off int) (int, int) {
	off = max(0, min(off-1, len(data)))
	line, start := 1, 0
	for i, b := range data[:off] {
		if b == '\n' {
			line, start = line+1, i+1
		}
	}
	return line, len([]rune(string(data[start:off]))) + 1
}

// writeJSON answers with v as JSON, without HTML escaping, the way
// Express's res.json does.
func writeJSON(c echo.Context, status int, v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	return writeRawJSON(c, status, bytes.TrimSuffix(b.Bytes(), []byte("\n")))
}

// writeRawJSON answers with already encoded JSON.
func writeRawJSON(c echo.Context, status int, body []byte) error {
	c.Response().Header().Set("X-Content-Type-Options", "nosniff")
	return c.Blob(status, "application/json; charset=utf-8", body)
}

// sendStatus answers like Express's res.sendStatus: the status text as
// plain text.
func sendStatus(c echo.Context, status int) error {
	return c.Blob(status, "text/plain; charset=utf-8", []byte(http.StatusText(status)))
}

// param returns the unescaped path parameter name.
func param(c echo.Context, name string) string {
	v := c.Param(name)
	if u, err := url.PathUnescape(v); err == nil {
		return u
	}
	return v
}

// cannot is the 404 of a request nobody serves, worded as Express's.
func cannot(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusNotFound)
	_, _ = io.WriteString(w, "Cannot "+r.Method+" "+strings.ReplaceAll(r.URL.Path, "\n", "")+"\n")
}
