package network

import (
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/flowgate/flowgate/engine"
)

// This file holds what Express 4's response does on the way out (res.set,
// res.send, res.cookie), shared by the router and the http response node.

// writeReply writes rep as Express's res.send finishes a response: a weak
// ETag, 304 for a fresh conditional GET, no body for 204/304/205 and HEAD.
func writeReply(w http.ResponseWriter, r *http.Request, rep *reply) {
	h := w.Header()
	for k, vs := range rep.header {
		h[k] = vs
	}
	status, body := rep.status, rep.body
	if !rep.empty {
		if h.Get("ETag") == "" {
			h.Set("ETag", weakETag(body))
		}
		h.Set("Content-Length", strconv.Itoa(len(body)))
		if fresh(r, status, h) {
			status = http.StatusNotModified
		}
	}
	switch status {
	case http.StatusNoContent, http.StatusNotModified:
		h.Del("Content-Type")
		h.Del("Content-Length")
		h.Del("Transfer-Encoding")
		body = nil
	case http.StatusResetContent:
		h.Set("Content-Length", "0")
		h.Del("Transfer-Encoding")
		body = nil
	}
	w.WriteHeader(status)
	if r.Method != http.MethodHead && len(body) > 0 {
		_, _ = w.Write(body)
	}
}

// writeBody sends body with a content type, as res.send does.
func writeBody(w http.ResponseWriter, r *http.Request, status int, ctype string, body []byte) {
	h := http.Header{}
	h.Set("Content-Type", ctype)
	writeReply(w, r, &reply{status: status, header: h, body: body})
}

// weakETag is the etag package's weak tag: length in hex and the first 27
// characters of the base64 SHA-1 of the body.
func weakETag(body []byte) string {
	if len(body) == 0 {
		return `W/"0-2jmj7l5rSw0yVb/vlWAYkK/YBwk"`
	}
	sum := sha1.Sum(body)
	return `W/"` + strconv.FormatInt(int64(len(body)), 16) + "-" + base64.StdEncoding.EncodeToString(sum[:])[:27] + `"`
}

var noCache = regexp.MustCompile(`(?:^|,)\s*?no-cache\s*?(?:,|$)`)

// fresh is Express's req.fresh (the fresh package) for If-None-Match.
func fresh(r *http.Request, status int, h http.Header) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	if (status < 200 || status >= 300) && status != http.StatusNotModified {
		return false
	}
	noneMatch := r.Header.Get("If-None-Match")
	if noneMatch == "" || noCache.MatchString(r.Header.Get("Cache-Control")) {
		return false
	}
	if noneMatch == "*" {
		return true
	}
	etag := h.Get("ETag")
	for _, m := range strings.Split(noneMatch, ",") {
		m = strings.TrimSpace(m)
		if m == etag || m == "W/"+etag || "W/"+m == etag {
			return true
		}
	}
	return false
}

var charsetParam = regexp.MustCompile(`(?i);\s*charset\s*=`)

// setHeader is Express's res.set(field, value): values as strings (arrays
// as repeated headers), a charset added to text and JSON content types.
func setHeader(h http.Header, field string, value any) {
	if arr, ok := value.([]any); ok {
		h.Del(field)
		for _, e := range arr {
			h.Add(field, engine.ToString(e))
		}
		return
	}
	v := engine.ToString(value)
	if strings.EqualFold(field, "Content-Type") && !charsetParam.MatchString(v) {
		base := strings.ToLower(strings.TrimSpace(strings.Split(v, ";")[0]))
		if strings.HasPrefix(base, "text/") || strings.HasPrefix(base, "application/javascript") || strings.HasPrefix(base, "application/json") {
			v += "; charset=utf-8"
		}
	}
	h.Set(field, v)
}

// withCharset is res.send's setCharset(type, "utf-8"): replaces or adds
// the charset parameter.
func withCharset(ctype string) string {
	parts := strings.Split(ctype, ";")
	out := []string{strings.TrimSpace(parts[0])}
	for _, p := range parts[1:] {
		k, _, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(strings.TrimSpace(k), "charset") || strings.TrimSpace(p) == "" {
			continue
		}
		out = append(out, strings.TrimSpace(p))
	}
	out = append(out, "charset=utf-8")
	return strings.Join(out, "; ")
}

