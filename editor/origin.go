package editor

import (
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
)

// Cross-site requests. A page on any web site can make a visitor's
// browser send GET, HEAD and POST requests with a form, multipart or
// text/plain body to Flowgate without asking first (no CORS preflight).
// Two rules keep such pages out of the admin API:
//
//   - a request whose Origin is not this server's (or that a browser marks
//     Sec-Fetch-Site: cross-site) is refused with 403, unless the origin is
//     listed in Options.AdminOrigins;
//   - a write whose body is not application/json is refused with 415:
//     a browser sends a JSON body across sites only after a preflight,
//     which Flowgate never grants.
//
// Requests without Origin and Sec-Fetch-Site (curl, node-red-admin,
// scripts) are not from a browser page and pass the first rule.

// originPolicy decides which browser origins may use the admin API.
type originPolicy struct {
	allowed map[string]bool // normalised origins; "*" allows every one
}

func newOriginPolicy(origins []string) originPolicy {
	p := originPolicy{allowed: map[string]bool{}}
	for _, o := range origins {
		p.allowed[normOrigin(o)] = true
	}
	return p
}

// normOrigin lower-cases an origin and drops a trailing slash, so that
// "https://GW.example/" in the settings matches the browser's
// "https://gw.example".
func normOrigin(o string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(o)), "/")
}

// refusal returns why r comes from a page the policy does not admit, or
// "" when it may go on.
func (p originPolicy) refusal(r *http.Request) string {
	origin := r.Header.Get("Origin")
	if origin == "" {
		if r.Header.Get("Sec-Fetch-Site") == "cross-site" && !isNavigation(r) {
			return "cross-site request"
		}
		return ""
	}
	if p.allowed["*"] || p.allowed[normOrigin(origin)] {
		return ""
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "origin " + quoteShort(origin) + " is not an http(s) origin"
	}
	if strings.EqualFold(u.Host, r.Host) {
		return ""
	}
	return "origin " + quoteShort(origin) + " is not this server (" + quoteShort(r.Host) + ") and not in adminOrigins"
}

// allows reports whether r may go on (a websocket upgrader's CheckOrigin).
func (p originPolicy) allows(r *http.Request) bool { return p.refusal(r) == "" }

// isNavigation reports a top-level GET or HEAD navigation (a link the
// user followed): it cannot read the answer nor change anything.
func isNavigation(r *http.Request) bool {
	return (r.Method == http.MethodGet || r.Method == http.MethodHead) && r.Header.Get("Sec-Fetch-Mode") == "navigate"
}

// sameOrigin refuses admin API requests from pages of other origins.
func (s *Server) sameOrigin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if why := s.origins.refusal(c.Request()); why != "" {
			s.o.Log.Warn("cross-origin admin request refused", "method", c.Request().Method, "path", c.Request().URL.Path, "remote", c.Request().RemoteAddr, "reason", why)
			return errorf(http.StatusForbidden, "cross_origin", "%s: the admin API answers pages of this server only", why)
		}
		return next(c)
	}
}

// jsonBody refuses a write whose Content-Type is set and is not
// application/json, and a body without a Content-Type: those are what a
// cross-site form or a no-cors fetch can send.
func jsonBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		ct := r.Header.Get("Content-Type")
		if ct == "" && r.ContentLength == 0 {
			return next(c) // no body: POST /inject/:id, DELETE /flow/:id
		}
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			if ct == "" {
				ct = "none"
			}
			return errorf(http.StatusUnsupportedMediaType, "unsupported_media_type", "request body must be application/json, got Content-Type %s", quoteShort(ct))
		}
		return next(c)
	}
}

// quoteShort quotes s for a log line or an error, cut to 64 bytes: user
// input must not make either grow without bound.
func quoteShort(s string) string { return strconv.Quote(clip(s)) }

// clip cuts s to 64 bytes for a log line, marking the cut with its length.
func clip(s string) string {
	const most = 64
	if len(s) <= most {
		return s
	}
	return s[:most] + "… (" + strconv.Itoa(len(s)) + " bytes)"
}