// setCookies applies msg.cookies as Node-RED's http response node: null or
// {value: null} clears, an object sets with options, anything else sets
// the value as text. Set-Cookie lines follow the object's key order.
func setCookies(h http.Header, cookies *engine.Object, now time.Time) error {
	for name, c := range cookies.All() {
		var line string
		var err error
		switch c.(type) {
		case nil:
			line, err = cookieLine(name, "", engine.ObjectOf("expires", time.UnixMilli(1), "path", "/"), now)
		case *engine.Object, map[string]any:
			t, _ := engine.AsObject(c)
			if v, has := t.Get("value"); has && v == nil {
				opts := engine.ObjectOf("expires", time.UnixMilli(1), "path", "/")
				for k, v := range t.All() {
					opts.Set(k, v)
				}
				line, err = cookieLine(name, "", opts, now)
				break
			}
			val, has := t.Get("value")
			text := "undefined"
			switch {
			case !has:
			case isObject(val):
				js, _ := engine.JSONString(val, "")
				text = "j:" + js
			default:
				text = engine.ToString(val)
			}
			line, err = cookieLine(name, text, t, now)
		default:
			line, err = cookieLine(name, engine.ToString(c), nil, now)
		}
		if err != nil {
			return err
		}
		h.Add("Set-Cookie", line)
	}
	return nil
}

func isObject(v any) bool {
	switch v.(type) {
	case *engine.Object, map[string]any, []any, engine.Msg:
		return true
	}
	return false
}

// cookieLine is Express's res.cookie with the cookie package's serialize.
func cookieLine(name, value string, opts *engine.Object, now time.Time) (string, error) {
	get := func(k string) (any, bool) {
		v, ok := opts.Get(k)
		return v, ok && v != nil
	}
	var b strings.Builder
	b.WriteString(name + "=" + encodeURIComponent(value))
	expires, hasExpires := get("expires")
	if ma, ok := get("maxAge"); ok {
		f := engine.ToNumber(ma)
		if !math.IsNaN(f) {
			if math.IsInf(f, 0) {
				return "", fmt.Errorf("option maxAge is invalid")
			}
			expires, hasExpires = now.Add(time.Duration(f)*time.Millisecond), true
			fmt.Fprintf(&b, "; Max-Age=%d", int64(math.Floor(f/1000)))
		}
	}
	if d, ok := get("domain"); ok {
		b.WriteString("; Domain=" + engine.ToString(d))
	}
	path := "/"
	if p, ok := get("path"); ok {
		path = engine.ToString(p)
	}
	b.WriteString("; Path=" + path)
	if hasExpires {
		t, ok := expires.(time.Time)
		if !ok {
			return "", fmt.Errorf("option expires is invalid")
		}
		b.WriteString("; Expires=" + t.UTC().Format(http.TimeFormat))
	}
	if v, ok := get("httpOnly"); ok && engine.Truthy(v) {
		b.WriteString("; HttpOnly")
	}
	if v, ok := get("secure"); ok && engine.Truthy(v) {
		b.WriteString("; Secure")
	}
	if v, ok := get("partitioned"); ok && engine.Truthy(v) {
		b.WriteString("; Partitioned")
	}
	if v, ok := get("priority"); ok {
		switch strings.ToLower(engine.ToString(v)) {
		case "low":
			b.WriteString("; Priority=Low")
		case "medium":
			b.WriteString("; Priority=Medium")
		case "high":
			b.WriteString("; Priority=High")
		default:
			return "", fmt.Errorf("option priority is invalid")
		}
	}
	if v, ok := get("sameSite"); ok {
		s, isStr := v.(string)
		switch {
		case v == true:
			b.WriteString("; SameSite=Strict")
		case isStr && strings.EqualFold(s, "lax"):
			b.WriteString("; SameSite=Lax")
		case isStr && strings.EqualFold(s, "strict"):
			b.WriteString("; SameSite=Strict")
		case isStr && strings.EqualFold(s, "none"):
			b.WriteString("; SameSite=None")
		case v == false:
		default:
			return "", fmt.Errorf("option sameSite is invalid")
		}
	}
	return b.String(), nil
}

// encodeURIComponent is JavaScript's encodeURIComponent.
func encodeURIComponent(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-_.!~*'()", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}
